import { runFleetIntake, type FleetIntakeDependencies } from '../../lambdas/app/fleet-intake';
import type { LifecycleReport, LifecycleRunInput } from '../../lambdas/app/lifecycle-stage';
import type {
  HeartbeatStore,
  LatestReport,
  RecordResult,
} from '../../lambdas/adapters/fleet/heartbeat-store';
import type { FindingPublisher, PublishReport, RunInfo } from '../../lambdas/core/publishing';
import type { Finding } from '../../lambdas/core/finding';
import { detailBytes } from '../../lambdas/core/fleet/run-report';
import type { ReportedFamily, RunReport } from '../../lambdas/core/fleet/run-report-types';
import {
  codec,
  HUB_ACCOUNT,
  MEMBER_A,
  MEMBER_B,
  memberFinding,
  reportDetails,
  reportEvent,
} from '../fixtures/fleet';

const NOW = new Date('2026-05-01T11:51:00.000Z');

class FakeHeartbeats implements Pick<HeartbeatStore, 'record' | 'latestReport'> {
  readonly recorded: RunReport[] = [];
  latest?: LatestReport;
  failRecord?: Error;
  record(report: RunReport): Promise<RecordResult> {
    if (this.failRecord) return Promise.reject(this.failRecord);
    this.recorded.push(report);
    return Promise.resolve({ outcome: 'recorded' });
  }
  latestReport(): Promise<LatestReport | undefined> {
    return Promise.resolve(this.latest);
  }
}

class FakeRejections implements FindingPublisher {
  readonly published: { findings: Finding[]; run: RunInfo }[] = [];
  publish(findings: readonly Finding[], run: RunInfo): Promise<PublishReport> {
    this.published.push({ findings: [...findings], run });
    return Promise.resolve({
      publisher: 'eventbridge',
      findingCount: findings.length,
      delivered: 1,
      apiCalls: 1,
    });
  }
}

interface Harness {
  readonly deps: FleetIntakeDependencies;
  readonly stages: { accountId: string; family: ReportedFamily; input: LifecycleRunInput }[];
  readonly heartbeats: FakeHeartbeats;
  readonly rejections: FakeRejections;
  /** Makes the lifecycle throw this. */
  failLifecycle?: Error;
  order: string[];
}

function harness(): Harness {
  const heartbeats = new FakeHeartbeats();
  const rejections = new FakeRejections();
  const h: Harness = {
    stages: [],
    heartbeats,
    rejections,
    order: [],
    deps: undefined as unknown as FleetIntakeDependencies,
  };
  const record = heartbeats.record.bind(heartbeats);
  heartbeats.record = (report) => {
    h.order.push('heartbeat');
    return record(report);
  };
  (h as { deps: FleetIntakeDependencies }).deps = {
    codec,
    stageFor: (accountId, family) => ({
      run: (input) => {
        h.order.push('lifecycle');
        h.stages.push({ accountId, family, input });
        if (h.failLifecycle) return Promise.reject(h.failLifecycle);
        return Promise.resolve({ transitions: [] } as unknown as LifecycleReport);
      },
    }),
    heartbeats,
    rejections,
    now: () => NOW,
  };
  return h;
}

const input = (event: unknown) => ({
  event: event as Record<string, unknown>,
  hubAccountId: HUB_ACCOUNT,
  homeRegion: 'eu-central-1',
  runbookBaseUrl: 'docs/checks.md',
});

const findings = [memberFinding(MEMBER_A, 'a', 'FAIL'), memberFinding(MEMBER_A, 'b', 'PASS')];

