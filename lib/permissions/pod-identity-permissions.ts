import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { POD_IDENTITY_AGENT_ADDON } from '../../lambdas/core/pod-identity/types';

export interface PodIdentityPermissionOptions {
  /**
   * The EKS Connector's statements (eks-connector-permissions.ts) are granted too: they already give
   * eks:ListClusters, eks:DescribeCluster and iam:GetRole on the same resources, so they are not granted twice.
   */
  readonly eksConnectorGrants: boolean;
}

/**
 * Only with podIdentityEnabled (on by default): what the credential checker needs to check the EKS Pod Identity
 * associations (lambdas/adapters/gather-pod-identity.ts), all read-only, nothing that could change a cluster, an
 * association, an add-on or a role:
 * - eks:ListClusters, which supports no resource-level permissions (IAM evaluates it against "*");
 * - eks:ListPodIdentityAssociations and eks:DescribeCluster (Auto Mode, only for a cluster without the agent
 *   add-on) on the clusters of this account in the checked regions;
 * - eks:DescribePodIdentityAssociation on their associations (`podidentityassociation/<cluster>/<id>`);
 * - eks:DescribeAddon on the `eks-pod-identity-agent` add-on only (`addon/<cluster>/eks-pod-identity-agent/<id>`);
 * - iam:GetRole on this account's roles: an association names any role of the account (and a target role), chosen
 *   per association, unknown at deploy time. GetRole returns the trust policy and metadata, no credentials.
 */
export function podIdentityReadStatements(
  configuredRegions: readonly string[],
  options: PodIdentityPermissionOptions,
): iam.PolicyStatement[] {
  const regions = configuredRegions.length > 0 ? configuredRegions : [Aws.REGION];
  const eksArns = (resource: string) =>
    regions.map((region) => `arn:${Aws.PARTITION}:eks:${region}:${Aws.ACCOUNT_ID}:${resource}`);
  const shared = options.eksConnectorGrants
    ? []
    : [
        new iam.PolicyStatement({
          sid: 'ListEksClustersForPodIdentity',
          actions: ['eks:ListClusters'],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'DescribeEksClustersForPodIdentity',
          actions: ['eks:DescribeCluster'],
          resources: eksArns('cluster/*'),
        }),
        new iam.PolicyStatement({
          sid: 'ReadPodIdentityRoles',
          actions: ['iam:GetRole'],
          resources: [`arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/*`],
        }),
      ];
  return [
    ...shared,
    new iam.PolicyStatement({
      sid: 'ListPodIdentityAssociations',
      actions: ['eks:ListPodIdentityAssociations'],
      resources: eksArns('cluster/*'),
    }),
    new iam.PolicyStatement({
      sid: 'DescribePodIdentityAssociations',
      actions: ['eks:DescribePodIdentityAssociation'],
      resources: eksArns('podidentityassociation/*/*'),
    }),
    new iam.PolicyStatement({
      sid: 'DescribePodIdentityAgentAddon',
      actions: ['eks:DescribeAddon'],
      resources: eksArns(`addon/*/${POD_IDENTITY_AGENT_ADDON}/*`),
    }),
  ];
}
