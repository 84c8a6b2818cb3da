/**
 * The hub's two handlers as deployed (issue 13): module-scope wiring from the environment, the real lifecycle,
 * ledger and heartbeat store against one emulated DynamoDB (ledger and heartbeat tables), EventBridge and SNS
 * mocked. Loaded once, after the environment is set.
 */
import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type BatchGetItemCommandInput,
  type GetItemCommandInput,
  type PutItemCommandInput,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand, type PutEventsCommandInput } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { toHeartbeatItem } from '../../lambdas/adapters/fleet/heartbeat-store';
import type { Finding } from '../../lambdas/core/finding';
import { heartbeatUpdateOf } from '../../lambdas/core/fleet/heartbeat';
import type { RunReport } from '../../lambdas/core/fleet/run-report-types';
import type { LifecycleFinding } from '../../lambdas/core/lifecycle/types';
import {
  HUB_ACCOUNT,
  MEMBER_A,
  MEMBER_B,
  memberFinding,
  reportDetails,
  reportEvent,
} from '../fixtures/fleet';
import { useEnv } from '../fixtures/env';
import { sqsRecord } from '../fixtures/sqs-record';

const LEDGER = 'tmc-health-hub-ledger';
const FLEET = 'tmc-health-fleet-heartbeats';
const BUS = 'tmc-health-fleet';
const TOPIC = `arn:aws:sns:eu-central-1:${HUB_ACCOUNT}:tmc-health-hub`;
const ENV = {
  AWS_REGION: 'eu-central-1',
  TMC_HEALTH_LEDGER_TABLE: LEDGER,
  TMC_HEALTH_FLEET_TABLE: FLEET,
  TMC_HEALTH_EVENT_BUS: BUS,
  TMC_HEALTH_TOPIC_ARN: TOPIC,
  TMC_HEALTH_MEMBER_SILENT_AFTER_MINUTES: '45',
  POWERTOOLS_DEV: 'true',
  POWERTOOLS_METRICS_DISABLED: 'false',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  // detailedMetrics=true: the fleet metrics are asserted below (off, the default, is tested in telemetry.test.ts).
  TMC_HEALTH_DETAILED_METRICS: 'true',
};

