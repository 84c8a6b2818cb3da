/**
 * The finding lifecycle end to end (issue 5): the credential-check handler, run three times in-process against
 * moto (DynamoDB ledger, EventBridge, SNS, SQS) over an account that changes between runs, must deliver exactly
 * OPENED, nothing, RESOLVED to a rule's queue, the matching digests to a topic subscription, and a run summary
 * event (the heartbeat) every run.
 */
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { EnableRuleCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { LifecycleFinding } from '../../lambdas/core/lifecycle/types';
import type { RunSummaryDetail } from '../../lambdas/core/lifecycle/run-event';
import {
  destroyClients,
  drainEvents,
  drainNotifications,
  lambdaContext,
  motoEndpoint,
  publishingSinks,
  resetMoto,
  seedTmcCredential,
  TEST_REGION,
  testClients,
  uniqueName,
  useMotoEnvironment,
  type Sinks,
  type TestClients,
} from './support';

jest.setTimeout(120_000);

type HandlerModule = typeof import('../../lambdas/handlers/credential-check');

const FINDINGS_BUS = 'tmc-health-findings'; // a custom bus: see credential-check.test.ts on moto's default bus
const TRANSITIONS_PATTERN = { source: ['tmc-health'], 'detail-type': ['TMC Health Finding'] };

let clients: TestClients;
let dynamo: DynamoDBClient;

beforeAll(() => {
  useMotoEnvironment();
  clients = testClients();
  dynamo = new DynamoDBClient({
    endpoint: motoEndpoint(),
    region: TEST_REGION,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
});
afterAll(() => {
  destroyClients(clients);
  dynamo.destroy();
});
beforeEach(() => resetMoto());

/** The ledger table as the stack creates it (lib/constructs/findings-ledger.ts): key, sparse open index. */
async function createLedgerTable(name: string): Promise<void> {
  await dynamo.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'findingId', AttributeType: 'S' },
        { AttributeName: 'openMarker', AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: 'findingId', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'open-index',
          KeySchema: [{ AttributeName: 'openMarker', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    }),
  );
}

/** A second rule on the findings bus, for the run summary events. */
async function runSummaryQueue(): Promise<string> {
  const queue = await clients.sqs.send(new CreateQueueCommand({ QueueName: 'tmc-health-run-summaries' }));
  const attributes = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl!, AttributeNames: ['QueueArn'] }),
  );
  await clients.events.send(
    new PutRuleCommand({
      Name: 'tmc-health-runs',
      EventBusName: FINDINGS_BUS,
      EventPattern: JSON.stringify({ source: ['tmc-health'], 'detail-type': ['TMC Health Check Run'] }),
      State: 'ENABLED',
    }),
  );
  await clients.events.send(
    new PutTargetsCommand({
      Rule: 'tmc-health-runs',
      EventBusName: FINDINGS_BUS,
      Targets: [{ Id: 'runs', Arn: attributes.Attributes!.QueueArn! }],
    }),
  );
  return queue.QueueUrl!;
}

