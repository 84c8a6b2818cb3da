/**
 * The reads of `tmc-health fleet` (lambdas/adapters/fleet/fleet-view-reads.ts) against a mocked DynamoDB: the
 * heartbeat table's paginated Scan, each account's open-index Queries (paginated, both families) and the
 * BatchGetItem behind them, and what a failed or incomplete read turns into. Unknown is never healthy: a denied
 * Scan is an error naming `dynamodb:Scan`, never an empty fleet; an account whose ledger could not be read has no
 * counts and the call named.
 */
import {
  BatchGetItemCommand,
  DynamoDBClient,
  QueryCommand,
  ScanCommand,
  type AttributeValue,
  type BatchGetItemCommandInput,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  readHeartbeats,
  readOpenFindings,
  readOpenFindingsOfAccounts,
} from '../../lambdas/adapters/fleet/fleet-view-reads';
import { toHeartbeatItem } from '../../lambdas/adapters/fleet/heartbeat-store';
import { openMarker, toLedgerItem } from '../../lambdas/adapters/lifecycle/ledger-item';
import { fleetViewExitCode, renderFleetView, renderFleetViewJson } from '../../lambdas/cli/render-fleet-view';
import { createAwsRunFleetView } from '../../lambdas/cli/run-fleet-view';
import type { Finding, Status } from '../../lambdas/core/finding';
import { fleetView } from '../../lambdas/core/fleet/fleet-view';
import { heartbeatUpdateOf } from '../../lambdas/core/fleet/heartbeat';
import type { ReportedFamily, RunReport } from '../../lambdas/core/fleet/run-report-types';
import type { CheckFamily, LedgerEntry } from '../../lambdas/core/lifecycle/types';

const dynamo = mockClient(DynamoDBClient);
const client = new DynamoDBClient({ region: 'eu-west-1', maxAttempts: 1 });
const HEARTBEATS = 'hub-Heartbeats';
const LEDGER = 'hub-Ledger';
const NOW = new Date('2026-12-04T12:00:00.000Z');
const ALPHA = '111122223333';
const BRAVO = '444455556666';

type Item = Record<string, AttributeValue>;

function heartbeatItem(accountId: string, family: ReportedFamily, minutesAgo: number): Item {
  const finishedAt = new Date(NOW.getTime() - minutesAgo * 60_000).toISOString();
  const report = {
    family,
    accountId,
    runId: `run-${accountId}-${family}`,
    regions: ['eu-west-1'],
    coveredRegions: ['eu-west-1'],
    failedOperations: [],
    apiCalls: 3,
    startedAt: finishedAt,
    finishedAt,
    part: 1,
    parts: 1,
    findings: [],
  } as unknown as RunReport;
  return toHeartbeatItem(heartbeatUpdateOf(report), NOW);
}

function finding(id: string, accountId: string, status: Status): Finding {
  return {
    schemaVersion: '1.0',
    findingId: id,
    checkId: 'tmc.lambda.missing',
    status,
    severity: 'HIGH',
    title: 'Data sync function missing',
    message: `Function for ${id} is missing`,
    accountId,
    region: 'eu-west-1',
    resource: { type: 'AWS::Lambda::Function', name: `fn-${id}` },
    evidence: {},
    remediation: { text: 'Redeploy it.' },
    observedAt: NOW.toISOString(),
  } as Finding;
}

function ledgerItem(accountId: string, family: CheckFamily, id: string, status: Status, open = true): Item {
  const entry: LedgerEntry = {
    findingId: id,
    open,
    status,
    severity: 'HIGH',
    firstObservedAt: NOW.toISOString(),
    lastObservedAt: NOW.toISOString(),
    occurrenceCount: 1,
    sequence: 1,
    absentRuns: 0,
    finding: finding(id, accountId, status),
  };
  return toLedgerItem(entry, NOW, 30, family, accountId);
}

/**
 * A ledger table in memory: the Query answers by open marker, `pageSize` keys a page (LastEvaluatedKey the
 * index of the next), and BatchGetItem answers the keys it holds.
 */
