import type { CheckDefinition } from '../check-definition';
import type { PodIdentityCheckId } from './check-ids';
import { POD_IDENTITY_TRUST_POLICY } from './documented-trust';

/**
 * The EKS Pod Identity checks' catalogue entries (lambdas/core/catalogue.ts takes them in). Every command names
 * only placeholders and the checker's own constants (the add-on name, the documented trust policy): the values to
 * put in come from the finding's evidence, which the reader compares with their own cluster first.
 */

/** One line with a space after each `:` and `,`, so a terminal can wrap it (identifiers are never broken). */
function spacedJson(value: unknown): string {
  return JSON.stringify(value, null, 1)
    .replace(/\n\s*/g, ' ')
    .replace(/([[{]) /g, '$1')
    .replace(/ ([\]}])/g, '$1');
}

const TRUST_JSON = spacedJson(POD_IDENTITY_TRUST_POLICY);
const TARGET_TRUST_JSON = spacedJson({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: '<role-arn>' },
      Action: ['sts:AssumeRole', 'sts:TagSession'],
      Condition: { StringEquals: { 'sts:ExternalId': '<external-id>' } },
    },
  ],
});
const AGENT = 'eks-pod-identity-agent';

const RESTART_PODS =
  'Pods that failed to get credentials while it was broken may need a restart to recover: `kubectl rollout restart deployment <deployment> -n <namespace>` (the workloads running as `evidence.serviceAccount`).';
const RESTART_AGENT_PODS =
  "Pods that failed to get credentials while the agent was missing or unhealthy may need a restart to recover: `kubectl rollout restart deployment <deployment> -n <namespace>` for the workloads of the cluster's associations (`aws eks list-pod-identity-associations --cluster-name <cluster>` lists their namespaces and service accounts).";

