import type { CheckDescription } from './check-definition';
import type { CheckId } from './finding';
import { POD_IDENTITY_DESCRIPTIONS } from './pod-identity/descriptions';

/**
 * What each check of the catalogue (catalogue.ts) verifies and what a failure means, in words: docs/checks.md, the
 * CLI's `explain` and the chat messages ("What it means") read it. Apart from the catalogue so the modules that
 * build findings (which take only the catalogue's severity, who can fix it and the steps) do not need it.
 */
export const CHECK_DESCRIPTIONS: Readonly<Record<CheckId, CheckDescription>> = {
  'tmc.credential.not-found': {
    name: 'Credential resources present in the region',
    verifies:
      'At least one Lambda function, EventBridge rule or SSM parameter tagged `account.tmc.cloud.vmware.com=<credential>` exists in the region. With `credentialNames` configured, each listed credential is checked in each region; without it, the account as a whole must hold at least one credential.',
    meaning:
      "TMC creates a credential's resources only in the region where its CloudFormation stack was created. None here means the stack was never created, was deleted, or lives in another region. A credential whose resources are gone stays in CREATED or VALIDATING and then turns INVALID; a credential being removed shows DELETING (REMOVING in the console).",
  },
  'tmc.lambda.missing': {
    name: 'data-sync and resource-retriever Lambdas exist',
    verifies:
      'The credential has a tagged Lambda function whose name or description matches `dataSyncPattern` (data-sync) and one that matches `resourceRetrieverPattern` (resource-retriever), each confirmed by Lambda itself.',
    meaning:
      "The data-sync Lambda syncs data about the account's EKS clusters back to TMC; the resource-retriever Lambda syncs account data (regions, VPCs, subnets). A credential is VALID only once both are deployed and have run. Without one, a new credential stays in VALIDATING; a VALID credential turns INVALID when TMC stops receiving updates.",
  },
  'tmc.lambda.unhealthy': {
    name: 'Lambda function is Active and its last update succeeded',
    verifies: 'Each tagged function reports `State=Active` and a `LastUpdateStatus` other than `Failed`.',
    meaning:
      'A function in `Failed` or `Inactive` state, or whose last update failed, cannot run the sync reliably: TMC stops receiving data and the credential drifts from VALID to INVALID (or stays in VALIDATING). `Pending` is normal for a minute after a change.',
  },
  'tmc.lambda.not-invoked': {
    name: 'Lambda function has run recently',
    verifies:
      "The function's `AWS/Lambda Invocations` sum over the last `metricsWindowMinutes` minutes is above zero (TMC syncs about every 5 minutes). A missing datapoint counts as zero.",
    meaning:
      'The sync is not happening. TMC notices that the cluster options have not been updated for a long time, concludes that the Lambdas lost connectivity, and marks a VALID credential INVALID (a new one stays in VALIDATING).',
  },
  'tmc.lambda.errors': {
    name: 'Lambda function runs without errors',
    verifies: "The function's `AWS/Lambda Errors` sum over the window stays below `errorThreshold`.",
    meaning:
      'The function runs but fails, so TMC is not receiving the data: typically it cannot reach TMC (egress, proxy, DNS, an AWS outage) or TMC rejects its token. The credential turns INVALID; after an outage TMC marks it VALID again once connectivity resumes.',
  },
  'tmc.lambda.throttled': {
    name: 'Lambda function is not throttled',
    verifies: "The function's `AWS/Lambda Throttles` sum over the window is zero.",
    meaning:
      'Invocations were rejected for lack of concurrency, so syncs were skipped. Sustained throttling looks to TMC like lost connectivity and ends in INVALID.',
  },
  'tmc.event-rule.missing': {
    name: 'Credential has its CloudWatch Events rule',
    verifies:
      "An EventBridge (CloudWatch Events) rule tagged with the credential exists, or, failing the tag, a rule targets the credential's Lambda functions.",
    meaning:
      'TMC creates one CloudWatch Events rule per credential. Without it the scheduled sync is not triggered, TMC stops receiving updates and the credential turns INVALID. TMC itself deletes the rule when the credential is deleted (DELETING).',
  },
  'tmc.event-rule.disabled': {
    name: 'CloudWatch Events rule is enabled',
    verifies: "The credential's rule has state `ENABLED`.",
    meaning:
      'A disabled rule no longer triggers the data-sync Lambda: syncs stop, and the credential turns INVALID once TMC notices.',
  },
  'tmc.event-rule.wrong-target': {
    name: 'CloudWatch Events rule targets the data-sync Lambda',
    verifies: "When the rule's targets can be listed, one of them is the credential's data-sync function.",
    meaning:
      'The rule fires but does not invoke the data-sync Lambda, so syncs stop just as if the rule were missing: the credential turns INVALID.',
  },
  'tmc.token.missing': {
    name: 'TMC auth token parameter exists',
    verifies:
      'An SSM parameter tagged with the credential exists (confirmed with `DescribeParameters`; the value is never read).',
    meaning:
      'The SSM parameter holds the token the Lambdas use to authenticate to TMC. Without it no sync can succeed: a new credential stays in VALIDATING, a VALID one turns INVALID.',
  },
  'tmc.token.stale': {
    name: 'TMC auth token parameter is fresh',
    verifies:
      "The token parameter's `LastModifiedDate` is younger than `tokenMaxAgeHours` (default 720 hours; tune it to TMC's rotation).",
    meaning:
      "A token that has not been updated for longer than TMC's rotation may no longer be valid. When TMC rejects it, the Lambdas fail and the credential turns INVALID.",
  },
  'irsa.assume-role.denied': {
    name: 'Pods can assume their IAM role (IRSA)',
    verifies:
      "No `AssumeRoleWithWebIdentity` call recorded by CloudTrail since the last run failed. Denials are grouped by role, service account, OIDC provider and error code, and each group is diagnosed from the role's trust policy and the account's OIDC providers (`evidence.cause`).",
    meaning:
      "Pods of this Kubernetes service account cannot get AWS credentials: the SDK raises `AccessDenied ... Not authorized to perform sts:AssumeRoleWithWebIdentity` and the workload fails to call AWS (or silently falls back to the node's role). The cause is almost always the role's trust policy: it must trust the cluster's OIDC provider (`Federated`), allow `sts:AssumeRoleWithWebIdentity`, and its `:sub` condition must equal `system:serviceaccount:<namespace>:<serviceaccount>` and its `:aud` condition `sts.amazonaws.com`.",
  },
  'eks.connector.pending': {
    name: 'Registered cluster has connected through the EKS Connector',
    verifies:
      'With `eksConnectorEnabled` (on by default), every cluster registered with EKS through the EKS Connector in the configured regions (`eks:ListClusters` with `include=all`; `eks:DescribeCluster` shows a `connectorConfig`) is not `PENDING` more than `eksConnectorPendingGraceMinutes` (default 30) after its registration (`createdAt`) while its activation is still valid. Registering and starting the connector agent takes minutes: a PENDING cluster registered less than that ago is PASS with `evidence.withinGracePeriod: true`. A PENDING cluster whose activation expired is PASS here (`evidence.supersededBy`) and FAIL under `eks.connector.activation-expired`. A PENDING cluster without a readable `createdAt` is ERROR.',
    meaning:
      "For a registered cluster, `PENDING` means the connection is not established: the EKS Connector agent in the Kubernetes cluster has not connected to AWS. The EKS console shows the cluster as Pending and cannot show its workloads, and whatever reads the cluster through EKS (a TMC-attached cluster registered with EKS included) sees nothing. Usual causes: the connector manifest was never applied to the cluster; the `eks-connector` StatefulSet is unhealthy (pods in `Init:CrashLoopBackOff`, often `InvalidActivation` from connector-init, or `ImagePullBackOff` when the nodes cannot pull from the Amazon ECR Public Gallery); or the nodes have no outbound connectivity to the region's AWS endpoints (a private cluster cannot connect). The activation expires 3 days after registration (`evidence.activationExpiry`): after that the cluster must be registered again.",
  },
  'eks.connector.activation-expired': {
    name: "Registered cluster's activation has not expired before it connected",
    verifies:
      'A registered cluster (see `eks.connector.pending`) that is still `PENDING` has `connectorConfig.activationExpiry` in the future. Clusters in any other status PASS; a PENDING cluster without a readable `activationExpiry` is ERROR.',
    meaning:
      'For security reasons the EKS Connector must be activated within 3 days of registering the cluster. This cluster never connected and its activation expired: applying the manifest or repairing the pods can no longer connect it (connector-init fails with `InvalidActivation`), and the registration stays unusable (DescribeCluster can also show it `FAILED`, see `eks.connector.failed`). Deregistering and registering again creates a new activation.',
  },
  'eks.connector.failed': {
    name: 'Registered cluster is not FAILED',
    verifies: "A registered cluster's (see `eks.connector.pending`) `status` is not `FAILED`.",
    meaning:
      "EKS shows the registered cluster as FAILED: it cannot reach the cluster through the EKS Connector, so the console shows none of its resources and whatever reads the cluster through EKS sees nothing. The EKS Connector guide's example of an activation that expired unused is FAILED with an `activationExpiry` in the past (`evidence.activationExpired`): such a registration cannot be repaired, only replaced. Otherwise the connector in the cluster is unhealthy or lost its connection to the region.",
  },
  'eks.connector.role-invalid': {
    name: 'EKS Connector role exists and trusts Systems Manager',
    verifies:
      "The IAM role named by a registered cluster's `connectorConfig.roleArn` exists (`iam:GetRole`) and its trust policy has an `Allow` statement for the service principal `ssm.amazonaws.com` (or `*`) and the action `sts:AssumeRole`, and no `Deny` without a condition for them. Conditions are not evaluated: an Allow with a condition (such as the `aws:SourceAccount` / `aws:SourceArn` conditions Systems Manager recommends) counts as trusting, and the evidence lists it. The finding's resource is the role; one finding per cluster. A role of another account, or one that could not be read, is ERROR.",
    meaning:
      'The EKS Connector agent runs as a Systems Manager managed instance: Systems Manager assumes the connector role to give the agent its credentials. A deleted role, or one that no longer trusts `ssm.amazonaws.com`, keeps the agent from activating (a new registration stays PENDING until its activation expires) and keeps an already connected agent from getting fresh credentials.',
  },
  ...POD_IDENTITY_DESCRIPTIONS,
  'fleet.member.silent': {
    name: 'Member account keeps reporting to the hub',
    verifies:
      "Organizations mode (docs/organizations.md), in the hub: for every member account and check family (`credentials`, `irsa`) that has reported at least once, the last run report the hub received (its heartbeat table, written by the fleet intake) is at most `memberSilentAfterMinutes` old (default: three schedule periods). A last report dated more than 5 minutes in the future is clock skew: ERROR, never PASS. One finding per member account and family; its `accountId` is the member's.",
    meaning:
      "The member's checker for this family stopped reporting: nothing in that account is checked or notified any more, and its open findings are neither reminded nor resolved, so silence must not read as health. Usual causes: the StackSet instance in the account or region was removed or failed to deploy or update; the checker's schedule was disabled or deleted; the function errors or times out on every run; its role lost `events:PutEvents` on the hub bus; the hub bus policy changed (the `aws:PrincipalOrgID` condition); or the account left the deployment OU (or the organization). The finding resolves by itself at the member's next report. An ERROR with `evidence.clockSkew` means the last report is dated ahead of the hub's clock, so how long the member has been silent cannot be told.",
  },
  'checker.error': {
    name: 'Every AWS call succeeded',
    verifies: "Every AWS call the checker needs succeeded (after the SDK's retries).",
    meaning:
      'A check could not run, so its result is unknown, and unknown is never reported as healthy. The findings that depended on the call carry status ERROR until it succeeds.',
  },
};
