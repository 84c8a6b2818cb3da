import {
  LedgerCommitError,
  LedgerUnavailableError,
  LifecycleStage,
  type DigestSink,
  type RetriggerRunner,
} from '../../lambdas/app/lifecycle-stage';
import {
  PublishError,
  type FindingPublisher,
  type PublishReport,
  type RunInfo,
} from '../../lambdas/core/publishing';
import type { Finding, Severity, Status } from '../../lambdas/core/finding';
import type { TransitionDigest } from '../../lambdas/core/lifecycle/digest';
import type { RetriggerDecision } from '../../lambdas/core/lifecycle/remediation';
import { remediationDetail } from '../../lambdas/core/lifecycle/remediation';
import { runSummaryDetailSchema } from '../../lambdas/core/lifecycle/run-event';
import { lifecycleSettingsSchema, type LifecycleConfigInput } from '../../lambdas/core/lifecycle/settings';
import type { LifecycleFinding } from '../../lambdas/core/lifecycle/types';
import { MemoryLedger, RecordingEvents } from '../fixtures/lifecycle-fakes';

const ACCOUNT = '111122223333';
const START = Date.parse('2026-11-22T00:00:00.000Z');

function finding(
  id: string,
  status: Status,
  options: { severity?: Severity; region?: string } = {},
): Finding {
  const region = options.region ?? 'us-west-2';
  return {
    schemaVersion: '1.0',
    findingId: id.padEnd(32, '0'),
    checkId: 'tmc.lambda.errors',
    status,
    severity: status === 'PASS' ? 'INFORMATIONAL' : (options.severity ?? 'HIGH'),
    title: `data-sync ${id} errors`,
    message: `function ${id} failed`,
    accountId: ACCOUNT,
    region,
    resource: {
      type: 'AWS::Lambda::Function',
      arn: `arn:aws:lambda:${region}:${ACCOUNT}:function:${id}`,
      name: id,
    },
    tmc: { credentialName: `cred-${id}`, component: 'data-sync' },
    evidence: { errors: 3 },
    remediation: { text: 'steps', whoCanFix: 'platform team', runbookUrl: 'docs/checks.md#x' },
    observedAt: new Date(START).toISOString(),
  };
}

class RecordingDigest implements DigestSink {
  readonly digests: TransitionDigest[] = [];
  failNext = false;

  publishDigest(digest: TransitionDigest): Promise<PublishReport> {
    if (this.failNext) {
      this.failNext = false;
      return Promise.reject(
        new PublishError('SNS down', {
          publisher: 'sns',
          failedCount: 1,
          errorCodes: { InternalError: 1 },
          findingIds: [],
        }),
      );
    }
    this.digests.push(digest);
    return Promise.resolve({
      publisher: 'sns',
      findingCount: digest.transitionCount,
      delivered: 1,
      apiCalls: 1,
    });
  }
}

class RecordingFallback implements FindingPublisher {
  readonly published: Finding[][] = [];
  publish(findings: readonly Finding[]): Promise<PublishReport> {
    this.published.push([...findings]);
    return Promise.resolve({
      publisher: 'composite',
      findingCount: findings.length,
      delivered: findings.length,
      apiCalls: 2,
    });
  }
}

interface Harness {
  readonly stage: LifecycleStage;
  readonly ledger: MemoryLedger;
  readonly events: RecordingEvents;
  readonly digest: RecordingDigest;
  readonly fallback: RecordingFallback;
  /** Runs the stage over the findings, `minutes` after START. */
  run(
    findings: readonly Finding[],
    options?: { minutes?: number; coveredRegions?: string[] },
  ): ReturnType<LifecycleStage['run']>;
  findingEvents(): LifecycleFinding[];
}