describe('runFleetIntake: a valid report', () => {
  it("runs the member's lifecycle with exactly the report, scoped to its account, then records the heartbeat", async () => {
    const h = harness();
    const [detail] = reportDetails({ findings, runId: 'run-7', family: 'credentials' });

    const result = await runFleetIntake(input(reportEvent(detail)), h.deps);

    expect(result.outcome).toBe('accepted');
    expect(h.stages).toHaveLength(1);
    const { accountId, family, input: run } = h.stages[0]!;
    expect([accountId, family]).toEqual([MEMBER_A, 'credentials']);
    expect(run).toEqual({
      family: 'credentials',
      run: {
        runId: 'run-7',
        accountId: MEMBER_A,
        regions: ['us-west-2'],
        startedAt: '2026-05-01T11:49:00.000Z',
      },
      findings,
      coveredRegions: ['us-west-2'],
      failedOperations: [],
      apiCalls: 12,
    });
    expect(h.order).toEqual(['lifecycle', 'heartbeat']);
    expect(h.heartbeats.recorded.map((r) => r.runId)).toEqual(['run-7']);
    expect(h.rejections.published).toEqual([]);
    if (result.outcome !== 'accepted') throw new Error('accepted expected');
    expect(result.report).toMatchObject({
      accountId: MEMBER_A,
      failing: 1,
      errored: 0,
      findings: 2,
      part: 1,
    });
    expect(result.metrics.map((m) => [m.name, m.value, m.dimensions])).toEqual([
      ['ChecksFailing', 1, { AccountId: MEMBER_A, Family: 'credentials' }],
      ['ChecksErrored', 0, { AccountId: MEMBER_A, Family: 'credentials' }],
      ['RunReported', 1, { AccountId: MEMBER_A, Family: 'credentials' }],
      ['RunReportRejected', 0, undefined],
    ]);
  });

  it('each part of a split run is its own lifecycle run with its own coverage', async () => {
    const h = harness();
    const run = {
      findings: [
        memberFinding(MEMBER_A, 'a', 'FAIL', { region: 'us-west-2' }),
        memberFinding(MEMBER_A, 'b', 'PASS', { region: 'eu-west-1' }),
      ],
      regions: ['us-west-2', 'eu-west-1'],
    };
    const whole = detailBytes(reportDetails(run)[0]!);
    const split = reportDetails({ ...run, maxDetailBytes: whole - 1 });
    expect(split.length).toBe(2);
    h.heartbeats.latest = { runId: 'run-1', lastReportAt: '2026-05-01T11:50:00.000Z' };
    for (const detail of split) await runFleetIntake(input(reportEvent(detail)), h.deps);
    expect(h.stages.map((s) => s.input.coveredRegions)).toEqual([['us-west-2'], ['eu-west-1']]);
    expect(h.heartbeats.recorded.map((r) => `${r.part}/${r.parts}`)).toEqual(['1/2', '2/2']);
  });

  it('an older report than the recorded one is stale: no lifecycle (it would reopen what a newer run resolved)', async () => {
    const h = harness();
    // Newer than the report, and ahead of the hub's clock by less than the tolerance.
    h.heartbeats.latest = { runId: 'run-9', lastReportAt: '2026-05-01T11:55:00.000Z' };
    const [detail] = reportDetails({ findings, runId: 'run-8' });
    const result = await runFleetIntake(input(reportEvent(detail)), h.deps);
    expect(result.outcome).toBe('stale');
    expect(h.stages).toEqual([]);
    expect(h.heartbeats.recorded).toEqual([]);
  });

  it('a recorded report dated beyond the hub clock proves nothing newer: the report is accepted', async () => {
    const h = harness();
    h.heartbeats.latest = { runId: 'run-9', lastReportAt: '2099-01-01T00:00:00.000Z' };
    const [detail] = reportDetails({ findings, runId: 'run-8' });
    const result = await runFleetIntake(input(reportEvent(detail)), h.deps);
    expect(result.outcome).toBe('accepted');
    expect(h.heartbeats.recorded).toHaveLength(1);
  });

  it.each([
    ['finishedAt', { finishedAt: '2026-05-01T11:57:00.000Z' }],
    ['startedAt', { startedAt: '2099-01-01T00:00:00.000Z', finishedAt: '2026-05-01T11:50:00.000Z' }],
  ])(
    'a report whose %s is ahead of the hub clock by more than the tolerance is rejected',
    async (field, dates) => {
      const h = harness();
      const [detail] = reportDetails({ findings, ...dates });
      const result = await runFleetIntake(input(reportEvent(detail)), h.deps);
      expect(result).toMatchObject({
        outcome: 'rejected',
        problem: expect.stringMatching(
          new RegExp(`^detail\\.${field}: .* ahead of the hub's clock`),
        ) as unknown,
      });
      expect(h.stages).toEqual([]);
      expect(h.heartbeats.recorded).toEqual([]);
    },
  );

  it('a failing lifecycle still records the heartbeat (the member did report), then fails for a retry', async () => {
    const h = harness();
    h.failLifecycle = Object.assign(new Error('ledger down'), { name: 'LedgerUnavailableError' });
    const [detail] = reportDetails({ findings });
    await expect(runFleetIntake(input(reportEvent(detail)), h.deps)).rejects.toBe(h.failLifecycle);
    expect(h.order).toEqual(['lifecycle', 'heartbeat']);
    expect(h.heartbeats.recorded).toHaveLength(1);
  });

  it('a failing heartbeat write after the lifecycle fails the event (retried; the ledger sends nothing twice)', async () => {
    const h = harness();
    h.heartbeats.failRecord = Object.assign(new Error('slow down'), { name: 'ThrottlingException' });
    const [detail] = reportDetails({ findings });
    await expect(runFleetIntake(input(reportEvent(detail)), h.deps)).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
  });
});