function serveLedger(items: readonly Item[], pageSize = 1_000): void {
  const byKey = new Map(items.map((item) => [item.findingId!.S!, item]));
  dynamo.on(QueryCommand).callsFake((input: QueryCommandInput) => {
    const marker = input.ExpressionAttributeValues?.[':open']?.S;
    const open = items.filter((item) => item.openMarker?.S === marker);
    const start = Number(input.ExclusiveStartKey?.position?.N ?? '0');
    const page = open.slice(start, start + pageSize);
    return {
      Items: page.map((item) => ({ findingId: item.findingId! })),
      ...(start + pageSize < open.length
        ? { LastEvaluatedKey: { position: { N: String(start + pageSize) } } }
        : {}),
    };
  });
  dynamo.on(BatchGetItemCommand).callsFake((input: BatchGetItemCommandInput) => {
    const keys = input.RequestItems![LEDGER]!.Keys!;
    return {
      Responses: {
        [LEDGER]: keys.map((key) => byKey.get(key.findingId!.S!)).filter((item) => item !== undefined),
      },
    };
  });
}

const denied = (action: string) =>
  Object.assign(
    new Error(`User: arn:aws:iam::999999999999:user/op is not authorized to perform: ${action}`),
    {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 400 },
    },
  );

beforeEach(() => {
  dynamo.reset();
  // The ledger store's backoff between UnprocessedKeys rounds is full jitter: 0 makes it no wait at all.
  jest.spyOn(Math, 'random').mockReturnValue(0);
});
afterEach(() => jest.restoreAllMocks());

describe('readHeartbeats', () => {
  it('reads every Scan page, strongly consistent, continuing from LastEvaluatedKey', async () => {
    const next = { accountId: { S: BRAVO }, family: { S: 'credentials' } };
    dynamo
      .on(ScanCommand)
      .resolvesOnce({
        Items: [heartbeatItem(ALPHA, 'credentials', 5), heartbeatItem(ALPHA, 'irsa', 7)],
        LastEvaluatedKey: next,
      })
      .resolvesOnce({ Items: [heartbeatItem(BRAVO, 'credentials', 90)] });

    const read = await readHeartbeats(client, HEARTBEATS);

    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.heartbeats.map((h) => `${h.accountId}/${h.family}`)).toEqual([
      `${ALPHA}/credentials`,
      `${ALPHA}/irsa`,
      `${BRAVO}/credentials`,
    ]);
    expect(read.unreadable).toBe(0);
    const calls = dynamo.commandCalls(ScanCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.args[0].input).toEqual({ TableName: HEARTBEATS, ConsistentRead: true });
    expect(calls[1]!.args[0].input).toEqual({
      TableName: HEARTBEATS,
      ConsistentRead: true,
      ExclusiveStartKey: next,
    });
  });

  it('counts malformed items and skips them, keeping the readable ones', async () => {
    const badEpoch = { ...heartbeatItem(BRAVO, 'credentials', 5), lastReportEpochMs: { N: '1' } };
    dynamo.on(ScanCommand).resolves({
      Items: [
        heartbeatItem(ALPHA, 'credentials', 5),
        { accountId: { S: 'not-an-account' }, family: { S: 'credentials' } },
        { ...heartbeatItem(ALPHA, 'irsa', 5), family: { S: 'pods' } },
        badEpoch,
      ],
    });

    const read = await readHeartbeats(client, HEARTBEATS);

    expect(read).toEqual({
      ok: true,
      heartbeats: [expect.objectContaining({ accountId: ALPHA, family: 'credentials' })],
      unreadable: 3,
    });
  });

  it('a denied Scan is an error naming dynamodb:Scan and the SDK error, never an empty fleet', async () => {
    dynamo.on(ScanCommand).rejects(denied('dynamodb:Scan'));

    const read = await readHeartbeats(client, HEARTBEATS);

    expect(read).toEqual({
      ok: false,
      operation: 'dynamodb:Scan',
      error: expect.stringMatching(/^AccessDeniedException: .*dynamodb:Scan/),
    });
  });

  it('a later page that fails fails the whole read: a partial listing would read as members gone', async () => {
    dynamo
      .on(ScanCommand)
      .resolvesOnce({
        Items: [heartbeatItem(ALPHA, 'credentials', 5)],
        LastEvaluatedKey: { accountId: { S: ALPHA } },
      })
      .rejectsOnce(
        Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' }),
      );

    const read = await readHeartbeats(client, HEARTBEATS);

    expect(read).toEqual({
      ok: false,
      operation: 'dynamodb:Scan',
      error: 'ProvisionedThroughputExceededException: Rate exceeded',
    });
  });
});

