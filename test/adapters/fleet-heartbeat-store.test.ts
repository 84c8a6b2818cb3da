import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  DynamoHeartbeatStore,
  fromHeartbeatItem,
  heartbeatOperationOf,
  toHeartbeatItem,
} from '../../lambdas/adapters/fleet/heartbeat-store';
import { heartbeatUpdateOf } from '../../lambdas/core/fleet/heartbeat';
import type { RunReport } from '../../lambdas/core/fleet/run-report-types';
import type { Finding, Status } from '../../lambdas/core/finding';

const dynamo = mockClient(DynamoDBClient);
const client = new DynamoDBClient({ region: 'us-east-1', maxAttempts: 1 });
const TABLE = 'tmc-health-fleet-heartbeats';
const NOW = new Date('2026-05-01T12:00:00.000Z');
const MEMBER = '111111111111';
const store = new DynamoHeartbeatStore(client, TABLE, { now: () => NOW });

function report(
  overrides: Partial<RunReport> = {},
  statuses: readonly Status[] = ['FAIL', 'ERROR', 'PASS'],
): RunReport {
  return {
    family: 'credentials',
    accountId: MEMBER,
    runId: 'run-2',
    regions: ['us-west-2', 'eu-west-1'],
    coveredRegions: ['us-west-2'],
    failedOperations: [],
    apiCalls: 12,
    startedAt: '2026-05-01T11:49:00.000Z',
    finishedAt: '2026-05-01T11:50:00.000Z',
    part: 1,
    parts: 1,
    findings: statuses.map((status, index) => ({ findingId: `f${index}`, status }) as unknown as Finding),
    ...overrides,
  };
}

const itemOf = (r: RunReport) => toHeartbeatItem(heartbeatUpdateOf(r), NOW);
const conditionFailed = (item?: Record<string, AttributeValue>) =>
  Object.assign(
    new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
    {
      ...(item ? { Item: item } : {}),
    },
  );

beforeEach(() => dynamo.reset());

