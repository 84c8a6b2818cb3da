/**
 * Where the checker's output lands in moto: an SQS queue behind an EventBridge rule matching FAIL findings on the
 * default bus, and an SQS queue subscribed to an SNS topic with a `severity` filter policy (plus an unfiltered
 * one).
 */
import { CreateEventBusCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import type { TestClients } from './moto';

export const FAIL_RULE_PATTERN = { source: ['tmc-health'], detail: { status: ['FAIL'] } };
export const DEFAULT_SEVERITY_FILTER = { severity: ['CRITICAL', 'HIGH'] };

export interface Sinks {
  readonly eventBusName: string;
  readonly ruleName: string;
  /** Receives every event the FAIL rule matched (body: the EventBridge event JSON). */
  readonly ruleQueueUrl: string;
  readonly topicArn: string;
  readonly subscriptionArn: string;
  /** Receives SNS messages that passed the filter policy (body: the SNS envelope JSON). */
  readonly topicQueueUrl: string;
  /** Subscribed without a filter policy: every message published, to check attributes of filtered ones. */
  readonly topicAllQueueUrl: string;
}

export interface SinkOptions {
  readonly prefix?: string;
  /**
   * Bus for the FAIL rule; created unless `default` (the default). Tests that also seed TMC schedule rules must
   * use a custom bus: moto fails every PutEvents on a bus holding a schedule rule with a Lambda target (see
   * support/moto.ts).
   */
  readonly eventBusName?: string;
  readonly eventPattern?: object;
  readonly severityFilter?: object;
}

async function createQueue(clients: TestClients, name: string): Promise<{ url: string; arn: string }> {
  const created = await clients.sqs.send(new CreateQueueCommand({ QueueName: name }));
  const url = created.QueueUrl!;
  const attributes = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  return { url, arn: attributes.Attributes!.QueueArn! };
}

export async function publishingSinks(clients: TestClients, options: SinkOptions = {}): Promise<Sinks> {
  const prefix = options.prefix ?? 'tmc-health';
  const eventBusName = options.eventBusName ?? 'default';
  if (eventBusName !== 'default')
    await clients.events.send(new CreateEventBusCommand({ Name: eventBusName }));

  const ruleQueue = await createQueue(clients, `${prefix}-fail-events`);
  const ruleName = `${prefix}-fail-findings`;
  await clients.events.send(
    new PutRuleCommand({
      Name: ruleName,
      EventBusName: eventBusName,
      EventPattern: JSON.stringify(options.eventPattern ?? FAIL_RULE_PATTERN),
      State: 'ENABLED',
    }),
  );
  await clients.events.send(
    new PutTargetsCommand({
      Rule: ruleName,
      EventBusName: eventBusName,
      Targets: [{ Id: 'fail-queue', Arn: ruleQueue.arn }],
    }),
  );

  const topicQueue = await createQueue(clients, `${prefix}-alerts`);
  const topic = await clients.sns.send(new CreateTopicCommand({ Name: `${prefix}-alerts` }));
  const subscription = await clients.sns.send(
    new SubscribeCommand({
      TopicArn: topic.TopicArn!,
      Protocol: 'sqs',
      Endpoint: topicQueue.arn,
      Attributes: { FilterPolicy: JSON.stringify(options.severityFilter ?? DEFAULT_SEVERITY_FILTER) },
      ReturnSubscriptionArn: true,
    }),
  );

  const allQueue = await createQueue(clients, `${prefix}-alerts-all`);
  await clients.sns.send(
    new SubscribeCommand({ TopicArn: topic.TopicArn!, Protocol: 'sqs', Endpoint: allQueue.arn }),
  );

  return {
    eventBusName,
    ruleName,
    ruleQueueUrl: ruleQueue.url,
    topicArn: topic.TopicArn!,
    subscriptionArn: subscription.SubscriptionArn!,
    topicQueueUrl: topicQueue.url,
    topicAllQueueUrl: allQueue.url,
  };
}

/** Receives and deletes every message currently in the queue (moto delivers synchronously, so no waiting). */
export async function drain(clients: TestClients, queueUrl: string): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const received = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 30,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) return all;
    all.push(...messages);
    await clients.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((message, i) => ({ Id: String(i), ReceiptHandle: message.ReceiptHandle! })),
      }),
    );
  }
}

/** An EventBridge event as delivered to an SQS target. */
export interface DeliveredEvent<D = Record<string, unknown>> {
  readonly source: string;
  readonly 'detail-type': string;
  readonly detail: D;
  readonly resources?: string[];
  readonly time?: string;
}

export async function drainEvents<D = Record<string, unknown>>(
  clients: TestClients,
  queueUrl: string,
): Promise<DeliveredEvent<D>[]> {
  return (await drain(clients, queueUrl)).map((message) => JSON.parse(message.Body!) as DeliveredEvent<D>);
}

/** An SNS notification as delivered to an SQS subscriber without raw delivery. */
export interface SnsEnvelope {
  readonly Type: string;
  readonly TopicArn: string;
  readonly Subject?: string;
  readonly Message: string;
  readonly MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

export async function drainNotifications(clients: TestClients, queueUrl: string): Promise<SnsEnvelope[]> {
  return (await drain(clients, queueUrl)).map((message) => JSON.parse(message.Body!) as SnsEnvelope);
}
