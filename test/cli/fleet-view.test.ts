import { DEFAULT_SILENT_AFTER_MINUTES } from '../../lambdas/cli/fleet-view-options';
import { runCli, type CliDependencies } from '../../lambdas/cli/program';
import type { FleetViewOutcome } from '../../lambdas/cli/render-fleet-view';
import type { FleetViewRequest, RunFleetView } from '../../lambdas/cli/run-fleet-view';
import { fleetView } from '../../lambdas/core/fleet/fleet-view';
import type { MemberHeartbeat } from '../../lambdas/core/fleet/heartbeat';
import { FakeStream } from './support';

const NOW = new Date('2026-12-04T12:00:00Z');
const TABLES = [
  '--heartbeat-table',
  'hub-Heartbeats',
  '--ledger-table',
  'hub-Ledger',
  '--region',
  'eu-west-1',
];

function heartbeat(accountId: string, family: 'credentials' | 'irsa', minutesAgo: number): MemberHeartbeat {
  return {
    accountId,
    family,
    lastReportAt: new Date(NOW.getTime() - minutesAgo * 60_000).toISOString(),
    runId: 'run',
    regions: ['eu-west-1'],
    failing: 0,
    errored: 0,
    findingCount: 10,
    parts: 1,
    partsReceived: 1,
  };
}

function cli(
  outcome: FleetViewOutcome | (() => Promise<FleetViewOutcome>),
  env: Record<string, string> = {},
) {
  const stdout = new FakeStream();
  const stderr = new FakeStream();
  const requests: FleetViewRequest[] = [];
  const runFleetView: RunFleetView = (request) => {
    requests.push(request);
    return typeof outcome === 'function' ? outcome() : Promise.resolve(outcome);
  };
  const deps: CliDependencies = {
    stdout,
    stderr,
    env: { ...env },
    runCheck: () => Promise.reject(new Error('unexpected check')),
    runFleetCheck: () => Promise.reject(new Error('unexpected fleet check')),
    runFleetView,
  };
  return { stdout, stderr, requests, run: (...argv: string[]) => runCli(argv, deps) };
}

const healthyRows = fleetView(
  [heartbeat('111122223333', 'credentials', 5), heartbeat('111122223333', 'irsa', 10)],
  new Map([['111122223333', { ok: true, counts: { failing: 0, erroring: 0 } }]]),
  NOW,
  45,
);

