import type { Context, ScheduledEvent } from 'aws-lambda';
import { runFleetWatch, type FleetWatchSummary } from '../app/fleet-watch';
import { lifecycleStageFor } from '../app/delivery-sink';
import { accountOfFunction, observeRun } from '../app/observe-run';
import { createTelemetry } from '../adapters/telemetry';
import { hubWatchSettingsFromEnvironment } from '../core/fleet/hub-settings';
import { SERVICE_NAMES } from '../core/observability';
import { createHubWiring } from './hub-wiring';

const telemetry = createTelemetry(SERVICE_NAMES.fleetWatch);

// Module scope: parsed and wired once per container. A bad environment fails the cold start loudly.
const settings = hubWatchSettingsFromEnvironment(process.env);
const hub = createHubWiring(settings, process.env);

/** Scheduled entry point: wiring only; the work is in runFleetWatch. */
export async function handler(
  _event: ScheduledEvent | Record<string, never>,
  context: Context,
): Promise<FleetWatchSummary> {
  const hubAccountId = accountOfFunction(context.invokedFunctionArn);
  const callsBefore = hub.counter.total;
  const result = await observeRun(
    telemetry,
    context,
    'fleet watch',
    () =>
      runFleetWatch(
        { hubAccountId, homeRegion: hub.region, settings },
        {
          heartbeats: hub.heartbeats,
          // The hub's own findings (family fleet) live in its ledger under its own account.
          lifecycle: lifecycleStageFor(hub.lifecycle, 'fleet', hubAccountId),
          apiCalls: () => hub.counter.total - callsBefore,
        },
      ),
    (run) => {
      for (const problem of run.observation.problems)
        telemetry.logger.warn('unreadable heartbeat', { problem });
      return {
        runId: run.run.runId,
        findings: run.findings,
        ...(run.lifecycle ? { lifecycle: run.lifecycle } : {}),
        apiCalls: hub.counter.total - callsBefore,
        summary: run.summary,
      };
    },
  );
  return result.summary;
}
