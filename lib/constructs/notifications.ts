import {
  Annotations,
  Arn,
  ArnFormat,
  CfnCondition,
  Duration,
  Fn,
  RemovalPolicy,
  Stack,
  Token,
} from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export interface NotificationsProps {
  /**
   * Use this topic instead of creating one (no key is created then: the topic's own key, if a customer-managed
   * one, must allow cloudwatch.amazonaws.com for the self-monitoring alarms to deliver).
   * @default - a new topic encrypted with a customer-managed key created here
   */
  readonly existingTopicArn?: string;
  /**
   * Email addresses to subscribe to the topic (each must confirm the subscription).
   * @default - no subscriptions
   */
  readonly emails?: readonly string[];
  /**
   * Names of the CloudWatch alarms that may publish to the created topic start with this prefix: the key policy
   * and the topic policy allow cloudwatch.amazonaws.com only for alarms named `<prefix>*` of this account and
   * region (confused-deputy protection).
   * @default - the stack name followed by '-'
   */
  readonly alarmNamePrefix?: string;
}

/**
 * The SNS topic findings and self-monitoring alarms are sent to, its encryption key and its email subscriptions.
 *
 * The created topic is encrypted with a customer-managed key, not the AWS-managed alias/aws/sns: CloudWatch
 * alarms cannot publish to a topic under the managed key, whose policy does not allow cloudwatch.amazonaws.com
 * and cannot be changed.
 */
export class Notifications extends Construct {
  readonly topic: sns.ITopic;
  /** Whether `topic` was created by this construct (false when an existing topic is used). */
  readonly created: boolean;
  /** The key encrypting the created topic; undefined with an existing topic. */
  readonly key?: kms.Key;
  /** The region of the topic: undefined for the created one (the stack's region), else the ARN's region. */
  readonly topicRegion?: string;

  constructor(scope: Construct, id: string, props: NotificationsProps = {}) {
    super(scope, id);
    const existing = props.existingTopicArn;
    this.created = existing === undefined;
    if (existing !== undefined) {
      this.topic = sns.Topic.fromTopicArn(this, 'Topic', existing);
      // An existing topic may live in another region: its subscriptions must be created there.
      this.topicRegion = Arn.split(existing, ArnFormat.NO_RESOURCE_NAME).region;
    } else {
      const stack = Stack.of(this);
      const alarmArns = stack.formatArn({
        service: 'cloudwatch',
        resource: 'alarm',
        resourceName: `${props.alarmNamePrefix ?? `${stack.stackName}-`}*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
      const fromOurAlarms = {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': alarmArns },
      };
      // Key policy: the account root (CDK's default, which delegates to IAM policies: the checker roles get
      // GenerateDataKey*/Decrypt through SNS only) plus CloudWatch for this stack's alarms. Nothing else.
      this.key = new kms.Key(this, 'TopicKey', {
        description: 'Encrypts the TMC health topic (findings digests and self-monitoring alarms)',
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.DESTROY,
        pendingWindow: Duration.days(30),
      });
      this.key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowCloudWatchAlarmsToUseTheKey',
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          conditions: fromOurAlarms,
        }),
      );
      const topic = new sns.Topic(this, 'Topic', {
        displayName: 'TMC credential health',
        masterKey: this.key,
        enforceSSL: true,
      });
      // The topic policy replaces SNS's default one: CloudWatch needs its own allowance to deliver alarms.
      topic.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowCloudWatchAlarmsToPublish',
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['sns:Publish'],
          resources: [topic.topicArn],
          conditions: fromOurAlarms,
        }),
      );
      this.topic = topic;
    }
    (props.emails ?? []).forEach((email, index) => {
      new sns.Subscription(this, `Email${index}`, {
        topic: this.topic,
        protocol: sns.SubscriptionProtocol.EMAIL,
        endpoint: email,
        region: this.topicRegion,
      });
    });
  }
}

/**
 * The topic the self-monitoring alarms of `stack` notify. Alarms can only notify a topic in their own region: the
 * created topic always is; an existing topic elsewhere gets no alarm actions (with a warning), and when the
 * stack's region is only known at deploy time, a condition attaches the actions only where the regions match.
 */
export function alarmTopicOf(
  stack: Stack,
  notifications: Notifications,
): { readonly topic: sns.ITopic; readonly condition?: CfnCondition } | undefined {
  const topicRegion = notifications.topicRegion;
  if (notifications.created || topicRegion === undefined) return { topic: notifications.topic };
  if (!Token.isUnresolved(stack.region)) {
    if (stack.region === topicRegion) return { topic: notifications.topic };
    Annotations.of(stack).addWarningV2(
      'tmc-health:alarms-without-topic',
      `existingTopicArn is in ${topicRegion}, the stack in ${stack.region}: CloudWatch alarms can only notify ` +
        'a topic in their own region, so the self-monitoring alarms have no action. Use a topic in the ' +
        "stack's region to be told when the checker itself breaks.",
    );
    return undefined;
  }
  Annotations.of(stack).addInfo(
    `The self-monitoring alarms notify existingTopicArn only when the stack is deployed in ${topicRegion} ` +
      '(alarms can only notify a topic in their own region); elsewhere they have no action.',
  );
  const condition = new CfnCondition(stack, 'ExistingTopicInStackRegion', {
    expression: Fn.conditionEquals(stack.region, topicRegion),
  });
  return { topic: notifications.topic, condition };
}
