import type { Context } from 'aws-lambda';
import type { Telemetry } from '../adapters/telemetry';
import type { IrsaCheckResult } from './irsa-check';
import { summarizeIrsaRealtime, type IrsaRealtimeResult, type IrsaRealtimeSummary } from './irsa-realtime';
import { checkerRunOutcome, type RunOutcome } from './observe-run';

/** What the IRSA function logs of its two kinds of invocation (lambdas/handlers/irsa-check.ts wires them). */

/** A scheduled scan: the checker's outcome, and a warning per watermark an overlapping run saved first. */
export function irsaRunOutcome(
  telemetry: Telemetry,
  result: IrsaCheckResult,
  gatherCalls: number,
): RunOutcome {
  for (const commit of result.watermarkCommits.filter((c) => c.status === 'conflict')) {
    // An overlapping run advanced first; its watermark stands and nothing is lost.
    telemetry.logger.warn('IRSA watermark not saved', { commit });
  }
  return checkerRunOutcome(result, gatherCalls);
}

/**
 * One denial from the real-time rule. Not a run: it emits no RunCompleted and no run metrics; it logs what it did
 * with the event. Its invocation still counts among the function's AWS/Lambda Invocations, which the dead-man's
 * switch reads (docs/operations.md#no-successful-run says what that means with irsaRealtime on). A failed publish throws, so the
 * event lands in the function's failure queue like a failed scheduled run.
 */
export async function observeRealtime(
  telemetry: Telemetry,
  context: Context,
  handle: () => Promise<IrsaRealtimeResult>,
): Promise<IrsaRealtimeSummary> {
  const { logger } = telemetry;
  logger.addContext(context);
  try {
    const result = await handle();
    const summary = summarizeIrsaRealtime(result);
    if (result.run) logger.appendKeys({ runId: result.run.runId });
    for (const finding of result.findings.filter((f) => f.status !== 'PASS')) {
      logger.warn(finding.title, { checkId: finding.checkId, finding });
    }
    for (const failure of result.bookkeepingFailures)
      logger.warn('IRSA real-time bookkeeping failed', { failure });
    if (result.skipped) logger.warn('IRSA real-time event skipped', { skipped: result.skipped });
    logger.info('IRSA real-time event handled', {
      summary,
      ...(result.lifecycle ? { lifecycle: result.lifecycle.runSummary } : {}),
    });
    return summary;
  } catch (error) {
    logger.error('IRSA real-time event failed', error as Error);
    throw error;
  } finally {
    logger.resetKeys();
  }
}
