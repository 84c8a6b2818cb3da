import { randomUUID } from 'node:crypto';
import type { Finding } from '../core/finding';
import { rejectedReportFinding, reportAccountOf, type ReportEnvelope } from '../core/fleet/rejected-report';
import { withHubRemediation } from '../core/fleet/hub-remediation';
import { parseRunReportDetail, reportClockProblem } from '../core/fleet/run-report-parse';
import {
  CLOCK_SKEW_TOLERANCE_MS,
  RUN_REPORT_DETAIL_TYPE,
  RUN_REPORT_MAX_DECODED_BYTES,
  RUN_REPORT_SOURCE,
  type ParsedRunReport,
  type ReportCodec,
  type ReportedFamily,
  type RunReport,
} from '../core/fleet/run-report-types';
import { fleetReportMetricRecords, METRIC_NAMES, type MetricRecord } from '../core/observability';
import type { HeartbeatStore, LatestReport, RecordResult } from '../adapters/fleet/heartbeat-store';
import type { FindingPublisher, PublishReport, RunInfo } from '../core/publishing';
import { DigestBatch, type BatchDigestOutcome } from './digest-batch';
import type { DigestSink, LifecycleReport, LifecycleStage } from './lifecycle-stage';

/**
 * The hub's fleet intake (docs/organizations.md): one EventBridge event, one member run report (or one
 * region part of it).
 *
 * - Malformed, over a length cap, of another schema version, naming another account than the one EventBridge
 *   says sent it (the report's or any finding's `accountId`), or dated more than a few minutes ahead of the hub's
 *   clock: the event is rejected, never retried (it would fail the same way every time). One `checker.error`
 *   ERROR finding naming the member account goes to the hub bus, RunReportRejected counts it, and the function
 *   returns normally.
 * - Older than the member's last recorded report (EventBridge does not keep order; a Lambda retry may come hours
 *   late): 'stale', left out of the ledger, where it would reopen what a newer run resolved.
 * - Otherwise the existing lifecycle runs on it exactly as in the member, with the ledger scoped to the account
 *   that sent it: its keys and open index are bound to that account, so a finding id another member sends too is
 *   another entry. Finding events go to the hub bus, the digest to the hub topic; then the member's heartbeat is
 *   recorded. The heartbeat is recorded even when the lifecycle failed (the member did report), and that failure
 *   is then rethrown so Lambda retries the event (the ledger's conditional writes make the retry send nothing
 *   twice).
 */

export interface FleetIntakeInput {
  readonly event: ReportEnvelope;
  readonly hubAccountId: string;
  readonly homeRegion: string;
  readonly runbookBaseUrl: string;
}

export interface FleetIntakeDependencies {
  readonly codec: ReportCodec;
  /**
   * The lifecycle stage of a member's family, its ledger scoped to that member account; `digest` replaces its
   * digest sink (the batch's collector).
   */
  readonly stageFor: (
    accountId: string,
    family: ReportedFamily,
    digest?: DigestSink,
  ) => Pick<LifecycleStage, 'run'>;
  readonly heartbeats: Pick<HeartbeatStore, 'record' | 'latestReport'>;
  /** The hub bus: where a rejected report's ERROR finding goes (EventBridge only, stateless). */
  readonly rejections: FindingPublisher;
  readonly now?: () => Date;
}

/** The report part as the intake saw it, for the log. */
export interface ReportSummary {
  readonly accountId: string;
  readonly family: ReportedFamily;
  readonly runId: string;
  readonly part: number;
  readonly parts: number;
  readonly regions: readonly string[];
  readonly coveredRegions: readonly string[];
  readonly findings: number;
  readonly failing: number;
  readonly errored: number;
  readonly finishedAt: string;
}

export type FleetIntakeResult =
  | {
      readonly outcome: 'accepted';
      readonly report: ReportSummary;
      readonly findings: readonly Finding[];
      readonly lifecycle: LifecycleReport;
      readonly heartbeat: RecordResult;
      readonly metrics: readonly MetricRecord[];
    }
  | {
      readonly outcome: 'stale';
      readonly report: ReportSummary;
      /** The newer report already recorded for the member. */
      readonly latest: LatestReport;
      readonly metrics: readonly MetricRecord[];
    }
  | {
      readonly outcome: 'rejected';
      readonly problem: string;
      /** The member account when the event names one. */
      readonly accountId?: string;
      readonly finding: Finding;
      readonly publishReport: PublishReport;
      readonly metrics: readonly MetricRecord[];
    };

