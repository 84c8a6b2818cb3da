/**
 * A fake two-region account for fault injection into the EKS Pod Identity check, answering through
 * aws-sdk-client-mock. Each region holds four EKS clusters: `prod` (two associations on a role that trusts EKS Pod
 * Identity, one chaining into a target role of the account, and the agent add-on ACTIVE), `auto` (an EKS Auto Mode
 * cluster without the add-on: DescribeCluster is read), `legacy` (an association whose role trusts EC2 only: FAIL)
 * and `idle` (no association: no add-on read). The EKS mock is the EKS Connector fixture's and the IAM mock the IRSA
 * fixture's (one mock per client class per test file); `install` resets both.
 */
import {
  DescribeAddonCommand,
  DescribeClusterCommand,
  DescribePodIdentityAssociationCommand,
  ListClustersCommand,
  ListPodIdentityAssociationsCommand,
  ResourceNotFoundException,
  type PodIdentityAssociation,
} from '@aws-sdk/client-eks';
import { GetRoleCommand, NoSuchEntityException } from '@aws-sdk/client-iam';
import { createEksConnectorClients } from '../../../lambdas/adapters/eks-connector-clients';
import { gatherPodIdentity } from '../../../lambdas/adapters/gather-pod-identity';
import type { Finding } from '../../../lambdas/core/finding';
import { evaluatePodIdentity } from '../../../lambdas/core/pod-identity/evaluate-pod-identity';
import { eks } from './eks-connector-account';
import { COMMAND } from './irsa-account';

export const ACCOUNT = '111122223333';
export const REGIONS = ['eu-west-1', 'us-east-1'] as const;
const NOW = new Date('2026-03-10T12:00:00.000Z');
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const clusterArn = (region: string, name: string) => `arn:aws:eks:${region}:${ACCOUNT}:cluster/${name}`;

/** Every read the check makes. */
export const OPERATIONS = [
  'eks:ListClusters',
  'eks:ListPodIdentityAssociations',
  'eks:DescribePodIdentityAssociation',
  'eks:DescribeAddon',
  'eks:DescribeCluster',
  'iam:GetRole',
] as const;
type Operation = (typeof OPERATIONS)[number];

const iam = COMMAND.GetRole[0];

const trust = (principal: object, condition?: object) =>
  encodeURIComponent(
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: principal,
          Action: ['sts:AssumeRole', 'sts:TagSession'],
          ...(condition ? { Condition: condition } : {}),
        },
      ],
    }),
  );