describe('tmc-health fleet', () => {
  test('one line per member account: account, last report, failing, erroring, silent', async () => {
    const rows = fleetView(
      [
        heartbeat('444455556666', 'credentials', 120),
        heartbeat('111122223333', 'credentials', 5),
        heartbeat('444455556666', 'irsa', 5),
      ],
      new Map([
        ['111122223333', { ok: true, counts: { failing: 2, erroring: 1 } }],
        ['444455556666', { ok: true, counts: { failing: 0, erroring: 0 } }],
      ]),
      NOW,
      45,
    );
    const run = cli({ ok: true, rows, silentAfterMinutes: 45 });
    expect(await run.run('fleet', ...TABLES)).toBe(1);
    expect(run.stdout.text.split('\n')).toEqual([
      'ACCOUNT       LAST REPORT               FAILING  ERRORING  SILENT',
      '111122223333  2026-12-04T11:55:00.000Z        2         1  no',
      '444455556666  2026-12-04T11:55:00.000Z        0         0  yes (credentials)',
      '2 accounts, 1 silent (no report for over 45 minutes).',
      '',
    ]);
    expect(run.requests).toEqual([
      {
        heartbeatTable: 'hub-Heartbeats',
        ledgerTable: 'hub-Ledger',
        region: 'eu-west-1',
        silentAfterMinutes: 45,
      },
    ]);
  });

  test('--json: the same rows as one document; exit 0 for a healthy fleet', async () => {
    const run = cli({ ok: true, rows: healthyRows, silentAfterMinutes: 45 });
    expect(await run.run('fleet', ...TABLES, '--json')).toBe(0);
    expect(JSON.parse(run.stdout.text)).toEqual({
      silentAfterMinutes: 45,
      accounts: [
        {
          accountId: '111122223333',
          lastReportAt: '2026-12-04T11:55:00.000Z',
          families: [
            { family: 'credentials', lastReportAt: '2026-12-04T11:55:00.000Z', silent: 'no' },
            { family: 'irsa', lastReportAt: '2026-12-04T11:50:00.000Z', silent: 'no' },
          ],
          silent: 'no',
          failing: 0,
          erroring: 0,
        },
      ],
    });
  });

  test('a failed read is an ERROR line naming the call, exit 3, never an empty fleet', async () => {
    const run = cli({
      ok: false,
      failure: {
        operation: 'dynamodb:Scan',
        tableName: 'hub-Heartbeats',
        error: 'AccessDeniedException: no',
      },
    });
    expect(await run.run('fleet', ...TABLES)).toBe(3);
    expect(run.stdout.text).toBe(
      "ERROR dynamodb:Scan on hub-Heartbeats failed: AccessDeniedException: no. The fleet's state is unknown.\n",
    );
  });

  test('an account whose ledger could not be read has no counts, an ERROR line, and exit 3', async () => {
    const rows = fleetView(
      [heartbeat('111122223333', 'credentials', 5)],
      new Map([
        ['111122223333', { ok: false, operation: 'dynamodb:BatchGetItem', error: 'Throttled: slow' }],
      ]),
      NOW,
      45,
    );
    const run = cli({ ok: true, rows, silentAfterMinutes: 45 });
    expect(await run.run('fleet', ...TABLES)).toBe(3);
    expect(run.stdout.text).toContain('111122223333  2026-12-04T11:55:00.000Z        ?         ?  no');
    expect(run.stdout.text).toContain(
      'ERROR dynamodb:BatchGetItem for account 111122223333: Throttled: slow',
    );
  });

  test('member-written text is cleaned before display', async () => {
    const hostile = {
      ...heartbeat('111122223333', 'credentials', 5),
      lastReportAt: '\u001b[31m2026\u001b[0m\nX',
    };
    const rows = fleetView(
      [hostile],
      new Map([['111122223333', { ok: true, counts: { failing: 0, erroring: 0 } }]]),
      NOW,
      45,
    );
    const run = cli({ ok: true, rows, silentAfterMinutes: 45 });
    await run.run('fleet', ...TABLES);
    expect(run.stdout.text).not.toContain('\u001b');
    expect(run.stdout.text.split('\n')[1]).toContain('111122223333');
    // Not a date: how long the member has been silent cannot be told, so it is unknown, never fresh.
    expect(rows[0]!.silent).toBe('unknown');
  });

  test('every flag error at once, before any read', async () => {
    const run = cli({ ok: true, rows: [], silentAfterMinutes: 45 });
    expect(
      await run.run('fleet', '--heartbeat-table', 'a b', '--region', 'mars-1', '--silent-after', '0'),
    ).toBe(2);
    const lines = run.stderr.text.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toContain("--heartbeat-table: 'a b' is not a DynamoDB table name");
    expect(lines[1]).toContain(
      "--ledger-table: give the hub's table name (the hub stack's FindingsLedgerTableName",
    );
    expect(lines[2]).toContain('--region');
    expect(lines[3]).toContain("--silent-after: '0' must be whole minutes");
    expect(run.requests).toEqual([]);
  });

  test('the region defaults to AWS_REGION', async () => {
    const run = cli({ ok: true, rows: [], silentAfterMinutes: 45 }, { AWS_REGION: 'us-east-1' });
    expect(await run.run('fleet', '--heartbeat-table', 'hb-table', '--ledger-table', 'ledger')).toBe(0);
    expect(run.requests[0]!.region).toBe('us-east-1');
    expect(run.stdout.text).toBe('No member account has reported to this hub yet.\n');
  });

  test('help fits 80 columns', async () => {
    const run = cli({ ok: true, rows: [], silentAfterMinutes: 45 }, { COLUMNS: '80' });
    expect(await run.run('fleet', '--help')).toBe(0);
    for (const line of run.stdout.text.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    expect(run.stdout.text).toContain('--heartbeat-table');
    // The help states the default the options module applies.
    expect(run.stdout.text.replace(/\s+/g, ' ')).toContain(`(default: ${DEFAULT_SILENT_AFTER_MINUTES})`);
  });
});