describe('readOpenFindings', () => {
  it("queries both families' open markers of the account, every page, and counts open FAIL and ERROR", async () => {
    serveLedger(
      [
        ledgerItem(ALPHA, 'credentials', 'c1', 'FAIL'),
        ledgerItem(ALPHA, 'credentials', 'c2', 'FAIL'),
        ledgerItem(ALPHA, 'credentials', 'c3', 'ERROR'),
        ledgerItem(ALPHA, 'irsa', 'i1', 'FAIL'),
        ledgerItem(ALPHA, 'irsa', 'i2', 'ERROR'),
        // Another account's open FAIL, and this account's resolved one: neither counts.
        ledgerItem(BRAVO, 'credentials', 'b1', 'FAIL'),
        ledgerItem(ALPHA, 'credentials', 'c4', 'FAIL', false),
      ],
      2,
    );

    expect(await readOpenFindings(client, LEDGER, ALPHA)).toEqual({
      ok: true,
      counts: { failing: 3, erroring: 2 },
    });

    const queries = dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(queries.map((q) => [q.ExpressionAttributeValues?.[':open']?.S, q.ExclusiveStartKey])).toEqual([
      [openMarker('credentials', ALPHA), undefined],
      [openMarker('credentials', ALPHA), { position: { N: '2' } }],
      [openMarker('irsa', ALPHA), undefined],
    ]);
    expect(queries.every((q) => q.TableName === LEDGER && q.IndexName === 'open-index')).toBe(true);
    const batchKeys = dynamo
      .commandCalls(BatchGetItemCommand)
      .flatMap((call) => call.args[0].input.RequestItems![LEDGER]!.Keys!.map((key) => key.findingId!.S));
    expect(batchKeys.sort()).toEqual([
      `${ALPHA}#c1`,
      `${ALPHA}#c2`,
      `${ALPHA}#c3`,
      `${ALPHA}#i1`,
      `${ALPHA}#i2`,
    ]);
  });

  it('reads more than 100 open findings in BatchGetItem requests of at most 100 keys', async () => {
    serveLedger(
      Array.from({ length: 150 }, (_, i) => ledgerItem(ALPHA, 'credentials', `c${i}`, 'FAIL')),
      60,
    );

    expect(await readOpenFindings(client, LEDGER, ALPHA)).toEqual({
      ok: true,
      counts: { failing: 150, erroring: 0 },
    });
    const sizes = dynamo
      .commandCalls(BatchGetItemCommand)
      .map((call) => call.args[0].input.RequestItems![LEDGER]!.Keys!.length);
    expect(sizes).toEqual([100, 50]);
  });

  it('re-requests UnprocessedKeys until they are read', async () => {
    const items = [
      ledgerItem(ALPHA, 'credentials', 'c1', 'FAIL'),
      ledgerItem(ALPHA, 'credentials', 'c2', 'ERROR'),
    ];
    serveLedger(items);
    dynamo
      .on(BatchGetItemCommand)
      .resolvesOnce({
        Responses: { [LEDGER]: [items[0]!] },
        UnprocessedKeys: { [LEDGER]: { Keys: [{ findingId: items[1]!.findingId! }] } },
      })
      .resolvesOnce({ Responses: { [LEDGER]: [items[1]!] } });

    expect(await readOpenFindings(client, LEDGER, ALPHA)).toEqual({
      ok: true,
      counts: { failing: 1, erroring: 1 },
    });
    const retried = dynamo.commandCalls(BatchGetItemCommand)[1]!.args[0].input;
    expect(retried.RequestItems![LEDGER]!.Keys).toEqual([{ findingId: items[1]!.findingId }]);
  });

  it('keys left unprocessed after every retry make the counts unknown, naming dynamodb:BatchGetItem', async () => {
    const item = ledgerItem(ALPHA, 'credentials', 'c1', 'FAIL');
    serveLedger([item]);
    dynamo.on(BatchGetItemCommand).resolves({
      Responses: { [LEDGER]: [] },
      UnprocessedKeys: { [LEDGER]: { Keys: [{ findingId: item.findingId! }] } },
    });

    expect(await readOpenFindings(client, LEDGER, ALPHA)).toEqual({
      ok: false,
      operation: 'dynamodb:BatchGetItem',
      error: expect.stringMatching(
        /^UnprocessedKeysError: 1 key\(s\) of findings ledger hub-Ledger still unprocessed/,
      ),
    });
  });

  it('a malformed ledger item makes the counts unknown (never a lower count), naming dynamodb:BatchGetItem', async () => {
    const broken = { ...ledgerItem(ALPHA, 'credentials', 'c2', 'FAIL'), status: { S: 'BROKEN' } };
    serveLedger([ledgerItem(ALPHA, 'credentials', 'c1', 'FAIL'), broken]);

    expect(await readOpenFindings(client, LEDGER, ALPHA)).toEqual({
      ok: false,
      operation: 'dynamodb:BatchGetItem',
      error: expect.stringContaining(
        'MalformedLedgerError: 1 malformed item(s) in findings ledger hub-Ledger',
      ),
    });
  });
});