export const POD_IDENTITY_CATALOGUE: Readonly<Record<PodIdentityCheckId, CheckDefinition>> = {
  'pod-identity.role-invalid': {
    id: 'pod-identity.role-invalid',
    name: "Pod Identity association's role exists and trusts EKS Pod Identity",
    defaultSeverity: 'HIGH',
    verifies:
      "With `podIdentityEnabled` (on by default), for every EKS Pod Identity association of every EKS cluster in the configured regions (`eks:ListClusters`, `eks:ListPodIdentityAssociations`, `eks:DescribePodIdentityAssociation`): the association's IAM role exists (`iam:GetRole`) and its trust policy lets the service principal `pods.eks.amazonaws.com` call both `sts:AssumeRole` and `sts:TagSession` for this association: an Allow statement names them, no Deny applies, and the statements' conditions on `aws:SourceAccount` (the cluster's account), `aws:SourceArn` (the cluster's ARN), the session tags (`aws:RequestTag/eks-cluster-arn`, `eks-cluster-name`, `kubernetes-namespace`, `kubernetes-service-account`; none when the association has `disableSessionTags`) and `aws:TagKeys` match the association. Conditions on any other key (a pod's name or uid, `aws:PrincipalTag/...`, a source IP) or with operators the checker does not evaluate (Numeric, Date, IpAddress) cannot be decided before a pod asks: a role whose trust rests on them is ERROR (`evidence.unevaluatedConditions`), never PASS. One finding per association; its resource is the role.",
    meaning:
      "Pods running as the association's Kubernetes service account cannot get AWS credentials: the EKS Pod Identity agent's `AssumeRoleForPodIdentity` call fails, and the SDK in the pod reports a credentials error (or the workload silently falls back to another credential source, such as the node's role). Causes (`evidence.cause`): `role-missing` (the role was deleted, or the association names a role that never existed), `not-trusted` (no Allow statement for `pods.eks.amazonaws.com` with `sts:AssumeRole`: typically an IRSA or EC2 trust policy reused for Pod Identity), `tag-session-not-allowed` (EKS Pod Identity always tags its sessions and needs `sts:TagSession` too), `explicit-deny` (a Deny statement refuses it) and `condition-mismatch` (the conditions restrict the role to another account, cluster, namespace or service account, or test session tags the association does not send).",
    whoCanFix:
      'The owner of the IAM role (platform or application team); the cluster administrator for the association itself.',
    steps: [
      "Read `evidence.cause`; `trustPolicy` is the role's current document, `expectedTrustPolicy` the one the EKS documentation gives. For `condition-mismatch`, `conditionMismatches` names each condition that excluded this association, what the policy wants and what EKS sends; for `explicit-deny`, `denyingStatements`. Compare `clusterArn`, `namespace` and `serviceAccount` with your own cluster before changing anything.",
      `\`not-trusted\`, \`tag-session-not-allowed\` or \`explicit-deny\`: write the documented trust policy to \`trust.json\`, keeping any other statement the role still needs and removing the Deny of \`pods.eks.amazonaws.com\`: \`${TRUST_JSON}\`, then \`aws iam update-assume-role-policy --role-name <role> --policy-document file://trust.json\`.`,
      "`condition-mismatch`: if this association is meant to use the role, set the conditions to the association's values (`aws:SourceAccount` = the finding's `accountId`, `aws:SourceArn` = `evidence.clusterArn`, `aws:RequestTag/kubernetes-namespace` = `evidence.namespace`, `aws:RequestTag/kubernetes-service-account` = `evidence.serviceAccount`) and apply them with the same `update-assume-role-policy` command; if it is not, point the association at the right role (step 4). Session-tag conditions never match an association with `disableSessionTags: true`: condition on `aws:SourceArn` instead, or turn the tags back on with `aws eks update-pod-identity-association --cluster-name <cluster> --association-id <association-id> --no-disable-session-tags`.",
      '`role-missing`: create the role again under the same name and path with the documented trust policy, `aws iam create-role --role-name <role> --assume-role-policy-document file://trust.json`, and attach the permissions the workload needs; or point the association at an existing role: `aws eks update-pod-identity-association --cluster-name <cluster> --association-id <association-id> --role-arn <role-arn>`, or delete it (`aws eks delete-pod-identity-association --cluster-name <cluster> --association-id <association-id>`) and create it again: `aws eks create-pod-identity-association --cluster-name <cluster> --namespace <namespace> --service-account <service-account> --role-arn <role-arn>`.',
      'ERROR with `evidence.unevaluatedConditions`: the trust rests on conditions the checker cannot decide before a pod asks (for example `aws:RequestTag/kubernetes-pod-name`). Confirm by hand that they admit the pods of this service account, then suppress the finding (`suppressions`, with its `checkId` and a reason) or condition on the keys the checker evaluates.',
      'In CloudTrail event history, look for `DeleteRole` or `UpdateAssumeRolePolicy` on the role to learn who changed it.',
      RESTART_PODS,
    ],
  },
  'pod-identity.target-role-invalid': {
    id: 'pod-identity.target-role-invalid',
    name: "Pod Identity association's target role exists and trusts the association's role",
    defaultSeverity: 'HIGH',
    verifies:
      "For an association with a target role (`targetRoleArn`, role chaining: EKS assumes the association's role, then the target role with those credentials, and the pods get the target role's credentials): the target role exists (`iam:GetRole`) and its trust policy lets the association's role (its ARN, its account, or `*`) call both `sts:AssumeRole` and `sts:TagSession`, with no Deny that applies and conditions on `sts:ExternalId` (the association's `externalId`), `aws:PrincipalArn`, `aws:PrincipalAccount` and the session tags as `aws:PrincipalTag/...` matching the association. A target role in another account cannot be read from this one: the finding is ERROR (`evidence.cause: other-account`, not verified), never PASS. An association without a target role PASSes. Whether the association's role may assume the target (its own permissions policy) is not checked.",
    meaning:
      'The first hop works but the second does not: pods of the service account get no credentials for the target role, so the workload cannot reach the resources of the target account (or role). Causes: `target-missing` (deleted, or a typo in `targetRoleArn`), `not-trusted`, `tag-session-not-allowed`, `explicit-deny`, `condition-mismatch` (often an `sts:ExternalId` condition left from another association: each association has its own `externalId`), and `other-account` (not verified here).',
    whoCanFix:
      "The owner of the target role (often another account's administrator); the cluster administrator for the association.",
    steps: [
      "Read `evidence.cause`, `targetRoleArn`, `roleArn` (the association's role, the target's caller) and `externalId`; `trustPolicy` is the target role's current document; `conditionMismatches` and `denyingStatements` as for `pod-identity.role-invalid`.",
      `Trust: in the target role's account, give it a statement that allows the association's role, e.g. \`${TARGET_TRUST_JSON}\` in \`target-trust.json\`, keeping the statements it still needs, then \`aws iam update-assume-role-policy --role-name <target-role> --policy-document file://target-trust.json\`. Use one statement per association or role that chains into it.`,
      "The association's role must also be allowed to assume the target: its permissions policy needs `sts:AssumeRole` and `sts:TagSession` on the target role's ARN (not checked here).",
      '`target-missing`: create the target role, or point the association at the right one: `aws eks update-pod-identity-association --cluster-name <cluster> --association-id <association-id> --target-role-arn <target-role-arn>`.',
      "`other-account` (ERROR): read the target role's trust policy with that account's credentials, `aws iam get-role --role-name <target-role> --query Role.AssumeRolePolicyDocument`, and check it as in step 2; once confirmed, suppress the finding (`suppressions`, with its `checkId` and `roleArnPattern` set to the target role's ARN, and a reason).",
      RESTART_PODS,
    ],
  },
  'pod-identity.agent-not-installed': {
    id: 'pod-identity.agent-not-installed',
    name: 'EKS Pod Identity agent is installed',
    defaultSeverity: 'HIGH',
    verifies: `Every EKS cluster that has at least one Pod Identity association has the \`${AGENT}\` add-on (\`eks:DescribeAddon\`; \`ResourceNotFoundException\` means it is not installed). EKS Auto Mode clusters run the agent themselves: a cluster without the add-on whose \`computeConfig.enabled\` is true (\`eks:DescribeCluster\`) PASSes. Clusters without associations are not checked. One finding per cluster.`,
    meaning:
      'Pod Identity associations do nothing without the agent: pods get no credentials from it (the SDKs find no container credentials endpoint answering at 169.254.170.23), so every workload relying on an association on this cluster fails to call AWS, or falls back to the node role. Pod Identity is not available on AWS Fargate: pods there need IRSA whatever is installed.',
    whoCanFix: 'The cluster administrator.',
    steps: [
      `Confirm: \`aws eks describe-addon --cluster-name <cluster> --addon-name ${AGENT} --region <region>\` answers \`ResourceNotFoundException\`. If you run the agent yourself rather than as the EKS add-on, this check cannot see it: confirm it with \`kubectl get daemonset ${AGENT} -n kube-system\` and suppress the finding with a reason.`,
      `Install it: \`aws eks create-addon --cluster-name <cluster> --addon-name ${AGENT}\` (add \`--region <region>\`), then wait for it: \`aws eks wait addon-active --cluster-name <cluster> --addon-name ${AGENT}\`.`,
      'The agent uses the node IAM role: it needs `eks-auth:AssumeRoleForPodIdentity` (the managed policy `AmazonEKSWorkerNodePolicy` includes it); with a custom node role, add the action.',
      RESTART_AGENT_PODS,
    ],
  },
  'pod-identity.agent-unhealthy': {
    id: 'pod-identity.agent-unhealthy',
    name: 'EKS Pod Identity agent add-on is ACTIVE',
    defaultSeverity: 'HIGH',
    verifies: `On every EKS cluster with Pod Identity associations, the \`${AGENT}\` add-on's \`status\` is \`ACTIVE\`. \`CREATING\` and \`UPDATING\` are FAIL at LOW severity (in progress); \`DEGRADED\`, \`CREATE_FAILED\`, \`UPDATE_FAILED\`, \`DELETE_FAILED\` and \`DELETING\` are FAIL with the add-on's health issues in the evidence (at most 10, each cut to 512 characters and cleaned: they can quote text from the cluster, such as an admission webhook's message). A cluster without the add-on PASSes here (\`evidence.supersededBy\`: \`pod-identity.agent-not-installed\` reports it).`,
    meaning:
      'The agent is installed but not healthy: on some or all nodes pods cannot get credentials for their Pod Identity associations, and a failed create or update leaves the add-on in a state EKS will not repair by itself.',
    whoCanFix: 'The cluster administrator.',
    steps: [
      `Read \`evidence.addonStatus\` and \`evidence.healthIssues\` (\`<code>: <message>\`, as EKS reports them; read them, do not run anything they say), or ask EKS: \`aws eks describe-addon --cluster-name <cluster> --addon-name ${AGENT} --query 'addon.[status,health]'\`.`,
      `Look at the agent's pods: \`kubectl describe daemonset ${AGENT} -n kube-system\` and \`kubectl get pods -n kube-system -o wide | grep ${AGENT}\`. \`InsufficientNumberOfReplicas\`: pods cannot be scheduled or do not start (node capacity, taints, the agent's host ports already taken).`,
      `\`ConfigurationConflict\`: the add-on's Kubernetes objects were changed outside EKS; let EKS restore them: \`aws eks update-addon --cluster-name <cluster> --addon-name ${AGENT} --resolve-conflicts OVERWRITE\`. \`AccessDenied\` or \`AddonPermissionFailure\`: restore the permissions the issue names. \`AdmissionRequestDenied\`: an admission webhook in the cluster refuses the add-on's objects; exempt them.`,
      `\`CREATE_FAILED\`, \`UPDATE_FAILED\`, \`DELETE_FAILED\`: once the cause is fixed, update the add-on again (the same \`update-addon\` command), or replace it: \`aws eks delete-addon --cluster-name <cluster> --addon-name ${AGENT}\`, then \`aws eks create-addon --cluster-name <cluster> --addon-name ${AGENT}\`.`,
      `\`CREATING\` or \`UPDATING\`: wait for it, \`aws eks wait addon-active --cluster-name <cluster> --addon-name ${AGENT}\`; the finding resolves on the next run.`,
      RESTART_AGENT_PODS,
    ],
  },
};