describe('record', () => {
  it('writes the newest report, conditional on never moving lastReportAt backwards', async () => {
    dynamo.on(PutItemCommand).resolves({});
    expect(await store.record(report())).toEqual({ outcome: 'recorded' });

    const input = dynamo.commandCalls(PutItemCommand)[0]!.args[0].input;
    expect(input.TableName).toBe(TABLE);
    expect(input.Item).toEqual({
      accountId: { S: MEMBER },
      family: { S: 'credentials' },
      lastReportAt: { S: '2026-05-01T11:50:00.000Z' },
      lastReportEpochMs: { N: String(Date.parse('2026-05-01T11:50:00.000Z')) },
      runId: { S: 'run-2' },
      regions: { L: [{ S: 'us-west-2' }, { S: 'eu-west-1' }] },
      failing: { N: '1' },
      errored: { N: '1' },
      findingCount: { N: '3' },
      parts: { N: '1' },
      partsSeen: { NS: ['1'] },
      updatedAt: { S: NOW.toISOString() },
    });
    // A stored report dated beyond the hub's clock (and its tolerance) is replaced, never kept as newer.
    expect(input.ConditionExpression).toBe(
      'attribute_not_exists(#accountId) OR NOT attribute_type(#epoch, :number) OR #epoch < :at OR #epoch > :future',
    );
    expect(input.ExpressionAttributeValues).toEqual({
      ':number': { S: 'N' },
      ':at': { N: String(Date.parse('2026-05-01T11:50:00.000Z')) },
      ':future': { N: String(NOW.getTime() + 5 * 60_000) },
    });
    expect(input.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
  });

  it('stores the report time in UTC whatever offset the member wrote', async () => {
    dynamo.on(PutItemCommand).resolves({});
    await store.record(report({ finishedAt: '2026-05-01T13:50:00+02:00' }));
    const input = dynamo.commandCalls(PutItemCommand)[0]!.args[0].input;
    expect(input.Item!.lastReportAt).toEqual({ S: '2026-05-01T11:50:00.000Z' });
  });

  it('an older report (late or re-delivered) is stale and changes nothing', async () => {
    const newer = itemOf(report({ runId: 'run-3', finishedAt: '2026-05-01T11:55:00.000Z' }));
    dynamo.on(PutItemCommand).rejects(conditionFailed(newer));
    expect(await store.record(report())).toEqual({
      outcome: 'stale',
      storedLastReportAt: '2026-05-01T11:55:00.000Z',
    });
    expect(dynamo).toHaveReceivedCommandTimes(UpdateItemCommand, 0);
  });

  it('another part of the stored run adds its counts once', async () => {
    dynamo.on(PutItemCommand).rejects(conditionFailed(itemOf(report({ parts: 2 }))));
    dynamo.on(UpdateItemCommand).resolves({});

    expect(await store.record(report({ part: 2, parts: 2 }, ['FAIL', 'FAIL', 'PASS', 'PASS']))).toEqual({
      outcome: 'part-added',
    });

    const input = dynamo.commandCalls(UpdateItemCommand)[0]!.args[0].input;
    expect(input.Key).toEqual({ accountId: { S: MEMBER }, family: { S: 'credentials' } });
    expect(input.ConditionExpression).toBe('#runId = :runId AND NOT contains(#partsSeen, :partNumber)');
    expect(input.UpdateExpression).toContain(
      'ADD #failing :failing, #errored :errored, #findingCount :findingCount',
    );
    expect(input.ExpressionAttributeValues).toMatchObject({
      ':failing': { N: '2' },
      ':errored': { N: '0' },
      ':findingCount': { N: '4' },
      ':part': { NS: ['2'] },
      ':partNumber': { N: '2' },
      ':runId': { S: 'run-2' },
    });
  });

  it('the same part again is a duplicate, without a second write', async () => {
    dynamo.on(PutItemCommand).rejects(conditionFailed(itemOf(report())));
    expect(await store.record(report())).toEqual({
      outcome: 'duplicate',
      storedLastReportAt: '2026-05-01T11:50:00.000Z',
    });
    expect(dynamo).toHaveReceivedCommandTimes(UpdateItemCommand, 0);
  });

  it('without the old item, tries the part update and reads its refusal as stale', async () => {
    dynamo.on(PutItemCommand).rejects(conditionFailed());
    dynamo.on(UpdateItemCommand).rejects(conditionFailed());
    expect(await store.record(report({ part: 2, parts: 2 }))).toEqual({ outcome: 'stale' });
    expect(dynamo).toHaveReceivedCommandTimes(UpdateItemCommand, 1);
  });

  it('other errors propagate, tagged with the operation', async () => {
    const denied = Object.assign(new Error('no'), { name: 'AccessDeniedException' });
    dynamo.on(PutItemCommand).rejects(denied);
    const error: unknown = await store.record(report()).catch((e: unknown) => e);
    expect(error).toBe(denied);
    expect(heartbeatOperationOf(error)).toBe('dynamodb:PutItem');
  });
});

describe('latestReport', () => {
  it("reads the member's last report consistently", async () => {
    dynamo.on(GetItemCommand).resolves({ Item: itemOf(report({ runId: 'run-5' })) });
    expect(await store.latestReport(MEMBER, 'credentials')).toEqual({
      runId: 'run-5',
      lastReportAt: '2026-05-01T11:50:00.000Z',
    });
    const input = dynamo.commandCalls(GetItemCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      TableName: TABLE,
      Key: { accountId: { S: MEMBER }, family: { S: 'credentials' } },
      ConsistentRead: true,
    });
  });

  it('nothing known when there is no item or it is unreadable', async () => {
    dynamo
      .on(GetItemCommand)
      .resolvesOnce({})
      .resolvesOnce({ Item: { runId: { S: 'x' }, lastReportAt: { S: 'soon' } } });
    expect(await store.latestReport(MEMBER, 'irsa')).toBeUndefined();
    expect(await store.latestReport(MEMBER, 'irsa')).toBeUndefined();
  });

  it('errors propagate, tagged', async () => {
    dynamo.on(GetItemCommand).rejects(Object.assign(new Error('no'), { name: 'AccessDeniedException' }));
    const error: unknown = await store.latestReport(MEMBER, 'irsa').catch((e: unknown) => e);
    expect(heartbeatOperationOf(error)).toBe('dynamodb:GetItem');
  });
});

