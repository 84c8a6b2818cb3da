import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * Only with eksConnectorEnabled (on by default): what the credential checker needs to check the clusters
 * registered through the EKS Connector (lambdas/adapters/gather-eks-connector.ts), all read-only, nothing that
 * could change a cluster or a role:
 * - eks:ListClusters, which supports no resource-level permissions (IAM evaluates it against "*"; granted on a
 *   narrower ARN it would be denied in AWS);
 * - eks:DescribeCluster on the clusters of this account in the checked regions;
 * - iam:GetRole on this account's roles: a connector role's name is whatever the registration gave it (eksctl
 *   generates one), unknown at deploy time. GetRole returns the role's trust policy and metadata, no credentials.
 */
export function eksConnectorReadStatements(configuredRegions: readonly string[]): iam.PolicyStatement[] {
  const regions = configuredRegions.length > 0 ? configuredRegions : [Aws.REGION];
  return [
    new iam.PolicyStatement({
      sid: 'ListEksClusters',
      actions: ['eks:ListClusters'],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'DescribeEksClusters',
      actions: ['eks:DescribeCluster'],
      resources: regions.map((region) => `arn:${Aws.PARTITION}:eks:${region}:${Aws.ACCOUNT_ID}:cluster/*`),
    }),
    new iam.PolicyStatement({
      sid: 'ReadEksConnectorRoles',
      actions: ['iam:GetRole'],
      resources: [`arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/*`],
    }),
  ];
}
