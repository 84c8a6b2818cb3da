import { runFleetWatch } from '../../lambdas/app/fleet-watch';
import type { LifecycleReport, LifecycleRunInput } from '../../lambdas/app/lifecycle-stage';
import type { HeartbeatListing, HeartbeatStore } from '../../lambdas/adapters/fleet/heartbeat-store';
import type { MemberHeartbeat } from '../../lambdas/core/fleet/heartbeat';

const HUB = '999999999999';
const NOW = new Date('2026-05-01T12:00:00.000Z');

const heartbeat = (accountId: string, minutesAgo: number): MemberHeartbeat => ({
  accountId,
  family: 'irsa',
  lastReportAt: new Date(NOW.getTime() - minutesAgo * 60_000).toISOString(),
  runId: `run-${accountId}`,
  regions: ['us-east-1'],
  failing: 0,
  errored: 0,
  findingCount: 3,
  parts: 1,
  partsReceived: 1,
});

function store(listing: Partial<HeartbeatListing>): HeartbeatStore {
  return {
    listAll: () =>
      Promise.resolve({
        heartbeats: [],
        unreadable: [],
        problems: [],
        scannedItems: 0,
        pages: 1,
        ...listing,
      }),
    record: () => Promise.reject(new Error('the watch never writes')),
    latestReport: () => Promise.reject(new Error('the watch never reads one item')),
  };
}

const input = {
  hubAccountId: HUB,
  homeRegion: 'eu-central-1',
  settings: { fleetTableName: 'fleet', memberSilentAfterMinutes: 45, runbookBaseUrl: 'docs/checks.md' },
};

it('runs the lifecycle as family fleet in the hub account, covering the global pseudo-region', async () => {
  const runs: LifecycleRunInput[] = [];
  const result = await runFleetWatch(input, {
    heartbeats: store({
      heartbeats: [heartbeat('111111111111', 5), heartbeat('222222222222', 90)],
      unreadable: [{ accountId: '333333333333', family: 'irsa', reason: 'runId is empty' }],
      problems: ['heartbeat 333333333333/irsa in fleet: runId is empty'],
    }),
    lifecycle: {
      run: (run) => {
        runs.push(run);
        return Promise.resolve({ transitions: [] } as unknown as LifecycleReport);
      },
    },
    apiCalls: () => 4,
    now: () => NOW,
  });

  expect(runs).toHaveLength(1);
  expect(runs[0]).toMatchObject({
    family: 'fleet',
    run: { accountId: HUB, regions: ['eu-central-1'], startedAt: NOW.toISOString() },
    coveredRegions: ['global'],
    failedOperations: [],
    apiCalls: 4,
  });
  expect(result.findings.map((f) => [f.checkId, f.accountId, f.status])).toEqual([
    ['fleet.member.silent', '111111111111', 'PASS'],
    ['fleet.member.silent', '222222222222', 'FAIL'],
    ['fleet.member.silent', '333333333333', 'ERROR'],
    ['checker.error', HUB, 'PASS'],
  ]);
  expect(result.summary).toEqual({
    hubAccountId: HUB,
    members: 2,
    silent: 1,
    unreadable: 1,
    findings: 4,
    failedOperations: [],
  });
});

it('without a lifecycle (dry run) it only observes', async () => {
  const result = await runFleetWatch(input, { heartbeats: store({}), now: () => NOW });
  expect(result.lifecycle).toBeUndefined();
  expect(result.findings.map((f) => f.checkId)).toEqual(['checker.error']);
});