const context = (name: string) =>
  ({
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-central-1:${HUB_ACCOUNT}:function:${name}`,
    memoryLimitInMB: '512',
    awsRequestId: 'request-1',
    getRemainingTimeInMillis: () => 300_000,
  }) as unknown as Context;

type Item = Record<string, AttributeValue>;
const dynamo = mockClient(DynamoDBClient);
const events = mockClient(EventBridgeClient);
const sns = mockClient(SNSClient);
const tables = new Map<string, Map<string, Item>>();
const table = (name: string) => tables.get(name) ?? tables.set(name, new Map()).get(name)!;
const keyOf = (name: string, key: Item) =>
  name === FLEET ? `${key.accountId?.S}/${key.family?.S}` : (key.findingId?.S ?? '');
const conditionFailed = (item?: Item) =>
  Object.assign(
    new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
    {
      ...(item ? { Item: item } : {}),
    },
  );

/** Enough of DynamoDB for the two tables: conditions evaluated the way the stores write them. */
function emulateDynamo(): void {
  dynamo.on(PutItemCommand).callsFake((input: PutItemCommandInput) => {
    const rows = table(input.TableName!);
    const key = keyOf(input.TableName!, input.Item!);
    const current = rows.get(key);
    const values = input.ExpressionAttributeValues ?? {};
    let allowed = true;
    if (input.ConditionExpression === 'attribute_not_exists(findingId)') allowed = current === undefined;
    else if (input.ConditionExpression === '#sequence = :previousSequence')
      allowed = current?.sequence?.N === values[':previousSequence']?.N;
    else if (input.TableName === FLEET)
      allowed = current === undefined || Number(current.lastReportEpochMs?.N) < Number(values[':at']?.N);
    if (!allowed)
      throw conditionFailed(input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' ? current : undefined);
    rows.set(key, input.Item!);
    return {};
  });
  dynamo.on(UpdateItemCommand).callsFake(() => {
    throw conditionFailed();
  });
  dynamo.on(GetItemCommand).callsFake((input: GetItemCommandInput) => {
    const item = table(input.TableName!).get(keyOf(input.TableName!, input.Key!));
    return item ? { Item: item } : {};
  });
  dynamo.on(QueryCommand).callsFake((input: QueryCommandInput) => ({
    Items: [...table(input.TableName!).values()]
      .filter((item) => item.openMarker?.S === input.ExpressionAttributeValues?.[':open']?.S)
      .map((item) => ({ findingId: item.findingId! })),
  }));
  dynamo.on(BatchGetItemCommand).callsFake((input: BatchGetItemCommandInput) => {
    const [name, request] = Object.entries(input.RequestItems!)[0]!;
    return {
      Responses: {
        [name]: (request.Keys ?? []).flatMap((key) => {
          const item = table(name).get(key.findingId!.S!);
          return item ? [item] : [];
        }),
      },
    };
  });
  dynamo.on(ScanCommand).callsFake(() => ({ Items: [...table(FLEET).values()] }));
}

function entries(detailType: string) {
  return events
    .commandCalls(PutEventsCommand)
    .flatMap((call) => call.args[0].input.Entries ?? [])
    .filter((entry) => entry.DetailType === detailType);
}
const findingEvents = () =>
  entries('TMC Health Finding').map((e) => JSON.parse(e.Detail!) as LifecycleFinding);
const digests = () => sns.commandCalls(PublishCommand).map((call) => call.args[0].input);

const emf: Record<string, unknown>[] = [];
let intake: typeof import('../../lambdas/handlers/fleet-intake');
let watch: typeof import('../../lambdas/handlers/fleet-watch');

useEnv(ENV);
beforeAll(async () => {
  jest.spyOn(console, 'log').mockImplementation((line: unknown) => {
    if (typeof line === 'string' && line.includes('"_aws"'))
      emf.push(JSON.parse(line) as Record<string, unknown>);
  });
  intake = await import('../../lambdas/handlers/fleet-intake');
  watch = await import('../../lambdas/handlers/fleet-watch');
});

afterAll(() => jest.restoreAllMocks());

beforeEach(() => {
  dynamo.reset();
  events.reset();
  sns.reset();
  tables.clear();
  emf.length = 0;
  emulateDynamo();
  events.on(PutEventsCommand).callsFake((input: PutEventsCommandInput) => ({
    FailedEntryCount: 0,
    Entries: (input.Entries ?? []).map((_, i) => ({ EventId: `id-${i}` })),
  }));
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

/** An SQS batch of the report queue: each body is one EventBridge event, as the rule puts it there. */
const sqsBatch = (bodies: unknown[]): SQSEvent => ({
  Records: bodies.map((body, index) =>
    sqsRecord(`message-${index + 1}`, typeof body === 'string' ? body : JSON.stringify(body)),
  ),
});
const deliverBatch = (bodies: unknown[]) => intake.handler(sqsBatch(bodies), context('fleet-intake'));
const deliver = (detail: unknown, overrides: Record<string, unknown> = {}) =>
  deliverBatch([reportEvent(detail, overrides)]);

describe('fleet intake handler', () => {
  it("a member report opens its findings in that member's ledger, on the hub bus, in a digest naming it", async () => {
    const summary = await deliver(
      reportDetails({
        findings: [memberFinding(MEMBER_A, 'a', 'FAIL'), memberFinding(MEMBER_A, 'b', 'PASS')],
      })[0],
    );
    expect(summary).toEqual({ batchItemFailures: [] });

    const opened = findingEvents();
    expect(opened.map((f) => [f.accountId, f.resource.name, f.transition])).toEqual([
      [MEMBER_A, 'a', 'OPENED'],
    ]);
    expect(entries('TMC Health Finding')[0]!.EventBusName).toBe(BUS);
    expect(entries('TMC Health Check Run')).toHaveLength(1);
    const ledgerItems = [...table(LEDGER).values()];
    expect(ledgerItems.map((item) => item.openMarker?.S)).toEqual([`OPEN#${MEMBER_A}#credentials`]);

    const [digest] = digests();
    expect(digest!.TopicArn).toBe(TOPIC);
    expect(digest!.Subject).toContain(`TMC health ${MEMBER_A}: 1 new`);
    expect(JSON.parse(digest!.MessageAttributes!.accountId!.StringValue!)).toEqual([MEMBER_A]);

    expect(table(FLEET).get(`${MEMBER_A}/credentials`)).toMatchObject({
      runId: { S: 'run-1' },
      failing: { N: '1' },
    });
    const failing = emf.find((line) => 'ChecksFailing' in line);
    expect(failing).toMatchObject({ ChecksFailing: 1, AccountId: MEMBER_A, Family: 'credentials' });
    expect(failing!.service).toBeUndefined();
    expect(emf.find((line) => 'RunReported' in line)).toMatchObject({ RunReported: 1, AccountId: MEMBER_A });
  });

  it("two members never share open findings; a later run resolves only its own member's", async () => {
    const run = (account: string, runId: string, status: 'FAIL' | 'PASS', finishedAt: string) =>
      deliver(
        reportDetails({
          accountId: account,
          runId,
          finishedAt,
          findings: [memberFinding(account, 'a', status)],
        })[0],
      );
    await run(MEMBER_A, 'a-1', 'FAIL', '2026-05-01T11:50:00.000Z');
    await run(MEMBER_B, 'b-1', 'FAIL', '2026-05-01T11:50:00.000Z');
    expect(findingEvents().map((f) => `${f.accountId} ${f.transition}`)).toEqual([
      `${MEMBER_A} OPENED`,
      `${MEMBER_B} OPENED`,
    ]);
    events.resetHistory();
    dynamo.resetHistory();

    // Member A's next run finds it healthy: A's resolves; B's open finding is never even loaded into A's run.
    await run(MEMBER_A, 'a-2', 'PASS', '2026-05-01T12:05:00.000Z');
    expect(findingEvents().map((f) => `${f.accountId} ${f.transition}`)).toEqual([`${MEMBER_A} RESOLVED`]);
    const bId = memberFinding(MEMBER_B, 'a', 'FAIL').findingId;
    const requested = dynamo
      .commandCalls(BatchGetItemCommand)
      .flatMap((call) =>
        Object.values(call.args[0].input.RequestItems!)[0]!.Keys!.map((k) => k.findingId!.S),
      );
    // Keys bind the member account in: `<accountId>#<findingId>`.
    expect(requested).toEqual([`${MEMBER_A}#${memberFinding(MEMBER_A, 'a', 'PASS').findingId}`]);
    expect(requested).not.toContain(`${MEMBER_B}#${bId}`);
    expect(table(LEDGER).get(`${MEMBER_B}#${bId}`)?.openMarker?.S).toBe(`OPEN#${MEMBER_B}#credentials`);
  });

  it('a report delivered late, after a newer run, leaves the ledger alone', async () => {
    const [newer] = reportDetails({
      runId: 'run-2',
      finishedAt: '2026-05-01T12:05:00.000Z',
      findings: [memberFinding(MEMBER_A, 'a', 'PASS')],
    });
    const [older] = reportDetails({ runId: 'run-1', findings: [memberFinding(MEMBER_A, 'a', 'FAIL')] });
    await deliver(newer);
    events.resetHistory();
    expect(await deliver(older)).toEqual({ batchItemFailures: [] });
    expect(findingEvents()).toEqual([]);
    expect(table(FLEET).get(`${MEMBER_A}/credentials`)?.runId).toEqual({ S: 'run-2' });
    expect(table(LEDGER).size).toBe(0);
  });

  it('a malformed report: one ERROR on the hub bus naming the account, RunReportRejected 1, and no throw', async () => {
    const summary = await deliver(
      { schemaVersion: '1.0', accountId: MEMBER_B, family: 'irsa' },
      { account: MEMBER_B },
    );
    expect(summary).toEqual({ batchItemFailures: [] });
    const [error] = entries('TMC Health Finding').map((e) => JSON.parse(e.Detail!) as Finding);
    expect(error).toMatchObject({ checkId: 'checker.error', status: 'ERROR', accountId: MEMBER_B });
    expect(entries('TMC Health Finding')[0]!.EventBusName).toBe(BUS);
    expect(table(LEDGER).size + table(FLEET).size).toBe(0);
    expect(emf.find((line) => 'RunReportRejected' in line)).toMatchObject({ RunReportRejected: 1 });
  });
});