const rejectedMetric = (value: number): MetricRecord => ({
  name: METRIC_NAMES.runReportRejected,
  unit: 'Count',
  value,
});

export async function runFleetIntake(
  input: FleetIntakeInput,
  dependencies: FleetIntakeDependencies,
): Promise<FleetIntakeResult> {
  const accepted = acceptReport(input.event, dependencies.codec, now(dependencies));
  if (!accepted.ok) return reject(input, dependencies, accepted.problem, now(dependencies));
  return processReport(accepted.report, input.runbookBaseUrl, dependencies);
}

/** An accepted report: stale or not, then the member's lifecycle and heartbeat. */
async function processReport(
  sent: RunReport,
  runbookBaseUrl: string,
  dependencies: FleetIntakeDependencies,
): Promise<FleetIntakeResult> {
  // Remediation comes from the hub's catalogue, never from the member (withHubRemediation says why).
  const report = withHubRemediation(sent, runbookBaseUrl);
  const summary = summarize(report);

  const latest = await dependencies.heartbeats.latestReport(report.accountId, report.family);
  if (
    latest !== undefined &&
    latest.runId !== report.runId &&
    isOlder(report.finishedAt, latest.lastReportAt) &&
    // A stored report dated beyond the hub's clock (recorded before reports were bounded by it) proves nothing
    // newer: taking it as newer would leave every genuine report out until that date.
    !isFuture(latest.lastReportAt, now(dependencies))
  ) {
    return { outcome: 'stale', report: summary, latest, metrics: [rejectedMetric(0)] };
  }

  const stage = dependencies.stageFor(report.accountId, report.family);
  let lifecycle: LifecycleReport;
  try {
    lifecycle = await stage.run({
      family: report.family,
      run: {
        runId: report.runId,
        accountId: report.accountId,
        regions: report.regions,
        startedAt: report.startedAt,
      },
      findings: report.findings,
      coveredRegions: report.coveredRegions,
      ...(report.unreadChecks ? { unreadChecks: report.unreadChecks } : {}),
      failedOperations: report.failedOperations,
      apiCalls: report.apiCalls,
    });
  } catch (error) {
    // The member did report: keep its heartbeat current, then fail so Lambda retries the ledger part.
    await dependencies.heartbeats.record(report).catch(() => undefined);
    throw error;
  }
  const heartbeat = await dependencies.heartbeats.record(report);
  return {
    outcome: 'accepted',
    report: summary,
    findings: report.findings,
    lifecycle,
    heartbeat,
    metrics: [
      ...fleetReportMetricRecords({
        accountId: report.accountId,
        family: report.family,
        part: report.part,
        findings: report.findings,
      }),
      rejectedMetric(0),
    ],
  };
}

/** One SQS message of the intake's queue: its body is the EventBridge event of one run report. */
export interface FleetBatchRecord {
  readonly messageId: string;
  readonly body: string;
}

export interface FleetBatchInput extends Omit<FleetIntakeInput, 'event'> {
  readonly records: readonly FleetBatchRecord[];
  /** Decoded report JSON (characters) processed at once; BATCH_DECODED_CHARS_IN_FLIGHT unless lowered in tests. */
  readonly maxDecodedCharsInFlight?: number;
}

/**
 * How much decoded report JSON a batch works on at once: two reports of the largest size the hub decodes (about
 * 5 MB of heap each once parsed, more while their lifecycles run), so ten of them never share a 256 MB function.
 */
export const BATCH_DECODED_CHARS_IN_FLIGHT = 2 * RUN_REPORT_MAX_DECODED_BYTES;

export interface FleetBatchDependencies extends FleetIntakeDependencies {
  /** The hub topic's digest publisher; absent without a topic (then no digest at all). */
  readonly digest?: DigestSink;
}

export type FleetRecordResult =
  | { readonly messageId: string; readonly ok: true; readonly result: FleetIntakeResult }
  | { readonly messageId: string; readonly ok: false; readonly error: unknown };

export interface FleetBatchResult {
  readonly records: readonly FleetRecordResult[];
  /** The messages SQS must deliver again (SQSBatchResponse): those whose processing failed. */
  readonly batchItemFailures: readonly { readonly itemIdentifier: string }[];
  /** The batch's digests, one per wave that changed anything: usually one, none when nothing changed. */
  readonly digests: readonly BatchDigestOutcome[];
}

