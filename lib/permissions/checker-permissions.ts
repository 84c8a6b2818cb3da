import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { TMC_CREDENTIAL_TAG_KEY } from '../../lambdas/core/inventory';

export interface CheckerPermissionsProps {
  /** Regions the checker reads; empty means the stack's region. */
  readonly regions: readonly string[];
  /** ARN of the bus findings are put on. */
  readonly eventBusArn: string;
  /** ARN of the topic findings are published to. */
  readonly topicArn: string;
  /**
   * ARN of the customer-managed key encrypting the topic, when the stack created it.
   * @default - no KMS permission (an existing topic)
   */
  readonly topicKeyArn?: string;
}

/**
 * Every API the checker calls, each listed explicitly and scoped to the narrowest resource the API supports.
 * Deliberately absent: ssm:GetParameter* (the checker reads TMC token metadata, never the token), any KMS
 * permission that could decrypt the token (the only KMS grant is on the topic key, through SNS) and
 * sts:GetCallerIdentity (not needed).
 */
export function checkerPolicyStatements(props: CheckerPermissionsProps): iam.PolicyStatement[] {
  return [...checkerReadStatements(props.regions), ...publishStatements(props)];
}

/**
 * The checker's reads (everything but publishing), shared by the single-account stack and the member stack of an
 * organization, which publishes only to the hub bus (`hubPublishStatements`).
 */
export function checkerReadStatements(configuredRegions: readonly string[]): iam.PolicyStatement[] {
  const regions = configuredRegions.length > 0 ? configuredRegions : [Aws.REGION];
  const arns = (service: string, resource: string): string[] =>
    regions.map((region) => `arn:${Aws.PARTITION}:${service}:${region}:${Aws.ACCOUNT_ID}:${resource}`);
  return [
    new iam.PolicyStatement({
      sid: 'DiscoverTmcResourcesByTag',
      actions: ['tag:GetResources'],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'ReadTmcFunctionConfiguration',
      actions: ['lambda:GetFunctionConfiguration'],
      resources: arns('lambda', 'function:*'),
      conditions: { Null: { [`aws:ResourceTag/${TMC_CREDENTIAL_TAG_KEY}`]: 'false' } },
    }),
    new iam.PolicyStatement({
      sid: 'ReadFunctionMetrics',
      actions: ['cloudwatch:GetMetricData'],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'ReadTmcEventRules',
      actions: ['events:DescribeRule', 'events:ListTargetsByRule'],
      resources: arns('events', 'rule/*'),
    }),
    new iam.PolicyStatement({
      // ListRuleNamesByTarget has no resource-level permissions (IAM evaluates it against "*"): granted on a
      // narrower ARN it would be denied in AWS. Read-only: it returns rule names, nothing else.
      sid: 'FindRulesTargetingTmcFunctions',
      actions: ['events:ListRuleNamesByTarget'],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'ReadTokenParameterMetadata',
      actions: ['ssm:DescribeParameters'],
      resources: ['*'],
    }),
  ];
}

/**
 * What every check needs to publish its findings: the bus and the topic, nothing more. Publishing to a topic
 * encrypted with a customer-managed key needs kms:GenerateDataKey* and kms:Decrypt on that key from the
 * publisher: granted on the topic key only and only when SNS makes the call (kms:ViaService). The TMC token is
 * a SecureString under another key, which SSM, never SNS, would use: this grant cannot decrypt it.
 */
export function publishStatements(props: {
  readonly eventBusArn: string;
  readonly topicArn: string;
  readonly topicKeyArn?: string;
}): iam.PolicyStatement[] {
  const keyStatements =
    props.topicKeyArn === undefined
      ? []
      : [
          new iam.PolicyStatement({
            sid: 'EncryptFindingNotifications',
            actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
            resources: [props.topicKeyArn],
            conditions: { StringEquals: { 'kms:ViaService': `sns.${Aws.REGION}.amazonaws.com` } },
          }),
        ];
  return [
    ...keyStatements,
    new iam.PolicyStatement({
      sid: 'PublishFindingEvents',
      actions: ['events:PutEvents'],
      resources: [props.eventBusArn],
    }),
    new iam.PolicyStatement({
      sid: 'PublishFindingNotifications',
      actions: ['sns:Publish'],
      resources: [props.topicArn],
    }),
  ];
}

/**
 * What a member account's checker needs to publish: events:PutEvents on the hub bus and nothing else (no topic, no
 * key, no bus of its own account). The hub bus policy accepts the call only from roles under the member checkers'
 * path (lib/fleet/member-role-path.ts) in accounts of the organization.
 */
export function hubPublishStatements(hubEventBusArn: string): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'SendRunReportsToHub',
      actions: ['events:PutEvents'],
      resources: [hubEventBusArn],
    }),
  ];
}

/** The ARN of a bus given by name (in the stack's account and region) or already as an ARN. */
export function eventBusArn(nameOrArn: string): string {
  return nameOrArn.startsWith('arn:')
    ? nameOrArn
    : `arn:${Aws.PARTITION}:events:${Aws.REGION}:${Aws.ACCOUNT_ID}:event-bus/${nameOrArn}`;
}
