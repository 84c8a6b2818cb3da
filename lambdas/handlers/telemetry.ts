import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { PublishError } from '../core/publishing';
import type { LifecycleReport } from '../app/lifecycle-stage';
import type { Finding } from '../core/finding';
import { METRICS_NAMESPACE, runMetricRecords, type MetricRecord } from '../core/observability';

/**
 * The Powertools wiring every handler shares: a JSON logger and EMF metrics per function, and one `observeRun`
 * that times a run, logs its problems with `runId`, `checkId` and `credentialName` as keys, and emits the run's
 * metrics whether it succeeded or failed.
 */
export interface Telemetry {
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/**
 * Time kept back from the Lambda timeout after gathering stops starting calls: a call already in flight may still
 * take up to about 65 s (5 attempts, each bounded by the 3 s connection and 10 s request timeouts, plus backoff),
 * then the ledger and the publish calls need their own few seconds.
 */
export const PUBLISH_RESERVE_MS = 90_000;

/** When gathering must stop starting new AWS calls so the run still publishes before the Lambda timeout. */
export function runDeadline(context: Pick<Context, 'getRemainingTimeInMillis'>, now = Date.now()): Date {
  const remaining = context.getRemainingTimeInMillis();
  // A short test timeout must not produce a deadline in the past: then at least half the time is for gathering.
  return new Date(now + Math.max(remaining - PUBLISH_RESERVE_MS, remaining / 2));
}

export function createTelemetry(serviceName: string): Telemetry {
  return {
    logger: new Logger({ serviceName }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName }),
  };
}

/** What the handler knows once a run returned. */
export interface RunOutcome {
  readonly runId: string;
  readonly findings: readonly Finding[];
  readonly lifecycle?: LifecycleReport;
  readonly apiCalls: number;
  readonly uncheckedAtDeadline?: number;
  /** The summary logged at the end (the handler's own shape). */
  readonly summary: unknown;
  /**
   * Findings whose problems are logged one line each; default `findings`. The hub intake logs only what changed
   * (the member's own function already logged every problem), while its metrics still count every finding.
   */
  readonly loggedFindings?: readonly Finding[];
}

/** Failures that carry what the run managed before failing (LedgerUnavailableError, LedgerCommitError). */
interface WithReport {
  readonly report: LifecycleReport;
}

function hasReport(error: unknown): error is Error & WithReport {
  return error instanceof Error && typeof (error as Partial<WithReport>).report === 'object';
}

export async function observeRun<R>(
  telemetry: Telemetry,
  context: Context,
  label: string,
  run: () => Promise<R>,
  describe: (result: R) => RunOutcome,
): Promise<R> {
  const { logger, metrics } = telemetry;
  logger.addContext(context);
  const started = Date.now();
  try {
    const result = await run();
    const outcome = describe(result);
    logger.appendKeys({ runId: outcome.runId });
    for (const finding of (outcome.loggedFindings ?? outcome.findings).filter((f) => f.status !== 'PASS')) {
      logger.warn(finding.title, {
        checkId: finding.checkId,
        credentialName: finding.tmc?.credentialName,
        finding,
      });
    }
    logLifecycle(logger, outcome.lifecycle);
    emitMetricRecords(
      metrics,
      runMetricRecords({
        findings: outcome.findings,
        ...(outcome.lifecycle ? { transitions: outcome.lifecycle.transitions } : {}),
        apiCalls: outcome.lifecycle?.runSummary.apiCalls ?? outcome.apiCalls,
        durationMs: Date.now() - started,
        ...(outcome.uncheckedAtDeadline === undefined
          ? {}
          : { uncheckedAtDeadline: outcome.uncheckedAtDeadline }),
        completed: true,
        publishFailed: false,
      }),
    );
    logger.info(`${label} complete`, { summary: outcome.summary, lifecycle: outcome.lifecycle?.runSummary });
    return result;
  } catch (error) {
    const publishFailed = error instanceof PublishError;
    if (hasReport(error)) {
      logger.appendKeys({ runId: error.report.runSummary.runId });
      logLifecycle(logger, error.report);
    }
    emitMetricRecords(
      metrics,
      runMetricRecords({
        findings: [],
        apiCalls: hasReport(error) ? error.report.runSummary.apiCalls : 0,
        durationMs: Date.now() - started,
        completed: false,
        publishFailed,
      }).filter((record) => record.dimensions === undefined),
    );
    logger.error(`${label} failed`, error as Error);
    throw error;
  } finally {
    metrics.publishStoredMetrics();
    logger.resetKeys();
  }
}

/**
 * Run-level records on the shared metric set; dimensioned ones as single metrics with their own dimensions (and
 * without `service` when the record says `dimensionsOnly`).
 */
export function emitMetricRecords(metrics: Metrics, records: readonly MetricRecord[]): void {
  for (const record of records) {
    const unit = record.unit === 'Milliseconds' ? MetricUnit.Milliseconds : MetricUnit.Count;
    if (record.dimensions === undefined) {
      metrics.addMetric(record.name, unit, record.value);
    } else {
      const single = metrics.singleMetric();
      if (record.dimensionsOnly) single.clearDefaultDimensions();
      single.addDimensions({ ...record.dimensions });
      single.addMetric(record.name, unit, record.value);
    }
  }
}

/** What a lifecycle run did: conflicts and remediations are worth their own lines. */
function logLifecycle(logger: Logger, report: LifecycleReport | undefined): void {
  if (!report) return;
  for (const findingId of report.conflicts) {
    // Another run advanced this finding first: its view stands and nothing is lost.
    logger.warn('ledger write lost to a concurrent run', { findingId });
  }
  for (const remediation of report.remediations) {
    logger.info('built-in remediation', {
      checkId: remediation.checkId,
      credentialName: remediation.credentialName,
      remediation,
    });
  }
  logger.info('lifecycle', {
    mode: report.mode,
    transitions: report.transitions.length,
    suppressed: report.suppressed,
    incident: report.incident,
    digestSent: report.digestSent,
    committed: report.committed,
    quietWrites: report.quietWrites,
  });
}
