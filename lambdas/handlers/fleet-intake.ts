import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { runFleetIntakeBatch, type FleetBatchResult, type FleetIntakeResult } from '../app/fleet-intake';
import { PublishError } from '../core/publishing';
import { gzipBase64Codec } from '../adapters/fleet/report-codec';
import type { Finding } from '../core/finding';
import { hubSettingsFromEnvironment } from '../core/fleet/hub-settings';
import { METRIC_NAMES, runMetricRecords, SERVICE_NAMES } from '../core/observability';
import { accountOfFunction, createHubWiring } from './hub-wiring';
import { createTelemetry, emitMetricRecords, observeRun } from './telemetry';

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
            hub.lifecycle.stageFor(family, accountId, digest ? { digest } : {}),
          heartbeats: hub.heartbeats,
          rejections: hub.lifecycle.events,
          ...(hub.lifecycle.digest ? { digest: hub.lifecycle.digest } : {}),
        },
      );
      report(batch);
      return batch;
    },
    (batch) => describe(batch, hub.counter.total - callsBefore),
  );
  return { batchItemFailures: [...result.batchItemFailures] };
}

/** Per-report metrics and failures; the batch's transitions and publish failures as the run's metrics. */
function report(batch: FleetBatchResult): void {
  const outcomes = accepted(batch);
  for (const outcome of outcomes) emitMetricRecords(telemetry.metrics, outcome.metrics);
  const failed = batch.records.flatMap((record) => (record.ok ? [] : [record]));
  for (const record of failed) {
    telemetry.logger.error('fleet intake: report failed, SQS will deliver it again', {
      messageId: record.messageId,
      error: record.error instanceof Error ? record.error : String(record.error),
    });
  }
  const transitions = outcomes.flatMap((outcome) =>
    outcome.outcome === 'accepted' ? outcome.lifecycle.transitions : [],
  );
  emitMetricRecords(
    telemetry.metrics,
    runMetricRecords({
      findings: [],
      transitions,
      apiCalls: 0,
      durationMs: 0,
      completed: false,
      publishFailed: false,
    }).filter((record) => record.name === METRIC_NAMES.transitions),
  );
  const publishFailures = failed.filter((record) => record.error instanceof PublishError).length;
  if (publishFailures > 0) {
    emitMetricRecords(telemetry.metrics, [
      { name: METRIC_NAMES.publishFailures, unit: 'Count', value: publishFailures },
    ]);
  }
}

function accepted(batch: FleetBatchResult): FleetIntakeResult[] {
  return batch.records.flatMap((record) => (record.ok ? [record.result] : []));
}

function describe(batch: FleetBatchResult, apiCalls: number) {
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
    summary: summaryOf(batch),
  };
}

function summaryOf(batch: FleetBatchResult): Record<string, unknown> {
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