describe('fleet intake handler: a batch from the report queue', () => {
  const both = () => [
    reportEvent(
      reportDetails({
        accountId: MEMBER_A,
        runId: 'a-1',
        findings: [memberFinding(MEMBER_A, 'a', 'FAIL')],
      })[0],
    ),
    reportEvent(
      reportDetails({
        accountId: MEMBER_B,
        runId: 'b-1',
        findings: [memberFinding(MEMBER_B, 'b', 'FAIL')],
      })[0],
    ),
  ];

  it('two members in one batch: each opens in its own ledger, ONE digest names both accounts', async () => {
    expect(await deliverBatch(both())).toEqual({ batchItemFailures: [] });

    expect(
      findingEvents()
        .map((f) => `${f.accountId} ${f.transition}`)
        .sort(),
    ).toEqual([`${MEMBER_A} OPENED`, `${MEMBER_B} OPENED`]);
    expect(digests()).toHaveLength(1);
    const [digest] = digests();
    expect(digest!.Subject).toContain('TMC health, 2 accounts: 2 new');
    expect(JSON.parse(digest!.MessageAttributes!.accountId!.StringValue!)).toEqual([MEMBER_A, MEMBER_B]);
    expect(JSON.parse(digest!.Message!).email).toContain(`Run in account: ${HUB_ACCOUNT}`);
    expect([...table(LEDGER).values()].map((item) => item.openMarker?.S).sort()).toEqual([
      `OPEN#${MEMBER_A}#credentials`,
      `OPEN#${MEMBER_B}#credentials`,
    ]);
    expect(emf.filter((line) => 'RunReported' in line).map((line) => line.AccountId)).toEqual(
      expect.arrayContaining([MEMBER_A, MEMBER_B]),
    );
  });

  it('the digest cannot be published: both messages are batch item failures, neither ledger advanced', async () => {
    sns
      .on(PublishCommand)
      .rejects(Object.assign(new Error('not allowed'), { name: 'AuthorizationErrorException' }));

    expect(await deliverBatch(both())).toEqual({
      batchItemFailures: [{ itemIdentifier: 'message-1' }, { itemIdentifier: 'message-2' }],
    });
    expect([...table(LEDGER).values()]).toEqual([]);
    expect(emf.find((line) => 'PublishFailures' in line && line.PublishFailures !== 0)).toMatchObject({
      PublishFailures: expect.arrayContaining([2]),
    });

    // SQS delivers them again once SNS is back: the digest goes out then.
    sns.on(PublishCommand).resolves({ MessageId: 'm-2' });
    expect(await deliverBatch(both())).toEqual({ batchItemFailures: [] });
    expect(digests().filter((d) => d.Subject?.includes('2 accounts'))).toHaveLength(2);
    expect(table(LEDGER).size).toBe(2);
  });

  it('a message that is not JSON is rejected (an ERROR finding), never redelivered', async () => {
    expect(await deliverBatch(['{not json', both()[0]])).toEqual({ batchItemFailures: [] });
    const errors = findingEvents().filter((f) => f.checkId === 'checker.error');
    expect(errors).toHaveLength(1);
    expect(digests()).toHaveLength(1);
  });
});

