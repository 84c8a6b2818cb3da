/**
 * Which AWS reads each `--checks` family makes, through the real RunCheck (createAwsRunCheck) with every client
 * mocked: the EKS Connector and Pod Identity families run the credential check's EKS parts alone, the TMC family
 * never reads EKS, and an EKS read the caller may not make is an ERROR naming it.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  DescribeClusterCommand,
  EKSClient,
  ListClustersCommand,
  ListPodIdentityAssociationsCommand,
} from '@aws-sdk/client-eks';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import type { CheckFamily } from '../../lambdas/cli/check-options';
import { createAwsRunCheck } from '../../lambdas/cli/run-check';
import { checkerSettingsSchema } from '../../lambdas/core/settings';

const ACCOUNT = '111122223333';
const REGION = 'us-west-2';
const sts = mockClient(STSClient);
const tagging = mockClient(ResourceGroupsTaggingAPIClient);
const eks = mockClient(EKSClient);
const others = [
  mockClient(LambdaClient),
  mockClient(CloudWatchClient),
  mockClient(EventBridgeClient),
  mockClient(SSMClient),
  mockClient(IAMClient),
];

beforeEach(() => {
  for (const mock of [sts, tagging, eks, ...others]) mock.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT });
  tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
  eks.on(ListClustersCommand).resolves({ clusters: [] });
});

const settings = checkerSettingsSchema.parse({ regions: [REGION] });
const run = (families: CheckFamily[]) =>
  createAwsRunCheck({ homeRegion: REGION })({ families, settings, publish: false });

test('eks-connector alone: EKS is read, the TMC inventory is not', async () => {
  const outcome = await run(['eks-connector']);
  expect(eks.commandCalls(ListClustersCommand)).toHaveLength(1);
  expect(eks.commandCalls(ListClustersCommand)[0]!.args[0].input).toMatchObject({ include: ['all'] });
  expect(tagging.commandCalls(GetResourcesCommand)).toHaveLength(0);
  expect(outcome.findings.some((finding) => finding.checkId.startsWith('tmc.'))).toBe(false);
  expect(outcome.findings.filter((finding) => finding.status !== 'PASS')).toEqual([]);
});

test('tmc alone: the TMC inventory is read, EKS is not', async () => {
  await run(['tmc']);
  expect(tagging.commandCalls(GetResourcesCommand).length).toBeGreaterThan(0);
  expect(eks.commandCalls(ListClustersCommand)).toHaveLength(0);
});

test('both: one credential check reads both', async () => {
  await run(['tmc', 'eks-connector']);
  expect(tagging.commandCalls(GetResourcesCommand).length).toBeGreaterThan(0);
  expect(eks.commandCalls(ListClustersCommand)).toHaveLength(1);
  expect(eks.commandCalls(DescribeClusterCommand)).toHaveLength(0);
});

test('eks:ListClusters denied: an ERROR finding naming the call, never a silent PASS', async () => {
  eks.on(ListClustersCommand).rejects(
    Object.assign(new Error('User is not authorized to perform: eks:ListClusters'), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 403 },
    }),
  );
  const outcome = await run(['eks-connector']);
  const errors = outcome.findings.filter((finding) => finding.status === 'ERROR');
  expect(errors.length).toBeGreaterThan(0);
  expect(JSON.stringify(errors)).toContain('ListClusters');
  expect(JSON.stringify(errors)).toContain('AccessDeniedException');
  expect(
    outcome.findings.filter((finding) => finding.status === 'PASS' && finding.checkId.startsWith('eks.')),
  ).toEqual([]);
});

test('pod-identity alone: the EKS clusters and their associations are read, neither the TMC inventory nor registrations', async () => {
  eks.on(ListClustersCommand).resolves({ clusters: ['prod'] });
  eks.on(ListPodIdentityAssociationsCommand).resolves({ associations: [] });
  const outcome = await run(['pod-identity']);
  expect(eks.commandCalls(ListClustersCommand).map((call) => call.args[0].input)).toEqual([
    { maxResults: 100 },
  ]);
  expect(eks.commandCalls(ListPodIdentityAssociationsCommand)[0]!.args[0].input).toMatchObject({
    clusterName: 'prod',
  });
  expect(tagging.commandCalls(GetResourcesCommand)).toHaveLength(0);
  expect(outcome.findings.some((finding) => /^(tmc|eks)\./.test(finding.checkId))).toBe(false);
  expect(outcome.findings.filter((finding) => finding.status !== 'PASS')).toEqual([]);
});

test('every family: both EKS families list the clusters, and each finding id is reported once', async () => {
  eks.on(ListClustersCommand).resolves({ clusters: [] });
  const outcome = await run(['tmc', 'eks-connector', 'pod-identity']);
  expect(eks.commandCalls(ListClustersCommand).map((call) => call.args[0].input.include)).toEqual(
    expect.arrayContaining([['all'], undefined]),
  );
  const ids = outcome.findings.map((finding) => finding.findingId);
  expect(new Set(ids).size).toBe(ids.length);
});

test('eks:ListPodIdentityAssociations denied: an ERROR finding naming the call, never a silent PASS', async () => {
  eks.on(ListClustersCommand).resolves({ clusters: ['prod'] });
  eks.on(ListPodIdentityAssociationsCommand).rejects(
    Object.assign(new Error('User is not authorized to perform: eks:ListPodIdentityAssociations'), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 403 },
    }),
  );
  const outcome = await run(['pod-identity']);
  const errors = outcome.findings.filter((finding) => finding.status === 'ERROR');
  expect(errors.map((finding) => finding.resource.name)).toEqual(['eks:ListPodIdentityAssociations']);
  expect(JSON.stringify(errors)).toContain('AccessDeniedException');
});
