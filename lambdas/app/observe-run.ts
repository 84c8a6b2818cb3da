import type { Context } from 'aws-lambda';
import type { Logger } from '@aws-lambda-powertools/logger';
import { emitMetricRecords, type Telemetry } from '../adapters/telemetry';
import type { Finding } from '../core/finding';
import { runMetricRecords } from '../core/observability';
import { PublishError } from '../core/publishing';
import type { LifecycleReport } from './lifecycle-stage';

/**
 * What every Lambda run goes through: a deadline before the timeout, and `observeRun`, which times the run, logs
 * its problems with `runId`, `checkId` and `credentialName` as keys and its summary, and (with `detailedMetrics`)
 * emits its metrics whether it succeeded or failed. The handlers only wire (lambdas/handlers); this is shared by all of them.
 */

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

/**
 * What a run hands `observeRun` when its delivery failed (the sink threw): what it found, so the run's problems and
 * summary are logged before the invocation fails. The run then rethrows the delivery's error as it was.
 */
export type DeliveryFailedRecorder<R> = (found: R) => void;

/** The structured field every run summary line carries, for Logs Insights (the dashboard's run widgets). */
export const RUN_OUTCOME_FIELD = 'runOutcome';

/**
 * Runs `run`, then logs its problems, lifecycle and summary and, with the custom metrics on, emits its metrics.
 * A failed run is logged and rethrown, so the invocation fails and the AWS/Lambda Errors alarm sees it; a run
 * whose delivery failed (it called the recorder) has its findings and summary logged first, with
 * `runOutcome: 'undelivered'`.
 */
export async function observeRun<R>(
  telemetry: Telemetry,
  context: Context,
  label: string,
  run: (deliveryFailed: DeliveryFailedRecorder<R>) => Promise<R>,
  describe: (result: R) => RunOutcome,
): Promise<R> {
  const { logger, metrics } = telemetry;
  logger.addContext(context);
  const started = Date.now();
  let undelivered: { readonly found: R } | undefined;
  try {
    const result = await run((found) => {
      undelivered = { found };
    });
    const outcome = describe(result);
    logOutcome(logger, outcome);
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
    logger.info(`${label} complete`, {
      [RUN_OUTCOME_FIELD]: 'delivered',
      summary: outcome.summary,
      lifecycle: outcome.lifecycle?.runSummary,
    });
    return result;
  } catch (error) {
    const publishFailed = error instanceof PublishError;
    if (undelivered !== undefined) {
      const outcome = describe(undelivered.found);
      logOutcome(logger, outcome);
      logger.error(`${label} could not deliver its findings`, {
        [RUN_OUTCOME_FIELD]: 'undelivered',
        summary: outcome.summary,
        ...(hasReport(error) ? { lifecycle: error.report.runSummary } : {}),
      });
    }
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
    metrics?.publishStoredMetrics();
    logger.resetKeys();
  }
}

/** The run's id as a key, one line per problem, and what its lifecycle did. */
function logOutcome(logger: Logger, outcome: RunOutcome): void {
  logger.appendKeys({ runId: outcome.runId });
  for (const finding of (outcome.loggedFindings ?? outcome.findings).filter((f) => f.status !== 'PASS')) {
    logger.warn(finding.title, {
      checkId: finding.checkId,
      credentialName: finding.tmc?.credentialName,
      finding,
    });
  }
  logLifecycle(logger, outcome.lifecycle);
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

/** When this invocation has certainly ended: its Lambda timeout, plus a minute for clock differences. */
export function certainlyEnded(context: Pick<Context, 'getRemainingTimeInMillis'>, now = Date.now()): Date {
  return new Date(now + context.getRemainingTimeInMillis() + 60_000);
}

/** The function's own account, from its ARN (`arn:aws:lambda:<region>:<account>:function:<name>`). */
export function accountOfFunction(invokedFunctionArn: string): string {
  return invokedFunctionArn.split(':')[4] ?? '';
}

/** A checker run's result, as both checkers return it (credential check, IRSA scan). */
export interface CheckerRun<S> {
  readonly run: { readonly runId: string };
  readonly findings: readonly Finding[];
  readonly lifecycle?: LifecycleReport;
  readonly publishReport?: { readonly apiCalls: number };
  readonly uncheckedAtDeadline: number;
  readonly summary: S;
}

/**
 * What a checker logs and counts of a run: its gathering calls (`gatherCalls`) plus its publishing's, and its
 * summary with the publish report.
 */
export function checkerRunOutcome<S extends object>(result: CheckerRun<S>, gatherCalls: number): RunOutcome {
  return {
    runId: result.run.runId,
    findings: result.findings,
    ...(result.lifecycle ? { lifecycle: result.lifecycle } : {}),
    apiCalls: gatherCalls + (result.publishReport?.apiCalls ?? 0),
    uncheckedAtDeadline: result.uncheckedAtDeadline,
    summary: { ...result.summary, publish: result.publishReport },
  };
}