describe('fleet intake handler, hubIntake=direct (the bus rule invokes it with each event)', () => {
  const reportOf = (account: string, id: string) =>
    reportEvent(
      reportDetails({
        accountId: account,
        runId: `${account}-run`,
        findings: [memberFinding(account, 'a', 'FAIL')],
      })[0],
      { id },
    );

  it('one event: its findings open in its member ledger, one digest of its own; no reply', async () => {
    expect(await intake.handler(reportOf(MEMBER_A, 'event-a'), context('fleet-intake'))).toBeUndefined();
    expect(await intake.handler(reportOf(MEMBER_B, 'event-b'), context('fleet-intake'))).toBeUndefined();

    expect(findingEvents().map((f) => `${f.accountId} ${f.transition}`)).toEqual([
      `${MEMBER_A} OPENED`,
      `${MEMBER_B} OPENED`,
    ]);
    // No batch to combine them: one digest per report that changed something, each naming its account.
    expect(
      digests().map((d) => JSON.parse(d.MessageAttributes!.accountId!.StringValue!) as string[]),
    ).toEqual([[MEMBER_A], [MEMBER_B]]);
    expect(table(FLEET).get(`${MEMBER_A}/credentials`)).toMatchObject({ failing: { N: '1' } });
  });

  it('the digest cannot be published: the invocation fails (Lambda retries it), the ledger stays; the retry sends it', async () => {
    sns
      .on(PublishCommand)
      .rejects(Object.assign(new Error('not allowed'), { name: 'AuthorizationErrorException' }));
    await expect(intake.handler(reportOf(MEMBER_A, 'event-a'), context('fleet-intake'))).rejects.toThrow(
      /not allowed|Publish/,
    );
    expect([...table(LEDGER).values()]).toEqual([]);

    sns.on(PublishCommand).resolves({ MessageId: 'm-2' });
    expect(await intake.handler(reportOf(MEMBER_A, 'event-a'), context('fleet-intake'))).toBeUndefined();
    expect(table(LEDGER).size).toBe(1);
    expect(digests().length).toBeGreaterThanOrEqual(2);
  });

  it('a malformed report as a direct event: rejected (an ERROR finding for its sender), not retried', async () => {
    expect(
      await intake.handler(reportEvent({ schemaVersion: 99 }, { id: 'event-x' }), context('fleet-intake')),
    ).toBeUndefined();
    expect(findingEvents().filter((f) => f.checkId === 'checker.error')).toHaveLength(1);
    expect(table(LEDGER).size).toBe(0);
  });
});

