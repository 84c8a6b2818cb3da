import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  type AttributeValue,
  type BatchGetItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { fromLedgerItem, toLedgerItem } from '../../lambdas/adapters/lifecycle/ledger-item';
import {
  DynamoLedgerStore,
  MalformedLedgerError,
  UnprocessedKeysError,
} from '../../lambdas/adapters/lifecycle/ledger-store';
import type { Finding } from '../../lambdas/core/finding';
import type { LedgerEntry, PlannedTransition } from '../../lambdas/core/lifecycle/types';

const dynamo = mockClient(DynamoDBClient);
const client = new DynamoDBClient({ region: 'us-east-1', maxAttempts: 1 });
const TABLE = 'tmc-health-findings-ledger';
const NOW = new Date('2025-03-01T12:00:00.000Z');
const NOW_EPOCH = Math.floor(NOW.getTime() / 1000);
const sleeps: number[] = [];
const store = new DynamoLedgerStore(client, TABLE, 'credentials', {
  now: () => NOW,
  resolvedTtlDays: 30,
  retry: { sleep: (ms) => (sleeps.push(ms), Promise.resolve()), random: () => 0.5, baseDelayMs: 100 },
});

function finding(id: string, overrides: Partial<Finding> = {}): Finding {
  return {
    schemaVersion: '1.0',
    findingId: id,
    checkId: 'tmc.lambda.missing',
    status: 'FAIL',
    severity: 'HIGH',
    title: 'Data sync function missing',
    message: `Function for ${id} is missing`,
    accountId: '123456789012',
    region: 'us-east-1',
    resource: { type: 'AWS::Lambda::Function', name: `fn-${id}` },
    tmc: { credentialName: 'prod', component: 'data-sync' },
    evidence: { expected: 'present', tags: ['a', 'b'], retries: 3, flag: false, none: null },
    remediation: { text: 'Redeploy it.', whoCanFix: 'platform', runbookUrl: 'https://example.com/runbook' },
    observedAt: '2025-03-01T11:59:00.000Z',
    ...overrides,
  };
}

function entry(id: string, overrides: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    findingId: id,
    open: true,
    status: 'FAIL',
    severity: 'HIGH',
    firstObservedAt: '2025-02-28T10:00:00.000Z',
    lastObservedAt: '2025-03-01T11:59:00.000Z',
    occurrenceCount: 4,
    lastNotifiedAt: '2025-02-28T10:00:05.000Z',
    sequence: 2,
    absentRuns: 0,
    finding: finding(id),
    ...overrides,
  };
}

function plannedFor(next: LedgerEntry, previousSequence: number | undefined): PlannedTransition {
  return {
    transition: previousSequence === undefined ? 'OPENED' : 'ESCALATED',
    event: {
      ...next.finding,
      state: previousSequence === undefined ? 'NEW' : 'ONGOING',
      transition: previousSequence === undefined ? 'OPENED' : 'ESCALATED',
      firstObservedAt: next.firstObservedAt,
      lastObservedAt: next.lastObservedAt,
      occurrenceCount: next.occurrenceCount,
      sequence: next.sequence,
      idempotencyKey: `${next.findingId}#${next.sequence}`,
    },
    nextEntry: next,
    previousSequence,
  };
}

const itemOf = (e: LedgerEntry): Record<string, AttributeValue> => toLedgerItem(e, NOW, 30, 'credentials');

function requestedIds(input: BatchGetItemCommandInput): string[] {
  return (input.RequestItems?.[TABLE]?.Keys ?? []).map((key) => key.findingId!.S!);
}

function putInput(call = 0) {
  return dynamo.commandCalls(PutItemCommand)[call]!.args[0].input;
}

beforeEach(() => {
  dynamo.reset();
  sleeps.length = 0;
});

