import type { CheckId } from './finding';
import type { CheckDefinition } from './check-definition';
import { POD_IDENTITY_CATALOGUE } from './pod-identity/catalogue';

export type { CheckDefinition } from './check-definition';

/**
 * The check catalogue: one entry per check id, carrying its default severity, who can fix it and how (from the TMC
 * and AWS documentation). Findings take their remediation from here, and `docs/checks.md` and the CLI's `explain`
 * render the same entries (with check-descriptions.ts: what each check verifies and what a failure means), so the
 * three can never disagree.
 */
const RECREATE_CREDENTIAL =
  'If the resource cannot be restored, delete the credential in TMC and create a new one with a different name (the bad state of the original can disturb its deletion); TMC then deploys a fresh CloudFormation stack.';

export const CATALOGUE: Readonly<Record<CheckId, CheckDefinition>> = {
  'tmc.credential.not-found': {
    id: 'tmc.credential.not-found',
    defaultSeverity: 'HIGH',
    whoCanFix:
      'Platform engineer with TMC access; VMware Customer Support if the credential has been in CREATED for 20 minutes or more.',
    steps: [
      "Confirm the region where the credential's CloudFormation stack was created: TMC deploys the Lambdas, the rule and the token parameter only there. Add that region to `regions` if it is missing.",
      'In CloudFormation, open the stack TMC created for the credential and read its status and events (a failed or deleted stack explains the absence).',
      "In TMC, read the credential's phase and conditions (`GET /v1alpha1/account/credentials/<credential>`). If it is stuck in CREATED for 20 minutes or more, contact Customer Support.",
      'If the credential was deleted on purpose, remove it from `credentialNames`.',
      RECREATE_CREDENTIAL,
    ],
  },
  'tmc.lambda.missing': {
    id: 'tmc.lambda.missing',
    defaultSeverity: 'HIGH',
    whoCanFix:
      'AWS account administrator to find out what removed it; TMC administrator to recreate the credential.',
    steps: [
      'In the Lambda console of this region, search by tag `account.tmc.cloud.vmware.com=<credential>` and list the functions.',
      'If the function exists but lost its tag, restore the tag; if its name and description do not mention data-sync / resource-retriever, set `dataSyncPattern` / `resourceRetrieverPattern` to match (see `unclassifiedFunctions` in the evidence).',
      'In CloudTrail event history, look for `DeleteFunction` on the function to learn who removed it and why.',
      "Detect drift on the credential's CloudFormation stack; updating the stack can restore a deleted function.",
      RECREATE_CREDENTIAL,
    ],
  },
  'tmc.lambda.unhealthy': {
    id: 'tmc.lambda.unhealthy',
    defaultSeverity: 'HIGH',
    whoCanFix: 'AWS account administrator.',
    steps: [
      'Read `stateReason` / `stateReasonCode` and `lastUpdateStatusReason` in the evidence: they name the cause (for example a disabled KMS key, a deleted execution role, a subnet without free IP addresses).',
      'Fix that cause in the account (re-enable the key, restore the role, free subnet addresses).',
      'An `Inactive` function is reactivated by its next invocation; invoke it once after the cause is fixed and confirm it becomes `Active`.',
      "If the last update failed, update the credential's CloudFormation stack again once the cause is fixed; retrigger only after the cause is fixed.",
    ],
  },
  'tmc.lambda.not-invoked': {
    id: 'tmc.lambda.not-invoked',
    defaultSeverity: 'HIGH',
    whoCanFix: 'AWS account administrator.',
    steps: [
      'Look at the other findings for this credential first: a missing, disabled or re-targeted event rule, or throttling, is the usual cause.',
      "Check that the function's resource-based policy still lets `events.amazonaws.com` invoke it from the credential's rule.",
      "Check the function's Monitor tab (Invocations, Errors, Throttles) and its CloudWatch Logs for the last runs.",
      'Once the cause is fixed, invoke the function once to confirm it runs; do not retrigger before the cause is fixed.',
    ],
  },
  'tmc.lambda.errors': {
    id: 'tmc.lambda.errors',
    defaultSeverity: 'HIGH',
    whoCanFix: 'AWS account administrator (logs, network); TMC administrator if the token is rejected.',
    steps: [
      "Open the function's CloudWatch Logs (`/aws/lambda/<function>`, or Monitor > View logs in CloudWatch) and read the error of the failing runs.",
      "Authentication errors from TMC: check the credential's `tmc.token.*` findings; a stale or replaced token needs the credential to be recreated in TMC.",
      "Connection errors: check the function's VPC egress (NAT gateway, proxy, security groups, DNS) toward TMC.",
      'During an AWS or TMC outage, wait: the credential becomes VALID again when connectivity resumes.',
    ],
  },
  'tmc.lambda.throttled': {
    id: 'tmc.lambda.throttled',
    defaultSeverity: 'MEDIUM',
    whoCanFix: 'AWS account administrator.',
    steps: [
      "Check whether someone set the function's reserved concurrency to 0 (this throttles every invocation): `aws lambda get-function-concurrency --function-name <function>`.",
      "Check the account's concurrent executions against its quota (Service Quotas > Lambda > Concurrent executions) and raise the quota or lower other workloads' usage.",
    ],
  },
  'tmc.event-rule.missing': {
    id: 'tmc.event-rule.missing',
    component: 'event-rule',
    defaultSeverity: 'HIGH',
    whoCanFix: 'AWS account administrator; TMC administrator to recreate the credential.',
    steps: [
      "In the EventBridge console (Rules, default bus) of this region, look for the credential's rule by tag or by target.",
      'In CloudTrail event history, look for `DeleteRule` or `RemoveTargets` to learn who removed it.',
      "Update the credential's CloudFormation stack to restore the rule.",
      RECREATE_CREDENTIAL,
    ],
  },
  'tmc.event-rule.disabled': {
    id: 'tmc.event-rule.disabled',
    component: 'event-rule',
    defaultSeverity: 'HIGH',
    whoCanFix: 'AWS account administrator.',
    steps: [
      'Enable the rule: `aws events enable-rule --name <rule> --region <region>`.',
      'In CloudTrail event history, look for `DisableRule` to learn who disabled it and why, so it does not happen again.',
      'Confirm on the next run that the data-sync Lambda is invoked again (`tmc.lambda.not-invoked` resolves).',
    ],
  },
  'tmc.event-rule.wrong-target': {
    id: 'tmc.event-rule.wrong-target',
    component: 'event-rule',
    defaultSeverity: 'HIGH',
    whoCanFix: 'AWS account administrator.',
    steps: [
      'List the targets: `aws events list-targets-by-rule --rule <rule> --region <region>`.',
      'In CloudTrail event history, look for `RemoveTargets` / `PutTargets` on the rule.',
      "Update the credential's CloudFormation stack to restore the target (and the Lambda permission that lets the rule invoke it).",
    ],
  },
  'tmc.token.missing': {
    id: 'tmc.token.missing',
    component: 'auth-token',
    defaultSeverity: 'CRITICAL',
    whoCanFix: 'TMC administrator (the token is issued by TMC and cannot be recreated by hand).',
    steps: [
      'In Systems Manager > Parameter Store of this region, search by tag `account.tmc.cloud.vmware.com=<credential>` (you cannot and need not view the value).',
      'In CloudTrail event history, look for `DeleteParameter` to learn who removed it.',
      RECREATE_CREDENTIAL,
    ],
  },
  'tmc.token.stale': {
    id: 'tmc.token.stale',
    component: 'auth-token',
    defaultSeverity: 'MEDIUM',
    whoCanFix: 'TMC administrator.',
    steps: [
      "Open the parameter's History tab in Parameter Store to see when it was last updated (you cannot and need not view the value).",
      "Read the credential's phase in TMC. If it is INVALID, or the data-sync Lambda logs authentication errors, recreate the credential.",
      'If TMC rotates tokens less often than `tokenMaxAgeHours` assumes, raise `tokenMaxAgeHours` to match.',
    ],
  },
  'irsa.assume-role.denied': {
    id: 'irsa.assume-role.denied',
    defaultSeverity: 'HIGH',
    whoCanFix:
      'The owner of the IAM role (platform or application team); the cluster administrator for the service account annotation and the OIDC provider.',
    steps: [
      'Read `evidence.cause` and `evidence.detail`: they say which part of the trust policy does not match, with the expected and the actual value.',
      "Check the service account's annotation names this role: `kubectl describe serviceaccount <name> -n <namespace> | grep -i arn` (`eks.amazonaws.com/role-arn`). If it names another role, fix the annotation instead.",
      "Check who made the call before changing anything: the subject (`irsa.serviceAccount`, `evidence.actual`) and the issuer (`irsa.oidcProvider`) are what the caller's token claims, and anyone holding a token of a registered issuer (GitHub Actions' `token.actions.githubusercontent.com`, for one) can call `AssumeRoleWithWebIdentity` on any role of the account. Look at `evidence.sourceIps`, `evidence.userAgents` and the CloudTrail events of `irsa.sampleEventIds`; a denial that is not yours needs no trust change.",
      "If it is yours: `correction` holds the role's whole trust policy (`correction.trustPolicy`: its other statements unchanged, only the web-identity statement corrected, `correction.changes` says how), built from the role's policy and the account's OIDC providers, never from the denied call; fill in its `correction.placeholders` (the subject from the pod's service account, the issuer from `aws eks describe-cluster --name <cluster> --query cluster.identity.oidc.issuer --output text`). `tmc-health check --fix-dir <dir>` writes it to `<dir>/<role>.json` for `aws iam update-assume-role-policy --role-name <role> --policy-document file://<dir>/<role>.json`. Without a correction, `evidence.correctionWithheld` says why: write the change from your own cluster's values.",
      "If your cluster's OIDC provider is not registered in IAM, create it from the cluster itself, never from the issuer a denial names: `eksctl utils associate-iam-oidc-provider --cluster <cluster> --approve`.",
      'Make sure the workload uses an AWS SDK recent enough to support web-identity credentials (see `userAgents` in the evidence), then restart its pods so they pick up fresh tokens.',
    ],
  },
  'eks.connector.pending': {
    id: 'eks.connector.pending',
    defaultSeverity: 'MEDIUM',
    whoCanFix:
      'The Kubernetes cluster administrator (the connector manifest and pods, egress); the AWS account administrator for the registration itself.',
    steps: [
      'Read the evidence: `clusterName`, `createdAt`, `pendingMinutes`, `activationId`, `activationExpiry` and `minutesUntilExpiry`, `provider` and `roleArn`.',
      'Make sure you look at the right Kubernetes cluster: `kubectl exec eks-connector-0 --container connector-agent -n eks-connector -- cat /var/log/amazon/ssm/amazon-ssm-agent.log | grep -m1 -oE "eks_c:[a-zA-Z0-9_-]+"` names the EKS cluster the agent is registered as (`eks_c:<clusterName>_<suffix>`).',
      'Check the connector runs: `kubectl get pods -n eks-connector`. No pods: apply the connector manifest made for this registration, e.g. the files `eksctl register cluster` wrote: `kubectl apply -f eks-connector.yaml -f eks-connector-clusterrole.yaml -f eks-connector-console-dashboard-full-access-group.yaml`. The activation code is returned only once, by the registration (DescribeCluster never shows it): if the manifest is lost, deregister and register again (`eks.connector.activation-expired`, steps 2 to 4).',
      "Pods not running: read the logs, `kubectl logs eks-connector-0 --container connector-init -n eks-connector` and `--container connector-proxy` (also for `eks-connector-1`). `failed to initiate eks-connector: InvalidActivation`: the manifest does not hold this registration's `activationId` and `activationCode` (the code is a Kubernetes secret: base64-encoded), or the activation expired. `Init:ImagePullBackOff`: the nodes cannot pull from public.ecr.aws; fix that or mirror the images to a private registry. Helm install `403 Forbidden` from public.ecr.aws: `docker logout public.ecr.aws`.",
      "Pods running but the cluster stays PENDING: read the agent log (`kubectl exec eks-connector-0 --container connector-agent -n eks-connector -- cat /var/log/amazon/ssm/amazon-ssm-agent.log`) and give the nodes outbound HTTPS to the region's endpoints (the connector needs outbound connectivity; a private cluster without it cannot connect).",
      'Check `eks.connector.role-invalid` for the same cluster: Systems Manager must be able to assume the connector role for the agent to activate.',
      'If your registrations routinely take longer than the grace period, raise `eksConnectorPendingGraceMinutes`.',
    ],
  },
  'eks.connector.activation-expired': {
    id: 'eks.connector.activation-expired',
    defaultSeverity: 'HIGH',
    whoCanFix:
      'The AWS account administrator (deregister and register); the Kubernetes cluster administrator (apply the new manifest before the new activation expires).',
    steps: [
      "Confirm the expiry: `aws eks describe-cluster --name <cluster> --region <region> --query 'cluster.[status,connectorConfig]'` shows `PENDING` and an `activationExpiry` in the past (`evidence.activationExpiry`, `evidence.expiredMinutesAgo`). Note `connectorConfig.provider` and `roleArn` for the new registration.",
      'Deregister the cluster: `aws eks deregister-cluster --name <cluster> --region <region>` (or `eksctl deregister cluster --name <cluster> --region <region>`).',
      'Register it again, which returns a new activation id and code valid for 3 days: `eksctl register cluster --name <cluster> --provider OTHER --region <region>` (it also writes the manifests), or `aws eks register-cluster --name <cluster> --connector-config roleArn=<roleArn>,provider=OTHER --region <region>` (use the provider noted in step 1 if it was not OTHER; with the AWS CLI, put the returned `activationId` and the base64-encoded `activationCode` into the connector manifest yourself).',
      'Apply the new manifest to the Kubernetes cluster at once: `kubectl apply -f eks-connector.yaml -f eks-connector-clusterrole.yaml -f eks-connector-console-dashboard-full-access-group.yaml`. If an old connector is still installed, remove it first with its own manifest (`kubectl delete -f <old eks-connector.yaml>`, or `helm uninstall eks-connector -n eks-connector`) so nothing keeps the expired activation.',
      'Confirm within minutes: `aws eks describe-cluster --name <cluster> --region <region> --query cluster.status` turns `ACTIVE`; the finding resolves on the next run (the new registration keeps the name, so it is the same finding).',
    ],
  },
  'eks.connector.failed': {
    id: 'eks.connector.failed',
    defaultSeverity: 'HIGH',
    whoCanFix:
      'The Kubernetes cluster administrator (connector pods, egress); the AWS account administrator to register the cluster again.',
    steps: [
      'Read `evidence.activationExpired`, `activationExpiry` and `createdAt`. If the activation expired, go to step 4: the registration must be replaced.',
      'Look at the connector in the Kubernetes cluster: `kubectl get pods -n eks-connector`, then `kubectl logs eks-connector-0 --container connector-init -n eks-connector`, `kubectl logs eks-connector-0 --container connector-proxy -n eks-connector` and `kubectl exec eks-connector-0 --container connector-agent -n eks-connector -- cat /var/log/amazon/ssm/amazon-ssm-agent.log` (and the same for `eks-connector-1`).',
      "`InvalidActivation` in connector-init: the manifest does not hold this registration's activation (or it expired): step 4. Console error `Amazon EKS can't communicate with your Kubernetes cluster API server`: the connector is unhealthy or the connection to the region is poor or interrupted; fix the pods and the nodes' outbound connectivity, then retry after a few minutes (a region closer to the cluster helps with chronic latency). Check `eks.connector.role-invalid` for the same cluster too.",
      'Deregister: `aws eks deregister-cluster --name <cluster> --region <region>` (or `eksctl deregister cluster --name <cluster> --region <region>`).',
      'Register again and apply the new manifest at once: `eksctl register cluster --name <cluster> --provider OTHER --region <region>` then `kubectl apply -f eks-connector.yaml -f eks-connector-clusterrole.yaml -f eks-connector-console-dashboard-full-access-group.yaml`; or `aws eks register-cluster --name <cluster> --connector-config roleArn=<roleArn>,provider=OTHER --region <region>` and re-apply the connector manifest with the returned `activationId` and base64-encoded `activationCode`. The activation must be used within 3 days.',
    ],
  },
  'eks.connector.role-invalid': {
    id: 'eks.connector.role-invalid',
    defaultSeverity: 'HIGH',
    whoCanFix: 'The AWS account administrator (IAM).',
    steps: [
      'Read `evidence.cause`: `role-missing` (GetRole answered NoSuchEntity), `ssm-not-trusted` (no Allow for `ssm.amazonaws.com` with `sts:AssumeRole`) or `ssm-denied` (a Deny statement matches it, see `denyingStatements`); `trustPolicy` is the current document, `expectedTrustPolicy` the one the EKS Connector documentation gives.',
      'Not trusted or denied: restore the trust policy, keeping any other statement the role needs and removing a Deny of `ssm.amazonaws.com`: `aws iam update-assume-role-policy --role-name <role> --policy-document \'{"Version": "2012-10-17", "Statement": [{"Sid": "SSMAccess", "Effect": "Allow", "Principal": {"Service": ["ssm.amazonaws.com"]}, "Action": "sts:AssumeRole"}]}\'`.',
      "Missing: recreate it under the same name and path (the registration refers to it by ARN) with that trust policy, `aws iam create-role --role-name <role> --assume-role-policy-document '<the document above>'`, and give it the connector's permissions again (`ssmmessages:CreateControlChannel` on the cluster, `ssmmessages:CreateDataChannel`, `ssmmessages:OpenDataChannel` and `ssmmessages:OpenControlChannel`; see the EKS Connector IAM role in the EKS documentation). Or register the cluster again with `eksctl register cluster --name <cluster> --provider OTHER --region <region>`, which creates a new role (deregister first: `aws eks deregister-cluster --name <cluster> --region <region>`).",
      'In CloudTrail event history, look for `DeleteRole` or `UpdateAssumeRolePolicy` on the role to learn who changed it, so it does not happen again.',
      'Then the cluster: a PENDING one whose activation is still valid connects once its pods restart (`kubectl rollout restart statefulset eks-connector -n eks-connector`); one that turned FAILED or whose activation expired must be registered again (`eks.connector.failed`).',
    ],
  },
  // EKS Pod Identity (pod-identity.*): its entries live with the family.
  ...POD_IDENTITY_CATALOGUE,
  'fleet.member.silent': {
    id: 'fleet.member.silent',
    defaultSeverity: 'HIGH',
    whoCanFix:
      'The platform team that owns the member account (function, schedule, role, logs); the StackSet administrator (the delegated administrator or the management account) for a missing or failed stack instance, the hub bus policy, or OU membership.',
    steps: [
      'Read the evidence: `memberAccountId`, `family` (credentials: the credential checker; irsa: the IRSA checker), `lastReportAt`, `lastRunId`, `minutesSilent` and `regions` (where it last ran).',
      "In the hub (delegated administrator) account, find the StackSet and look at the member's stack instances: `aws cloudformation list-stack-sets --call-as DELEGATED_ADMIN`, then `aws cloudformation list-stack-instances --stack-set-name <stack set> --stack-instance-account <memberAccountId> --call-as DELEGATED_ADMIN` (`--call-as SELF` from the management account). No instance: the account left the OU or the instance was deleted; `Status` `OUTDATED` or `INOPERABLE` or `DetailedStatus` `FAILED`: read `StatusReason`, fix it, and retry with `aws cloudformation update-stack-instances`.",
      'In the member account, with its region from `regions`: `aws lambda get-function-configuration --function-name <checker function> --region <region>` must show `State` `Active`, `LastUpdateStatus` `Successful`, and `TMC_HEALTH_HUB_EVENT_BUS` in its environment set to the hub bus ARN (the `HubEventBusArn` the StackSet passed).',
      "Check the checker's schedule is enabled: `aws scheduler list-schedules --region <region>` to find it, then `aws scheduler get-schedule --name <schedule> --group-name default --region <region>` must show `State` `ENABLED` and the checker function as target.",
      "Read the last runs' logs: `aws logs tail /aws/lambda/<checker function> --since 3h --region <region>`. `AccessDeniedException` on `events:PutEvents`: the role lost its permission on the hub bus ARN, or the hub bus policy no longer admits the organization (in the hub: `aws events describe-event-bus --name <hub bus>` and read `Policy`); timeouts or errors on every run: fix them as the member's own `checker.error` findings would say.",
      'If the account left the OU or the organization on purpose, remove its heartbeat in the hub: `aws dynamodb delete-item --table-name <fleet table> --key \'{"accountId":{"S":"<memberAccountId>"},"family":{"S":"<family>"}}\'`; the finding then resolves as gone after `goneAfterRuns` fleet-watch runs.',
      "ERROR with `evidence.clockSkew`: the member's clock (or the hub's) is off by `minutesAhead` minutes; Lambda clocks are synchronised by AWS, so look for a report sent by hand or by a test harness with a wrong `finishedAt`. Reports older than the stored one are ignored until the stored time has passed.",
    ],
  },
  'checker.error': {
    id: 'checker.error',
    defaultSeverity: 'HIGH',
    whoCanFix: 'The team that deployed the checker.',
    steps: [
      "`AccessDenied*`: compare the denied action with the checker role's policy; look for a service control policy or permissions boundary that denies it.",
      '`ThrottlingException` / `TooManyRequestsException` that survived retries: lower the schedule frequency or the number of regions per run.',
      '`UnrecognizedClientException` / `InvalidClientTokenId` in one region: the region is probably not enabled for the account; enable it or remove it from `regions`.',
      'Network or endpoint errors, `TimeoutError` (no connection in 3 s or no answer in 10 s per attempt): check `AWS_ENDPOINT_URL*` overrides and VPC endpoints or NAT if the checker runs in a VPC.',
      '`DeadlineExceeded`: the run stopped starting calls 90 s before its Lambda timeout so it could still publish; the call was never made. Check the `RunDuration` metric; split regions or credentials across stacks if runs are that long.',
      '`MalformedResponse`, `PaginationLoop`, `PaginationLimitExceeded`: the answer lacked a field the check needs, repeated a page token, or ran past 100 pages; read as unknown, never as healthy. Look for a proxy or emulator in the path (`AWS_ENDPOINT_URL*`), otherwise report it (docs/operations.md, "When the checker cannot see").',
    ],
  },
};

/** The anchor of a check's section in docs/checks.md. */
export function checkAnchor(checkId: CheckId): string {
  return checkId.replace(/\./g, '-');
}

export function runbookUrl(baseUrl: string, checkId: CheckId): string {
  return `${baseUrl}#${checkAnchor(checkId)}`;
}

/** Remediation text: the steps, numbered, on one line each. */
export function remediationText(checkId: CheckId): string {
  return CATALOGUE[checkId].steps.map((step, index) => `${index + 1}. ${step}`).join('\n');
}