function harness(
  config: LifecycleConfigInput = {},
  retrigger?: RetriggerRunner,
  stageOptions: { digestNamesAccounts?: boolean; quietRunSummaries?: boolean } = {},
): Harness {
  const ledger = new MemoryLedger();
  const events = new RecordingEvents();
  const digest = new RecordingDigest();
  const fallback = new RecordingFallback();
  let clock = START;
  const stage = new LifecycleStage(
    {
      settings: lifecycleSettingsSchema.parse({ ledgerTableName: 'ledger', ...config }),
      tableName: 'ledger',
      homeRegion: 'us-west-2',
      runbookBaseUrl: 'docs/checks.md',
      ...stageOptions,
    },
    { ledger, events, digest, fallback, ...(retrigger ? { retrigger } : {}), now: () => new Date(clock) },
  );
  let runs = 0;
  return {
    stage,
    ledger,
    events,
    digest,
    fallback,
    run: (findings, options = {}) => {
      clock = START + (options.minutes ?? runs * 15) * 60_000;
      runs += 1;
      const run: RunInfo = {
        runId: `run-${runs}`,
        accountId: ACCOUNT,
        regions: ['us-west-2'],
        startedAt: new Date(clock).toISOString(),
      };
      return stage.run({
        family: 'credentials',
        run,
        findings: findings.map((f) => ({ ...f, observedAt: run.startedAt })),
        coveredRegions: options.coveredRegions ?? ['us-west-2'],
        failedOperations: [],
        apiCalls: 7,
      });
    },
    findingEvents: () => events.details<LifecycleFinding>('TMC Health Finding'),
  };
}

describe('LifecycleStage: what each run publishes', () => {
  it('OPENED, then nothing, then RESOLVED: one event and one digest per change, a run summary every run', async () => {
    const h = harness();
    const first = await h.run([finding('a', 'FAIL'), finding('b', 'PASS')]);
    expect(h.findingEvents()).toEqual([
      expect.objectContaining({
        findingId: finding('a', 'FAIL').findingId,
        transition: 'OPENED',
        state: 'NEW',
        occurrenceCount: 1,
        sequence: 1,
        idempotencyKey: `${finding('a', 'FAIL').findingId}#1`,
        firstObservedAt: new Date(START).toISOString(),
      }),
    ]);
    expect(h.digest.digests).toHaveLength(1);
    expect(h.digest.digests[0]!.counts).toEqual({ opened: 1, escalated: 0, resolved: 0, reminders: 0 });
    expect(first.committed).toBe(1);

    h.events.clear();
    const second = await h.run([finding('a', 'FAIL'), finding('b', 'PASS')]);
    expect(h.findingEvents()).toEqual([]);
    expect(h.digest.digests).toHaveLength(1);
    expect(second.quietWrites).toBe(1);
    expect(h.ledger.entries.get(finding('a', 'FAIL').findingId)?.occurrenceCount).toBe(2);

    h.events.clear();
    await h.run([finding('a', 'PASS'), finding('b', 'PASS')]);
    expect(h.findingEvents()).toEqual([
      expect.objectContaining({ transition: 'RESOLVED', state: 'RESOLVED', status: 'PASS', sequence: 2 }),
    ]);
    expect(h.digest.digests).toHaveLength(2);
    expect(h.digest.digests[1]!.counts.resolved).toBe(1);
  });

  it('quietRunSummaries=false (the hub): a run summary only for a run that changed something or failed a call', async () => {
    const h = harness({}, undefined, { quietRunSummaries: false });
    const runs = [
      await h.run([finding('a', 'PASS')]),
      await h.run([finding('a', 'FAIL')]),
      await h.run([finding('a', 'FAIL')]),
      await h.run([finding('a', 'PASS')]),
    ];
    const summaries = h.events.details<{ runId: string }>('TMC Health Check Run').map((d) => d.runId);
    expect(summaries).toEqual(['run-2', 'run-4']);
    // The quiet runs' summaries are still built (the log line) and count no PutEvents of their own.
    expect(runs.map((report) => report.runSummary.apiCalls)).toEqual([7, 10, 7, 10]);
    const failing = await h.stage.run({
      family: 'credentials',
      run: {
        runId: 'run-5',
        accountId: ACCOUNT,
        regions: ['us-west-2'],
        startedAt: new Date(START).toISOString(),
      },
      findings: [],
      coveredRegions: ['us-west-2'],
      failedOperations: ['us-west-2 lambda:ListFunctions'],
      apiCalls: 1,
    });
    expect(failing.runSummary.apiCalls).toBe(2);
    expect(h.events.details<{ runId: string }>('TMC Health Check Run').map((d) => d.runId)).toContain(
      'run-5',
    );
  });

  it('reads the ledger by id for problems only: PASS findings change only open entries, which the index lists', async () => {
    const h = harness();
    const asked: string[][] = [];
    const load = h.ledger.load.bind(h.ledger);
    h.ledger.load = (ids) => {
      asked.push([...ids]);
      return load(ids);
    };
    await h.run([finding('a', 'FAIL'), finding('b', 'PASS'), finding('c', 'PASS')]);
    await h.run([finding('a', 'PASS'), finding('b', 'PASS'), finding('c', 'PASS')]);
    await h.run([finding('a', 'PASS'), finding('b', 'PASS'), finding('c', 'PASS')]);
    expect(asked).toEqual([[finding('a', 'FAIL').findingId], [], []]);
    // The open entry still resolves on its PASS, found through the open index.
    expect(h.findingEvents().map((event) => [event.resource.name, event.transition])).toEqual([
      ['a', 'OPENED'],
      ['a', 'RESOLVED'],
    ]);
    expect(h.ledger.entries.get(finding('a', 'FAIL').findingId)?.open).toBe(false);
  });

  it('publishes a valid TMC Health Check Run event every run, quiet ones included (the heartbeat)', async () => {
    const h = harness();
    await h.run([finding('a', 'PASS')]);
    await h.run([finding('a', 'FAIL', { severity: 'CRITICAL' })]);
    const summaries = h.events
      .details<unknown>('TMC Health Check Run')
      .map((d) => runSummaryDetailSchema.parse(d));
    expect(summaries).toHaveLength(2);
    expect(summaries[0]).toMatchObject({
      runId: 'run-1',
      check: 'credentials',
      findings: 1,
      heartbeat: true,
    });
    expect(summaries[0]!.transitions.OPENED).toBe(0);
    expect(summaries[1]!.transitions.OPENED).toBe(1);
    expect(summaries[1]!.problemsBySeverity.CRITICAL).toBe(1);
    // 7 gathering calls + 1 PutEvents for the transition + 1 SNS publish + the summary's own PutEvents.
    expect(summaries[1]!.apiCalls).toBe(10);
  });
});