describe('DynamoLedgerStore.load', () => {
  it('merges consistent batch reads of this run and of every open-index entry, across pages and chunks', async () => {
    // 150 ids from this run (two chunks), two of which exist; open index lists 3 more ids over two pages.
    const runIds = Array.from({ length: 150 }, (_, i) => `run-${String(i).padStart(3, '0')}`);
    const table = new Map<string, LedgerEntry>([
      ['run-000', entry('run-000', { open: false, status: 'PASS' })],
      ['run-149', entry('run-149')],
      ['open-a', entry('open-a', { sequence: 7 })],
      ['open-b', entry('open-b', { absentRuns: 2 })],
      ['open-c', entry('open-c', { severity: 'CRITICAL' })],
    ]);
    dynamo
      .on(QueryCommand)
      .resolvesOnce({
        Items: [{ findingId: { S: 'open-a' } }, { findingId: { S: 'run-149' } }],
        LastEvaluatedKey: { findingId: { S: 'run-149' }, openMarker: { S: 'OPEN#credentials' } },
      })
      .resolvesOnce({ Items: [{ findingId: { S: 'open-b' } }, { findingId: { S: 'open-c' } }] });
    let firstCall = true;
    dynamo.on(BatchGetItemCommand).callsFake((input: BatchGetItemCommandInput) => {
      const ids = requestedIds(input);
      // The first request leaves its last 3 keys unprocessed, as DynamoDB does under throttling.
      const unprocessed = firstCall ? ids.slice(-3) : [];
      firstCall = false;
      const served = ids.filter((id) => !unprocessed.includes(id));
      return {
        Responses: { [TABLE]: served.flatMap((id) => (table.has(id) ? [itemOf(table.get(id)!)] : [])) },
        ...(unprocessed.length > 0
          ? { UnprocessedKeys: { [TABLE]: { Keys: unprocessed.map((id) => ({ findingId: { S: id } })) } } }
          : {}),
      };
    });

    const loaded = await store.load(runIds);

    expect([...loaded.keys()].sort()).toEqual(['open-a', 'open-b', 'open-c', 'run-000', 'run-149']);
    for (const [id, stored] of table) expect(loaded.get(id)).toEqual(stored);

    const queries = dynamo.commandCalls(QueryCommand);
    expect(queries).toHaveLength(2);
    expect(queries[0]!.args[0].input).toMatchObject({
      TableName: TABLE,
      IndexName: 'open-index',
      KeyConditionExpression: '#openMarker = :open',
      ExpressionAttributeValues: { ':open': { S: 'OPEN#credentials' } },
    });
    expect(queries[0]!.args[0].input.ExclusiveStartKey).toBeUndefined();
    expect(queries[1]!.args[0].input.ExclusiveStartKey).toEqual({
      findingId: { S: 'run-149' },
      openMarker: { S: 'OPEN#credentials' },
    });

    const batches = dynamo.commandCalls(BatchGetItemCommand).map((call) => call.args[0].input);
    // 150 run ids + 3 open ids not among them = 153 keys: 100 + 53, plus one retry of 3 unprocessed keys.
    expect(batches.map((input) => requestedIds(input).length)).toEqual([100, 3, 53]);
    expect(requestedIds(batches[1]!)).toEqual(requestedIds(batches[0]!).slice(-3));
    const allRequested = batches.flatMap(requestedIds);
    expect(new Set(allRequested).size).toBe(153);
    expect(batches.every((input) => input.RequestItems?.[TABLE]?.ConsistentRead === true)).toBe(true);
    expect(sleeps).toHaveLength(1);
  });

  it('reads nothing in batch when there are no ids and nothing open', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });
    const loaded = await store.load([]);
    expect(loaded.size).toBe(0);
    expect(dynamo).toHaveReceivedCommandTimes(BatchGetItemCommand, 0);
  });

  it('gives up with UnprocessedKeysError when keys stay unprocessed', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });
    dynamo.on(BatchGetItemCommand).resolves({
      Responses: { [TABLE]: [] },
      UnprocessedKeys: { [TABLE]: { Keys: [{ findingId: { S: 'a' } }] } },
    });
    await expect(store.load(['a'])).rejects.toBeInstanceOf(UnprocessedKeysError);
    expect(dynamo).toHaveReceivedCommandTimes(BatchGetItemCommand, 6);
  });

  it('throws MalformedLedgerError naming every malformed item instead of treating it as absent', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [{ findingId: { S: 'bad-open' } }] });
    const badOpen = { ...itemOf(entry('bad-open')), sequence: { N: '-1' } };
    const badJson = { ...itemOf(entry('bad-json')), finding: { S: '{"findingId":' } };
    dynamo.on(BatchGetItemCommand).resolves({
      Responses: { [TABLE]: [itemOf(entry('good')), badOpen, badJson] },
    });

    const error: unknown = await store.load(['good', 'bad-json']).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MalformedLedgerError);
    const malformed = error as MalformedLedgerError;
    expect(malformed.items.map((item) => item.findingId).sort()).toEqual(['bad-json', 'bad-open']);
    expect(malformed.message).toContain('sequence is not a non-negative integer');
    expect(malformed.message).toContain('finding is not valid JSON');
  });

  it('propagates other AWS errors as thrown', async () => {
    const denied = Object.assign(new Error('not authorised'), { name: 'AccessDeniedException' });
    dynamo.on(QueryCommand).rejects(denied);
    await expect(store.load(['a'])).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});

