import { Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';

export interface NagAcknowledgementProps {
  /** The configured regions (the wildcard resources are per region); empty means the stack's region. */
  readonly regions: readonly string[];
  readonly checkerRole: iam.IRole;
  readonly checkerFunction: lambda.IFunction;
  readonly failureQueue: sqs.IQueue;
  readonly schedulerRole: iam.IRole;
}

/**
 * Each cdk-nag finding we accept, acknowledged one by one (cdk-nag 3 acknowledges per finding, not per rule)
 * with the reason it is the narrowest grant possible.
 */
export function acknowledgeNagFindings(stack: Stack, props: NagAcknowledgementProps): void {
  const regions = props.regions.length > 0 ? props.regions : ['<AWS::Region>'];
  const resource = (service: string, region: string, name: string): string =>
    `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:${service}:${region}:<AWS::AccountId>:${name}]`;

  Validations.of(props.checkerRole).acknowledge(
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only for tag:GetResources, cloudwatch:GetMetricData and ssm:DescribeParameters, which support no ' +
        'resource-level permissions (resource must be "*"); all three are read-only and return no secret values.',
    },
    ...regions.map((region) => ({
      id: resource('lambda', region, 'function:*'),
      reason:
        'lambda:GetFunctionConfiguration (read-only) on functions TMC creates under names unknown at deploy ' +
        'time; limited to functions carrying the TMC credential tag by an aws:ResourceTag Null condition.',
    })),
    ...regions.map((region) => ({
      id: resource('events', region, 'rule/*'),
      reason:
        'events:DescribeRule, ListTargetsByRule and ListRuleNamesByTarget (read-only) on rules TMC creates ' +
        'under names unknown at deploy time, in this account and the configured regions only.',
    })),
  );

  const functionId = stack.getLogicalId(props.checkerFunction.node.defaultChild as CfnElement);
  Validations.of(props.schedulerRole).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${functionId}.Arn>:*]`,
    reason:
      'Added by the Scheduler Lambda target (CDK grantInvoke): lambda:InvokeFunction on the versions and ' +
      'aliases of the checker function only, no other function.',
  });

  Validations.of(props.failureQueue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason:
      'This queue is itself the dead-letter queue: the failure destination of the checker async invocations ' +
      'and the dead-letter queue of its schedule. A DLQ for a DLQ adds nothing.',
  });
}
