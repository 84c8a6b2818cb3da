/**
 * `tmc-health fleet` end to end on moto: the hub's heartbeat table and findings ledger, created as the hub stack
 * creates them and written through the same stores the fleet intake writes with, read by the built CLI
 * (`node dist/tmc-health.mjs fleet`) as a child process configured only through the standard AWS environment.
 *
 * Two member accounts: ALPHA reported minutes ago and has an open FAIL (and an open ERROR, and a resolved FAIL
 * that must not count); BRAVO's last report is two hours old (silent) and has nothing open. Tables that do not
 * exist stand in for a denied read (moto does not enforce IAM): the Scan's failure is the whole answer, the
 * ledger's makes every account's counts unknown.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoHeartbeatStore } from '../../lambdas/adapters/fleet/heartbeat-store';
import { DynamoLedgerStore } from '../../lambdas/adapters/lifecycle/ledger-store';
import { buildFinding } from '../../lambdas/core/finding-factory';
import type { Status } from '../../lambdas/core/finding';
import type { ReportedFamily } from '../../lambdas/core/fleet/run-report-types';
import type { LedgerEntry, PlannedTransition } from '../../lambdas/core/lifecycle/types';
import { TEST_REGION, uniqueName } from './support';
import { createLedgerTable } from './support/ledger';
import { useMotoFile } from './support/moto-hooks';
import { isolatedCliEnv, runCliProcess } from './support/cli-process';
import { createHeartbeatTable as createHeartbeatTableIn } from './support/heartbeat-table';

jest.setTimeout(120_000);

const ROOT = join(__dirname, '..', '..');
const BUNDLE = join(ROOT, 'dist', 'tmc-health.mjs');
const ALPHA = '111122223333';
const BRAVO = '444455556666';

let dynamo: DynamoDBClient;
let home: string;
useMotoFile({ reset: 'once' }, (moto) => ({ dynamo } = moto));

beforeAll(() => {
  // Always rebuild: a stale dist/ from an older checkout must not be what gets tested.
  execFileSync('npm', ['run', '--silent', 'build:cli'], { cwd: ROOT, stdio: 'pipe' });
  home = mkdtempSync(join(tmpdir(), 'tmc-health-fleet-view-'));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

const runCli = (args: readonly string[]) => runCliProcess(BUNDLE, args, isolatedCliEnv(home));

const fleet = (heartbeatTable: string, ledgerTable: string, ...extra: string[]) =>
  runCli([
    'fleet',
    '--region',
    TEST_REGION,
    '--heartbeat-table',
    heartbeatTable,
    '--ledger-table',
    ledgerTable,
    ...extra,
  ]);

const createHeartbeatTable = (name: string) => createHeartbeatTableIn(dynamo, name);

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

async function recordReport(
  table: string,
  accountId: string,
  family: ReportedFamily,
  finishedAt: string,
): Promise<void> {
  const outcome = await new DynamoHeartbeatStore(dynamo, table).record({
    family,
    accountId,
    runId: uniqueName(`run-${accountId}`),
    regions: [TEST_REGION],
    coveredRegions: [TEST_REGION],
    failedOperations: [],
    apiCalls: 5,
    startedAt: finishedAt,
    finishedAt,
    part: 1,
    parts: 1,
    findings: [],
  });
  expect(outcome).toEqual({ outcome: 'recorded' });
}

function entry(accountId: string, name: string, status: Exclude<Status, 'PASS'>, open: boolean): LedgerEntry {
  const now = new Date().toISOString();
  const arn = `arn:aws:lambda:${TEST_REGION}:${accountId}:function:${name}`;
  const finding = buildFinding(
    { accountId, region: TEST_REGION, observedAt: now, runbookBaseUrl: 'docs/checks.md' },
    {
      checkId: 'tmc.lambda.errors',
      status,
      title: `${name} errors`,
      message: `${name} fails`,
      resource: { type: 'AWS::Lambda::Function', arn, name },
      resourceKey: arn,
      evidence: { errors: 3 },
    },
  );
  return {
    findingId: finding.findingId,
    open,
    status,
    severity: finding.severity,
    firstObservedAt: now,
    lastObservedAt: now,
    occurrenceCount: 1,
    sequence: 1,
    absentRuns: 0,
    finding,
  };
}

/** An entry's first write, as the intake commits an OPENED (or, for a closed one, its RESOLVED) transition. */
async function commitEntry(table: string, accountId: string, nextEntry: LedgerEntry): Promise<void> {
  const transition = nextEntry.open ? 'OPENED' : 'RESOLVED';
  const planned: PlannedTransition = {
    transition,
    event: {
      ...nextEntry.finding,
      state: nextEntry.open ? 'NEW' : 'RESOLVED',
      transition,
      firstObservedAt: nextEntry.firstObservedAt,
      lastObservedAt: nextEntry.lastObservedAt,
      occurrenceCount: nextEntry.occurrenceCount,
      sequence: nextEntry.sequence,
      idempotencyKey: `${nextEntry.findingId}#${nextEntry.sequence}`,
    },
    nextEntry,
    previousSequence: undefined,
  };
  const store = new DynamoLedgerStore(dynamo, table, 'credentials', { accountScope: accountId });
  expect(await store.commit(planned)).toBe('saved');
}

