import { Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';

export interface NagAcknowledgementProps {
  /** The configured regions (the wildcard resources are per region); empty means the stack's region. */
  readonly regions: readonly string[];
  /** Whether the checker role may also invoke (re-trigger) the TMC functions (same wildcard resource). */
  readonly autoRemediation: boolean;
  /** Whether the checker role also reads EKS clusters and connector roles (eksConnectorEnabled). */
  readonly eksConnector: boolean;
  /** Whether the checker role also reads EKS Pod Identity associations, roles and add-ons (podIdentityEnabled). */
  readonly podIdentity: boolean;
  /** The credential checker's role. */
  readonly checkerRole: iam.IRole;
  /** The credential checker's function (the scheduler role may invoke it). */
  readonly checkerFunction: lambda.IFunction;
  /** Its failure queue, itself a dead-letter queue. */
  readonly failureQueue: sqs.IQueue;
  /** The role its schedule assumes. */
  readonly schedulerRole: iam.IRole;
}

export interface IrsaNagAcknowledgementProps {
  /** The configured irsaRoleNamePatterns (each with a wildcard is one IAM5 finding). */
  readonly roleNamePatterns: readonly string[];
  /** The IRSA check's role. */
  readonly irsaRole: iam.IRole;
  /** The IRSA check's function (the scheduler role may invoke it). */
  readonly irsaFunction: lambda.IFunction;
  /** Its failure queue, itself a dead-letter queue. */
  readonly failureQueue: sqs.IQueue;
  /** The role its schedule assumes. */
  readonly schedulerRole: iam.IRole;
}

/** cdk-nag's rendering of `arn:${Aws.PARTITION}:<service>:<region>:${Aws.ACCOUNT_ID}:<resource>`. */
const wildcardResource = (service: string, region: string, resource: string): string =>
  `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:${service}:${region}:<AWS::AccountId>:${resource}]`;

/**
 * Each cdk-nag finding we accept, acknowledged one by one (cdk-nag 3 acknowledges per finding, not per rule)
 * with the reason it is the narrowest grant possible.
 */
export function acknowledgeNagFindings(stack: Stack, props: NagAcknowledgementProps): void {
  const regions = props.regions.length > 0 ? props.regions : ['<AWS::Region>'];

  Validations.of(props.checkerRole).acknowledge(
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only for tag:GetResources, cloudwatch:GetMetricData, ssm:DescribeParameters and ' +
        'events:ListRuleNamesByTarget, which support no resource-level permissions (resource must be "*"); all ' +
        'four are read-only and return no secret values.' +
        (props.eksConnector || props.podIdentity
          ? ' With eksConnectorEnabled or podIdentityEnabled, also eks:ListClusters (read-only, the same).'
          : ''),
    },
    ...regions.map((region) => ({
      id: wildcardResource('lambda', region, 'function:*'),
      reason:
        'lambda:GetFunctionConfiguration (read-only) on functions TMC creates under names unknown at deploy ' +
        'time; limited to functions carrying the TMC credential tag by an aws:ResourceTag Null condition.' +
        (props.autoRemediation
          ? ' With autoRemediation on, also lambda:InvokeFunction to re-trigger a stalled TMC data-sync ' +
            'function, under the same tag condition, in the checked regions only.'
          : ''),
    })),
    ...regions.map((region) => ({
      id: wildcardResource('events', region, 'rule/*'),
      reason:
        'events:DescribeRule and ListTargetsByRule (read-only) on rules TMC creates ' +
        'under names unknown at deploy time, in this account and the configured regions only.',
    })),
    ...(props.eksConnector ? eksConnectorAcknowledgements(regions, props.podIdentity === true) : []),
    ...(props.podIdentity ? podIdentityAcknowledgements(regions, props.eksConnector === true) : []),
  );
  acknowledgeScheduledFunction(stack, props.checkerFunction, props.schedulerRole, props.failureQueue);
}

/** The EKS Connector check's wildcard resources (lib/permissions/eks-connector-permissions.ts). */
function eksConnectorAcknowledgements(
  regions: readonly string[],
  podIdentity: boolean,
): { id: string; reason: string }[] {
  return [
    ...regions.map((region) => ({
      id: wildcardResource('eks', region, 'cluster/*'),
      reason:
        'eks:DescribeCluster (read-only) on every cluster of this account in the configured regions: which ones ' +
        'were registered through the EKS Connector is what the check finds out.' +
        (podIdentity
          ? ' With podIdentityEnabled, also eks:ListPodIdentityAssociations of each cluster.'
          : ''),
    })),
    {
      id: wildcardResource('iam', '', 'role/*'),
      reason:
        "iam:GetRole (read-only: a role's trust policy and metadata) on this account's roles: the connector role " +
        'of a registered cluster is named at registration (eksctl generates the name), unknown at deploy time.' +
        (podIdentity ? ' With podIdentityEnabled, also the roles Pod Identity associations name.' : ''),
    },
  ];
}