/**
 * A batch of run reports from the intake's queue (one digest naming every account that changed).
 *
 * Memory first. Reports are decoded one at a time, in order (parseRunReportDetail's limits bound each), and join
 * the current wave until the wave holds `maxDecodedCharsInFlight` of decoded JSON; the next report then waits
 * until that wave finished and was let go. A batch of ordinary reports is one wave; ten of the largest are a few.
 *
 * Within a wave every report runs through the lifecycle at the same time, each stage with the wave's digest
 * collector as its digest sink (DigestBatch): the stages publish their finding events to the hub bus as before,
 * hand their digest to the collector and wait; once every report has handed one in or finished without one, ONE
 * digest of all the wave's transitions, naming every account, is published, and only then do the stages commit
 * their ledgers. If that digest fails, every report in it fails, commits nothing, and is listed in
 * `batchItemFailures`: SQS delivers it again and the retry plans and sends the same transitions (finding events
 * included, with the same idempotency keys) in a new digest. A report that fails on its own (ledger, EventBridge)
 * is listed alone.
 *
 * One bad message never fails its batch: a message that is not JSON, not a run report, malformed, over a limit
 * or of another account is rejected alone (one ERROR finding for its sender, never retried: it would fail the same
 * way every time); it is listed only if that ERROR could not be published.
 */
export async function runFleetIntakeBatch(
  input: FleetBatchInput,
  dependencies: FleetBatchDependencies,
): Promise<FleetBatchResult> {
  const { records, maxDecodedCharsInFlight = BATCH_DECODED_CHARS_IN_FLIGHT, ...common } = input;
  const results: FleetRecordResult[] = [];
  const digests: BatchDigestOutcome[] = [];
  let wave: Prepared[] = [];
  let waveChars = 0;
  const flush = async (): Promise<void> => {
    if (wave.length === 0) return;
    const done = await runWave(wave, common, dependencies);
    results.push(...done.results);
    if (done.digest) digests.push(done.digest);
    wave = [];
    waveChars = 0;
  };
  for (const record of records) {
    const prepared = prepare(record, dependencies);
    if (wave.length > 0 && waveChars + prepared.decodedChars > maxDecodedCharsInFlight) await flush();
    wave.push(prepared);
    waveChars += prepared.decodedChars;
  }
  await flush();
  return {
    records: results,
    batchItemFailures: results.filter((r) => !r.ok).map((r) => ({ itemIdentifier: r.messageId })),
    digests,
  };
}

/** One message, decoded (or refused) before its wave runs. */
type Prepared = { readonly messageId: string; readonly decodedChars: number } & (
  | { readonly kind: 'report'; readonly report: RunReport }
  | { readonly kind: 'rejected'; readonly event: ReportEnvelope; readonly problem: string }
  | { readonly kind: 'failed'; readonly error: unknown }
);

function prepare(record: FleetBatchRecord, dependencies: FleetIntakeDependencies): Prepared {
  const { messageId } = record;
  try {
    const parsed = parseBody(record.body);
    if (!parsed.ok) {
      return {
        messageId,
        decodedChars: 0,
        kind: 'rejected',
        event: { id: messageId },
        problem: parsed.problem,
      };
    }
    const accepted = acceptReport(parsed.event, dependencies.codec, now(dependencies));
    if (!accepted.ok) {
      return { messageId, decodedChars: 0, kind: 'rejected', event: parsed.event, problem: accepted.problem };
    }
    return { messageId, decodedChars: accepted.decodedChars, kind: 'report', report: accepted.report };
  } catch (error) {
    // Not expected (parsing never throws): retried, like any failure of its own.
    return { messageId, decodedChars: 0, kind: 'failed', error };
  }
}

/** One wave: every report at once, their digests combined into one. */
async function runWave(
  wave: readonly Prepared[],
  common: Omit<FleetIntakeInput, 'event'>,
  dependencies: FleetBatchDependencies,
): Promise<{ readonly results: FleetRecordResult[]; readonly digest?: BatchDigestOutcome }> {
  const batch = dependencies.digest
    ? new DigestBatch(dependencies.digest, { accountId: common.hubAccountId })
    : undefined;
  // Everyone joins before anyone runs: the collector waits for all of them.
  const participants = wave.map(() => batch?.join());
  const results = await Promise.all(
    wave.map(async (item, index): Promise<FleetRecordResult> => {
      const participant = participants[index];
      try {
        switch (item.kind) {
          case 'failed':
            return { messageId: item.messageId, ok: false, error: item.error };
          case 'rejected': {
            participant?.leave();
            const result = await reject(
              { ...common, event: item.event },
              dependencies,
              item.problem,
              now(dependencies),
            );
            return { messageId: item.messageId, ok: true, result };
          }
          case 'report': {
            const result = await processReport(item.report, common.runbookBaseUrl, {
              ...dependencies,
              stageFor: (accountId, family) => dependencies.stageFor(accountId, family, participant?.sink),
            });
            return { messageId: item.messageId, ok: true, result };
          }
        }
      } catch (error) {
        return { messageId: item.messageId, ok: false, error };
      } finally {
        participant?.leave();
      }
    }),
  );
  const digest = await batch?.outcome();
  return { results, ...(digest ? { digest } : {}) };
}