async function runHandler(sinks: Sinks, ledgerTable: string): Promise<void> {
  const variables: Record<string, string> = {
    TMC_HEALTH_REGIONS: TEST_REGION,
    TMC_HEALTH_EVENT_BUS: sinks.eventBusName,
    TMC_HEALTH_TOPIC_ARN: sinks.topicArn,
    TMC_HEALTH_LEDGER_TABLE: ledgerTable,
    POWERTOOLS_LOG_LEVEL: process.env.TMC_TEST_VERBOSE ? 'INFO' : 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
  const saved = Object.fromEntries(Object.keys(variables).map((name) => [name, process.env[name]]));
  Object.assign(process.env, variables);
  try {
    let handlerModule: HandlerModule | undefined;
    await jest.isolateModulesAsync(async () => {
      handlerModule = await import('../../lambdas/handlers/credential-check');
    });
    await handlerModule!.handler({}, lambdaContext());
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

async function ledgerItem(
  table: string,
  findingId: string,
): Promise<Record<string, AttributeValue> | undefined> {
  const output = await dynamo.send(
    new GetItemCommand({ TableName: table, Key: { findingId: { S: findingId } }, ConsistentRead: true }),
  );
  return output.Item;
}

describe('finding lifecycle against moto', () => {
  test('three runs over a changing account: OPENED, nothing, RESOLVED, with matching digests and a heartbeat each run', async () => {
    const table = uniqueName('ledger');
    await createLedgerTable(table);
    const sinks = await publishingSinks(clients, {
      eventBusName: FINDINGS_BUS,
      eventPattern: TRANSITIONS_PATTERN,
    });
    const runsQueue = await runSummaryQueue();
    const credential = await seedTmcCredential(clients, uniqueName('cred'), { ruleState: 'DISABLED' });

    // Run 1: the credential's rule is disabled.
    await runHandler(sinks, table);
    const opened = await drainEvents<LifecycleFinding>(clients, sinks.ruleQueueUrl);
    expect(
      opened.map((event) => [event.detail.checkId, event.detail.transition, event.detail.state]),
    ).toEqual([['tmc.event-rule.disabled', 'OPENED', 'NEW']]);
    const openedFinding = opened[0]!.detail;
    expect(openedFinding).toMatchObject({
      status: 'FAIL',
      sequence: 1,
      occurrenceCount: 1,
      idempotencyKey: `${openedFinding.findingId}#1`,
      tmc: { credentialName: credential.name },
    });
    const firstDigests = await drainNotifications(clients, sinks.topicAllQueueUrl);
    expect(firstDigests).toHaveLength(1);
    expect(firstDigests[0]!.Subject).toMatch(/1 new/);
    expect(firstDigests[0]!.MessageAttributes?.transition?.Value).toBe('["OPENED"]');
    // SQS subscribers get the message's `default` variant: the short text.
    expect(firstDigests[0]!.Message).toMatch(new RegExp(credential.name));
    const openItem = await ledgerItem(table, openedFinding.findingId);
    expect(openItem?.openMarker).toEqual({ S: 'OPEN#credentials' });
    expect(openItem?.sequence).toEqual({ N: '1' });

    // Run 2: nothing changed: no finding event, no mail, one more occurrence in the ledger.
    await runHandler(sinks, table);
    expect(await drainEvents(clients, sinks.ruleQueueUrl)).toEqual([]);
    expect(await drainNotifications(clients, sinks.topicAllQueueUrl)).toEqual([]);
    expect((await ledgerItem(table, openedFinding.findingId))?.occurrenceCount).toEqual({ N: '2' });

    // Run 3: someone re-enabled the rule.
    await clients.events.send(new EnableRuleCommand({ Name: credential.ruleName }));
    await runHandler(sinks, table);
    const resolved = await drainEvents<LifecycleFinding>(clients, sinks.ruleQueueUrl);
    expect(
      resolved.map((event) => [event.detail.findingId, event.detail.transition, event.detail.status]),
    ).toEqual([[openedFinding.findingId, 'RESOLVED', 'PASS']]);
    expect(resolved[0]!.detail.idempotencyKey).toBe(`${openedFinding.findingId}#2`);
    const lastDigests = await drainNotifications(clients, sinks.topicAllQueueUrl);
    expect(lastDigests).toHaveLength(1);
    expect(lastDigests[0]!.Subject).toMatch(/1 resolved/);
    const resolvedItem = await ledgerItem(table, openedFinding.findingId);
    expect(resolvedItem?.openMarker).toBeUndefined();
    expect(Number(resolvedItem?.expiresAt?.N)).toBeGreaterThan(Date.now() / 1000);

    const runs = await drainEvents<RunSummaryDetail>(clients, runsQueue);
    expect(
      runs.map((event) => [event.detail.check, event.detail.heartbeat, event.detail.transitions]),
    ).toEqual([
      ['credentials', true, { OPENED: 1, ESCALATED: 0, RESOLVED: 0, REMINDER: 0 }],
      ['credentials', true, { OPENED: 0, ESCALATED: 0, RESOLVED: 0, REMINDER: 0 }],
      ['credentials', true, { OPENED: 0, ESCALATED: 0, RESOLVED: 1, REMINDER: 0 }],
    ]);
    expect(runs.every((event) => event.detail.apiCalls > 0)).toBe(true);
  });
});
