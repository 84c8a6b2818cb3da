import type { Context, SQSBatchResponse } from 'aws-lambda';
import { runFleetIntakeBatch } from '../app/fleet-intake';
import { intakeInvocationOf, intakeReply } from '../app/fleet-intake-invocation';
import { fleetBatchOutcome, reportFleetBatch } from '../app/fleet-intake-report';
import { lifecycleStageFor } from '../app/delivery-sink';
import { accountOfFunction, observeRun } from '../app/observe-run';
import { gzipBase64Codec } from '../adapters/fleet/report-codec';
import { createTelemetry } from '../adapters/telemetry';
import { hubSettingsFromEnvironment } from '../core/fleet/hub-settings';
import { SERVICE_NAMES } from '../core/observability';
import { createHubWiring } from './hub-wiring';

const telemetry = createTelemetry(SERVICE_NAMES.fleetIntake);

// Module scope: parsed and wired once per container. A bad environment fails the cold start loudly.
const settings = hubSettingsFromEnvironment(process.env);
const hub = createHubWiring(settings, process.env);
const codec = gzipBase64Codec();

/**
 * "TMC Health Run Report" events: a batch from the intake's queue (hubIntake=queue) or one event from the bus rule
 * (hubIntake=direct); wiring only (fleet-intake-invocation.ts tells them apart, runFleetIntakeBatch does the work).
 * A batch gets back the messages SQS must deliver again; a failed direct event throws, so Lambda retries it.
 */
export async function handler(event: unknown, context: Context): Promise<SQSBatchResponse | undefined> {
  const callsBefore = hub.counter.total;
  const result = await observeRun(
    telemetry,
    context,
    'fleet intake',
    async () => {
      const invocation = intakeInvocationOf(event);
      const batch = await runFleetIntakeBatch(
        {
          records: invocation.records,
          hubAccountId: accountOfFunction(context.invokedFunctionArn),
          homeRegion: hub.region,
          runbookBaseUrl: settings.runbookBaseUrl,
        },
        {
          codec,
          stageFor: (accountId, family, digest) =>
            lifecycleStageFor(hub.lifecycle, family, accountId, digest ? { digest } : {}),
          heartbeats: hub.heartbeats,
          rejections: hub.lifecycle.events,
          ...(hub.lifecycle.digest ? { digest: hub.lifecycle.digest } : {}),
        },
      );
      reportFleetBatch(telemetry, batch);
      return { batch, reply: intakeReply(invocation, batch) };
    },
    ({ batch }) => fleetBatchOutcome(batch, hub.counter.total - callsBefore),
  );
  return result.reply;
}
