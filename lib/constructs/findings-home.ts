import { Annotations, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { Suppression } from '../../lambdas/core/lifecycle/suppressions';
import type { ChatChannelsConfig } from '../config/chat-config-schema';
import { suppressionWarnings } from '../config/config';
import { ChatChannels } from './chat-channels';
import { FindingsLedger } from './findings-ledger';
import { alarmTopicOf, Notifications } from './notifications';
import type { AccountPublishing } from './publishing';
import { SelfMonitoring, type MonitoredChecker, type MonitoredQueue } from './self-monitoring';
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
  /**
   * The Slack and Teams channels one thread per finding goes to (docs/chat.md), on a topic of their own.
   * @default - no chat
   */
  readonly chat?: ChatChannelsConfig;
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
  /** The chat channels and their topic; undefined unless configured. */
  readonly chat?: ChatChannels;
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
    if (props.chat) {
      // Under the findings topic's key when it is ours, so the publishers' KMS grant covers both topics.
      this.chat = new ChatChannels(this, 'Chat', {
        channels: props.chat,
        ...(this.notifications.key ? { key: this.notifications.key } : {}),
      });
    }
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
    const { topicArn, topicKeyArn, ledger, chat } = this;
    return {
      kind: 'account',
      topicArn,
      ...(topicKeyArn === undefined ? {} : { topicKeyArn }),
      eventBusArn,
      ledger,
      ...(chat ? { chat } : {}),
    };
  }

  /**
   * The self-monitoring alarms of these functions (errors, dead-man's switch, dead-letter queue, publish failures;
   * throttles where `throttleAlarms` says) and of these other dead-letter queues (the paging rules'), notifying
   * this topic where CloudWatch can; a clamped dead-man's switch window is a warning.
   */
  monitor(
    checkers: readonly MonitoredChecker[],
    options: { readonly queues?: readonly MonitoredQueue[]; readonly throttleAlarms?: boolean } = {},
  ): SelfMonitoring {
    const queues = options.queues ?? [];
    const stack = Stack.of(this);
    const alarmTopic = alarmTopicOf(stack, this.notifications);
    const monitoring = new SelfMonitoring(this, 'SelfMonitoring', {
      checkers,
      ...(queues.length > 0 ? { queues } : {}),
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
