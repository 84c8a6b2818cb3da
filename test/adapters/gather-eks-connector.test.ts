/**
 * The EKS Connector adapter (issue 14) against aws-sdk-client-mock: ListClusters with include=all paginated,
 * DescribeCluster per cluster with bounded concurrency, GetRole once per distinct connector role, malformed data
 * counted and skipped, and every failure (AccessDenied first) an ERROR naming the call, never a PASS. Then the
 * credential check's run with the check on: its findings, and regions not fully listed left out of coverage.
 */
import {
  DescribeClusterCommand,
  EKSClient,
  ListClustersCommand,
  ResourceNotFoundException,
  type Cluster,
} from '@aws-sdk/client-eks';
import { GetRoleCommand, IAMClient, NoSuchEntityException } from '@aws-sdk/client-iam';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { runCredentialCheck } from '../../lambdas/app/credential-check';
import { createRegionClients, type RegionClients } from '../../lambdas/adapters/clients';
import {
  createEksConnectorClients,
  type EksConnectorClients,
} from '../../lambdas/adapters/eks-connector-clients';
import { RunDeadline } from '../../lambdas/adapters/deadline';
import {
  clusterArn,
  DESCRIBE_CONCURRENCY,
  gatherEksConnector,
  partitionOfRegion,
} from '../../lambdas/adapters/gather-eks-connector';
import { forwardingSink } from '../../lambdas/app/run-sink';
import type { RunReportForwardInput } from '../../lambdas/adapters/fleet/report-forwarder';
import { checksReading } from '../../lambdas/core/check-reads';
import { evaluateEksConnector } from '../../lambdas/core/eks-connector/evaluate-eks-connector';
import type { Finding } from '../../lambdas/core/finding';
import { checkerSettingsSchema } from '../../lambdas/core/settings';

const ACCOUNT = '111122223333';
const WEST = 'eu-west-1';
const EAST = 'us-east-1';
const NOW = new Date('2026-03-10T12:00:00.000Z');
const ROLE = `arn:aws:iam::${ACCOUNT}:role/eks-connector-agent`;
const TRUST = encodeURIComponent(
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'ssm.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  }),
);

const eks = mockClient(EKSClient);
const iam = mockClient(IAMClient);
const tagging = mockClient(ResourceGroupsTaggingAPIClient);

const awsError = (name: string, message = name) => Object.assign(new Error(message), { name, $metadata: {} });
const clientsFor = (region: string): RegionClients => createRegionClients(region, { maxAttempts: 1 });
const eksConnectorClientsFor = (region: string): EksConnectorClients =>
  createEksConnectorClients(region, { maxAttempts: 1 });
type GetClient = () => { config: { region: () => Promise<string> } };

/** One registered cluster as DescribeCluster answers it. */
function registered(region: string, name: string, status = 'ACTIVE', roleArn = ROLE): Cluster {
  return {
    name,
    arn: clusterArn(region, ACCOUNT, name),
    status: status as Cluster['status'],
    createdAt: new Date('2026-03-01T00:00:00.000Z'),
    connectorConfig: {
      activationId: `${name}-activation`,
      activationExpiry: new Date('2026-03-04T00:00:00.000Z'),
      provider: 'OTHER',
      roleArn,
    },
  };
}

/** Each region's clusters by name (`native` ones have no connectorConfig). */
function account(clusters: Record<string, Record<string, Cluster>>): void {
  eks.on(ListClustersCommand).callsFake(async (_input, getClient: GetClient) => ({
    clusters: Object.keys(clusters[await getClient().config.region()] ?? {}),
  }));
  eks.on(DescribeClusterCommand).callsFake(async (input: { name: string }, getClient: GetClient) => {
    const cluster = clusters[await getClient().config.region()]?.[input.name];
    if (cluster === undefined)
      throw new ResourceNotFoundException({ message: 'No cluster found', $metadata: {} });
    return { cluster };
  });
  iam.on(GetRoleCommand).resolves({
    Role: {
      RoleName: 'eks-connector-agent',
      Arn: ROLE,
      Path: '/',
      RoleId: 'AROAEXAMPLE',
      CreateDate: NOW,
      AssumeRolePolicyDocument: TRUST,
    },
  });
}

const native = (region: string, name: string): Cluster => ({
  name,
  arn: clusterArn(region, ACCOUNT, name),
  status: 'ACTIVE',
  createdAt: NOW,
});

const gather = (regions: readonly string[] = [WEST], deadline?: RunDeadline) =>
  gatherEksConnector({
    accountId: ACCOUNT,
    regions,
    now: NOW,
    clientsFor: eksConnectorClientsFor,
    ...(deadline ? { deadline } : {}),
  });