describe('ledger item codec', () => {
  it('round-trips an open entry and a resolved one without lastNotifiedAt', () => {
    const open = entry('x');
    const notified = entry('y', {
      open: false,
      status: 'PASS',
      severity: 'INFORMATIONAL',
      finding: finding('y', { status: 'PASS', severity: 'INFORMATIONAL' }),
    });
    const resolvedBase = Object.fromEntries(
      Object.entries(notified).filter(([key]) => key !== 'lastNotifiedAt'),
    ) as unknown as LedgerEntry;
    expect('lastNotifiedAt' in resolvedBase).toBe(false);
    for (const original of [open, resolvedBase]) {
      const parsed = fromLedgerItem(itemOf(original));
      expect(parsed).toEqual({ ok: true, entry: original });
    }
    expect(itemOf(resolvedBase).lastNotifiedAt).toBeUndefined();
  });

  it('rejects a finding whose id differs from the item key', () => {
    const item = { ...itemOf(entry('x')), finding: { S: JSON.stringify(finding('other')) } };
    expect(fromLedgerItem(item)).toEqual({
      ok: false,
      findingId: 'x',
      reason: 'finding.findingId differs from the item key',
    });
  });

  it('open entries get openMarker and no expiresAt; resolved ones get expiresAt in 30 days and no openMarker', () => {
    const open = itemOf(entry('x'));
    expect(open.openMarker).toEqual({ S: 'OPEN#credentials' });
    expect(open.expiresAt).toBeUndefined();

    const resolved = itemOf(entry('x', { open: false, status: 'PASS' }));
    expect(resolved.openMarker).toBeUndefined();
    expect(resolved.expiresAt).toEqual({ N: String(NOW_EPOCH + 30 * 86_400) });
  });
});

