/**
 * The chat topic's publisher (SnsChatPublisher) and the lifecycle stage around it: each custom notification is one
 * Publish whose `default` is the notification's JSON; every message is tried, and any failure is a PublishError
 * that fails the run before the ledger advances, as the digest's does.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { SnsChatPublisher } from '../../lambdas/adapters/publish-sns';
import { LifecycleStage } from '../../lambdas/app/lifecycle-stage';
import { formatChatMessages } from '../../lambdas/core/chat/custom-notification';
import { lifecycleSettingsSchema } from '../../lambdas/core/lifecycle/settings';
import { PublishError, type FindingPublisher } from '../../lambdas/core/publishing';
import { ACCOUNT, changed, customNotificationErrors, finding, RUNBOOK } from '../fixtures/chat';
import { MemoryLedger, RecordingEvents } from '../fixtures/lifecycle-fakes';

const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:tmc-health-chat';
const sns = mockClient(SNSClient);
const noSleep = { sleep: () => Promise.resolve(), maxAttempts: 2 };
const denied = Object.assign(new Error('not authorized'), { name: 'AuthorizationErrorException' });

beforeEach(() => sns.reset());

function messages(count: number) {
  return formatChatMessages(
    Array.from({ length: count }, (_, index) =>
      changed('OPENED', { findingId: index.toString(16).padStart(32, '0'), idempotencyKey: `${index}#1` }),
    ),
    { runbookBaseUrl: RUNBOOK, runAccountId: ACCOUNT },
  );
}

describe('SnsChatPublisher', () => {
  it('publishes each notification as the `default` of a JSON message', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    const publisher = new SnsChatPublisher(new SNSClient({}), { topicArn: TOPIC, ...noSleep });
    const report = await publisher.publishChat(messages(2));
    expect(report).toEqual({ publisher: 'sns-chat', findingCount: 2, delivered: 2, apiCalls: 2 });
    const inputs = sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
    expect(inputs.map((input) => [input.TopicArn, input.MessageStructure])).toEqual([
      [TOPIC, 'json'],
      [TOPIC, 'json'],
    ]);
    for (const input of inputs) {
      const body = JSON.parse(input.Message!) as { default: string };
      expect(Object.keys(body)).toEqual(['default']);
      expect(customNotificationErrors(body.default)).toEqual([]);
    }
  });

  it('tries every message; one that fails makes a PublishError naming the topic and the count', async () => {
    sns.on(PublishCommand).rejectsOnce(denied).resolves({ MessageId: 'm' });
    const publisher = new SnsChatPublisher(new SNSClient({}), { topicArn: TOPIC, ...noSleep });
    const error = (await publisher.publishChat(messages(3)).catch((e: unknown) => e)) as PublishError;
    expect(error).toBeInstanceOf(PublishError);
    expect(error.message).toMatch(/^1 of 3 chat message\(s\) not published \(first: SNS: chat OPENED/);
    expect(error.message).toContain(TOPIC);
    expect(error.errorCodes).toEqual({ AuthorizationErrorException: 1 });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(3);
  });
});

describe('the lifecycle stage with a chat sink', () => {
  const fallback: FindingPublisher = { publish: () => Promise.reject(new Error('unused')) };

  function stage(ledger: MemoryLedger, chat?: SnsChatPublisher): LifecycleStage {
    return new LifecycleStage(
      {
        settings: lifecycleSettingsSchema.parse({ ledgerTableName: 'ledger' }),
        tableName: 'ledger',
        homeRegion: 'eu-west-1',
        runbookBaseUrl: RUNBOOK,
      },
      { ledger, events: new RecordingEvents(), fallback, ...(chat ? { chat } : {}) },
    );
  }
  const input = (findings = [finding()]) => ({
    family: 'credentials' as const,
    run: { runId: 'r', accountId: ACCOUNT, regions: ['eu-west-1'], startedAt: '2026-12-07T10:00:00.000Z' },
    findings,
    coveredRegions: ['eu-west-1'],
    failedOperations: [],
    apiCalls: 0,
  });

  it('a chat failure fails the run and the ledger stays where it was; the next run sends the change', async () => {
    const ledger = new MemoryLedger();
    sns.on(PublishCommand).rejectsOnce(denied).resolves({ MessageId: 'm' });
    const chat = new SnsChatPublisher(new SNSClient({}), { topicArn: TOPIC, ...noSleep });
    await expect(stage(ledger, chat).run(input())).rejects.toThrow(
      /Transitions not delivered, ledger not advanced .*chat message/,
    );
    expect(ledger.entries.size).toBe(0);
    const report = await stage(ledger, chat).run(input());
    expect(report.transitions.map((t) => t.transition)).toEqual(['OPENED']);
    expect(report.publishReports.some((r) => r.publisher === 'sns-chat' && r.delivered === 1)).toBe(true);
    expect(report.digestSent).toBe(false);
    expect(ledger.entries.size).toBe(1);
  });

  it('a run with no transition publishes nothing to chat', async () => {
    const ledger = new MemoryLedger();
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    const chat = new SnsChatPublisher(new SNSClient({}), { topicArn: TOPIC, ...noSleep });
    await stage(ledger, chat).run(input());
    sns.resetHistory();
    await stage(ledger, chat).run(input());
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });
});