const evaluate = async (regions: readonly string[] = [WEST]) =>
  evaluateEksConnector(await gather(regions), {
    eksConnectorPendingGraceMinutes: 30,
    runbookBaseUrl: 'docs/checks.md',
  });
const line = (finding: Finding) =>
  `${finding.region} ${finding.checkId} ${finding.resource.name} ${finding.status}`;

beforeEach(() => {
  eks.reset();
  iam.reset();
  tagging.reset();
});

describe('reading', () => {
  it('lists with include=all, describes each cluster, keeps the registered ones and counts the others', async () => {
    account({
      [WEST]: { 'tmc-attached': registered(WEST, 'tmc-attached'), 'eks-own': native(WEST, 'eks-own') },
    });
    const snapshot = await gather();
    expect(eks).toHaveReceivedCommandWith(ListClustersCommand, { include: ['all'], maxResults: 100 });
    expect(eks).toHaveReceivedCommandTimes(DescribeClusterCommand, 2);
    const [west] = snapshot.regions;
    expect(west).toMatchObject({
      listing: { ok: true, value: { clusterCount: 2 } },
      eksClusterCount: 1,
      undescribed: [],
      failures: [],
      succeededOperations: ['eks:DescribeCluster', 'eks:ListClusters', 'iam:GetRole'],
    });
    expect(west!.clusters).toEqual([
      {
        name: 'tmc-attached',
        arn: `arn:aws:eks:${WEST}:${ACCOUNT}:cluster/tmc-attached`,
        status: 'ACTIVE',
        createdAt: '2026-03-01T00:00:00.000Z',
        connectorConfig: {
          activationId: 'tmc-attached-activation',
          activationExpiry: '2026-03-04T00:00:00.000Z',
          provider: 'OTHER',
          roleArn: ROLE,
        },
      },
    ]);
    expect(snapshot.roles[ROLE]).toMatchObject({ ok: true, value: { exists: true } });
  });

  it('follows nextToken until the last page', async () => {
    account({ [WEST]: { a: registered(WEST, 'a'), b: registered(WEST, 'b') } });
    eks
      .on(ListClustersCommand)
      .resolvesOnce({ clusters: ['a'], nextToken: 'page-2' })
      .resolvesOnce({ clusters: ['b'] });
    const snapshot = await gather();
    expect(eks).toHaveReceivedNthCommandWith(2, ListClustersCommand, {
      include: ['all'],
      nextToken: 'page-2',
    });
    expect(snapshot.regions[0]!.clusters.map((cluster) => cluster.name)).toEqual(['a', 'b']);
  });

  it(`describes at most ${DESCRIBE_CONCURRENCY} clusters at once`, async () => {
    const names = Array.from({ length: 17 }, (_, i) => `c${i}`);
    account({ [WEST]: Object.fromEntries(names.map((name) => [name, registered(WEST, name)])) });
    let inFlight = 0;
    let most = 0;
    eks.on(DescribeClusterCommand).callsFake(async (input: { name: string }) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 2));
      inFlight -= 1;
      return { cluster: registered(WEST, input.name) };
    });
    const snapshot = await gather();
    expect(snapshot.regions[0]!.clusters).toHaveLength(17);
    expect(most).toBeLessThanOrEqual(DESCRIBE_CONCURRENCY);
    expect(most).toBeGreaterThan(1);
  });

  it('reads each connector role once per run, whatever the number of clusters and regions using it', async () => {
    account({
      [WEST]: { a: registered(WEST, 'a'), b: registered(WEST, 'b') },
      [EAST]: { c: registered(EAST, 'c') },
    });
    const snapshot = await gather([WEST, EAST]);
    expect(iam).toHaveReceivedCommandTimes(GetRoleCommand, 1);
    expect(iam).toHaveReceivedCommandWith(GetRoleCommand, { RoleName: 'eks-connector-agent' });
    for (const region of snapshot.regions) expect(region.succeededOperations).toContain('iam:GetRole');
  });

  it('counts and skips malformed and repeated names', async () => {
    account({ [WEST]: { a: registered(WEST, 'a') } });
    eks.on(ListClustersCommand).resolves({ clusters: ['a', '', 42, 'a'] as unknown as string[] });
    const [west] = (await gather()).regions;
    expect(west!.clusters.map((cluster) => cluster.name)).toEqual(['a']);
    expect(west!.skipped.map((record) => record.reason)).toEqual([
      'cluster name is not a non-empty string',
      'cluster name is not a non-empty string',
      'cluster listed twice',
    ]);
  });

  it('a cluster deregistered between the listing and its description is gone, not an error', async () => {
    account({ [WEST]: { a: registered(WEST, 'a') } });
    eks.on(ListClustersCommand).resolves({ clusters: ['a', 'deregistered'] });
    const [west] = (await gather()).regions;
    expect(west).toMatchObject({ failures: [], undescribed: [], eksClusterCount: 0 });
    expect(west!.clusters.map((cluster) => cluster.name)).toEqual(['a']);
  });

  it('a deleted role is an observation: exists false', async () => {
    account({ [WEST]: { a: registered(WEST, 'a') } });
    iam
      .on(GetRoleCommand)
      .rejects(new NoSuchEntityException({ message: 'The role cannot be found', $metadata: {} }));
    const findings = await evaluate();
    const role = findings.find((finding) => finding.checkId === 'eks.connector.role-invalid')!;
    expect([role.status, role.evidence.cause]).toEqual(['FAIL', 'role-missing']);
    expect(findings.filter((finding) => finding.status === 'ERROR')).toEqual([]);
  });

  it('the clusters of a cn- region are named in the aws-cn partition', () => {
    expect(partitionOfRegion('cn-north-1')).toBe('aws-cn');
    expect(partitionOfRegion('us-gov-west-1')).toBe('aws-us-gov');
    expect(clusterArn('eu-west-1', ACCOUNT, 'x')).toBe(`arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/x`);
  });
});