function now(dependencies: FleetIntakeDependencies): Date {
  return (dependencies.now ?? (() => new Date()))();
}

function parseBody(
  body: string,
): { readonly ok: true; readonly event: ReportEnvelope } | { readonly ok: false; readonly problem: string } {
  let event: unknown;
  try {
    event = JSON.parse(body);
  } catch {
    return {
      ok: false,
      problem: 'the queue message is not JSON (expected the EventBridge event of a run report)',
    };
  }
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    return {
      ok: false,
      problem: 'the queue message is not a JSON object (expected the EventBridge event of a run report)',
    };
  }
  return { ok: true, event };
}

type Accepted = ParsedRunReport;

/**
 * The envelope must be a run report from the account it names; then the detail must parse (A1's contract), and
 * its dates must not be ahead of the hub's clock (`now`).
 */
export function acceptReport(event: ReportEnvelope, codec: ReportCodec, now: Date): Accepted {
  if (event.source !== RUN_REPORT_SOURCE || event['detail-type'] !== RUN_REPORT_DETAIL_TYPE) {
    return {
      ok: false,
      problem: `not a run report: source ${JSON.stringify(event.source)}, detail-type ${JSON.stringify(event['detail-type'])}`,
    };
  }
  const parsed = parseRunReportDetail(event.detail, codec);
  if (!parsed.ok) return parsed;
  if (event.account !== parsed.report.accountId) {
    // EventBridge sets `account` to the sender: a report about another account must not touch that one's ledger.
    return {
      ok: false,
      problem:
        typeof event.account === 'string'
          ? `the report names account ${parsed.report.accountId} but was sent from account ${event.account}`
          : `the event has no sending account; the report names ${parsed.report.accountId}`,
    };
  }
  const clock = reportClockProblem(parsed.report, now);
  if (clock !== undefined) return { ok: false, problem: clock };
  return parsed;
}

async function reject(
  input: FleetIntakeInput,
  dependencies: FleetIntakeDependencies,
  problem: string,
  now: Date,
): Promise<FleetIntakeResult> {
  const finding = rejectedReportFinding(input.event, problem, {
    hubAccountId: input.hubAccountId,
    homeRegion: input.homeRegion,
    observedAt: now.toISOString(),
    runbookBaseUrl: input.runbookBaseUrl,
  });
  const run: RunInfo = {
    runId: typeof input.event.id === 'string' && input.event.id !== '' ? input.event.id : randomUUID(),
    accountId: finding.accountId,
    regions: [finding.region],
    startedAt: now.toISOString(),
  };
  // A publish failure throws (PublishError): the report is a batch item failure, retried from the queue (the
  // fleet-intake-retried alarm sees it waiting), bounded by the queue's receive count.
  const publishReport = await dependencies.rejections.publish([finding], run);
  const accountId = reportAccountOf(input.event);
  return {
    outcome: 'rejected',
    problem,
    ...(accountId === undefined ? {} : { accountId }),
    finding,
    publishReport,
    metrics: [rejectedMetric(1)],
  };
}

function isFuture(at: string, now: Date): boolean {
  return Date.parse(at) > now.getTime() + CLOCK_SKEW_TOLERANCE_MS;
}

function isOlder(finishedAt: string, than: string): boolean {
  return Date.parse(finishedAt) < Date.parse(than);
}

function summarize(report: RunReport): ReportSummary {
  return {
    accountId: report.accountId,
    family: report.family,
    runId: report.runId,
    part: report.part,
    parts: report.parts,
    regions: report.regions,
    coveredRegions: report.coveredRegions,
    findings: report.findings.length,
    failing: report.findings.filter((finding) => finding.status === 'FAIL').length,
    errored: report.findings.filter((finding) => finding.status === 'ERROR').length,
    finishedAt: report.finishedAt,
  };
}