describe('DynamoLedgerStore writes', () => {
  it('commits a new entry only if none exists', async () => {
    dynamo.on(PutItemCommand).resolves({});
    const next = entry('new', { sequence: 1, occurrenceCount: 1 });

    expect(await store.commit(plannedFor(next, undefined))).toBe('saved');

    const input = putInput();
    expect(input.TableName).toBe(TABLE);
    expect(input.ConditionExpression).toBe('attribute_not_exists(findingId)');
    expect(input.ExpressionAttributeValues).toBeUndefined();
    expect(input.Item).toEqual(itemOf(next));
    expect(input.Item!.openMarker).toEqual({ S: 'OPEN#credentials' });
    expect(input.Item!.expiresAt).toBeUndefined();
  });

  it('commits an existing entry conditional on the previous sequence', async () => {
    dynamo.on(PutItemCommand).resolves({});
    const next = entry('old', { sequence: 5 });

    expect(await store.commit(plannedFor(next, 4))).toBe('saved');

    const input = putInput();
    expect(input.ConditionExpression).toBe('#sequence = :previousSequence');
    expect(input.ExpressionAttributeNames).toEqual({ '#sequence': 'sequence' });
    expect(input.ExpressionAttributeValues).toEqual({ ':previousSequence': { N: '4' } });
    expect(input.Item!.sequence).toEqual({ N: '5' });
  });

  it('a resolving commit writes expiresAt and removes openMarker', async () => {
    dynamo.on(PutItemCommand).resolves({});
    await store.commit(plannedFor(entry('gone', { open: false, status: 'PASS', sequence: 3 }), 2));
    const item = putInput().Item!;
    expect(item.open).toEqual({ BOOL: false });
    expect(item.openMarker).toBeUndefined();
    expect(item.expiresAt).toEqual({ N: String(NOW_EPOCH + 30 * 86_400) });
  });

  it('a failed condition is a conflict, not an error', async () => {
    dynamo
      .on(PutItemCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );
    expect(await store.commit(plannedFor(entry('a', { sequence: 3 }), 2))).toBe('conflict');
    expect(await store.commit(plannedFor(entry('b', { sequence: 1 }), undefined))).toBe('conflict');
    expect(await store.saveQuiet(entry('c', { sequence: 2 }), 2)).toBe('conflict');
  });

  it('a conflict is recognised by error name too (another SDK copy)', async () => {
    const error = Object.assign(new Error('conditional'), { name: 'ConditionalCheckFailedException' });
    dynamo.on(PutItemCommand).rejects(error);
    expect(await store.saveQuiet(entry('c'), 2)).toBe('conflict');
  });

  it('other write errors propagate', async () => {
    const throttled = Object.assign(new Error('slow down'), {
      name: 'ProvisionedThroughputExceededException',
    });
    dynamo.on(PutItemCommand).rejects(throttled);
    await expect(store.commit(plannedFor(entry('a', { sequence: 3 }), 2))).rejects.toBe(throttled);
    await expect(store.saveQuiet(entry('a'), 2)).rejects.toBe(throttled);
  });

  it('saveQuiet is conditional on the sequence being unchanged and keeps it', async () => {
    dynamo.on(PutItemCommand).resolves({});
    const quiet = entry('q', { sequence: 9, absentRuns: 1, occurrenceCount: 12 });

    expect(await store.saveQuiet(quiet, 9)).toBe('saved');

    const input = putInput();
    expect(input.ConditionExpression).toBe('#sequence = :previousSequence');
    expect(input.ExpressionAttributeValues).toEqual({ ':previousSequence': { N: '9' } });
    expect(fromLedgerItem(input.Item!)).toEqual({ ok: true, entry: quiet });
  });

  it('refuses a quiet write that would move the sequence, and a commit that does not advance it', async () => {
    dynamo.on(PutItemCommand).resolves({});
    await expect(store.saveQuiet(entry('q', { sequence: 10 }), 9)).rejects.toThrow(RangeError);
    await expect(store.commit(plannedFor(entry('q', { sequence: 4 }), 4))).rejects.toThrow(RangeError);
    expect(dynamo).toHaveReceivedCommandTimes(PutItemCommand, 0);
  });
});

