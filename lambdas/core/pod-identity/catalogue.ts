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
    defaultSeverity: 'HIGH',
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
    defaultSeverity: 'HIGH',
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
    defaultSeverity: 'HIGH',
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
    defaultSeverity: 'HIGH',
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