describe('listAll', () => {
  const good = (accountId: string, family: 'credentials' | 'irsa') => itemOf(report({ accountId, family }));

  it('reads every page consistently and returns the heartbeats', async () => {
    dynamo
      .on(ScanCommand)
      .resolvesOnce({
        Items: [good('111111111111', 'credentials'), good('111111111111', 'irsa')],
        LastEvaluatedKey: { accountId: { S: '111111111111' }, family: { S: 'irsa' } },
      })
      .resolvesOnce({ Items: [good('222222222222', 'credentials')] });

    const listing = await store.listAll();

    expect(listing.heartbeats.map((h) => `${h.accountId}/${h.family}`)).toEqual([
      '111111111111/credentials',
      '111111111111/irsa',
      '222222222222/credentials',
    ]);
    expect(listing.heartbeats[0]).toEqual({
      accountId: '111111111111',
      family: 'credentials',
      lastReportAt: '2026-05-01T11:50:00.000Z',
      runId: 'run-2',
      regions: ['us-west-2', 'eu-west-1'],
      failing: 1,
      errored: 1,
      findingCount: 3,
      parts: 1,
      partsReceived: 1,
    });
    expect([listing.pages, listing.scannedItems, listing.unreadable, listing.problems]).toEqual([
      2,
      3,
      [],
      [],
    ]);
    const calls = dynamo.commandCalls(ScanCommand).map((call) => call.args[0].input);
    expect(calls.every((input) => input.TableName === TABLE && input.ConsistentRead === true)).toBe(true);
    expect(calls[0]!.ExclusiveStartKey).toBeUndefined();
    expect(calls[1]!.ExclusiveStartKey).toEqual({ accountId: { S: '111111111111' }, family: { S: 'irsa' } });
  });

  it('counts and skips malformed items with a problem each, never failing the listing', async () => {
    const base = good('333333333333', 'irsa');
    dynamo.on(ScanCommand).resolves({
      Items: [
        good('111111111111', 'credentials'),
        { ...base, failing: { S: 'two' } },
        { ...good('444444444444', 'irsa'), lastReportAt: { S: 'yesterday' } },
        { ...good('555555555555', 'credentials'), family: { S: 'dns' } },
        { ...good('666666666666', 'credentials'), regions: { S: 'us-east-1' } },
        { ...good('777777777777', 'irsa'), lastReportEpochMs: { N: '1' } },
        { accountId: { S: 'not-an-account' }, family: { S: 'irsa' } },
      ],
    });

    const listing = await store.listAll();

    expect(listing.heartbeats.map((h) => h.accountId)).toEqual(['111111111111']);
    expect(listing.scannedItems).toBe(7);
    expect(listing.unreadable).toEqual([
      { accountId: '333333333333', family: 'irsa', reason: 'failing is missing or not a number (N)' },
      { accountId: '444444444444', family: 'irsa', reason: 'lastReportAt is not a timestamp: yesterday' },
      { accountId: '555555555555', family: 'dns', reason: 'family is not one of credentials, irsa: dns' },
      { accountId: '666666666666', family: 'credentials', reason: 'regions is missing or not a list (L)' },
      { accountId: '777777777777', family: 'irsa', reason: 'lastReportEpochMs differs from lastReportAt' },
      {
        accountId: 'not-an-account',
        family: 'irsa',
        reason: 'accountId is not a 12-digit account id: not-an-account',
      },
    ]);
    expect(listing.problems).toHaveLength(6);
    expect(listing.problems[0]).toBe(
      `heartbeat 333333333333/irsa in ${TABLE}: failing is missing or not a number (N)`,
    );
  });

  it('a failed page fails the listing (a partial one would read as members gone)', async () => {
    const throttled = Object.assign(new Error('slow down'), {
      name: 'ProvisionedThroughputExceededException',
    });
    dynamo
      .on(ScanCommand)
      .resolvesOnce({
        Items: [good('111111111111', 'credentials')],
        LastEvaluatedKey: { accountId: { S: 'x' } },
      })
      .rejectsOnce(throttled);
    const error: unknown = await store.listAll().catch((e: unknown) => e);
    expect(error).toBe(throttled);
    expect(heartbeatOperationOf(error)).toBe('dynamodb:Scan');
  });

  it('a page without Items is malformed, not empty', async () => {
    dynamo.on(ScanCommand).resolves({});
    await expect(store.listAll()).rejects.toMatchObject({ name: 'MalformedResponse' });
  });

  it('a repeated start key stops instead of looping', async () => {
    dynamo.on(ScanCommand).resolves({ Items: [], LastEvaluatedKey: { accountId: { S: 'same' } } });
    await expect(store.listAll()).rejects.toMatchObject({ name: 'PaginationLoop' });
  });
});

describe('item codec', () => {
  it('round-trips what record writes', () => {
    const parsed = fromHeartbeatItem(itemOf(report({ family: 'irsa', parts: 3, part: 2 })));
    expect(parsed).toEqual({
      ok: true,
      heartbeat: expect.objectContaining({ family: 'irsa', parts: 3, partsReceived: 1 }) as unknown,
    });
  });

  it.each([
    [
      'a run id over the cap',
      { runId: { S: 'r'.repeat(150_000) } },
      /^runId is 150000 characters, over the 128/,
    ],
    [
      'more regions than the cap',
      { regions: { L: Array.from({ length: 65 }, () => ({ S: 'us-east-1' })) } },
      /^regions holds 65 values, over the 64/,
    ],
    ['a region name over the cap', { regions: { L: [{ S: 'x'.repeat(10_000) }] } }, /^regions holds a value/],
    [
      'a timestamp of 10,000 digits',
      { lastReportAt: { S: `2026-05-01T11:50:00.${'1'.repeat(10_000)}Z` } },
      /^lastReportAt is not a timestamp: .{0,80}\.\.\. \(10021 characters\)$/,
    ],
    [
      'a key of 100,000 characters',
      { accountId: { S: '1'.repeat(100_000) } },
      /^accountId is not a 12-digit account id: 1{64}\.\.\. \(100000 characters\)$/,
    ],
  ])('%s: unreadable, with a short reason (the watch puts it in one event)', (_name, change, reason) => {
    const parsed = fromHeartbeatItem({ ...itemOf(report()), ...change });
    expect(parsed).toMatchObject({
      ok: false,
      unreadable: { reason: expect.stringMatching(reason) as unknown },
    });
    if (parsed.ok) return;
    expect(JSON.stringify(parsed.unreadable).length).toBeLessThan(1_024);
  });
});
