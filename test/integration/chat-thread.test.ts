/**
 * One finding's life in the chat, end to end: the credential-check handler, run three times in-process against
 * moto (ledger, EventBridge, the findings topic and a chat topic of its own), over a credential whose rule is
 * disabled, still disabled a reminder period later, then re-enabled. An SQS queue subscribed to the chat topic
 * stands in for AWS Chatbot's subscription (moto has no Chatbot; SNS gives an SQS subscriber the message's
 * `default`, the notification's JSON, as it gives Chatbot's HTTPS endpoint): it must receive three custom
 * notifications, OPENED, REMINDER, RESOLVED, in one thread, each valid against the documented format. A run with
 * no change sends nothing, and without a chat topic nothing goes to chat.
 */
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { EnableRuleCommand } from '@aws-sdk/client-eventbridge';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CustomNotification } from '../../lambdas/core/chat/custom-notification';
import {
  drainNotifications,
  lambdaContext,
  publishingSinks,
  seedTmcCredential,
  TEST_REGION,
  uniqueName,
  type Sinks,
  type TestClients,
} from './support';
import { useMotoFile } from './support/moto-hooks';
import { createLedgerTable } from './support/ledger';
import { quietPowertools, withFreshHandler } from '../fixtures/load-handler';
import { customNotificationErrors } from '../fixtures/chat';

jest.setTimeout(120_000);

type HandlerModule = typeof import('../../lambdas/handlers/credential-check');

const FINDINGS_BUS = 'tmc-health-chat-findings'; // a custom bus: see credential-check.test.ts on moto's default bus
/** A reminder period the test can wait out: 0.0004 hours is 1.44 seconds. */
const REMINDER_HOURS = '0.0004';

let clients: TestClients;
let dynamo: DynamoDBClient;

useMotoFile({}, (moto) => ({ clients, dynamo } = moto));

async function chatTopic(): Promise<{ topicArn: string; queueUrl: string }> {
  const name = uniqueName('chat');
  const queue = await clients.sqs.send(new CreateQueueCommand({ QueueName: name }));
  const attributes = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl!, AttributeNames: ['QueueArn'] }),
  );
  const topic = await clients.sns.send(new CreateTopicCommand({ Name: name }));
  await clients.sns.send(
    new SubscribeCommand({
      TopicArn: topic.TopicArn!,
      Protocol: 'sqs',
      Endpoint: attributes.Attributes!.QueueArn!,
    }),
  );
  return { topicArn: topic.TopicArn!, queueUrl: queue.QueueUrl! };
}

async function runHandler(sinks: Sinks, ledgerTable: string, chatTopicArn?: string): Promise<void> {
  await withFreshHandler(
    {
      TMC_HEALTH_REGIONS: TEST_REGION,
      TMC_HEALTH_EVENT_BUS: sinks.eventBusName,
      TMC_HEALTH_TOPIC_ARN: sinks.topicArn,
      TMC_HEALTH_LEDGER_TABLE: ledgerTable,
      TMC_HEALTH_REMINDER_HOURS: REMINDER_HOURS,
      TMC_HEALTH_RUNBOOK_BASE_URL: 'https://wiki.example.com/tmc-health',
      ...(chatTopicArn ? { TMC_HEALTH_CHAT_TOPIC_ARN: chatTopicArn } : {}),
      ...quietPowertools(),
    },
    (): Promise<HandlerModule> => import('../../lambdas/handlers/credential-check'),
    (handlerModule) => handlerModule.handler({}, lambdaContext()),
  );
}

async function chatMessages(queueUrl: string): Promise<CustomNotification[]> {
  const envelopes = await drainNotifications(clients, queueUrl);
  return envelopes.map((envelope) => {
    expect(customNotificationErrors(envelope.Message)).toEqual([]);
    return JSON.parse(envelope.Message) as CustomNotification;
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('one finding in the chat against moto', () => {
  test('opened, reminded, resolved: three custom notifications in one thread, each valid', async () => {
    const table = uniqueName('ledger');
    await createLedgerTable(dynamo, table);
    const sinks = await publishingSinks(clients, {
      prefix: uniqueName('chat-sinks'),
      eventBusName: FINDINGS_BUS,
    });
    const chat = await chatTopic();
    const credential = await seedTmcCredential(clients, uniqueName('cred'), { ruleState: 'DISABLED' });

    await runHandler(sinks, table, chat.topicArn);
    const [opened, ...noMore] = await chatMessages(chat.queueUrl);
    expect(noMore).toEqual([]);
    expect(opened!.metadata.eventType).toBe('OPENED');
    expect(opened!.content.title).toBe(
      `[New HIGH] tmc.event-rule.disabled: credential \`${credential.name}\` in \`${TEST_REGION}\``,
    );
    expect(opened!.content.description).toContain('https://wiki.example.com/tmc-health#');

    // Within the reminder period nothing changed: nothing goes to chat (nor to the digest).
    await runHandler(sinks, table, chat.topicArn);
    expect(await chatMessages(chat.queueUrl)).toEqual([]);

    await sleep(1_600);
    await runHandler(sinks, table, chat.topicArn);
    const reminded = await chatMessages(chat.queueUrl);
    expect(reminded.map((message) => message.metadata.eventType)).toEqual(['REMINDER']);

    await clients.events.send(new EnableRuleCommand({ Name: credential.ruleName, EventBusName: 'default' }));
    await runHandler(sinks, table, chat.topicArn);
    const resolved = await chatMessages(chat.queueUrl);
    expect(resolved.map((message) => message.metadata.eventType)).toEqual(['RESOLVED']);

    const thread = [opened!, ...reminded, ...resolved];
    expect(new Set(thread.map((message) => message.metadata.threadId)).size).toBe(1);
    expect(new Set(thread.map((message) => message.id)).size).toBe(3);
    // The digest still goes to the findings topic as before: opened, reminded, resolved.
    expect(await drainNotifications(clients, sinks.topicAllQueueUrl)).toHaveLength(3);
  });

  test('a chat topic that cannot be published to fails the run, like the digest; the next run sends the change', async () => {
    const table = uniqueName('ledger');
    await createLedgerTable(dynamo, table);
    const sinks = await publishingSinks(clients, {
      prefix: uniqueName('chat-down'),
      eventBusName: `${FINDINGS_BUS}-2`,
    });
    const chat = await chatTopic();
    await seedTmcCredential(clients, uniqueName('cred'), { ruleState: 'DISABLED' });
    const missingTopic = `${chat.topicArn}-deleted`;

    await expect(runHandler(sinks, table, missingTopic)).rejects.toThrow(/chat/);
    // The ledger did not advance: the same OPENED goes out once the chat topic is reachable.
    await runHandler(sinks, table, chat.topicArn);
    expect((await chatMessages(chat.queueUrl)).map((message) => message.metadata.eventType)).toEqual([
      'OPENED',
    ]);
  });
});
