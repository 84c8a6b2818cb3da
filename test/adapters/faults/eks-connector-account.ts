/**
 * A fake two-region account for fault injection into the EKS Connector check (issue 14), answering through
 * aws-sdk-client-mock: each region holds a connected cluster, one stuck PENDING past the grace, one FAILED (all
 * registered through the EKS Connector, sharing one connector role that trusts ssm.amazonaws.com) and one of EKS's
 * own clusters. The IAM mock is the IRSA fixture's (one mock per client class per test file); `install` resets it.
 */
import { DescribeClusterCommand, EKSClient, ListClustersCommand, type Cluster } from '@aws-sdk/client-eks';
import { GetRoleCommand } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { createEksConnectorClients } from '../../../lambdas/adapters/eks-connector-clients';
import { clusterArn, gatherEksConnector } from '../../../lambdas/adapters/gather-eks-connector';
import { evaluateEksConnector } from '../../../lambdas/core/eks-connector/evaluate-eks-connector';
import type { Finding } from '../../../lambdas/core/finding';
import { COMMAND } from './irsa-account';

export const ACCOUNT = '111122223333';
export const REGIONS = ['eu-west-1', 'us-east-1'] as const;
const NOW = new Date('2026-03-10T12:00:00.000Z');
const ROLE = `arn:aws:iam::${ACCOUNT}:role/eks-connector-agent`;
const hoursAgo = (hours: number) => new Date(NOW.getTime() - hours * 3_600_000);

/** Every read the check makes. */
export const OPERATIONS = ['eks:ListClusters', 'eks:DescribeCluster', 'iam:GetRole'] as const;

/** Shared with the Pod Identity fixture (pod-identity-account.ts): one mock per client class per test file. */
export const eks = mockClient(EKSClient);
const iam = COMMAND.GetRole[0];

function registered(region: string, name: string, status: string, createdHoursAgo: number): Cluster {
  return {
    name,
    arn: clusterArn(region, ACCOUNT, name),
    status: status as Cluster['status'],
    createdAt: hoursAgo(createdHoursAgo),
    connectorConfig: {
      activationId: `${name}-activation`,
      activationExpiry: new Date(hoursAgo(createdHoursAgo).getTime() + 72 * 3_600_000),
      provider: 'OTHER',
      roleArn: ROLE,
    },
  };
}

function clustersOf(region: string): Record<string, Cluster> {
  return {
    attached: registered(region, 'attached', 'ACTIVE', 100),
    stuck: registered(region, 'stuck', 'PENDING', 2),
    broken: registered(region, 'broken', 'FAILED', 20),
    'eks-own': {
      name: 'eks-own',
      arn: clusterArn(region, ACCOUNT, 'eks-own'),
      status: 'ACTIVE',
      createdAt: NOW,
    },
  };
}

const TRUST = encodeURIComponent(
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'ssm.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  }),
);

type GetClient = () => { config: { region: () => Promise<string> } };
type Answer = (input: Record<string, unknown>) => unknown;

const HEALTHY: Record<
  (typeof OPERATIONS)[number],
  (input: Record<string, unknown>, region: string) => unknown
> = {
  'eks:ListClusters': (_input, region) => ({ clusters: Object.keys(clustersOf(region)) }),
  'eks:DescribeCluster': (input, region) => ({ cluster: clustersOf(region)[input.name as string] }),
  'iam:GetRole': (input) => ({ Role: { RoleName: input.RoleName, AssumeRolePolicyDocument: TRUST } }),
};

/** What each operation answers without the list or object the check needs. */
export const MALFORMED: Answer = () => ({});

/** Installs the healthy account; `operation` answers with `answer` on every call, in every region. */
export function install(operation?: string, answer?: Answer): void {
  eks.reset();
  iam.reset();
  const respond =
    (name: (typeof OPERATIONS)[number]) => async (input: Record<string, unknown>, getClient: GetClient) => {
      const region = await getClient().config.region();
      if (name === operation && answer) return answer(input);
      return HEALTHY[name](input, region);
    };
  eks.on(ListClustersCommand).callsFake(respond('eks:ListClusters'));
  eks.on(DescribeClusterCommand).callsFake(respond('eks:DescribeCluster'));
  iam.on(GetRoleCommand).callsFake(respond('iam:GetRole'));
}

/** The check as the credential check's run makes it (gather, then evaluate), without retries. */
export async function run(): Promise<readonly Finding[]> {
  const snapshot = await gatherEksConnector({
    accountId: ACCOUNT,
    regions: REGIONS,
    now: NOW,
    clientsFor: (region) => createEksConnectorClients(region, { maxAttempts: 1 }),
  });
  return evaluateEksConnector(snapshot, {
    eksConnectorPendingGraceMinutes: 30,
    runbookBaseUrl: 'docs/checks.md',
  });
}