describe('fleet watch handler', () => {
  const heartbeat = (accountId: string, minutesAgo: number, runId: string) => {
    const report = {
      family: 'credentials',
      accountId,
      runId,
      regions: ['us-west-2'],
      part: 1,
      parts: 1,
      finishedAt: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
      findings: [],
    } as unknown as RunReport;
    table(FLEET).set(`${accountId}/credentials`, toHeartbeatItem(heartbeatUpdateOf(report), new Date()));
  };

  it('announces a silent member once, in the hub ledger under the hub account, naming the member', async () => {
    heartbeat(MEMBER_A, 10, 'a-9');
    heartbeat(MEMBER_B, 100, 'b-3');

    const summary = await watch.handler({}, context('fleet-watch'));

    expect(summary).toMatchObject({ members: 2, silent: 1, unreadable: 0, failedOperations: [] });
    expect(findingEvents().map((f) => [f.checkId, f.accountId, f.status, f.transition])).toEqual([
      ['fleet.member.silent', MEMBER_B, 'FAIL', 'OPENED'],
    ]);
    const query = dynamo.commandCalls(QueryCommand)[0]!.args[0].input;
    expect(query.ExpressionAttributeValues).toEqual({ ':open': { S: `OPEN#${HUB_ACCOUNT}#fleet` } });
    const [digest] = digests();
    expect(digest!.Subject).toContain(`TMC health ${MEMBER_B}: 1 new`);
    expect(JSON.parse(digest!.Message!).email).toContain(`Run in account: ${HUB_ACCOUNT}`);

    // The next run is quiet; the member reporting again resolves it.
    events.resetHistory();
    await watch.handler({}, context('fleet-watch'));
    expect(findingEvents()).toEqual([]);
    heartbeat(MEMBER_B, 1, 'b-4');
    await watch.handler({}, context('fleet-watch'));
    expect(findingEvents().map((f) => [f.accountId, f.transition])).toEqual([[MEMBER_B, 'RESOLVED']]);
  });

  it('a failed heartbeat Scan is an ERROR naming dynamodb:Scan, and resolves nothing', async () => {
    heartbeat(MEMBER_B, 100, 'b-3');
    await watch.handler({}, context('fleet-watch'));
    events.resetHistory();
    dynamo.on(ScanCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));

    const summary = await watch.handler({}, context('fleet-watch'));

    expect(summary.failedOperations).toEqual(['eu-central-1 dynamodb:Scan']);
    expect(findingEvents().map((f) => [f.checkId, f.status, f.resource.name])).toEqual([
      ['checker.error', 'ERROR', 'dynamodb:Scan'],
    ]);
    expect([...table(LEDGER).values()].filter((item) => item.open?.BOOL).length).toBe(2);
  });
});
