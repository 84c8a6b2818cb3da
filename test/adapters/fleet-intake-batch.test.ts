/**
 * The hub intake's batches (issue 13): several run reports from the report queue through the real lifecycle stage,
 * each against its member's part of an in-memory ledger, with ONE combined digest per batch naming every account;
 * the order that keeps delivery at least once (digest accepted, then the ledgers commit) and the batch item
 * failures SQS redelivers.
 */
import { batchRun } from '../../lambdas/app/digest-batch';
import { runFleetIntakeBatch, type FleetBatchDependencies } from '../../lambdas/app/fleet-intake';
import { LifecycleStage, type DigestSink, type DigestSource } from '../../lambdas/app/lifecycle-stage';
import type {
  HeartbeatStore,
  LatestReport,
  RecordResult,
} from '../../lambdas/adapters/fleet/heartbeat-store';
import {
  PublishError,
  type FindingPublisher,
  type PublishReport,
  type RunInfo,
} from '../../lambdas/core/publishing';
import type { Finding } from '../../lambdas/core/finding';
import type { TransitionDigest } from '../../lambdas/core/lifecycle/digest';
import { lifecycleSettingsSchema } from '../../lambdas/core/lifecycle/settings';
import {
  codec,
  HUB_ACCOUNT,
  MEMBER_A,
  MEMBER_B,
  memberFinding,
  reportDetails,
  reportEvent,
} from '../fixtures/fleet';
import { MemoryLedger, RecordingEvents } from '../fixtures/lifecycle-fakes';

const NOW = new Date('2026-05-01T11:51:00.000Z');

/** The hub topic: records what it publishes; `fail` makes every publish fail as SNS past its retries would. */
class Topic implements DigestSink {
  readonly sent: { digest: TransitionDigest; run: RunInfo; source: DigestSource }[] = [];
  fail = false;
  constructor(private readonly log: string[]) {}
  publishDigest(digest: TransitionDigest, run: RunInfo, source: DigestSource): Promise<PublishReport> {
    this.log.push('digest');
    if (this.fail) {
      return Promise.reject(
        new PublishError('SNS: digest not published after 5 attempt(s): InternalError', {
          publisher: 'sns',
          failedCount: 1,
          errorCodes: { InternalError: 1 },
          findingIds: [],
        }),
      );
    }
    this.sent.push({ digest, run, source });
    return Promise.resolve({
      publisher: 'sns',
      findingCount: digest.transitionCount,
      delivered: 1,
      apiCalls: 1,
    });
  }
}

class Heartbeats implements Pick<HeartbeatStore, 'record' | 'latestReport'> {
  record(): Promise<RecordResult> {
    return Promise.resolve({ outcome: 'recorded' });
  }
  latestReport(): Promise<LatestReport | undefined> {
    return Promise.resolve(undefined);
  }
}

class Rejections implements FindingPublisher {
  readonly published: Finding[] = [];
  fail = false;
  publish(findings: readonly Finding[]): Promise<PublishReport> {
    if (this.fail) return Promise.reject(new Error('EventBridge unreachable'));
    this.published.push(...findings);
    return Promise.resolve({
      publisher: 'eventbridge',
      findingCount: findings.length,
      delivered: 1,
      apiCalls: 1,
    });
  }
}

function harness() {
  const log: string[] = [];
  const ledgers = new Map<string, MemoryLedger>();
  const events = new RecordingEvents();
  const topic = new Topic(log);
  const rejections = new Rejections();
  const settings = lifecycleSettingsSchema.parse({ ledgerTableName: 'ledger' });
  const deps: FleetBatchDependencies = {
    codec,
    stageFor: (accountId, _family, digest) => {
      const ledger = ledgers.get(accountId) ?? ledgers.set(accountId, new MemoryLedger(log)).get(accountId)!;
      return new LifecycleStage(
        {
          settings,
          tableName: 'ledger',
          homeRegion: 'eu-central-1',
          runbookBaseUrl: 'docs/checks.md',
          digestNamesAccounts: true,
        },
        {
          ledger,
          events,
          ...(digest ? { digest } : {}),
          fallback: rejections,
          now: () => NOW,
        },
      );
    },
    heartbeats: new Heartbeats(),
    rejections,
    digest: topic,
    now: () => NOW,
  };
  const run = (records: { messageId: string; body: string }[], maxDecodedCharsInFlight?: number) =>
    runFleetIntakeBatch(
      {
        records,
        hubAccountId: HUB_ACCOUNT,
        homeRegion: 'eu-central-1',
        runbookBaseUrl: 'docs/checks.md',
        ...(maxDecodedCharsInFlight === undefined ? {} : { maxDecodedCharsInFlight }),
      },
      deps,
    );
  return { log, ledgers, events, topic, rejections, deps, run };
}

/** One SQS message: the EventBridge event of a member's report, as the rule puts it on the queue. */
const message = (messageId: string, accountId: string, names: string[], runId = `${accountId}-run`) => ({
  messageId,
  body: JSON.stringify(
    reportEvent(
      reportDetails({
        accountId,
        runId,
        findings: names.map((name) => memberFinding(accountId, name, 'FAIL')),
      })[0],
    ),
  ),
});