describe('runFleetIntake: a report it cannot accept is one ERROR finding, never a crash loop', () => {
  const valid = () => reportDetails({ findings })[0]! as unknown as Record<string, unknown>;

  it.each([
    [
      'a detail that is not a report',
      () => reportEvent({ hello: 'world' }, { account: MEMBER_A }),
      MEMBER_A,
      /detail/,
    ],
    [
      'an unknown schema version',
      () => reportEvent({ ...valid(), schemaVersion: '2.0' }),
      MEMBER_A,
      /schemaVersion/,
    ],
    [
      'findings that are not gzip+base64',
      () => reportEvent({ ...valid(), findings: '!!!' }),
      MEMBER_A,
      /gzip\+base64/,
    ],
    [
      'a report about another account',
      () => reportEvent(valid(), { account: MEMBER_B }),
      MEMBER_B,
      new RegExp(`names account ${MEMBER_A} but was sent from account ${MEMBER_B}`),
    ],
    [
      'no sending account',
      () => reportEvent(valid(), { account: undefined }),
      MEMBER_A,
      /no sending account/,
    ],
    [
      'another detail-type',
      () => reportEvent(valid(), { 'detail-type': 'TMC Health Finding' }),
      MEMBER_A,
      /not a run report/,
    ],
    ['nothing at all', () => ({}), HUB_ACCOUNT, /not a run report/],
  ])('%s', async (_case, event, account, problem) => {
    const h = harness();
    const result = await runFleetIntake(input(event()), h.deps);

    expect(result.outcome).toBe('rejected');
    if (result.outcome !== 'rejected') throw new Error('rejected expected');
    expect(result.problem).toMatch(problem);
    expect(result.metrics).toEqual([{ name: 'RunReportRejected', unit: 'Count', value: 1 }]);
    expect(h.stages).toEqual([]);
    expect(h.heartbeats.recorded).toEqual([]);
    expect(h.rejections.published).toHaveLength(1);
    const [finding] = h.rejections.published[0]!.findings;
    expect(finding).toMatchObject({
      checkId: 'checker.error',
      status: 'ERROR',
      accountId: account,
      resource: { type: 'AWS::API::Operation', name: 'events:PutEvents' },
      evidence: expect.objectContaining({ hubAccountId: HUB_ACCOUNT }) as unknown,
    });
    expect(finding!.title).toContain(account === HUB_ACCOUNT ? 'an unknown account' : `account ${account}`);
    expect(finding!.message).toMatch(problem);
  });

  it('names the family and run when the detail tells them, and keeps one finding id per member and family', async () => {
    const h = harness();
    const broken = { ...valid(), findings: 'AAAA' };
    await runFleetIntake(input(reportEvent(broken)), h.deps);
    await runFleetIntake(input(reportEvent({ ...broken, runId: 'run-2' })), h.deps);
    const [first, second] = h.rejections.published.map((p) => p.findings[0]!);
    expect(first!.evidence).toMatchObject({
      family: 'credentials',
      runId: 'run-1',
      sentFromAccount: MEMBER_A,
    });
    expect(first!.findingId).toBe(second!.findingId);
    expect(first!.region).toBe('us-west-2');
  });
});