const ROLES: Record<string, string> = {
  'pods-role': trust(
    { Service: 'pods.eks.amazonaws.com' },
    { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
  ),
  'target-role': trust({ AWS: roleArn('pods-role') }, { StringEquals: { 'sts:ExternalId': 'ext-a-2' } }),
  'ec2-role': trust({ Service: 'ec2.amazonaws.com' }),
};

function associationsOf(region: string): Record<string, PodIdentityAssociation[]> {
  const make = (cluster: string, id: string, extra: Partial<PodIdentityAssociation> = {}) => ({
    clusterName: cluster,
    namespace: 'payments',
    serviceAccount: `sa-${id}`,
    roleArn: roleArn('pods-role'),
    associationArn: `arn:aws:eks:${region}:${ACCOUNT}:podidentityassociation/${cluster}/${id}`,
    associationId: id,
    disableSessionTags: false,
    ...extra,
  });
  return {
    prod: [
      make('prod', 'a-1'),
      make('prod', 'a-2', { targetRoleArn: roleArn('target-role'), externalId: 'ext-a-2' }),
    ],
    auto: [make('auto', 'a-3')],
    legacy: [make('legacy', 'a-4', { roleArn: roleArn('ec2-role') })],
    idle: [],
  };
}

type Answer = (input: Record<string, unknown>) => unknown;
type GetClient = () => { config: { region: () => Promise<string> } };
const notFound = (message: string) => new ResourceNotFoundException({ message, $metadata: {} });

const HEALTHY: Record<Operation, (input: Record<string, unknown>, region: string) => unknown> = {
  'eks:ListClusters': (_input, region) => ({ clusters: Object.keys(associationsOf(region)) }),
  'eks:ListPodIdentityAssociations': (input, region) => ({
    associations: (associationsOf(region)[input.clusterName as string] ?? []).map(
      ({ clusterName, namespace, serviceAccount, associationArn, associationId }) => ({
        clusterName,
        namespace,
        serviceAccount,
        associationArn,
        associationId,
      }),
    ),
  }),
  'eks:DescribePodIdentityAssociation': (input, region) => {
    const found = (associationsOf(region)[input.clusterName as string] ?? []).find(
      (item) => item.associationId === input.associationId,
    );
    if (!found) throw notFound('No association found');
    return { association: found };
  },
  'eks:DescribeAddon': (input, region) => {
    if (input.clusterName !== 'prod') throw notFound('No addon: eks-pod-identity-agent found in cluster');
    return {
      addon: {
        addonName: 'eks-pod-identity-agent',
        clusterName: 'prod',
        status: 'ACTIVE',
        addonVersion: 'v1.3.4-eksbuild.1',
        health: { issues: [] },
        addonArn: `arn:aws:eks:${region}:${ACCOUNT}:addon/prod/eks-pod-identity-agent/12c7`,
      },
    };
  },
  'eks:DescribeCluster': (input, region) => ({
    cluster: {
      name: input.name,
      arn: clusterArn(region, input.name as string),
      status: 'ACTIVE',
      computeConfig: { enabled: input.name === 'auto' },
    },
  }),
  'iam:GetRole': (input) => {
    const document = ROLES[input.RoleName as string];
    if (document === undefined) throw new NoSuchEntityException({ message: 'no such role', $metadata: {} });
    return {
      Role: {
        RoleName: input.RoleName,
        Arn: roleArn(input.RoleName as string),
        AssumeRolePolicyDocument: document,
      },
    };
  },
};

/** What each operation answers without the list or object the check needs. */
export const MALFORMED: Answer = () => ({});

/** The ARN a request was about: the cluster, the association or the role; `*` for the listing of clusters. */
function namedBy(operation: Operation, input: Record<string, unknown>, region: string): string {
  switch (operation) {
    case 'eks:ListClusters':
      return '*';
    case 'eks:DescribePodIdentityAssociation':
      return `arn:aws:eks:${region}:${ACCOUNT}:podidentityassociation/${String(input.clusterName)}/${String(input.associationId)}`;
    case 'eks:DescribeCluster':
      return clusterArn(region, String(input.name));
    case 'iam:GetRole':
      return roleArn(String(input.RoleName));
    default:
      return clusterArn(region, String(input.clusterName));
  }
}

/** What the faulted requests were about (see namedBy). */
const faulted = new Set<string>();

/**
 * Whether a finding is about what a faulted request named: its resource, its association or its cluster (as its
 * evidence names them: the resource of an association's finding changes when it cannot be described). A listing
 * of clusters concerns everything.
 */
export function concernedByFault(finding: Finding): boolean {
  if (faulted.has('*')) return true;
  const { clusterArn: cluster, associationArn: association } = finding.evidence;
  return [finding.resource.arn, cluster, association].some(
    (arn) => typeof arn === 'string' && faulted.has(arn),
  );
}

/** Installs the healthy account; `operation` answers with `answer` on every call, in every region. */
export function install(operation?: string, answer?: Answer): void {
  eks.reset();
  iam.reset();
  faulted.clear();
  const respond = (name: Operation) => async (input: Record<string, unknown>, getClient: GetClient) => {
    const region = await getClient().config.region();
    if (name === operation && answer) {
      faulted.add(namedBy(name, input, region));
      return answer(input);
    }
    return HEALTHY[name](input, region);
  };
  eks.on(ListClustersCommand).callsFake(respond('eks:ListClusters'));
  eks.on(ListPodIdentityAssociationsCommand).callsFake(respond('eks:ListPodIdentityAssociations'));
  eks.on(DescribePodIdentityAssociationCommand).callsFake(respond('eks:DescribePodIdentityAssociation'));
  eks.on(DescribeAddonCommand).callsFake(respond('eks:DescribeAddon'));
  eks.on(DescribeClusterCommand).callsFake(respond('eks:DescribeCluster'));
  iam.on(GetRoleCommand).callsFake(respond('iam:GetRole'));
}

/** The check as the credential check's run makes it (gather, then evaluate), without retries. */
export async function run(): Promise<readonly Finding[]> {
  const snapshot = await gatherPodIdentity({
    accountId: ACCOUNT,
    regions: REGIONS,
    now: NOW,
    clientsFor: (region) => createEksConnectorClients(region, { maxAttempts: 1 }),
  });
  return evaluatePodIdentity(snapshot, { runbookBaseUrl: 'docs/checks.md' });
}
