import type { Context, EventBridgeEvent } from 'aws-lambda';
import { runFleetIntake, type FleetIntakeResult } from '../app/fleet-intake';
import { gzipBase64Codec } from '../adapters/fleet/report-codec';
import { hubSettingsFromEnvironment } from '../core/fleet/hub-settings';
import { SERVICE_NAMES } from '../core/observability';
import { accountOfFunction, createHubWiring } from './hub-wiring';
import { createTelemetry, emitMetricRecords, observeRun } from './telemetry';

const telemetry = createTelemetry(SERVICE_NAMES.fleetIntake);

// Module scope: parsed and wired once per container. A bad environment fails the cold start loudly.
const settings = hubSettingsFromEnvironment(process.env);
const hub = createHubWiring(settings, process.env);
const codec = gzipBase64Codec();

/** One "TMC Health Run Report" event from a member account: wiring only; the work is in runFleetIntake. */
export async function handler(
  event: EventBridgeEvent<string, unknown>,
  context: Context,
): Promise<Record<string, unknown>> {
  const callsBefore = hub.counter.total;
  const result = await observeRun(
    telemetry,
    context,
    'fleet intake',
    async () => {
      const outcome = await runFleetIntake(
        {
          event,
          hubAccountId: accountOfFunction(context.invokedFunctionArn),
          homeRegion: hub.region,
          runbookBaseUrl: settings.runbookBaseUrl,
        },
        {
          codec,
          stageFor: (accountId, family) => hub.lifecycle.stageFor(family, accountId),
          heartbeats: hub.heartbeats,
          rejections: hub.lifecycle.events,
        },
      );
      emitMetricRecords(telemetry.metrics, outcome.metrics);
      return outcome;
    },
    (outcome) => describe(outcome, event, hub.counter.total - callsBefore),
  );
  return summaryOf(result);
}

function describe(outcome: FleetIntakeResult, event: EventBridgeEvent<string, unknown>, apiCalls: number) {
  switch (outcome.outcome) {
    case 'accepted':
      return {
        runId: outcome.report.runId,
        findings: outcome.findings,
        // The member's function logged every problem already: the hub logs what changed.
        loggedFindings: outcome.lifecycle.transitions,
        lifecycle: outcome.lifecycle,
        apiCalls,
        summary: summaryOf(outcome),
      };
    case 'stale':
      return { runId: outcome.report.runId, findings: [], apiCalls, summary: summaryOf(outcome) };
    case 'rejected':
      return {
        runId: typeof event.id === 'string' ? event.id : '',
        findings: [outcome.finding],
        apiCalls: apiCalls + outcome.publishReport.apiCalls,
        summary: summaryOf(outcome),
      };
  }
}

function summaryOf(outcome: FleetIntakeResult): Record<string, unknown> {
  switch (outcome.outcome) {
    case 'accepted':
      return { outcome: outcome.outcome, report: outcome.report, heartbeat: outcome.heartbeat };
    case 'stale':
      return { outcome: outcome.outcome, report: outcome.report, newerReport: outcome.latest };
    case 'rejected':
      return { outcome: outcome.outcome, problem: outcome.problem, accountId: outcome.accountId ?? null };
  }
}