describe('failures are ERROR naming the call, never PASS', () => {
  it('AccessDenied on ListClusters: the region reports only the failed call', async () => {
    account({ [WEST]: { a: registered(WEST, 'a') } });
    eks
      .on(ListClustersCommand)
      .rejects(awsError('AccessDeniedException', 'not authorized to perform eks:ListClusters'));
    const findings = await evaluate();
    expect(findings.map(line)).toEqual([`${WEST} checker.error eks:ListClusters ERROR`]);
    expect(findings[0]!.evidence).toMatchObject({ errorNames: ['AccessDeniedException'] });
    expect(eks).not.toHaveReceivedCommand(DescribeClusterCommand);
  });

  it('AccessDenied on DescribeCluster: that cluster is undescribed (unknown), the others are checked', async () => {
    account({ [WEST]: { a: registered(WEST, 'a', 'PENDING'), b: registered(WEST, 'b') } });
    eks
      .on(DescribeClusterCommand, { name: 'a' })
      .rejects(awsError('AccessDeniedException', 'not authorized to perform eks:DescribeCluster'));
    const snapshot = await gather();
    expect(snapshot.regions[0]!.undescribed).toEqual([
      expect.objectContaining({
        name: 'a',
        failure: expect.objectContaining({
          errorName: 'AccessDeniedException',
          resourceArn: clusterArn(WEST, ACCOUNT, 'a'),
        }),
      }),
    ]);
    const findings = evaluateEksConnector(snapshot, {
      eksConnectorPendingGraceMinutes: 30,
      runbookBaseUrl: 'x',
    });
    expect(findings.filter((finding) => finding.resource.name === 'a')).toEqual([]);
    expect(findings.find((finding) => finding.resource.name === 'eks:DescribeCluster')?.status).toBe('ERROR');
    expect(
      findings.filter((finding) => finding.evidence.clusterName === 'b').map((finding) => finding.status),
    ).toEqual(['PASS', 'PASS', 'PASS', 'PASS']);
  });

  it('AccessDenied on GetRole: the role finding of every region using it is ERROR naming iam:GetRole', async () => {
    account({ [WEST]: { a: registered(WEST, 'a') }, [EAST]: { b: registered(EAST, 'b') } });
    iam.on(GetRoleCommand).rejects(awsError('AccessDenied', 'not authorized to perform iam:GetRole'));
    const findings = await evaluate([WEST, EAST]);
    const errors = findings.filter((finding) => finding.status === 'ERROR').map(line);
    expect(errors).toEqual([
      `${WEST} eks.connector.role-invalid eks-connector-agent ERROR`,
      `${WEST} checker.error iam:GetRole ERROR`,
      `${EAST} eks.connector.role-invalid eks-connector-agent ERROR`,
      `${EAST} checker.error iam:GetRole ERROR`,
    ]);
    const role = findings.find((finding) => finding.checkId === 'eks.connector.role-invalid')!;
    expect(role.evidence.error).toMatch(/iam:GetRole failed in eu-west-1 with AccessDenied/);
    // One call for the run: the second region records the same outcome.
    expect(iam).toHaveReceivedCommandTimes(GetRoleCommand, 1);
  });

  it('a role of another account is not read (GetRole by name would read ours): ERROR', async () => {
    const foreign = 'arn:aws:iam::999988887777:role/eks-connector-agent';
    account({ [WEST]: { a: registered(WEST, 'a', 'ACTIVE', foreign) } });
    const findings = await evaluate();
    expect(iam).not.toHaveReceivedCommand(GetRoleCommand);
    const role = findings.find((finding) => finding.checkId === 'eks.connector.role-invalid')!;
    expect(role.status).toBe('ERROR');
    expect(role.evidence.error).toMatch(/OtherAccountRole/);
  });

  it.each<[string, () => void, string]>([
    ['ListClusters without its list', () => eks.on(ListClustersCommand).resolves({}), 'eks:ListClusters'],
    [
      'ListClusters repeating its token',
      () => eks.on(ListClustersCommand).resolves({ clusters: ['a'], nextToken: 'again' }),
      'eks:ListClusters',
    ],
    [
      'DescribeCluster without a cluster',
      () => eks.on(DescribeClusterCommand).resolves({}),
      'eks:DescribeCluster',
    ],
    [
      'DescribeCluster without a status',
      () =>
        eks.on(DescribeClusterCommand).resolves({ cluster: { ...registered(WEST, 'a'), status: undefined } }),
      'eks:DescribeCluster',
    ],
    ['GetRole without a trust policy', () => iam.on(GetRoleCommand).resolves({}), 'iam:GetRole'],
  ])('%s: ERROR naming it', async (_name, fault, operation) => {
    account({ [WEST]: { a: registered(WEST, 'a') } });
    fault();
    const findings = await evaluate();
    expect(
      findings
        .filter((finding) => finding.checkId === 'checker.error' && finding.status === 'ERROR')
        .map((finding) => finding.resource.name),
    ).toEqual([operation]);
    // No check resting on the operation passes (where the cluster is unknown, it has no finding at all).
    const resting = checksReading(operation);
    expect(
      findings.filter((finding) => resting.includes(finding.checkId) && finding.status === 'PASS'),
    ).toEqual([]);
  });

  it('past the deadline no call starts: each is DeadlineExceeded', async () => {
    account({ [WEST]: { a: registered(WEST, 'a') } });
    const snapshot = await gather([WEST], new RunDeadline(new Date(NOW.getTime() - 1), () => NOW));
    expect(eks).not.toHaveReceivedCommand(ListClustersCommand);
    expect(snapshot.regions[0]!.failures).toEqual([
      expect.objectContaining({ operation: 'ListClusters', errorName: 'DeadlineExceeded' }),
    ]);
  });
});

