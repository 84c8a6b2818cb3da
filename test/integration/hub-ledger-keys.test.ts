/**
 * The hub's ledger keys on moto: entries are keyed `<accountId>#<findingId>`, so the same id in two accounts is
 * two entries; an open item of a hub from before keys were bound to the account (keyed by the bare id) is read
 * through its account's open marker and moved to the bound key at its next write, in one TransactWriteItems of
 * two conditional Puts that DynamoDB's own condition semantics decide.
 */
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { toLedgerItem } from '../../lambdas/adapters/lifecycle/ledger-item';
import { DynamoLedgerStore } from '../../lambdas/adapters/lifecycle/ledger-store';
import type { LedgerEntry, PlannedTransition } from '../../lambdas/core/lifecycle/types';
import { buildFinding } from '../../lambdas/core/finding-factory';
import { uniqueName } from './support';
import { useMotoFile } from './support/moto-hooks';
import { createLedgerTable, ledgerItem } from './support/ledger';

jest.setTimeout(60_000);

const MEMBER_A = '111111111111';
const MEMBER_B = '222222222222';
const NOW = new Date('2026-05-01T12:00:00.000Z');
let dynamo: DynamoDBClient;

useMotoFile({}, (moto) => ({ dynamo } = moto));

function entry(accountId: string, sequence: number): LedgerEntry {
  const arn = `arn:aws:lambda:us-west-2:${accountId}:function:shared`;
  const finding = buildFinding(
    { accountId, region: 'us-west-2', observedAt: NOW.toISOString(), runbookBaseUrl: 'docs/checks.md' },
    {
      checkId: 'tmc.lambda.errors',
      status: 'FAIL',
      title: 'shared errors',
      message: 'shared fails',
      resource: { type: 'AWS::Lambda::Function', arn, name: 'shared' },
      resourceKey: arn,
      evidence: { errors: 3 },
    },
  );
  return {
    findingId: finding.findingId,
    open: true,
    status: 'FAIL',
    severity: 'HIGH',
    firstObservedAt: NOW.toISOString(),
    lastObservedAt: NOW.toISOString(),
    occurrenceCount: 1,
    sequence,
    absentRuns: 0,
    finding,
  };
}

function planned(nextEntry: LedgerEntry, previousSequence?: number): PlannedTransition {
  const transition = previousSequence === undefined ? 'OPENED' : 'ESCALATED';
  return {
    transition,
    event: {
      ...nextEntry.finding,
      state: previousSequence === undefined ? 'NEW' : 'ONGOING',
      transition,
      firstObservedAt: nextEntry.firstObservedAt,
      lastObservedAt: nextEntry.lastObservedAt,
      occurrenceCount: nextEntry.occurrenceCount,
      sequence: nextEntry.sequence,
      idempotencyKey: `${nextEntry.findingId}#${nextEntry.sequence}`,
    },
    nextEntry,
    previousSequence,
  };
}

describe('hub ledger keys on moto', () => {
  it('the same finding id in two accounts is two entries, each listed only by its account', async () => {
    const table = uniqueName('hub-ledger');
    await createLedgerTable(dynamo, table);
    const store = (account: string) =>
      new DynamoLedgerStore(dynamo, table, 'credentials', { accountScope: account, now: () => NOW });
    const b = entry(MEMBER_B, 1);
    const a = entry(MEMBER_A, 1);
    const forged = { ...a, findingId: b.findingId, finding: { ...a.finding, findingId: b.findingId } };
    expect(await store(MEMBER_B).commit(planned(b))).toBe('saved');
    expect(await store(MEMBER_A).commit(planned(forged))).toBe('saved');
    expect((await ledgerItem(dynamo, table, `${MEMBER_B}#${b.findingId}`))?.openMarker).toEqual({
      S: `OPEN#${MEMBER_B}#credentials`,
    });
    expect((await store(MEMBER_B).load([])).get(b.findingId)?.finding.accountId).toBe(MEMBER_B);
    expect((await store(MEMBER_A).load([])).get(b.findingId)?.finding.accountId).toBe(MEMBER_A);
  });

  it('an open item keyed by the bare id is read, then moved to the bound key and retired in one transaction', async () => {
    const table = uniqueName('hub-ledger');
    await createLedgerTable(dynamo, table);
    const legacy = entry(MEMBER_A, 3);
    const item = toLedgerItem(legacy, NOW, 30, 'credentials', MEMBER_A);
    await dynamo.send(
      new PutItemCommand({ TableName: table, Item: { ...item, findingId: { S: legacy.findingId } } }),
    );

    const ledger = new DynamoLedgerStore(dynamo, table, 'credentials', {
      accountScope: MEMBER_A,
      now: () => NOW,
    });
    expect((await ledger.load([legacy.findingId])).get(legacy.findingId)).toMatchObject({ sequence: 3 });
    // A second store read it too and writes first: the first store's move is then a conflict, not a duplicate.
    const other = new DynamoLedgerStore(dynamo, table, 'credentials', {
      accountScope: MEMBER_A,
      now: () => NOW,
    });
    await other.load([]);
    expect(await other.commit(planned({ ...legacy, sequence: 4 }, 3))).toBe('saved');
    expect(await ledger.commit(planned({ ...legacy, sequence: 4 }, 3))).toBe('conflict');

    const moved = await ledgerItem(dynamo, table, `${MEMBER_A}#${legacy.findingId}`);
    expect(moved).toMatchObject({ sequence: { N: '4' }, openMarker: { S: `OPEN#${MEMBER_A}#credentials` } });
    const retired = await ledgerItem(dynamo, table, legacy.findingId);
    expect(retired).toMatchObject({ open: { BOOL: false }, expiresAt: expect.anything() as unknown });
    expect(retired?.openMarker).toBeUndefined();
    // From now on the entry is read under its bound key only.
    const fresh = new DynamoLedgerStore(dynamo, table, 'credentials', {
      accountScope: MEMBER_A,
      now: () => NOW,
    });
    expect((await fresh.load([])).get(legacy.findingId)).toMatchObject({ sequence: 4 });
  });
});