describe('account scope (Organizations hub: one table, every member account)', () => {
  const MEMBER_A = '111111111111';
  const MEMBER_B = '222222222222';
  const scoped = (accountScope: string, family: 'credentials' | 'irsa' = 'credentials') =>
    new DynamoLedgerStore(client, TABLE, family, { now: () => NOW, accountScope });

  /** The table behind the mock: PutItem stores, the open index lists by marker, BatchGetItem reads by key. */
  function emulateTable(): Map<string, Record<string, AttributeValue>> {
    const items = new Map<string, Record<string, AttributeValue>>();
    dynamo.on(PutItemCommand).callsFake((input: { Item: Record<string, AttributeValue> }) => {
      items.set(input.Item.findingId!.S!, input.Item);
      return {};
    });
    dynamo
      .on(QueryCommand)
      .callsFake((input: { ExpressionAttributeValues: Record<string, AttributeValue> }) => ({
        Items: [...items.values()]
          .filter((item) => item.openMarker?.S === input.ExpressionAttributeValues[':open']!.S)
          .map((item) => ({ findingId: item.findingId! })),
      }));
    dynamo.on(BatchGetItemCommand).callsFake((input: BatchGetItemCommandInput) => ({
      Responses: { [TABLE]: requestedIds(input).flatMap((id) => (items.has(id) ? [items.get(id)!] : [])) },
    }));
    return items;
  }

  it('marks open entries OPEN#<account>#<family>; single-account mode keeps OPEN#<family>', async () => {
    dynamo.on(PutItemCommand).resolves({});
    await scoped(MEMBER_A).commit(plannedFor(entry('a-1', { sequence: 1 }), undefined));
    await scoped(MEMBER_B, 'irsa').commit(plannedFor(entry('b-1', { sequence: 1 }), undefined));
    await store.commit(plannedFor(entry('single', { sequence: 1 }), undefined));

    expect(putInput(0).Item!.openMarker).toEqual({ S: `OPEN#${MEMBER_A}#credentials` });
    expect(putInput(1).Item!.openMarker).toEqual({ S: `OPEN#${MEMBER_B}#irsa` });
    expect(putInput(2).Item!.openMarker).toEqual({ S: 'OPEN#credentials' });
    expect(toLedgerItem(entry('x'), NOW, 30, 'irsa', MEMBER_A).openMarker).toEqual({
      S: `OPEN#${MEMBER_A}#irsa`,
    });
  });

  it('queries the open index with its own scoped marker', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });
    await scoped(MEMBER_A, 'irsa').load([]);
    expect(dynamo.commandCalls(QueryCommand)[0]!.args[0].input.ExpressionAttributeValues).toEqual({
      ':open': { S: `OPEN#${MEMBER_A}#irsa` },
    });
  });

  it("never mixes two accounts' open entries, nor a single-account store's", async () => {
    const items = emulateTable();
    for (const [ledger, ids] of [
      [scoped(MEMBER_A), ['a-1', 'a-2']],
      [scoped(MEMBER_B), ['b-1']],
      [scoped(MEMBER_A, 'irsa'), ['a-irsa']],
      [store, ['single']],
    ] as const) {
      for (const id of ids) await ledger.commit(plannedFor(entry(id, { sequence: 1 }), undefined));
    }
    expect(items.size).toBe(5);

    expect([...(await scoped(MEMBER_A).load([])).keys()].sort()).toEqual(['a-1', 'a-2']);
    expect([...(await scoped(MEMBER_B).load([])).keys()]).toEqual(['b-1']);
    expect([...(await scoped(MEMBER_A, 'irsa').load([])).keys()]).toEqual(['a-irsa']);
    expect([...(await store.load([])).keys()]).toEqual(['single']);

    // Resolving A's entry takes it out of A's open index only; B's stays open.
    await scoped(MEMBER_A).commit(plannedFor(entry('a-1', { open: false, status: 'PASS', sequence: 2 }), 1));
    expect([...(await scoped(MEMBER_A).load([])).keys()]).toEqual(['a-2']);
    expect([...(await scoped(MEMBER_B).load([])).keys()]).toEqual(['b-1']);
  });

  it('binds the account into the item key: the same finding id in two accounts is two entries', async () => {
    const items = emulateTable();
    await scoped(MEMBER_B).commit(plannedFor(entry('same', { sequence: 1 }), undefined));
    // A commits an entry under the very id B's entry has: it lands in A's ledger, B's is untouched.
    expect(await scoped(MEMBER_A).commit(plannedFor(entry('same', { sequence: 1 }), undefined))).toBe(
      'saved',
    );
    expect([...items.keys()].sort()).toEqual([`${MEMBER_A}#same`, `${MEMBER_B}#same`]);
    await scoped(MEMBER_A).commit(plannedFor(entry('same', { open: false, status: 'PASS', sequence: 2 }), 1));
    expect(items.get(`${MEMBER_B}#same`)?.openMarker).toEqual({ S: `OPEN#${MEMBER_B}#credentials` });
    expect((await scoped(MEMBER_B).load(['same'])).get('same')).toMatchObject({ open: true, sequence: 1 });
    expect(requestedIds(dynamo.commandCalls(BatchGetItemCommand).at(-1)!.args[0].input)).toEqual([
      `${MEMBER_B}#same`,
    ]);
    expect(toLedgerItem(entry('x'), NOW, 30, 'irsa', MEMBER_A).findingId).toEqual({ S: `${MEMBER_A}#x` });
    expect(toLedgerItem(entry('x'), NOW, 30, 'irsa').findingId).toEqual({ S: 'x' });
  });

  it('lists only its own keys under its marker, and refuses an item keyed for another account', async () => {
    const items = emulateTable();
    await scoped(MEMBER_A).commit(plannedFor(entry('a-1', { sequence: 1 }), undefined));
    // Listed under A's marker but keyed for B: not A's, never read.
    const foreign = toLedgerItem(entry('b-1'), NOW, 30, 'credentials', MEMBER_B);
    items.set(foreign.findingId!.S!, { ...foreign, openMarker: { S: `OPEN#${MEMBER_A}#credentials` } });
    expect([...(await scoped(MEMBER_A).load([])).keys()]).toEqual(['a-1']);
    expect(fromLedgerItem(foreign, MEMBER_A)).toEqual({
      ok: false,
      findingId: `${MEMBER_B}#b-1`,
      reason: `findingId is not a key of account ${MEMBER_A}`,
    });
    expect(fromLedgerItem(foreign, MEMBER_B)).toMatchObject({ ok: true, entry: { findingId: 'b-1' } });
  });

  describe('an open item keyed by the bare finding id (a hub before keys were bound to the account)', () => {
    const LEGACY = 'a'.repeat(32);
    const legacyItem = (sequence = 3) =>
      toLedgerItem(entry(LEGACY, { sequence }), NOW, 30, 'credentials', MEMBER_A);

    it('is read as the entry, and its next write moves it to the bound key in one transaction', async () => {
      const items = emulateTable();
      items.set(LEGACY, { ...legacyItem(), findingId: { S: LEGACY } });
      dynamo.on(TransactWriteItemsCommand).resolves({});
      const ledger = scoped(MEMBER_A);
      expect((await ledger.load([])).get(LEGACY)).toMatchObject({ open: true, sequence: 3 });
      // B's store never sees it: it is listed under A's marker only.
      expect((await scoped(MEMBER_B).load([LEGACY])).size).toBe(0);

      expect(await ledger.saveQuiet(entry(LEGACY, { sequence: 3 }), 3)).toBe('saved');
      const [call] = dynamo.commandCalls(TransactWriteItemsCommand);
      const [put, retire] = call!.args[0].input.TransactItems!;
      expect(put!.Put).toMatchObject({
        Item: {
          findingId: { S: `${MEMBER_A}#${LEGACY}` },
          openMarker: { S: `OPEN#${MEMBER_A}#credentials` },
        },
        ConditionExpression: 'attribute_not_exists(findingId)',
      });
      expect(retire!.Put).toMatchObject({
        Item: { findingId: { S: LEGACY }, open: { BOOL: false }, expiresAt: expect.anything() as unknown },
        ConditionExpression: '#sequence = :previousSequence',
        ExpressionAttributeValues: { ':previousSequence': { N: '3' } },
      });
      expect(retire!.Put!.Item!.openMarker).toBeUndefined();
      // Moved: the next write is an ordinary conditional PutItem on the bound key.
      dynamo.resetHistory();
      await ledger.commit(plannedFor(entry(LEGACY, { sequence: 4 }), 3));
      expect(dynamo.commandCalls(TransactWriteItemsCommand)).toHaveLength(0);
      expect(putInput(0).Item!.findingId).toEqual({ S: `${MEMBER_A}#${LEGACY}` });
    });

    it('a cancelled transaction (another run moved or advanced it) is a conflict', async () => {
      const items = emulateTable();
      items.set(LEGACY, { ...legacyItem(), findingId: { S: LEGACY } });
      dynamo.on(TransactWriteItemsCommand).rejects(
        Object.assign(new Error('Transaction cancelled'), {
          name: 'TransactionCanceledException',
          CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }],
        }),
      );
      const ledger = scoped(MEMBER_A);
      await ledger.load([]);
      expect(await ledger.commit(plannedFor(entry(LEGACY, { sequence: 4 }), 3))).toBe('conflict');
    });

    it('an item under the bound key wins over it', async () => {
      const items = emulateTable();
      items.set(LEGACY, { ...legacyItem(3), findingId: { S: LEGACY } });
      const bound = toLedgerItem(entry(LEGACY, { sequence: 7 }), NOW, 30, 'credentials', MEMBER_A);
      items.set(bound.findingId!.S!, bound);
      expect((await scoped(MEMBER_A).load([])).get(LEGACY)).toMatchObject({ sequence: 7 });
    });
  });

  it('refuses a scope that is not an account id (it would silently list nothing)', () => {
    for (const bad of ['', '1234', 'OPEN#x', '11111111111a']) {
      expect(() => new DynamoLedgerStore(client, TABLE, 'credentials', { accountScope: bad })).toThrow(
        RangeError,
      );
    }
  });
});
