import type { Context, ScheduledEvent } from 'aws-lambda';
import {
  requireWatermarksSaved,
  runIrsaCheck,
  type IrsaCheckResult,
  type IrsaRunSummary,
} from '../app/irsa-check';
import { runIrsaRealtime, type CloudTrailApiCallEvent, type IrsaRealtimeSummary } from '../app/irsa-realtime';
import { irsaRunOutcome, observeRealtime } from '../app/observe-irsa';
import { accountOfFunction, certainlyEnded, observeRun, runDeadline } from '../app/observe-run';
import { irsaCheckWiring } from '../app/irsa-check-wiring';
import { createTelemetry } from '../adapters/telemetry';
import { isCloudTrailApiCallEvent } from '../core/irsa/realtime';
import { irsaSettingsFromEnvironment } from '../core/irsa/settings';
import { SERVICE_NAMES } from '../core/observability';

const telemetry = createTelemetry(SERVICE_NAMES.irsa);

// Module scope: parsed and wired once per container. A bad environment fails the cold start loudly.
const region = process.env.AWS_REGION ?? 'us-east-1';
const settings = irsaSettingsFromEnvironment(process.env);
const { counter, clients, sink, realtimeSink } = irsaCheckWiring(settings, region, process.env);

export type { CloudTrailApiCallEvent } from '../app/irsa-realtime';

/** The schedule's event runs the scan (runIrsaCheck); a real-time rule's event, that one denial (runIrsaRealtime). */
export async function handler(
  event: ScheduledEvent | Record<string, never>,
  context: Context,
): Promise<IrsaRunSummary>;
export async function handler(event: CloudTrailApiCallEvent, context: Context): Promise<IrsaRealtimeSummary>;
export async function handler(
  event: ScheduledEvent | CloudTrailApiCallEvent | Record<string, never>,
  context: Context,
): Promise<IrsaRunSummary | IrsaRealtimeSummary> {
  const accountId = accountOfFunction(context.invokedFunctionArn);
  const input = { accountId, settings, defaultRegion: region, deadline: runDeadline(context) };
  const callsBefore = counter.total;
  const apiCalls = () => counter.total - callsBefore;
  if (isCloudTrailApiCallEvent(event)) {
    const denial = { ...input, event, announceUntil: certainlyEnded(context) };
    return observeRealtime(telemetry, context, () =>
      runIrsaRealtime(denial, { clients, ...realtimeSink, apiCalls }),
    );
  }
  const scan = { ...input, leaseUntil: certainlyEnded(context) };
  const result = await observeRun<IrsaCheckResult>(
    telemetry,
    context,
    'IRSA check',
    // A watermark not saved fails the invocation (WatermarkSaveError), and so does a run that could not deliver
    // its findings (logged with its summary first): the Errors alarm sees both, not only the log.
    async (onDeliveryFailed) =>
      requireWatermarksSaved(await runIrsaCheck(scan, { clients, sink, apiCalls, onDeliveryFailed })),
    (run) => irsaRunOutcome(telemetry, run, apiCalls()),
  );
  return result.summary;
}