describe('readOpenFindingsOfAccounts', () => {
  it("a denied Query for one account makes that account's counts unknown, naming the call; the others are read", async () => {
    serveLedger([ledgerItem(ALPHA, 'credentials', 'a1', 'FAIL'), ledgerItem(BRAVO, 'irsa', 'b1', 'ERROR')]);
    dynamo
      .on(QueryCommand, { ExpressionAttributeValues: { ':open': { S: openMarker('credentials', BRAVO) } } })
      .rejects(denied('dynamodb:Query'));

    const open = await readOpenFindingsOfAccounts(client, LEDGER, [ALPHA, BRAVO, ALPHA]);

    expect(open).toEqual(
      new Map([
        [ALPHA, { ok: true, counts: { failing: 1, erroring: 0 } }],
        [
          BRAVO,
          {
            ok: false,
            operation: 'dynamodb:Query',
            error: expect.stringMatching(/^AccessDeniedException: /),
          },
        ],
      ]),
    );
    // Each account once, duplicates included in the input.
    expect(
      dynamo
        .commandCalls(QueryCommand)
        .filter(
          (call) =>
            call.args[0].input.ExpressionAttributeValues?.[':open']?.S === openMarker('credentials', ALPHA),
        ),
    ).toHaveLength(1);

    const rendered = renderFleetView({
      ok: true,
      rows: fleetView([{ ...heartbeatOf(ALPHA) }, { ...heartbeatOf(BRAVO) }], open, NOW, 45),
      silentAfterMinutes: 45,
    });
    expect(rendered).toMatch(new RegExp(`^${BRAVO}\\s+\\S+\\s+\\?\\s+\\?\\s+no$`, 'm'));
    expect(rendered).toContain(`ERROR dynamodb:Query for account ${BRAVO}: AccessDeniedException: `);
  });

  it('an id that is not a 12-digit account is not read at all', async () => {
    serveLedger([]);

    const open = await readOpenFindingsOfAccounts(client, LEDGER, ['OPEN#x', ALPHA]);

    expect(open.get('OPEN#x')).toEqual({
      ok: false,
      operation: 'dynamodb:Query',
      error: 'not a 12-digit account id: not read',
    });
    expect(open.get(ALPHA)).toEqual({ ok: true, counts: { failing: 0, erroring: 0 } });
    expect(
      dynamo
        .commandCalls(QueryCommand)
        .map((call) => call.args[0].input.ExpressionAttributeValues?.[':open']?.S),
    ).toEqual([openMarker('credentials', ALPHA), openMarker('irsa', ALPHA)]);
  });
});

