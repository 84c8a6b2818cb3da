/**
 * End-to-end: with default settings (no irsaRegions) the IRSA check reads CloudTrail wherever the account's EKS
 * clusters are. Pods call their cluster's regional STS endpoint by default, so a denial of a cluster in
 * ap-northeast-1 is logged there, a region that is neither the checker's (us-west-2) nor us-east-1. moto serves
 * IAM (the OIDC provider that names the region, the role), DynamoDB, EventBridge and SNS; the CloudTrail stub
 * (support/cloudtrail-stub.ts) serves LookupEvents, which moto lacks, per region.
 */
import type { Finding } from '../../lambdas/core/finding';
import { drainEvents, publishingSinks, TEST_REGION, uniqueName, type TestClients } from './support';
import { useMotoFile } from './support/moto-hooks';
import { type CloudTrailStub } from './support/cloudtrail-stub';
import { IRSA_RULE_PATTERN, runIrsaHandler } from './support/irsa-runner';
import { createWatermarkTable, seedTokyoCluster, TOKYO_CLUSTER } from './support/irsa-seed';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

jest.setTimeout(120_000);

const CLUSTER_REGION = TOKYO_CLUSTER.region;

let clients: TestClients;
let dynamo: DynamoDBClient;
let stub: CloudTrailStub;

useMotoFile({ cloudTrailStub: {} }, (moto) => ({ clients, dynamo, stub } = moto));

async function sinksAndTable() {
  const sinks = await publishingSinks(clients, {
    prefix: uniqueName('irsa-regions'),
    eventBusName: 'tmc-health-irsa-regions',
    // Every finding, checker.error included (the IRSA rule routes irsa.assume-role.denied only).
    eventPattern: { source: IRSA_RULE_PATTERN.source },
  });
  const table = uniqueName('tmc-health-irsa-watermarks');
  await createWatermarkTable(dynamo, table);
  return { sinks, table };
}

test("default settings: a denial in the region of a cluster's OIDC provider is found, and the summary says why each region was read", async () => {
  const arn = await seedTokyoCluster(clients, stub, 3);
  const { sinks, table } = await sinksAndTable();

  // No TMC_HEALTH_IRSA_REGIONS: the stack's defaults.
  const { summary } = await runIrsaHandler({ stub, sinks, regions: [], watermarkTable: table });

  expect(summary.regions.map((region) => [region.region, region.reasons, region.why])).toEqual([
    [TEST_REGION, ['home'], 'the checker runs here'],
    ['us-east-1', ['global-sts'], 'global STS endpoint'],
    [CLUSTER_REGION, ['oidc-provider'], 'EKS OIDC provider'],
  ]);
  expect(summary.regions.find((region) => region.region === CLUSTER_REGION)).toMatchObject({
    complete: true,
    denials: 3,
    watermark: 'saved',
  });
  const problems = (await drainEvents<Finding>(clients, sinks.ruleQueueUrl))
    .map((event) => event.detail)
    .filter((finding) => finding.status !== 'PASS');
  // One problem: the denial. Every read succeeded, no ERROR.
  expect(problems).toHaveLength(1);
  expect(problems[0]).toMatchObject({
    checkId: 'irsa.assume-role.denied',
    status: 'FAIL',
    region: CLUSTER_REGION,
    resource: { arn },
    irsa: { serviceAccount: TOKYO_CLUSTER.denied, count: 3 },
    evidence: { cause: 'sub-mismatch' },
  });
  // The stub was asked for each of the three regions.
  expect(Object.keys(stub.stats().maxAcceptedPerWindow).sort()).toEqual(
    [CLUSTER_REGION, 'us-east-1', TEST_REGION].sort(),
  );
});

test('irsaRegions still overrides: the same denial is not looked for outside the configured regions', async () => {
  await seedTokyoCluster(clients, stub, 3);
  const { sinks, table } = await sinksAndTable();
  const { summary } = await runIrsaHandler({ stub, sinks, regions: [TEST_REGION], watermarkTable: table });
  expect(summary.regions.map((region) => [region.region, region.reasons])).toEqual([
    [TEST_REGION, ['configured']],
  ]);
  expect(summary.denialGroups).toBe(0);
});

test('a cluster region that cannot be read is an ERROR naming the call and the region, never silence', async () => {
  await seedTokyoCluster(clients, stub, 3);
  const { sinks, table } = await sinksAndTable();
  stub.denyRegion(CLUSTER_REGION);
  const { summary } = await runIrsaHandler({ stub, sinks, regions: [], watermarkTable: table });
  expect(summary.failedOperations).toEqual([`${CLUSTER_REGION} cloudtrail:LookupEvents`]);
  expect(summary.regions.find((region) => region.region === CLUSTER_REGION)).toMatchObject({
    reasons: ['oidc-provider'],
    progress: 'failed',
    complete: false,
  });
  const findings = (await drainEvents<Finding>(clients, sinks.ruleQueueUrl)).map((event) => event.detail);
  const errors = findings.filter((finding) => finding.status === 'ERROR');
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatchObject({ checkId: 'checker.error', region: CLUSTER_REGION });
  expect(JSON.stringify(errors[0])).toContain('LookupEvents');
  expect(JSON.stringify(errors[0])).toContain('AccessDeniedException');
});