describe('tmc-health fleet against moto', () => {
  const heartbeats = uniqueName('hub-heartbeats');
  const ledger = uniqueName('hub-ledger');
  const alphaAt = minutesAgo(5);
  const bravoAt = minutesAgo(120);

  beforeAll(async () => {
    await createHeartbeatTable(heartbeats);
    await createLedgerTable(dynamo, ledger);
    await recordReport(heartbeats, ALPHA, 'credentials', alphaAt);
    await recordReport(heartbeats, ALPHA, 'irsa', minutesAgo(8));
    await recordReport(heartbeats, BRAVO, 'credentials', bravoAt);
    await commitEntry(ledger, ALPHA, entry(ALPHA, 'sync', 'FAIL', true));
    await commitEntry(ledger, ALPHA, entry(ALPHA, 'retriever', 'ERROR', true));
    await commitEntry(ledger, ALPHA, entry(ALPHA, 'old', 'FAIL', false));
    // The same resource failing in BRAVO, resolved there: it counts for neither account.
    await commitEntry(ledger, BRAVO, entry(BRAVO, 'sync', 'FAIL', false));
  });

  test('fleet: one line per member account, the silent one and the open FAIL make exit 1', async () => {
    const run = await fleet(heartbeats, ledger);

    expect(run.stderr).toBe('');
    expect(run.stdout.split('\n')).toEqual([
      'ACCOUNT       LAST REPORT               FAILING  ERRORING  SILENT',
      `${ALPHA}  ${alphaAt}        1         1  no`,
      `${BRAVO}  ${bravoAt}        0         0  yes (credentials)`,
      '2 accounts, 1 silent (no report for over 45 minutes).',
      '',
    ]);
    expect(run.code).toBe(1);
  });

  test('fleet --json: the same rows with each family, and --silent-after moves the threshold', async () => {
    const run = await fleet(heartbeats, ledger, '--json', '--silent-after', '180');

    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({
      silentAfterMinutes: 180,
      accounts: [
        {
          accountId: ALPHA,
          lastReportAt: alphaAt,
          families: [
            { family: 'credentials', lastReportAt: alphaAt, silent: 'no' },
            { family: 'irsa', lastReportAt: expect.any(String), silent: 'no' },
          ],
          silent: 'no',
          failing: 1,
          erroring: 1,
        },
        {
          accountId: BRAVO,
          lastReportAt: bravoAt,
          families: [{ family: 'credentials', lastReportAt: bravoAt, silent: 'no' }],
          silent: 'no',
          failing: 0,
          erroring: 0,
        },
      ],
    });
    // Nobody silent any more, but ALPHA's FAIL is still open.
    expect(run.code).toBe(1);
  });

  test('fleet: a fleet with nothing silent and no FAIL open exits 0 (an open ERROR alone does not fail it)', async () => {
    const quiet = uniqueName('hub-heartbeats');
    const quietLedger = uniqueName('hub-ledger');
    await createHeartbeatTable(quiet);
    await createLedgerTable(dynamo, quietLedger);
    const at = minutesAgo(2);
    await recordReport(quiet, BRAVO, 'credentials', at);
    await commitEntry(quietLedger, BRAVO, entry(BRAVO, 'retriever', 'ERROR', true));

    const run = await fleet(quiet, quietLedger);

    expect(run.stdout.split('\n')).toEqual([
      'ACCOUNT       LAST REPORT               FAILING  ERRORING  SILENT',
      `${BRAVO}  ${at}        0         1  no`,
      '1 account, 0 silent (no report for over 45 minutes).',
      '',
    ]);
    expect(run.code).toBe(0);
  });

  test('fleet: a malformed heartbeat item is an ERROR line counting it, exit 3, never a healthy fleet', async () => {
    const table = uniqueName('hub-heartbeats');
    const quietLedger = uniqueName('hub-ledger');
    await createHeartbeatTable(table);
    await createLedgerTable(dynamo, quietLedger);
    const at = minutesAgo(2);
    await recordReport(table, ALPHA, 'credentials', at);
    // Written by hand (or before the intake checked reports): no lastReportAt, so whose it is cannot be trusted.
    await dynamo.send(
      new PutItemCommand({
        TableName: table,
        Item: { accountId: { S: BRAVO }, family: { S: 'credentials' }, runId: { S: 'x' } },
      }),
    );

    const run = await fleet(table, quietLedger);

    expect(run.stdout.split('\n')).toEqual([
      'ACCOUNT       LAST REPORT               FAILING  ERRORING  SILENT',
      `${ALPHA}  ${at}        0         0  no`,
      `ERROR 1 item(s) of heartbeat table ${table} could not be read (malformed) and are left out: an account may be missing.`,
      '1 account, 0 silent (no report for over 45 minutes).',
      '',
    ]);
    expect(run.code).toBe(3);
    const json = await fleet(table, quietLedger, '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({ unreadableHeartbeats: { tableName: table, items: 1 } });
    expect(json.code).toBe(3);
  });

  test('fleet: a heartbeat table that cannot be scanned is one ERROR naming dynamodb:Scan, exit 3', async () => {
    const missing = uniqueName('no-such-heartbeats');

    const run = await fleet(missing, ledger);

    expect(run.stdout).toMatch(
      new RegExp(
        `^ERROR dynamodb:Scan on ${missing} failed: ResourceNotFoundException: .*The fleet's state is unknown\\.\\n$`,
      ),
    );
    expect(run.code).toBe(3);

    const json = await fleet(missing, ledger, '--json');
    expect(JSON.parse(json.stdout)).toEqual({
      error: {
        operation: 'dynamodb:Scan',
        tableName: missing,
        message: expect.stringMatching(/^ResourceNotFoundException: /),
      },
    });
    expect(json.code).toBe(3);
  });

  test("fleet: a ledger that cannot be read leaves every account's counts unknown, naming the call, exit 3", async () => {
    const missing = uniqueName('no-such-ledger');

    const run = await fleet(heartbeats, missing);

    const lines = run.stdout.split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'ACCOUNT       LAST REPORT               FAILING  ERRORING  SILENT',
      `${ALPHA}  ${alphaAt}        ?         ?  no`,
      `${BRAVO}  ${bravoAt}        ?         ?  yes (credentials)`,
    ]);
    expect(lines.filter((line) => line.startsWith('ERROR '))).toEqual([
      expect.stringMatching(
        new RegExp(`^ERROR dynamodb:Query for account ${ALPHA}: ResourceNotFoundException: `),
      ),
      expect.stringMatching(
        new RegExp(`^ERROR dynamodb:Query for account ${BRAVO}: ResourceNotFoundException: `),
      ),
    ]);
    expect(run.code).toBe(3);
  });
});
