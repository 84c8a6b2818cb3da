import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { TMC_CREDENTIAL_TAG_KEY } from '../lambdas/core/inventory';

export interface CheckerPermissionsProps {
  /** Regions the checker reads; empty means the stack's region. */
  readonly regions: readonly string[];
  /** ARN of the bus findings are put on. */
  readonly eventBusArn: string;
  /** ARN of the topic findings are published to. */
  readonly topicArn: string;
}

/**
 * Every API the checker calls, each listed explicitly and scoped to the narrowest resource the API supports.
 * Deliberately absent: ssm:GetParameter* and kms:Decrypt (the checker reads TMC token metadata, never the
 * token), and sts:GetCallerIdentity (not needed).
 */
export function checkerPolicyStatements(props: CheckerPermissionsProps): iam.PolicyStatement[] {
  const regions = props.regions.length > 0 ? props.regions : [Aws.REGION];
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
      actions: ['events:DescribeRule', 'events:ListTargetsByRule', 'events:ListRuleNamesByTarget'],
      resources: arns('events', 'rule/*'),
    }),
    new iam.PolicyStatement({
      sid: 'ReadTokenParameterMetadata',
      actions: ['ssm:DescribeParameters'],
      resources: ['*'],
    }),
    ...publishStatements(props),
  ];
}

/** What every check needs to publish its findings: the bus and the topic, nothing more. */
export function publishStatements(props: {
  readonly eventBusArn: string;
  readonly topicArn: string;
}): iam.PolicyStatement[] {
  return [
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

/** The ARN of a bus given by name (in the stack's account and region) or already as an ARN. */
export function eventBusArn(nameOrArn: string): string {
  return nameOrArn.startsWith('arn:')
    ? nameOrArn
    : `arn:${Aws.PARTITION}:events:${Aws.REGION}:${Aws.ACCOUNT_ID}:event-bus/${nameOrArn}`;
}
