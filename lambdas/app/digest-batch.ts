import { createHash } from 'node:crypto';
import { formatTransitionDigest } from '../core/lifecycle/digest';
import type { Storm } from '../core/lifecycle/storm';
import { compare, distinct } from '../core/plain-text';
import { PublishError, type PublishReport, type RunInfo } from '../core/publishing';
import type { DigestSink, DigestSource } from './lifecycle-stage';

/**
 * One digest for a batch of runs (the hub intake): every run of the batch gets its own DigestSink
 * (`join()` before any run starts); the runs' digests are held until every run has either handed its digest in or
 * finished without one, then ONE digest of all their transitions, naming every account, goes to the real sink.
 *
 * Each run's `publishDigest` resolves only once that combined digest was accepted (and rejects when it was not),
 * so the lifecycle's order stays as in a single run: publishers accept, then the ledger advances. A failed combined
 * digest fails every run that was in it, none of them commits its ledger, and the retried runs plan and send the
 * same transitions again.
 */
export interface DigestParticipant {
  /** The run's digest sink: resolves when the combined digest was published. */
  readonly sink: DigestSink;
  /** The run finished (or failed) without a digest, or is done: never waited for again. Idempotent. */
  readonly leave: () => void;
}

/** What the combined digest carried, for the log. */
export interface BatchDigestOutcome {
  readonly runId: string;
  readonly accounts: readonly string[];
  readonly runs: number;
  readonly transitions: number;
  readonly report?: PublishReport;
  readonly error?: unknown;
}

interface Submitted {
  readonly run: RunInfo;
  readonly source: DigestSource;
  readonly kept: number;
  readonly resolve: (report: PublishReport) => void;
  readonly reject: (error: unknown) => void;
}

export class DigestBatch {
  private waiting = 0;
  private readonly submitted: Submitted[] = [];
  private flushed = false;
  private settledOutcome: Promise<BatchDigestOutcome | undefined>;
  private resolveOutcome!: (outcome: BatchDigestOutcome | undefined) => void;

  constructor(
    private readonly target: DigestSink,
    private readonly options: {
      /** The account the batch ran in (the hub's): the digest's "Run in account". */
      readonly accountId: string;
      /** Lowered in tests. */
      readonly maxMessageBytes?: number;
    },
  ) {
    this.settledOutcome = new Promise((resolve) => {
      this.resolveOutcome = resolve;
    });
  }

  /** Every participant must join before the first run starts: the batch flushes once none is left waiting. */
  join(): DigestParticipant {
    if (this.flushed) throw new Error('DigestBatch: join() after the batch was flushed');
    this.waiting++;
    let left = false;
    const leave = (): void => {
      if (left) return;
      left = true;
      this.waiting--;
      if (this.waiting === 0) void this.flush();
    };
    return {
      leave,
      sink: {
        publishDigest: (digest, run, source) =>
          new Promise<PublishReport>((resolve, reject) => {
            if (left) {
              reject(new Error('DigestBatch: a run handed in its digest after leaving the batch'));
              return;
            }
            this.submitted.push({ run, source, kept: digest.transitionCount, resolve, reject });
            leave();
          }),
      },
    };
  }

  /** Resolves once the batch flushed: undefined when no run had a digest. Call after every run settled. */
  outcome(): Promise<BatchDigestOutcome | undefined> {
    if (this.waiting === 0 && !this.flushed) void this.flush();
    return this.settledOutcome;
  }

  private async flush(): Promise<void> {
    if (this.flushed) return;
    this.flushed = true;
    const submitted = this.submitted;
    if (submitted.length === 0) {
      this.resolveOutcome(undefined);
      return;
    }
    const transitions = submitted.flatMap((entry) => entry.source.transitions);
    const suppressedIds = new Set(submitted.flatMap((entry) => [...entry.source.suppressedIds]));
    const storm = mergeStorms(submitted.flatMap((entry) => (entry.source.storm ? [entry.source.storm] : [])));
    const run = batchRun(
      submitted.map((entry) => entry.run),
      this.options.accountId,
    );
    const digest = formatTransitionDigest(transitions, run, {
      suppressedIds,
      namesAccounts: true,
      ...(storm ? { storm } : {}),
      ...(this.options.maxMessageBytes ? { maxMessageBytes: this.options.maxMessageBytes } : {}),
    });
    const base = {
      runId: run.runId,
      accounts: distinct(
        transitions.filter((t) => !suppressedIds.has(t.findingId)).map((t) => t.accountId),
      ).sort(compare),
      runs: submitted.length,
      transitions: digest?.transitionCount ?? 0,
    };
    if (digest === undefined) {
      // Cannot happen (each run handed in a non-empty digest), but nothing to send is no failure.
      for (const entry of submitted) entry.resolve(deferredReport(entry.kept, 0, 0));
      this.resolveOutcome(base);
      return;
    }
    try {
      const report = await this.target.publishDigest(digest, run, {
        transitions,
        suppressedIds,
        ...(storm ? { storm } : {}),
      });
      // The batch's SNS calls are counted once, on the first run; each run reports the digest as delivered.
      submitted.forEach((entry, index) =>
        entry.resolve(deferredReport(entry.kept, report.delivered, index === 0 ? report.apiCalls : 0)),
      );
      this.resolveOutcome({ ...base, report });
    } catch (error) {
      for (const entry of submitted) {
        entry.reject(
          error instanceof PublishError
            ? new PublishError(
                `combined digest of ${submitted.length} run(s) not published: ${error.message}`,
                error,
                {
                  cause: error,
                },
              )
            : error,
        );
      }
      this.resolveOutcome({ ...base, error });
    }
  }
}

function deferredReport(findingCount: number, delivered: number, apiCalls: number): PublishReport {
  return { publisher: 'sns', findingCount, delivered, apiCalls };
}

/**
 * The combined digest's run: for several runs an id derived from the runs it carries (the same batch sends the same
 * id, which a FIFO topic de-duplicates), the union of their regions, the earliest start, the batch's own account;
 * one run's digest is that run's.
 */
export function batchRun(runs: readonly RunInfo[], accountId: string): RunInfo {
  const keys = distinct(runs.map((run) => `${run.accountId}/${run.runId}`)).sort(compare);
  const hash = createHash('sha256').update(keys.join('\n')).digest('hex').slice(0, 16);
  const [first] = runs;
  const regions = distinct(runs.flatMap((run) => run.regions)).sort(compare);
  const startedAt = runs.map((run) => run.startedAt).sort(compare)[0] ?? new Date(0).toISOString();
  // One run (maybe several region parts of it): its own digest, as without batching.
  if (keys.length === 1 && first) return { ...first, regions, startedAt };
  return { runId: `batch-${hash}`, accountId, regions, startedAt };
}

/** Several runs stormed at once: one incident, their openings added up. */
function mergeStorms(storms: readonly Storm[]): Storm | undefined {
  if (storms.length <= 1) return storms[0];
  const spreading: Record<string, string[]> = {};
  for (const storm of storms) {
    for (const [checkId, who] of Object.entries(storm.spreadingChecks)) {
      spreading[checkId] = distinct([...(spreading[checkId] ?? []), ...who]);
    }
  }
  return {
    reason: distinct(storms.map((storm) => storm.reason)).join('; '),
    openedCount: storms.reduce((sum, storm) => sum + storm.openedCount, 0),
    spreadingChecks: spreading,
  };
}
