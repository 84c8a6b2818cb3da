import type { Context, ScheduledEvent } from 'aws-lambda';
import { runIrsaCheck, type IrsaRunSummary } from '../app/irsa-check';
import { attachRequestCounter, RequestCounter } from '../adapters/clients';
import { createIrsaClients } from '../adapters/irsa/clients';
import { createRunReportForwarder } from '../adapters/fleet/report-forwarder';
import { createSecurityHubPublisher } from '../adapters/publish-security-hub';
import { createFindingPublisher } from '../adapters/publishers';
import { memberSettingsFromEnvironment } from '../core/fleet/member-settings';
import { irsaSettingsFromEnvironment } from '../core/irsa/settings';
import { lifecycleSettingsFromEnvironment } from '../core/lifecycle/settings';
import { SERVICE_NAMES } from '../core/observability';
import { securityHubSettingsFromEnvironment } from '../core/security-hub/settings';
import { createLifecycleStage } from './lifecycle-wiring';
import { createTelemetry, observeRun, runDeadline } from './telemetry';

const telemetry = createTelemetry(SERVICE_NAMES.irsa);

// Module scope: parsed and wired once per container. A bad environment fails the cold start loudly.
const region = process.env.AWS_REGION ?? 'us-east-1';
const settings = irsaSettingsFromEnvironment(process.env);
const clients = createIrsaClients(settings, region);
const { hubEventBusArn } = memberSettingsFromEnvironment(process.env);
// Member mode (issue 13): each run's report goes to the hub bus; no lifecycle, ledger, topic or own events.
const forwarder = hubEventBusArn
  ? createRunReportForwarder(hubEventBusArn, region, { runbookBaseUrl: settings.runbookBaseUrl })
  : undefined;
// Security Hub export (issue 14): FAIL findings imported into this region's Security Hub, when on.
const { securityHubExport } = securityHubSettingsFromEnvironment(process.env);
const securityHub = !forwarder && securityHubExport ? [createSecurityHubPublisher(region)] : [];
const publisher = forwarder ? undefined : createFindingPublisher(settings, region, securityHub);
const counter = new RequestCounter();
attachRequestCounter(clients.iam, counter);
const lifecycle = forwarder
  ? undefined
  : createLifecycleStage({
      family: 'irsa',
      lifecycle: lifecycleSettingsFromEnvironment(process.env),
      eventBusName: settings.eventBusName,
      ...(settings.topicArn ? { topicArn: settings.topicArn } : {}),
      runbookBaseUrl: settings.runbookBaseUrl,
      homeRegion: region,
      remediation: false,
      counter,
      securityHubExport,
    });
/** CloudTrail clients counted too, so the run summary event and the ApiCalls metric say what a run cost. */
const countedClients = {
  ...clients,
  cloudTrailFor: (name: string) => {
    const client = clients.cloudTrailFor(name);
    attachRequestCounter(client, counter);
    return client;
  },
};

/** Scheduled entry point: wiring only; the work is in runIrsaCheck. */
export async function handler(
  _event: ScheduledEvent | Record<string, never>,
  context: Context,
): Promise<IrsaRunSummary> {
  const accountId = context.invokedFunctionArn.split(':')[4] ?? '';
  const callsBefore = counter.total;
  const result = await observeRun(
    telemetry,
    context,
    'IRSA check',
    () =>
      runIrsaCheck(
        { accountId, settings, defaultRegion: region, deadline: runDeadline(context) },
        {
          clients: countedClients,
          ...(forwarder ? { forwarder } : { publisher, ...(lifecycle ? { lifecycle } : {}) }),
          apiCalls: () => counter.total - callsBefore,
        },
      ),
    (run) => {
      for (const commit of run.watermarkCommits.filter((c) => c.status !== 'saved')) {
        // A conflict means an overlapping run advanced first; its watermark stands and nothing is lost.
        telemetry.logger.warn('IRSA watermark not saved', { commit });
      }
      return {
        runId: run.run.runId,
        findings: run.findings,
        ...(run.lifecycle ? { lifecycle: run.lifecycle } : {}),
        apiCalls: counter.total - callsBefore + (run.publishReport?.apiCalls ?? 0),
        uncheckedAtDeadline: run.uncheckedAtDeadline,
        summary: { ...run.summary, publish: run.publishReport },
      };
    },
  );
  return result.summary;
}
