import type { Context, ScheduledEvent } from 'aws-lambda';
import { runCredentialCheck } from '../app/credential-check';
import { RequestCounter } from '../adapters/client-config';
import { attachRequestCounterToAll, regionClients, type RegionClients } from '../adapters/clients';
import {
  attachRequestCounterToEksConnector,
  eksConnectorClients,
  type EksConnectorClients,
} from '../adapters/eks-connector-clients';
import { createRunReportForwarder } from '../adapters/fleet/report-forwarder';
import { gatherEksConnector } from '../adapters/gather-eks-connector';
import { gatherPodIdentity } from '../adapters/gather-pod-identity';
import { createSecurityHubPublisher } from '../adapters/publish-security-hub';
import { createFindingPublisher } from '../adapters/publishers';
import { memberSettingsFromEnvironment } from '../core/fleet/member-settings';
import { lifecycleSettingsFromEnvironment } from '../core/lifecycle/settings';
import { SERVICE_NAMES } from '../core/observability';
import type { RunSummary } from '../core/run-summary';
import { securityHubSettingsFromEnvironment } from '../core/security-hub/settings';
import { settingsFromEnvironment } from '../core/settings';
import { createLifecycleStage } from './lifecycle-wiring';
import { createTelemetry, observeRun, runDeadline } from './telemetry';

const telemetry = createTelemetry(SERVICE_NAMES.credentials);

// Module scope: parsed and wired once per container. A bad environment fails the cold start loudly.
const region = process.env.AWS_REGION ?? 'us-east-1';
const settings = settingsFromEnvironment(process.env);
const { hubEventBusArn } = memberSettingsFromEnvironment(process.env);
const counter = new RequestCounter();
// Member mode: each run's report goes to the hub bus; no lifecycle, ledger, topic or own events.
const forwarder = hubEventBusArn
  ? createRunReportForwarder(hubEventBusArn, region, { runbookBaseUrl: settings.runbookBaseUrl })
  : undefined;
// Security Hub export: FAIL findings imported into this region's Security Hub, when on.
const { securityHubExport } = securityHubSettingsFromEnvironment(process.env);
const securityHub = !forwarder && securityHubExport ? [createSecurityHubPublisher(region)] : [];
const publisher = forwarder ? undefined : createFindingPublisher(settings, region, securityHub);
const lifecycle = forwarder
  ? undefined
  : createLifecycleStage({
      family: 'credentials',
      lifecycle: lifecycleSettingsFromEnvironment(process.env),
      eventBusName: settings.eventBusName,
      ...(settings.topicArn ? { topicArn: settings.topicArn } : {}),
      runbookBaseUrl: settings.runbookBaseUrl,
      homeRegion: region,
      remediation: true,
      counter,
      securityHubExport,
    });
/** The region clients, counted so the run summary event and the ApiCalls metric say what a run cost. */
const clientsFor = (name: string): RegionClients => {
  const clients = regionClients(name);
  attachRequestCounterToAll(clients, counter);
  return clients;
};
/** The EKS Connector check's clients (eksConnectorEnabled), counted the same way. */
const eksConnectorClientsFor = (name: string): EksConnectorClients => {
  const clients = eksConnectorClients(name);
  attachRequestCounterToEksConnector(clients, counter);
  return clients;
};

/** Scheduled entry point: wiring only; the work is in runCredentialCheck. */
export async function handler(
  _event: ScheduledEvent | Record<string, never>,
  context: Context,
): Promise<RunSummary> {
  const accountId = context.invokedFunctionArn.split(':')[4] ?? '';
  const callsBefore = counter.total;
  const result = await observeRun(
    telemetry,
    context,
    'credential check',
    () =>
      runCredentialCheck(
        { accountId, settings, defaultRegion: region, deadline: runDeadline(context) },
        {
          clientsFor,
          eksConnectorClientsFor,
          gatherEksConnector,
          gatherPodIdentity,
          ...(forwarder ? { forwarder } : { publisher, ...(lifecycle ? { lifecycle } : {}) }),
          apiCalls: () => counter.total - callsBefore,
        },
      ),
    (run) => ({
      runId: run.run.runId,
      findings: run.findings,
      ...(run.lifecycle ? { lifecycle: run.lifecycle } : {}),
      apiCalls: counter.total - callsBefore + (run.publishReport?.apiCalls ?? 0),
      uncheckedAtDeadline: run.uncheckedAtDeadline,
      summary: { ...run.summary, publish: run.publishReport },
    }),
  );
  return result.summary;
}
