import { randomUUID } from 'node:crypto';
import type { Finding } from '../core/finding';
import { rejectedReportFinding, reportAccountOf, type ReportEnvelope } from '../core/fleet/rejected-report';
import { parseRunReportDetail } from '../core/fleet/run-report';
import {
  RUN_REPORT_DETAIL_TYPE,
  RUN_REPORT_SOURCE,
  type ReportCodec,
  type ReportedFamily,
  type RunReport,
} from '../core/fleet/run-report-types';
import { fleetReportMetricRecords, METRIC_NAMES, type MetricRecord } from '../core/observability';
import type { HeartbeatStore, LatestReport, RecordResult } from '../adapters/fleet/heartbeat-store';
import type { FindingPublisher, PublishReport, RunInfo } from '../adapters/publisher';
import { DigestBatch, type BatchDigestOutcome } from './digest-batch';
import type { DigestSink, LifecycleReport, LifecycleStage } from './lifecycle-stage';

/**
 * The hub's fleet intake (issue 13, docs/organizations.md): one EventBridge event, one member run report (or one
 * region part of it).
 *
 * - Malformed, of another schema version, or naming another account than the one EventBridge says sent it: the
 *   event is rejected, never retried (it would fail the same way every time). One `checker.error` ERROR finding
 *   naming the member account goes to the hub bus, RunReportRejected counts it, and the function returns normally.
 * - Older than the member's last recorded report (EventBridge does not keep order; a Lambda retry may come hours
 *   late): 'stale', left out of the ledger, where it would reopen what a newer run resolved.
 * - Otherwise the existing lifecycle runs on it exactly as in the member, with the ledger scoped to the member
 *   account (finding events to the hub bus, the digest to the hub topic), then the member's heartbeat is recorded;
 *   the heartbeat is recorded even when the lifecycle failed (the member did report), and that failure is then
 *   rethrown so Lambda retries the event (the ledger's conditional writes make the retry send nothing twice).
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
  const now = dependencies.now ?? (() => new Date());
  const accepted = acceptReport(input.event, dependencies.codec);
  if (!accepted.ok) return reject(input, dependencies, accepted.problem, now());
  const report = accepted.report;
  const summary = summarize(report);

  const latest = await dependencies.heartbeats.latestReport(report.accountId, report.family);
  if (
    latest !== undefined &&
    latest.runId !== report.runId &&
    isOlder(report.finishedAt, latest.lastReportAt)
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
}

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
  /** The batch's one digest; undefined when no report of the batch changed anything. */
  readonly digest?: BatchDigestOutcome;
}

/**
 * A batch of run reports from the intake's queue (issue 13: one digest naming every account that changed).
 *
 * Every report runs through runFleetIntake at the same time, each stage with the batch's digest collector as its
 * digest sink (DigestBatch): the stages publish their finding events to the hub bus as before, hand their digest
 * to the collector and wait; once every report has handed one in or finished without one, ONE digest of all the
 * batch's transitions, naming every account, is published, and only then do the stages commit their ledgers.
 * If that digest fails, every report in it fails, commits nothing, and is listed in `batchItemFailures`: SQS
 * delivers it again and the retry plans and sends the same transitions (finding events included, with the same
 * idempotency keys) in a new digest. A report that fails on its own (ledger, EventBridge) is listed alone.
 *
 * A message that is not JSON, or not a run report, is rejected like a malformed report (one ERROR finding, never
 * retried: it would fail the same way every time); it is listed only if that ERROR could not be published.
 */
export async function runFleetIntakeBatch(
  input: FleetBatchInput,
  dependencies: FleetBatchDependencies,
): Promise<FleetBatchResult> {
  const { records, ...common } = input;
  const batch = dependencies.digest
    ? new DigestBatch(dependencies.digest, { accountId: input.hubAccountId })
    : undefined;
  // Everyone joins before anyone runs: the collector waits for all of them.
  const participants = records.map(() => batch?.join());
  const results = await Promise.all(
    records.map(async (record, index): Promise<FleetRecordResult> => {
      const participant = participants[index];
      try {
        const parsed = parseBody(record.body);
        const result = parsed.ok
          ? await runFleetIntake(
              { ...common, event: parsed.event },
              {
                ...dependencies,
                stageFor: (accountId, family) => dependencies.stageFor(accountId, family, participant?.sink),
              },
            )
          : await reject(
              { ...common, event: { id: record.messageId } },
              dependencies,
              parsed.problem,
              now(dependencies),
            );
        return { messageId: record.messageId, ok: true, result };
      } catch (error) {
        return { messageId: record.messageId, ok: false, error };
      } finally {
        participant?.leave();
      }
    }),
  );
  const digest = await batch?.outcome();
  return {
    records: results,
    batchItemFailures: results.filter((r) => !r.ok).map((r) => ({ itemIdentifier: r.messageId })),
    ...(digest ? { digest } : {}),
  };
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

type Accepted =
  { readonly ok: true; readonly report: RunReport } | { readonly ok: false; readonly problem: string };

/** The envelope must be a run report from the account it names; then the detail must parse (A1's contract). */
export function acceptReport(event: ReportEnvelope, codec: ReportCodec): Accepted {
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
  // A publish failure throws (PublishError): Lambda retries, bounded, and the publish-failure alarm sees it.
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
