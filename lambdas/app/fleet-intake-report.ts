import { emitMetricRecords, type Telemetry } from '../adapters/telemetry';
import type { Finding } from '../core/finding';
import { METRIC_NAMES, runMetricRecords, type MetricRecord } from '../core/observability';
import { PublishError } from '../core/publishing';
import type { FleetBatchResult, FleetIntakeResult } from './fleet-intake';
import type { RunOutcome } from './observe-run';

/** What the hub intake logs and counts of one batch (lambdas/handlers/fleet-intake.ts wires it). */

/** A report SQS delivers again, as logged. */
export interface FailedReport {
  readonly messageId: string;
  readonly error: unknown;
}

export interface FleetBatchMetrics {
  /** Each accepted report's own metrics (per member and family). */
  readonly reports: readonly MetricRecord[];
  /** The reports that failed, to log one line each. */
  readonly failed: readonly FailedReport[];
  /** The batch's transitions, and its publish failures when there were any. */
  readonly batch: readonly MetricRecord[];
}

function accepted(batch: FleetBatchResult): FleetIntakeResult[] {
  return batch.records.flatMap((record) => (record.ok ? [record.result] : []));
}

/** Per-report metrics and failures; the batch's transitions and publish failures as the run's metrics. */
export function fleetBatchMetrics(batch: FleetBatchResult): FleetBatchMetrics {
  const outcomes = accepted(batch);
  const failed = batch.records.flatMap((record) =>
    record.ok ? [] : [{ messageId: record.messageId, error: record.error }],
  );
  const transitions = outcomes.flatMap((outcome) =>
    outcome.outcome === 'accepted' ? outcome.lifecycle.transitions : [],
  );
  const publishFailures = failed.filter((record) => record.error instanceof PublishError).length;
  return {
    reports: outcomes.flatMap((outcome) => outcome.metrics),
    failed,
    batch: [
      ...runMetricRecords({
        findings: [],
        transitions,
        apiCalls: 0,
        durationMs: 0,
        completed: false,
        publishFailed: false,
      }).filter((record) => record.name === METRIC_NAMES.transitions),
      ...(publishFailures > 0
        ? [{ name: METRIC_NAMES.publishFailures, unit: 'Count' as const, value: publishFailures }]
        : []),
    ],
  };
}

/** The message of the one log line per report the intake took (the fleet dashboard's Logs Insights queries). */
export const FLEET_REPORT_LOG_MESSAGE = 'fleet intake: run report';

/** What the fleet dashboard reads of one report, logged under the key `fleetReport`. */
export interface FleetReportLogEntry {
  readonly outcome: 'accepted' | 'stale' | 'rejected';
  /** The member account (absent for a rejected event naming none). */
  readonly accountId?: string;
  readonly family?: string;
  readonly runId?: string;
  readonly part?: number;
  readonly parts?: number;
  /** FAIL and ERROR findings in this part. */
  readonly failing?: number;
  readonly errored?: number;
  /** 1 for the run's first part: a sum over parts counts runs. */
  readonly runsReported?: number;
  readonly finishedAt?: string;
}

/**
 * One structured line per report of the batch: with the custom metrics off (the default), the fleet dashboard
 * reads the member accounts' runs from these with CloudWatch Logs Insights instead of per-member metrics.
 */
export function fleetReportLogEntries(batch: FleetBatchResult): FleetReportLogEntry[] {
  return accepted(batch).map((outcome): FleetReportLogEntry => {
    if (outcome.outcome === 'rejected') {
      return {
        outcome: 'rejected',
        ...(outcome.accountId === undefined ? {} : { accountId: outcome.accountId }),
      };
    }
    const { report } = outcome;
    return {
      outcome: outcome.outcome,
      accountId: report.accountId,
      family: report.family,
      runId: report.runId,
      part: report.part,
      parts: report.parts,
      failing: report.failing,
      errored: report.errored,
      runsReported: report.part === 1 ? 1 : 0,
      finishedAt: report.finishedAt,
    };
  });
}

/** Logs one line per report and each failed report; emits the batch's metrics when they are on. */
export function reportFleetBatch(telemetry: Telemetry, batch: FleetBatchResult): void {
  for (const entry of fleetReportLogEntries(batch)) {
    telemetry.logger.info(FLEET_REPORT_LOG_MESSAGE, { fleetReport: entry });
  }
  const metrics = fleetBatchMetrics(batch);
  emitMetricRecords(telemetry.metrics, metrics.reports);
  for (const record of metrics.failed) {
    telemetry.logger.error('fleet intake: report failed, it will be delivered again', {
      messageId: record.messageId,
      error: record.error instanceof Error ? record.error : String(record.error),
    });
  }
  emitMetricRecords(telemetry.metrics, metrics.batch);
}

/** The batch as one run: every finding counted, only changes and rejections logged, every call counted. */
export function fleetBatchOutcome(batch: FleetBatchResult, apiCalls: number): RunOutcome {
  const outcomes = accepted(batch);
  return {
    runId: batch.digests[0]?.runId ?? batch.records[0]?.messageId ?? '',
    findings: outcomes.flatMap((outcome) =>
      outcome.outcome === 'accepted'
        ? outcome.findings
        : outcome.outcome === 'rejected'
          ? [outcome.finding]
          : [],
    ),
    // The member's function logged every problem already: the hub logs what changed, and what it rejected.
    loggedFindings: outcomes.flatMap((outcome): readonly Finding[] =>
      outcome.outcome === 'accepted'
        ? outcome.lifecycle.transitions
        : outcome.outcome === 'rejected'
          ? [outcome.finding]
          : [],
    ),
    apiCalls:
      apiCalls +
      outcomes.reduce(
        (sum, outcome) =>
          sum +
          (outcome.outcome === 'accepted'
            ? outcome.lifecycle.publishReports.reduce((calls, r) => calls + r.apiCalls, 0)
            : outcome.outcome === 'rejected'
              ? outcome.publishReport.apiCalls
              : 0),
        0,
      ),
    summary: fleetBatchSummary(batch),
  };
}

export function fleetBatchSummary(batch: FleetBatchResult): Record<string, unknown> {
  return {
    messages: batch.records.length,
    reports: batch.records.map((record) =>
      record.ok
        ? { messageId: record.messageId, ...reportSummary(record.result) }
        : {
            messageId: record.messageId,
            outcome: 'failed',
            error:
              record.error instanceof Error
                ? `${record.error.name}: ${record.error.message}`
                : String(record.error),
          },
    ),
    digests: batch.digests.map((digest) => ({
      runId: digest.runId,
      accounts: digest.accounts,
      runs: digest.runs,
      transitions: digest.transitions,
      sent: digest.report !== undefined && digest.report.delivered > 0,
    })),
    batchItemFailures: batch.batchItemFailures.map((failure) => failure.itemIdentifier),
  };
}

function reportSummary(outcome: FleetIntakeResult): Record<string, unknown> {
  switch (outcome.outcome) {
    case 'accepted':
      return { outcome: outcome.outcome, report: outcome.report, heartbeat: outcome.heartbeat };
    case 'stale':
      return { outcome: outcome.outcome, report: outcome.report, newerReport: outcome.latest };
    case 'rejected':
      return { outcome: outcome.outcome, problem: outcome.problem, accountId: outcome.accountId ?? null };
  }
}