function heartbeatOf(accountId: string) {
  return {
    accountId,
    family: 'credentials',
    lastReportAt: new Date(NOW.getTime() - 5 * 60_000).toISOString(),
    runId: 'run',
    regions: ['eu-west-1'],
    failing: 0,
    errored: 0,
    findingCount: 1,
    parts: 1,
    partsReceived: 1,
  } as const;
}

describe('createAwsRunFleetView on these reads', () => {
  const run = createAwsRunFleetView({ maxAttempts: 1, now: () => NOW });
  const request = {
    heartbeatTable: HEARTBEATS,
    ledgerTable: LEDGER,
    region: 'eu-west-1',
    silentAfterMinutes: 45,
  };

  it('a denied Scan is the whole answer: one ERROR line naming dynamodb:Scan on the table, exit 3, no ledger read', async () => {
    dynamo.on(ScanCommand).rejects(denied('dynamodb:Scan'));
    serveLedger([]);

    const outcome = await run(request);

    expect(renderFleetView(outcome)).toMatch(
      /^ERROR dynamodb:Scan on hub-Heartbeats failed: AccessDeniedException: .*The fleet's state is unknown\.\n$/,
    );
    expect(fleetViewExitCode(outcome)).toBe(3);
    expect(dynamo).not.toHaveReceivedCommand(QueryCommand);
  });

  it('a malformed heartbeat item is never healthy: an ERROR line counting it, in --json too, exit 3', async () => {
    dynamo.on(ScanCommand).resolves({
      Items: [
        heartbeatItem(ALPHA, 'credentials', 5),
        { ...heartbeatItem(BRAVO, 'credentials', 5), lastReportAt: { S: 'yesterday' } },
      ],
    });
    serveLedger([]);

    const outcome = await run(request);

    expect(renderFleetView(outcome).split('\n')).toEqual([
      'ACCOUNT       LAST REPORT               FAILING  ERRORING  SILENT',
      `${ALPHA}  2026-12-04T11:55:00.000Z        0         0  no`,
      'ERROR 1 item(s) of heartbeat table hub-Heartbeats could not be read (malformed) and are left out: an account may be missing.',
      '1 account, 0 silent (no report for over 45 minutes).',
      '',
    ]);
    expect(JSON.parse(renderFleetViewJson(outcome))).toMatchObject({
      unreadableHeartbeats: { tableName: HEARTBEATS, items: 1 },
    });
    expect(fleetViewExitCode(outcome)).toBe(3);
  });

  it('only malformed heartbeat items: the ERROR line, not "no member account has reported"', async () => {
    dynamo.on(ScanCommand).resolves({ Items: [{ accountId: { S: BRAVO }, family: { S: 'credentials' } }] });
    serveLedger([]);

    const outcome = await run(request);

    expect(renderFleetView(outcome)).toBe(
      'ERROR 1 item(s) of heartbeat table hub-Heartbeats could not be read (malformed) and are left out: an account may be missing.\n',
    );
    expect(fleetViewExitCode(outcome)).toBe(3);
  });

  it('one row per reporting account from the Scan and the ledger', async () => {
    dynamo.on(ScanCommand).resolves({
      Items: [heartbeatItem(ALPHA, 'credentials', 5), heartbeatItem(BRAVO, 'credentials', 90)],
    });
    serveLedger([ledgerItem(ALPHA, 'credentials', 'a1', 'FAIL')]);

    const outcome = await run(request);

    expect(renderFleetView(outcome).split('\n')).toEqual([
      'ACCOUNT       LAST REPORT               FAILING  ERRORING  SILENT',
      `${ALPHA}  2026-12-04T11:55:00.000Z        1         0  no`,
      `${BRAVO}  2026-12-04T10:30:00.000Z        0         0  yes (credentials)`,
      '2 accounts, 1 silent (no report for over 45 minutes).',
      '',
    ]);
    expect(fleetViewExitCode(outcome)).toBe(1);
  });
});
