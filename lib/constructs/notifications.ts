import { Arn, ArnFormat } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export interface NotificationsProps {
  /**
   * Use this topic instead of creating one.
   * @default - a new topic encrypted with the AWS-managed key alias/aws/sns
   */
  readonly existingTopicArn?: string;
  /**
   * Email addresses to subscribe to the topic (each must confirm the subscription).
   * @default - no subscriptions
   */
  readonly emails?: readonly string[];
}

/** The SNS topic findings are sent to, and its email subscriptions. */
export class Notifications extends Construct {
  readonly topic: sns.ITopic;
  /** Whether `topic` was created by this construct (false when an existing topic is used). */
  readonly created: boolean;

  constructor(scope: Construct, id: string, props: NotificationsProps = {}) {
    super(scope, id);
    const existing = props.existingTopicArn;
    this.created = existing === undefined;
    this.topic =
      existing === undefined
        ? new sns.Topic(this, 'Topic', {
            displayName: 'TMC credential health',
            // AWS-managed key on purpose: publishers need no kms:Decrypt, so the checker never holds it.
            masterKey: kms.Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns'),
            enforceSSL: true,
          })
        : sns.Topic.fromTopicArn(this, 'Topic', existing);
    // An existing topic may live in another region: its subscriptions must be created there.
    const region =
      existing === undefined ? undefined : Arn.split(existing, ArnFormat.NO_RESOURCE_NAME).region;
    (props.emails ?? []).forEach((email, index) => {
      new sns.Subscription(this, `Email${index}`, {
        topic: this.topic,
        protocol: sns.SubscriptionProtocol.EMAIL,
        endpoint: email,
        region,
      });
    });
  }
}
