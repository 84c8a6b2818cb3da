import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { runFleetIntakeBatch } from '../app/fleet-intake';
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
 * A batch of "TMC Health Run Report" events from the intake's queue (each message body is one EventBridge event):
 * wiring only; the work is in runFleetIntakeBatch. Returns the messages SQS must deliver again (the event source
 * mapping reports batch item failures); one combined digest per wave of the batch (usually the whole batch).
 */
export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  const callsBefore = hub.counter.total;
  const result = await observeRun(
    telemetry,
    context,
    'fleet intake',
    async () => {
      const batch = await runFleetIntakeBatch(
        {
          records: event.Records.map((record) => ({ messageId: record.messageId, body: record.body })),
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
      return batch;
    },
    (batch) => fleetBatchOutcome(batch, hub.counter.total - callsBefore),
  );
  return { batchItemFailures: [...result.batchItemFailures] };
}