describe('LifecycleStage: at-least-once delivery', () => {
  it('a crash between publish and ledger commit re-sends the same transition, with the same idempotency key', async () => {
    const h = harness();
    h.ledger.failCommits = 1;
    await expect(h.run([finding('a', 'FAIL')])).rejects.toBeInstanceOf(LedgerCommitError);
    const firstSend = h.findingEvents();
    expect(firstSend).toHaveLength(1);
    expect(h.ledger.entries.size).toBe(0);

    h.events.clear();
    await h.run([finding('a', 'FAIL')]);
    const resend = h.findingEvents();
    expect(resend).toHaveLength(1);
    expect(resend[0]!.transition).toBe('OPENED');
    expect(resend[0]!.idempotencyKey).toBe(firstSend[0]!.idempotencyKey);

    h.events.clear();
    await h.run([finding('a', 'FAIL')]);
    expect(h.findingEvents()).toEqual([]);
  });

  it('the failed commit still publishes the run summary naming dynamodb:PutItem', async () => {
    const h = harness();
    h.ledger.failCommits = 1;
    const error = (await h.run([finding('a', 'FAIL')]).catch((e: unknown) => e)) as LedgerCommitError;
    expect(error).toBeInstanceOf(LedgerCommitError);
    expect(error.message).toMatch(/sent again next run/);
    expect(error.report.runSummary.checksThatCouldNotRun.failedOperations).toEqual([
      'us-west-2 dynamodb:PutItem',
    ]);
  });

  it('an EventBridge failure fails the run, still tries SNS, and leaves the ledger where it was', async () => {
    const h = harness();
    h.events.failNext = new PublishError('EventBridge down', {
      publisher: 'eventbridge',
      failedCount: 1,
      errorCodes: { InternalFailure: 1 },
      findingIds: ['x'],
    });
    await expect(h.run([finding('a', 'FAIL')])).rejects.toThrow(/ledger not advanced.*EventBridge down/);
    expect(h.digest.digests).toHaveLength(1);
    expect(h.ledger.commits).toBe(0);

    await h.run([finding('a', 'FAIL')]);
    expect(h.findingEvents().map((e) => e.transition)).toEqual(['OPENED']);
  });

  it('an SNS failure still lets EventBridge deliver, then fails the run the same way', async () => {
    const h = harness();
    h.digest.failNext = true;
    const error = (await h.run([finding('a', 'FAIL')]).catch((e: unknown) => e)) as PublishError;
    expect(error).toBeInstanceOf(PublishError);
    expect(error.errorCodes).toEqual({ InternalError: 1 });
    expect(h.findingEvents().map((event) => event.transition)).toEqual(['OPENED']); // EventBridge still tried
    expect(h.ledger.commits).toBe(0);
  });

  it('a lost race (the entry changed since it was read) is a conflict, not an error, and not committed twice', async () => {
    const h = harness();
    const id = finding('a', 'FAIL').findingId;
    const load = h.ledger.load.bind(h.ledger);
    jest.spyOn(h.ledger, 'load').mockImplementationOnce(async (ids) => {
      const snapshot = await load(ids);
      // A concurrent run opens the same finding between our read and our write.
      h.ledger.entries.set(id, {
        findingId: id,
        open: true,
        status: 'FAIL',
        severity: 'HIGH',
        firstObservedAt: new Date(START).toISOString(),
        lastObservedAt: new Date(START).toISOString(),
        occurrenceCount: 1,
        sequence: 1,
        absentRuns: 0,
        finding: finding('a', 'FAIL'),
      });
      return snapshot;
    });
    const report = await h.run([finding('a', 'FAIL')]);
    expect(report.conflicts).toEqual([id]);
    expect(report.committed).toBe(0);
    expect(h.ledger.entries.get(id)?.sequence).toBe(1);
  });
});