const open = (h: ReturnType<typeof harness>, accountId: string) =>
  [...(h.ledgers.get(accountId)?.entries.values() ?? [])].filter((entry) => entry.open).length;

describe('runFleetIntakeBatch', () => {
  it('two members reporting in one batch: their finding events, ONE digest naming both accounts', async () => {
    const h = harness();

    const result = await h.run([message('m-a', MEMBER_A, ['a1', 'a2']), message('m-b', MEMBER_B, ['b1'])]);

    expect(result.batchItemFailures).toEqual([]);
    expect(result.records.map((r) => r.ok && r.result.outcome)).toEqual(['accepted', 'accepted']);
    expect(
      h.events
        .findings()
        .map((f) => `${f.accountId} ${f.transition}`)
        .sort(),
    ).toEqual([`${MEMBER_A} OPENED`, `${MEMBER_A} OPENED`, `${MEMBER_B} OPENED`]);
    expect(h.topic.sent).toHaveLength(1);
    const [{ digest, run }] = h.topic.sent as [(typeof h.topic.sent)[number]];
    expect(digest.subject).toContain('TMC health, 2 accounts: 3 new');
    expect(digest.attributes.accountId).toEqual([MEMBER_A, MEMBER_B]);
    expect(digest.body).toContain(`Accounts:`);
    expect(digest.body).toContain(`${MEMBER_A}, ${MEMBER_B}`);
    // Every change names its account.
    expect(digest.body).toMatch(new RegExp(`Account: +${MEMBER_A}`));
    expect(digest.body).toMatch(new RegExp(`Account: +${MEMBER_B}`));
    expect(digest.shortText).toContain(`account ${MEMBER_B}`);
    expect(digest.body).toContain(`Run in account: ${HUB_ACCOUNT}`);
    expect(digest.transitionCount).toBe(3);
    expect(run).toEqual(
      batchRun(
        [
          {
            runId: `${MEMBER_A}-run`,
            accountId: MEMBER_A,
            regions: ['us-west-2'],
            startedAt: '2026-05-01T11:49:00.000Z',
          },
          {
            runId: `${MEMBER_B}-run`,
            accountId: MEMBER_B,
            regions: ['us-west-2'],
            startedAt: '2026-05-01T11:49:00.000Z',
          },
        ],
        HUB_ACCOUNT,
      ),
    );
    expect(run.runId).toMatch(/^batch-[0-9a-f]{16}$/);
    expect(result.digests).toEqual([
      expect.objectContaining({ accounts: [MEMBER_A, MEMBER_B], runs: 2, transitions: 3 }),
    ]);
    // Each stage reports the digest that carried its transitions as sent.
    for (const record of result.records) {
      if (record.ok && record.result.outcome === 'accepted')
        expect(record.result.lifecycle.digestSent).toBe(true);
    }
    // The digest was accepted before any ledger advanced: the lifecycle's order, batch-wide.
    expect(h.log[0]).toBe('digest');
    expect(h.log.filter((line) => line.startsWith('commit'))).toHaveLength(3);
    expect([open(h, MEMBER_A), open(h, MEMBER_B)]).toEqual([2, 1]);
  });

  it('one report alone: its digest is the run itself, as without batching', async () => {
    const h = harness();
    await h.run([message('m-a', MEMBER_A, ['a1'])]);
    expect(h.topic.sent).toHaveLength(1);
    expect(h.topic.sent[0]!.run).toMatchObject({ runId: `${MEMBER_A}-run`, accountId: MEMBER_A });
    expect(h.topic.sent[0]!.digest.subject).toContain(`TMC health ${MEMBER_A}: 1 new`);
  });

  it('nothing changed in the batch: no digest', async () => {
    const h = harness();
    await h.run([message('m-a', MEMBER_A, ['a1'])]);
    h.topic.sent.length = 0;
    const result = await h.run([message('m-a2', MEMBER_A, ['a1'], 'again')]);
    expect(result).toMatchObject({ batchItemFailures: [] });
    expect(result.digests).toEqual([]);
    expect(h.topic.sent).toEqual([]);
  });

  it('the combined digest fails: every report in it is a batch item failure, no ledger advanced; the retry sends it', async () => {
    const h = harness();
    h.topic.fail = true;
    const batch = [message('m-a', MEMBER_A, ['a1']), message('m-b', MEMBER_B, ['b1'])];

    const failed = await h.run(batch);

    expect(failed.batchItemFailures).toEqual([{ itemIdentifier: 'm-a' }, { itemIdentifier: 'm-b' }]);
    expect(failed.records.every((r) => !r.ok && r.error instanceof PublishError)).toBe(true);
    expect(failed.digests[0]?.error).toBeInstanceOf(PublishError);
    expect(h.log.filter((line) => line.startsWith('commit'))).toEqual([]);
    expect([open(h, MEMBER_A), open(h, MEMBER_B)]).toEqual([0, 0]);

    // SQS delivers both again: the same transitions (same idempotency keys), one digest naming both.
    h.topic.fail = false;
    const keys = h.events.findings().map((f) => f.idempotencyKey);
    const retried = await h.run(batch);
    expect(retried.batchItemFailures).toEqual([]);
    expect(h.topic.sent).toHaveLength(1);
    expect(h.topic.sent[0]!.digest.attributes.accountId).toEqual([MEMBER_A, MEMBER_B]);
    expect(
      h.events
        .findings()
        .map((f) => f.idempotencyKey)
        .slice(keys.length)
        .sort(),
    ).toEqual([...keys].sort());
    expect([open(h, MEMBER_A), open(h, MEMBER_B)]).toEqual([1, 1]);
  });

  it('a report that fails on its own is the only batch item failure; the others still share the digest', async () => {
    const h = harness();
    const stageFor = h.deps.stageFor;
    (h.deps as { stageFor: FleetBatchDependencies['stageFor'] }).stageFor = (accountId, family, digest) =>
      accountId === MEMBER_B
        ? {
            run: () => Promise.reject(Object.assign(new Error('throttled'), { name: 'ThrottlingException' })),
          }
        : stageFor(accountId, family, digest);

    const result = await h.run([
      message('m-a', MEMBER_A, ['a1']),
      message('m-b', MEMBER_B, ['b1']),
      message('m-c', MEMBER_A, ['c1'], 'other-run'),
    ]);

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm-b' }]);
    expect(h.topic.sent).toHaveLength(1);
    expect(h.topic.sent[0]!.digest.attributes.accountId).toEqual([MEMBER_A]);
    expect(h.topic.sent[0]!.digest.transitionCount).toBe(2);
  });

  it('within a memory budget: reports decoded past it wait for the wave before them; one digest per wave', async () => {
    const h = harness();
    const stageFor = h.deps.stageFor;
    let running = 0;
    let mostAtOnce = 0;
    (h.deps as { stageFor: FleetBatchDependencies['stageFor'] }).stageFor = (accountId, family, digest) => {
      const stage = stageFor(accountId, family, digest);
      return {
        run: async (input) => {
          mostAtOnce = Math.max(mostAtOnce, ++running);
          try {
            return await stage.run(input);
          } finally {
            running--;
          }
        },
      };
    };
    const batch = [
      message('m-a', MEMBER_A, ['a1', 'a2']),
      message('m-b', MEMBER_B, ['b1', 'b2']),
      message('m-c', MEMBER_A, ['c1', 'c2'], 'other-run'),
    ];
    const oneReport = JSON.stringify([
      memberFinding(MEMBER_A, 'a1', 'FAIL'),
      memberFinding(MEMBER_A, 'a2', 'FAIL'),
    ]).length;

    const result = await h.run(batch, oneReport + 10);

    expect(result.batchItemFailures).toEqual([]);
    expect(result.records.map((r) => r.messageId)).toEqual(['m-a', 'm-b', 'm-c']);
    expect(mostAtOnce).toBe(1);
    expect(h.topic.sent.map((sent) => sent.digest.attributes.accountId)).toEqual([
      [MEMBER_A],
      [MEMBER_B],
      [MEMBER_A],
    ]);
    expect(result.digests).toHaveLength(3);
    expect([open(h, MEMBER_A), open(h, MEMBER_B)]).toEqual([4, 2]);

    // Within the default budget the same batch is one wave, one digest.
    const again = harness();
    await again.run(batch);
    expect(again.topic.sent).toHaveLength(1);
  });

  it('a message that is not a run report: a published ERROR finding, never retried', async () => {
    const h = harness();
    const result = await h.run([
      { messageId: 'junk', body: 'not json' },
      { messageId: 'array', body: '[]' },
      message('m-a', MEMBER_A, ['a1']),
    ]);
    expect(result.batchItemFailures).toEqual([]);
    expect(result.records.map((r) => r.ok && r.result.outcome)).toEqual(['rejected', 'rejected', 'accepted']);
    expect(h.rejections.published.map((f) => [f.checkId, f.status])).toEqual([
      ['checker.error', 'ERROR'],
      ['checker.error', 'ERROR'],
    ]);
    expect(h.rejections.published[0]!.message).toContain('not JSON');
    expect(h.topic.sent).toHaveLength(1);
  });

  it('a rejection that cannot be published is retried (batch item failure)', async () => {
    const h = harness();
    h.rejections.fail = true;
    const result = await h.run([{ messageId: 'junk', body: '{' }]);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'junk' }]);
  });

  it('without a topic: no digest sink, no digest, nothing waits', async () => {
    const h = harness();
    const withoutTopic: FleetBatchDependencies = { ...h.deps };
    delete (withoutTopic as { digest?: unknown }).digest;
    const result = await runFleetIntakeBatch(
      {
        records: [message('m-a', MEMBER_A, ['a1'])],
        hubAccountId: HUB_ACCOUNT,
        homeRegion: 'eu-central-1',
        runbookBaseUrl: 'docs/checks.md',
      },
      withoutTopic,
    );
    expect(result.batchItemFailures).toEqual([]);
    expect(result.digests).toEqual([]);
    expect(open(h, MEMBER_A)).toBe(1);
  });
});
