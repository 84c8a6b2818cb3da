import type { CheckDescription } from '../check-definition';
import type { PodIdentityCheckId } from './check-ids';
import { POD_IDENTITY_AGENT_ADDON as AGENT } from './types';

/** The EKS Pod Identity checks' descriptions (lambdas/core/check-descriptions.ts takes them in). */
export const POD_IDENTITY_DESCRIPTIONS: Readonly<Record<PodIdentityCheckId, CheckDescription>> = {
  'pod-identity.role-invalid': {
    name: "Pod Identity association's role exists and trusts EKS Pod Identity",
    verifies:
      "With `podIdentityEnabled` (on by default), for every EKS Pod Identity association of every EKS cluster in the configured regions (`eks:ListClusters`, `eks:ListPodIdentityAssociations`, `eks:DescribePodIdentityAssociation`): the association's IAM role exists (`iam:GetRole`) and its trust policy lets the service principal `pods.eks.amazonaws.com` call both `sts:AssumeRole` and `sts:TagSession` for this association: an Allow statement names them, no Deny applies, and the statements' conditions on `aws:SourceAccount` (the cluster's account), `aws:SourceArn` (the cluster's ARN), the session tags (`aws:RequestTag/eks-cluster-arn`, `eks-cluster-name`, `kubernetes-namespace`, `kubernetes-service-account`; none when the association has `disableSessionTags`) and `aws:TagKeys` match the association. Conditions on any other key (a pod's name or uid, `aws:PrincipalTag/...`, a source IP) or with operators the checker does not evaluate (Numeric, Date, IpAddress) cannot be decided before a pod asks: a role whose trust rests on them is ERROR (`evidence.unevaluatedConditions`), never PASS. One finding per association; its resource is the role.",
    meaning:
      "Pods running as the association's Kubernetes service account cannot get AWS credentials: the EKS Pod Identity agent's `AssumeRoleForPodIdentity` call fails, and the SDK in the pod reports a credentials error (or the workload silently falls back to another credential source, such as the node's role). Causes (`evidence.cause`): `role-missing` (the role was deleted, or the association names a role that never existed), `not-trusted` (no Allow statement for `pods.eks.amazonaws.com` with `sts:AssumeRole`: typically an IRSA or EC2 trust policy reused for Pod Identity), `tag-session-not-allowed` (EKS Pod Identity always tags its sessions and needs `sts:TagSession` too), `explicit-deny` (a Deny statement refuses it) and `condition-mismatch` (the conditions restrict the role to another account, cluster, namespace or service account, or test session tags the association does not send).",
  },
  'pod-identity.target-role-invalid': {
    name: "Pod Identity association's target role exists and trusts the association's role",
    verifies:
      "For an association with a target role (`targetRoleArn`, role chaining: EKS assumes the association's role, then the target role with those credentials, and the pods get the target role's credentials): the target role exists (`iam:GetRole`) and its trust policy lets the association's role (its ARN, its account, or `*`) call both `sts:AssumeRole` and `sts:TagSession`, with no Deny that applies and conditions on `sts:ExternalId` (the association's `externalId`), `aws:PrincipalArn`, `aws:PrincipalAccount` and the session tags as `aws:PrincipalTag/...` matching the association. A target role in another account cannot be read from this one: the finding is ERROR (`evidence.cause: other-account`, not verified), never PASS. An association without a target role PASSes. Whether the association's role may assume the target (its own permissions policy) is not checked.",
    meaning:
      'The first hop works but the second does not: pods of the service account get no credentials for the target role, so the workload cannot reach the resources of the target account (or role). Causes: `target-missing` (deleted, or a typo in `targetRoleArn`), `not-trusted`, `tag-session-not-allowed`, `explicit-deny`, `condition-mismatch` (often an `sts:ExternalId` condition left from another association: each association has its own `externalId`), and `other-account` (not verified here).',
  },
  'pod-identity.agent-not-installed': {
    name: 'EKS Pod Identity agent is installed',
    verifies: `Every EKS cluster that has at least one Pod Identity association has the \`${AGENT}\` add-on (\`eks:DescribeAddon\`; \`ResourceNotFoundException\` means it is not installed). EKS Auto Mode clusters run the agent themselves: a cluster without the add-on whose \`computeConfig.enabled\` is true (\`eks:DescribeCluster\`) PASSes. Clusters without associations are not checked. One finding per cluster.`,
    meaning:
      'Pod Identity associations do nothing without the agent: pods get no credentials from it (the SDKs find no container credentials endpoint answering at 169.254.170.23), so every workload relying on an association on this cluster fails to call AWS, or falls back to the node role. Pod Identity is not available on AWS Fargate: pods there need IRSA whatever is installed.',
  },
  'pod-identity.agent-unhealthy': {
    name: 'EKS Pod Identity agent add-on is ACTIVE',
    verifies: `On every EKS cluster with Pod Identity associations, the \`${AGENT}\` add-on's \`status\` is \`ACTIVE\`. \`CREATING\` and \`UPDATING\` are FAIL at LOW severity (in progress); \`DEGRADED\`, \`CREATE_FAILED\`, \`UPDATE_FAILED\`, \`DELETE_FAILED\` and \`DELETING\` are FAIL with the add-on's health issues in the evidence (at most 10, each cut to 512 characters and cleaned: they can quote text from the cluster, such as an admission webhook's message). A cluster without the add-on PASSes here (\`evidence.supersededBy\`: \`pod-identity.agent-not-installed\` reports it).`,
    meaning:
      'The agent is installed but not healthy: on some or all nodes pods cannot get credentials for their Pod Identity associations, and a failed create or update leaves the add-on in a state EKS will not repair by itself.',
  },
};
