import { Annotations, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { Suppression } from '../../lambdas/core/lifecycle/suppressions';
import { suppressionWarnings } from '../config/config';
import { FindingsLedger } from './findings-ledger';
import { alarmTopicOf, Notifications } from './notifications';
import type { AccountPublishing } from './publishing';
import { SelfMonitoring, type MonitoredChecker } from './self-monitoring';
import { addStackOutputs } from './stack-outputs';

export interface FindingsHomeProps {
  /**
   * Publish to this topic instead of creating one (and its key).
   * @default - a new topic encrypted with a customer-managed key created here
   */
  readonly existingTopicArn?: string;
  /**
   * Email addresses subscribed to the topic (each must confirm the subscription).
   * @default - no subscriptions
   */
  readonly notificationEmails?: readonly string[];
  /**
   * The configured suppressions: each one past its expiry is a synth warning saying what to clean up.
   * @default - none
   */
  readonly suppressions?: readonly Suppression[];
  /** What the topic carries, for the `TopicArn` output. */
  readonly topicDescription: string;
  /** What the ledger holds, for the `FindingsLedgerTableName` output. */
  readonly ledgerDescription: string;
}

/**
 * Where the findings of a single account (or of the whole organization, at the hub) live: the topic and its key
 * with their email subscriptions, the findings ledger, and the self-monitoring alarms of every function that
 * publishes there (`monitor`), notifying the same topic; outputs `TopicArn` and `FindingsLedgerTableName`.
 *
 * The stacks create it with the id `Default`, which logical ids leave out: its resources have the ids they had
 * as children of the stack, so a deployed topic, key and ledger are never replaced. For the same reason the
 * single stack builds its checks, and the hub its fleet reports, inside it (they publish to it, and one scope has
 * one `Default`).
 */
export class FindingsHome extends Construct {
  readonly notifications: Notifications;
  readonly ledger: FindingsLedger;
  /** The topic in use (created or existing). */
  readonly topicArn: string;
  /** The key encrypting the created topic; undefined with an existing topic. */
  readonly topicKeyArn?: string;
  /** Every alarm name starts with it (the topic key allows CloudWatch for `<prefix>*` only). */
  readonly alarmNamePrefix: string;

  constructor(scope: Construct, id: string, props: FindingsHomeProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.alarmNamePrefix = `${stack.stackName}-`;
    this.notifications = new Notifications(this, 'Notifications', {
      existingTopicArn: props.existingTopicArn,
      emails: props.notificationEmails,
      alarmNamePrefix: this.alarmNamePrefix,
    });
    this.topicArn = this.notifications.topic.topicArn;
    this.topicKeyArn = this.notifications.key?.keyArn;
    this.ledger = new FindingsLedger(this, 'FindingsLedger');
    // Synth must not start failing on the day a suppression expires: a warning says what to clean up.
    for (const warning of suppressionWarnings(props.suppressions ?? [], new Date())) {
      Annotations.of(stack).addWarningV2('tmc-health:suppressions', warning);
    }
    addStackOutputs(this, {
      TopicArn: [this.topicArn, props.topicDescription],
      FindingsLedgerTableName: [this.ledger.table.tableName, props.ledgerDescription],
    });
  }

  /** Where a check of this account publishes: `eventBusArn`, this topic (and key) and this ledger. */
  accountPublishing(eventBusArn: string): AccountPublishing {
    const { topicArn, topicKeyArn, ledger } = this;
    return {
      kind: 'account',
      topicArn,
      ...(topicKeyArn === undefined ? {} : { topicKeyArn }),
      eventBusArn,
      ledger,
    };
  }

  /**
   * The self-monitoring alarms of these functions (errors, dead-man's switch, dead-letter queue, publish failures;
   * throttles where SelfMonitoringProps.throttleAlarms says), notifying this topic where CloudWatch can; a clamped dead-man's switch window is a warning.
   */
  monitor(
    checkers: readonly MonitoredChecker[],
    options: { readonly throttleAlarms?: boolean } = {},
  ): SelfMonitoring {
    const stack = Stack.of(this);
    const alarmTopic = alarmTopicOf(stack, this.notifications);
    const monitoring = new SelfMonitoring(this, 'SelfMonitoring', {
      checkers,
      throttleAlarms: options.throttleAlarms ?? false,
      alarmNamePrefix: this.alarmNamePrefix,
      topic: alarmTopic?.topic,
      topicCondition: alarmTopic?.condition,
    });
    for (const [checker, reason] of Object.entries(monitoring.clampedWindows)) {
      Annotations.of(stack).addWarningV2(`tmc-health:dead-mans-switch:${checker}`, reason);
    }
    return monitoring;
  }
}
