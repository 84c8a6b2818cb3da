import type { Context, ScheduledEvent } from 'aws-lambda';
import { runCredentialCheck, type CredentialCheckResult } from '../app/credential-check';
import { scheduledTimeOf } from '../app/scheduled-time';
import { accountOfFunction, checkerRunOutcome, observeRun, runDeadline } from '../app/observe-run';
import { credentialCheckWiring } from '../app/credential-check-wiring';
import { createTelemetry } from '../adapters/telemetry';
import { SERVICE_NAMES } from '../core/observability';
import type { RunSummary } from '../core/run-summary';
import { settingsFromEnvironment } from '../core/settings';

const telemetry = createTelemetry(SERVICE_NAMES.credentials);

// Module scope: parsed and wired once per container. A bad environment fails the cold start loudly.
const region = process.env.AWS_REGION ?? 'us-east-1';
const settings = settingsFromEnvironment(process.env);
const { counter, dependencies } = credentialCheckWiring(settings, region, process.env);

/** Scheduled entry point: wiring only; the work is in runCredentialCheck. */
export async function handler(
  event: ScheduledEvent | { scheduledTime?: unknown } | Record<string, never>,
  context: Context,
): Promise<RunSummary> {
  // The schedule sends the time the run was due; the metrics cadence decides by it (absent: by the start).
  const due = scheduledTimeOf(event);
  const input = {
    ...{ accountId: accountOfFunction(context.invokedFunctionArn), settings, defaultRegion: region },
    ...{ deadline: runDeadline(context), ...(due ? { scheduledTime: due } : {}) },
  };
  const callsBefore = counter.total;
  const apiCalls = () => counter.total - callsBefore;
  // A run that could not deliver its findings is logged with its summary, then fails the invocation.
  const result = await observeRun<CredentialCheckResult>(
    telemetry,
    context,
    'credential check',
    (onDeliveryFailed) => runCredentialCheck(input, { ...dependencies, apiCalls, onDeliveryFailed }),
    (run) => checkerRunOutcome(run, apiCalls()),
  );
  return result.summary;
}
