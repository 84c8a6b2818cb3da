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
import type { LifecycleReport, LifecycleStage } from './lifecycle-stage';

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
  /** The lifecycle stage of a member's family, its ledger scoped to that member account. */
  readonly stageFor: (accountId: string, family: ReportedFamily) => Pick<LifecycleStage, 'run'>;
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