describe('in the credential check run', () => {
  const settings = (eksConnectorEnabled: boolean) =>
    checkerSettingsSchema.parse({ regions: [WEST, EAST], credentialNames: [], eksConnectorEnabled });

  async function run(eksConnectorEnabled: boolean) {
    tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
    let forwarded: RunReportForwardInput | undefined;
    const result = await runCredentialCheck(
      { accountId: ACCOUNT, settings: settings(eksConnectorEnabled), defaultRegion: WEST },
      {
        clientsFor,
        eksConnectorClientsFor,
        gatherEksConnector,
        now: () => NOW,
        sink: forwardingSink({
          forward: (input) => {
            forwarded = input;
            return Promise.resolve({
              publisher: 'test',
              findingCount: input.findings.length,
              delivered: 0,
              apiCalls: 0,
            });
          },
        }),
      },
    );
    return { result, forwarded: forwarded! };
  }

  it('off: no EKS or IAM call, no eks.connector finding', async () => {
    account({ [WEST]: { a: registered(WEST, 'a', 'FAILED') } });
    const { result } = await run(false);
    expect(eks).not.toHaveReceivedAnyCommand();
    expect(iam).not.toHaveReceivedAnyCommand();
    expect(result.eksConnector).toBeUndefined();
    expect(result.findings.filter((finding) => finding.checkId.startsWith('eks.'))).toEqual([]);
  });

  it('on: its findings join the run; a region whose clusters are not all known is not covered', async () => {
    account({ [WEST]: { a: registered(WEST, 'a', 'FAILED') }, [EAST]: { b: registered(EAST, 'b') } });
    eks.on(ListClustersCommand).callsFake(async (_input, getClient: GetClient) => {
      if ((await getClient().config.region()) === EAST) throw awsError('AccessDeniedException');
      return { clusters: ['a'] };
    });
    const { result, forwarded } = await run(true);
    expect(result.findings.filter((finding) => finding.checkId.startsWith('eks.')).map(line)).toEqual([
      `${WEST} eks.connector.pending a PASS`,
      `${WEST} eks.connector.activation-expired a PASS`,
      `${WEST} eks.connector.failed a FAIL`,
      `${WEST} eks.connector.role-invalid eks-connector-agent PASS`,
    ]);
    expect(forwarded.coveredRegions).toEqual([WEST]);
    expect(result.summary.failedOperations).toEqual([`${EAST} eks:ListClusters`]);
    expect(result.eksConnector?.regions.map((region) => region.region)).toEqual([WEST, EAST]);
  });
});