describe('LifecycleStage: unknown is never healthy', () => {
  it('an unreadable ledger publishes every problem statelessly with a checker.error, then fails the run', async () => {
    const h = harness();
    h.ledger.loadError = Object.assign(new Error('User is not authorized to perform: dynamodb:Query'), {
      name: 'AccessDeniedException',
    });
    const error = (await h
      .run([finding('a', 'FAIL'), finding('b', 'PASS')])
      .catch((e: unknown) => e)) as LedgerUnavailableError;
    expect(error).toBeInstanceOf(LedgerUnavailableError);
    expect(error.message).toMatch(/ledger ledger unreadable \(AccessDeniedException\)/);
    const [published] = h.fallback.published;
    expect(published!.map((f) => [f.checkId, f.status])).toEqual([
      ['tmc.lambda.errors', 'FAIL'],
      ['checker.error', 'ERROR'],
    ]);
    expect(published![1]!.message).toMatch(
      /could not read its findings ledger ledger \(AccessDeniedException/,
    );
    const [summary] = h.events.details<{ byStatus: Record<Status, number> }>('TMC Health Check Run');
    expect(summary!.byStatus.ERROR).toBe(1);
    expect(h.findingEvents()).toEqual([]);
  });

  it('absence resolves only where the run looked: an uncovered region keeps its findings open', async () => {
    const h = harness({ goneAfterRuns: 2 });
    await h.run([finding('a', 'FAIL', { region: 'eu-west-1' })]);
    h.events.clear();
    for (let i = 0; i < 3; i++) await h.run([], { coveredRegions: ['us-west-2'] });
    expect(h.findingEvents()).toEqual([]);
    await h.run([], { coveredRegions: ['eu-west-1'] });
    expect(h.findingEvents()).toEqual([]);
    await h.run([], { coveredRegions: ['eu-west-1'] });
    expect(h.findingEvents()).toEqual([expect.objectContaining({ transition: 'RESOLVED', status: 'PASS' })]);
  });
});

describe('LifecycleStage: people get one message per change', () => {
  it('a reminder after reminderHours, and none before', async () => {
    const h = harness({ reminderHours: 2 });
    await h.run([finding('a', 'FAIL')], { minutes: 0 });
    h.events.clear();
    await h.run([finding('a', 'FAIL')], { minutes: 119 });
    expect(h.findingEvents()).toEqual([]);
    await h.run([finding('a', 'FAIL')], { minutes: 120 });
    expect(h.findingEvents()).toEqual([
      expect.objectContaining({ transition: 'REMINDER', state: 'ONGOING', occurrenceCount: 3 }),
    ]);
    expect(h.digest.digests.at(-1)!.counts.reminders).toBe(1);
  });

  it('suppressed findings are marked SUPPRESSED on EventBridge and kept out of SNS', async () => {
    const h = harness({
      suppressions: [{ credentialName: 'cred-a', expires: '2027-01-31', reason: 'migration INC-42' }],
    });
    await h.run([finding('a', 'FAIL')]);
    expect(h.findingEvents()).toEqual([
      expect.objectContaining({
        transition: 'OPENED',
        suppression: { state: 'SUPPRESSED', reason: 'migration INC-42', expires: '2027-01-31' },
      }),
    ]);
    expect(h.digest.digests).toEqual([]);
  });

  it('an expired suppression no longer mutes', async () => {
    const h = harness({
      suppressions: [{ credentialName: 'cred-a', expires: '2026-11-01', reason: 'old mute' }],
    });
    await h.run([finding('a', 'FAIL')]);
    expect(h.findingEvents()[0]!.suppression).toBeUndefined();
    expect(h.digest.digests).toHaveLength(1);
  });

  it('a storm is one incident digest while EventBridge receives every finding', async () => {
    const h = harness({ stormThreshold: 3, sameCheckThreshold: 50 });
    const report = await h.run(['a', 'b', 'c', 'd'].map((id) => finding(id, 'FAIL')));
    expect(h.findingEvents()).toHaveLength(4);
    expect(h.digest.digests).toHaveLength(1);
    expect(h.digest.digests[0]!.incident).toBe(true);
    expect(h.digest.digests[0]!.subject).toMatch(/INCIDENT/);
    expect(report.incident).toBe(true);
  });
});

describe('LifecycleStage: built-in remediation', () => {
  const recordingRetrigger = (): RetriggerRunner & { calls: RetriggerDecision[][] } => {
    const calls: RetriggerDecision[][] = [];
    return {
      calls,
      run: (decisions, context) => {
        calls.push([...decisions]);
        return Promise.resolve(
          decisions.map((decision) =>
            remediationDetail(decision, decision.kind === 'invoke' ? 'INVOKED' : 'SKIPPED', {
              runId: context.runId,
              at: context.now,
            }),
          ),
        );
      },
    };
  };

  const notInvoked = (): Finding => ({
    ...finding('sync', 'FAIL'),
    checkId: 'tmc.lambda.not-invoked',
  });

  it('is not consulted when autoRemediation is off', async () => {
    const retrigger = recordingRetrigger();
    const h = harness({ autoRemediation: false }, retrigger);
    await h.run([notInvoked()]);
    expect(retrigger.calls).toEqual([]);
  });

  it('publishes what it decided as TMC Health Remediation events when on (here: skipped, token state unknown)', async () => {
    const retrigger = recordingRetrigger();
    const h = harness({ autoRemediation: true }, retrigger);
    const report = await h.run([notInvoked()]);
    expect(retrigger.calls).toHaveLength(1);
    const [detail] = h.events.details<{ outcome: string; reason: string }>('TMC Health Remediation');
    expect(detail!.outcome).toBe('SKIPPED');
    expect(detail!.reason).toMatch(/token/i);
    expect(report.remediations).toHaveLength(1);

    // Still open next run: not OPENED again, so nothing is retried.
    await h.run([notInvoked()]);
    expect(retrigger.calls).toHaveLength(1);
  });
});

describe('LifecycleStage: the digest in an Organizations hub', () => {
  it('names the account of every change when digestNamesAccounts is on, and only then', async () => {
    const hub = harness({}, undefined, { digestNamesAccounts: true });
    await hub.run([finding('a', 'FAIL')]);
    const single = harness();
    await single.run([finding('a', 'FAIL')]);

    const [hubDigest] = hub.digest.digests;
    const [singleDigest] = single.digest.digests;
    expect(hubDigest!.subject).toContain(`TMC health ${ACCOUNT}: 1 new`);
    expect(hubDigest!.body).toMatch(new RegExp(`^ {3}Account:\\s+${ACCOUNT}$`, 'm'));
    expect(hubDigest!.attributes.accountId).toEqual([ACCOUNT]);
    expect(singleDigest!.subject).toContain('TMC health: 1 new');
    expect(singleDigest!.attributes.accountId).toBeUndefined();
  });
});