/** The EKS Pod Identity check's wildcard resources (lib/permissions/pod-identity-permissions.ts). */
function podIdentityAcknowledgements(
  regions: readonly string[],
  eksConnector: boolean,
): { id: string; reason: string }[] {
  return [
    // Without the EKS Connector, its cluster and role grants are Pod Identity's own.
    ...(eksConnector
      ? []
      : [
          ...regions.map((region) => ({
            id: wildcardResource('eks', region, 'cluster/*'),
            reason:
              'eks:DescribeCluster and eks:ListPodIdentityAssociations (read-only) on every cluster of this ' +
              "account in the configured regions: the check lists each cluster's associations.",
          })),
          {
            id: wildcardResource('iam', '', 'role/*'),
            reason:
              "iam:GetRole (read-only: a role's trust policy and metadata) on this account's roles: each Pod " +
              'Identity association names its role (and a target role), chosen per association.',
          },
        ]),
    ...regions.map((region) => ({
      id: wildcardResource('eks', region, 'podidentityassociation/*/*'),
      reason:
        'eks:DescribePodIdentityAssociation (read-only) on the associations of this account in the configured ' +
        'regions: which associations exist is what the check lists.',
    })),
    ...regions.map((region) => ({
      id: wildcardResource('eks', region, 'addon/*/eks-pod-identity-agent/*'),
      reason:
        'eks:DescribeAddon (read-only) on the eks-pod-identity-agent add-on of each cluster of this account in ' +
        'the configured regions, and on no other add-on.',
    })),
  ];
}

/** The IRSA check's role, schedule and dead-letter queue. */
export function acknowledgeIrsaNagFindings(stack: Stack, props: IrsaNagAcknowledgementProps): void {
  Validations.of(props.irsaRole).acknowledge(
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only for cloudtrail:LookupEvents and iam:ListOpenIDConnectProviders, which support no resource-level ' +
        'permissions (resource must be "*"); both are read-only. LookupEvents is limited to irsaRegions by an ' +
        'aws:RequestedRegion condition when they are configured; by default the regions come from the ' +
        "account's EKS OIDC providers at run time, so it may read any region's management events (read-only).",
    },
    {
      id: wildcardResource('iam', '', 'oidc-provider/*'),
      reason:
        'iam:GetOpenIDConnectProvider (read-only) on the OIDC providers of this account: which EKS clusters ' +
        'have a provider is what the check diagnoses, so their issuer URLs are unknown at deploy time.',
    },
    ...props.roleNamePatterns
      .filter((pattern) => pattern.includes('*'))
      .map((pattern) => ({
        id: wildcardResource('iam', '', `role/${pattern}`),
        reason:
          'iam:GetRole (read-only: the trust policy of the role a denied pod asked for) on the roles matching ' +
          'the configured irsaRoleNamePatterns, in this account only; narrow the patterns to your IRSA roles.',
      })),
  );
  acknowledgeScheduledFunction(stack, props.irsaFunction, props.schedulerRole, props.failureQueue);
}

/** A function invoked by a schedule: the Scheduler role's invoke grant and the failure queue (no DLQ of its own). */
export function acknowledgeScheduledFunction(
  stack: Stack,
  fn: lambda.IFunction,
  schedulerRole: iam.IRole,
  failureQueue: sqs.IQueue,
): void {
  const functionId = stack.getLogicalId(fn.node.defaultChild as CfnElement);
  Validations.of(schedulerRole).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${functionId}.Arn>:*]`,
    reason:
      'Added by the Scheduler Lambda target (CDK grantInvoke): lambda:InvokeFunction on the versions and ' +
      'aliases of the scheduled function only, no other function.',
  });

  Validations.of(failureQueue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason:
      'This queue is itself the dead-letter queue: the failure destination of the function async invocations ' +
      'and the dead-letter queue of its schedule. A DLQ for a DLQ adds nothing.',
  });
}

/**
 * The publisher grant on the topic's customer-managed key (a role that publishes to a KMS-encrypted topic needs
 * it), for each checker role.
 */
export function acknowledgeTopicKeyGrant(role: iam.IRole): void {
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
    reason:
      'kms:GenerateDataKey* (as AWS documents for publishers to a KMS-encrypted SNS topic) on the topic key ' +
      'only, and only when SNS calls KMS on the role behalf (kms:ViaService sns.<region>.amazonaws.com): it ' +
      'encrypts the published notification and cannot decrypt anything under any other key.',
  });
}

/**
 * A queue that is itself a dead-letter queue (the hub's fleet intake: failed invocations and run reports
 * EventBridge could not deliver).
 */
export function acknowledgeDeadLetterQueue(queue: sqs.IQueue): void {
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason:
      'This queue is itself the dead-letter queue: the failure destination of the function async invocations ' +
      'and of the EventBridge rule that invokes it. A DLQ for a DLQ adds nothing.',
  });
}

/**
 * The OpsCenter role of the paging recipes (`opsItemsForHigh`): OpsItem ids are chosen by OpsCenter when it creates
 * them, so the only resource CreateOpsItem can be scoped to is every OpsItem of the account and region.
 */
export function acknowledgeOpsItemRole(role: iam.IRole): void {
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:opsitem/*]',
    reason:
      'ssm:CreateOpsItem only, for the EventBridge rules that create an OpsItem per HIGH or CRITICAL finding: ' +
      'OpsCenter picks the id of an OpsItem it creates, so opsitem/* of this account and region is the narrowest ' +
      'resource there is. No read, update or delete of any OpsItem.',
  });
}

/** The paging recipes' dead-letter queue: where EventBridge puts the finding events it could not deliver. */
export function acknowledgePagingDeadLetterQueue(queue: sqs.IQueue): void {
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason:
      'This queue is itself the dead-letter queue of the paging rules targets (PagerDuty, OpsCenter), alarmed on ' +
      'its visible messages; nothing consumes it, so a DLQ for it would never receive anything.',
  });
}
