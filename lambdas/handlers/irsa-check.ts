import type { Context, EventBridgeEvent, ScheduledEvent } from 'aws-lambda';
import { requireWatermarksSaved, runIrsaCheck, type IrsaRunSummary } from '../app/irsa-check';
import { runIrsaRealtime, summarizeIrsaRealtime, type IrsaRealtimeSummary } from '../app/irsa-realtime';
import { attachRequestCounter, RequestCounter } from '../adapters/client-config';
import { createIrsaClients } from '../adapters/irsa/clients';
import { DynamoLedgerStore } from '../adapters/lifecycle/ledger-store';
import { createRunReportForwarder } from '../adapters/fleet/report-forwarder';
import { createSecurityHubPublisher } from '../adapters/publish-security-hub';
import { createFindingPublisher } from '../adapters/publishers';
import { memberSettingsFromEnvironment } from '../core/fleet/member-settings';
import { CLOUDTRAIL_DETAIL_TYPE, isCloudTrailApiCallEvent } from '../core/irsa/realtime';
import { irsaSettingsFromEnvironment } from '../core/irsa/settings';
import { lifecycleSettingsFromEnvironment } from '../core/lifecycle/settings';
import { SERVICE_NAMES } from '../core/observability';
import { securityHubSettingsFromEnvironment } from '../core/security-hub/settings';
import { createLifecyclePlumbing } from './lifecycle-wiring';
import { createTelemetry, observeRun, runDeadline } from './telemetry';

const telemetry = createTelemetry(SERVICE_NAMES.irsa);

// Module scope: parsed and wired once per container. A bad environment fails the cold start loudly.
const region = process.env.AWS_REGION ?? 'us-east-1';
const settings = irsaSettingsFromEnvironment(process.env);
const clients = createIrsaClients(settings, region);
const { hubEventBusArn } = memberSettingsFromEnvironment(process.env);
// Member mode: each run's report goes to the hub bus; no lifecycle, ledger, topic or own events.
const forwarder = hubEventBusArn
  ? createRunReportForwarder(hubEventBusArn, region, { runbookBaseUrl: settings.runbookBaseUrl })
  : undefined;
// Security Hub export: FAIL findings imported into this region's Security Hub, when on.
const { securityHubExport } = securityHubSettingsFromEnvironment(process.env);
const securityHub = !forwarder && securityHubExport ? [createSecurityHubPublisher(region)] : [];
const publisher = forwarder ? undefined : createFindingPublisher(settings, region, securityHub);
const counter = new RequestCounter();
attachRequestCounter(clients.iam, counter);
const plumbing = forwarder
  ? undefined
  : createLifecyclePlumbing({
      lifecycle: lifecycleSettingsFromEnvironment(process.env),
      eventBusName: settings.eventBusName,
      ...(settings.topicArn ? { topicArn: settings.topicArn } : {}),
      runbookBaseUrl: settings.runbookBaseUrl,
      homeRegion: region,
      remediation: false,
      counter,
      securityHubExport,
    });
const lifecycle = plumbing?.stageFor('irsa');
// Real time (docs/irsa-realtime.md): a denial whose finding is already open is left to the scan, unannounced.
const ledger = plumbing ? new DynamoLedgerStore(plumbing.dynamo, plumbing.tableName, 'irsa') : undefined;
const isOpen = ledger
  ? async (findingId: string) => (await ledger.load([findingId])).get(findingId)?.open === true
  : undefined;
/** CloudTrail clients counted too, so the run summary event and the ApiCalls metric say what a run cost. */
const countedClients = {
  ...clients,
  cloudTrailFor: (name: string) => {
    const client = clients.cloudTrailFor(name);
    attachRequestCounter(client, counter);
    return client;
  },
};

/** An EventBridge "AWS API Call via CloudTrail" event (the IRSA real-time rule's). */
export type CloudTrailApiCallEvent = EventBridgeEvent<typeof CLOUDTRAIL_DETAIL_TYPE, unknown>;

/**
 * Entry point: the schedule's event runs the scan (runIrsaCheck); an "AWS API Call via CloudTrail" event from the
 * real-time rule handles that one denial (runIrsaRealtime). Wiring only.
 */
export async function handler(
  event: ScheduledEvent | Record<string, never>,
  context: Context,
): Promise<IrsaRunSummary>;
export async function handler(event: CloudTrailApiCallEvent, context: Context): Promise<IrsaRealtimeSummary>;
export async function handler(
  event: ScheduledEvent | CloudTrailApiCallEvent | Record<string, never>,
  context: Context,
): Promise<IrsaRunSummary | IrsaRealtimeSummary> {
  return isCloudTrailApiCallEvent(event)
    ? realtime(event as CloudTrailApiCallEvent, context)
    : scheduled(context);
}

async function scheduled(context: Context): Promise<IrsaRunSummary> {
  const accountId = context.invokedFunctionArn.split(':')[4] ?? '';
  const callsBefore = counter.total;
  const result = await observeRun(
    telemetry,
    context,
    'IRSA check',
    // A watermark not saved fails the invocation (WatermarkSaveError): the alarms see it, not only the log.
    async () =>
      requireWatermarksSaved(
        await runIrsaCheck(
          {
            accountId,
            settings,
            defaultRegion: region,
            deadline: runDeadline(context),
            leaseUntil: certainlyEnded(context),
          },
          {
            clients: countedClients,
            ...(forwarder ? { forwarder } : { publisher, ...(lifecycle ? { lifecycle } : {}) }),
            apiCalls: () => counter.total - callsBefore,
          },
        ),
      ),
    (run) => {
      for (const commit of run.watermarkCommits.filter((c) => c.status === 'conflict')) {
        // An overlapping run advanced first; its watermark stands and nothing is lost.
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

/**
 * One denial from the real-time rule. Not a run: it emits no RunCompleted (the dead-man's switch watches the
 * schedule alone) and no run metrics; it logs what it did with the event. A failed publish throws, so the
 * event lands in the function's failure queue like a failed scheduled run.
 */
async function realtime(event: CloudTrailApiCallEvent, context: Context): Promise<IrsaRealtimeSummary> {
  const { logger } = telemetry;
  logger.addContext(context);
  const accountId = context.invokedFunctionArn.split(':')[4] ?? '';
  const callsBefore = counter.total;
  try {
    const result = await runIrsaRealtime(
      {
        accountId,
        settings,
        defaultRegion: region,
        event,
        deadline: runDeadline(context),
        announceUntil: certainlyEnded(context),
      },
      {
        clients: countedClients,
        // Member mode has no real time (lib/config/irsa-config-schema.ts): its events would go to the hub.
        ...(forwarder ? {} : { publisher, ...(lifecycle ? { lifecycle } : {}) }),
        ...(isOpen ? { isOpen } : {}),
        apiCalls: () => counter.total - callsBefore,
      },
    );
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

/** When this invocation has certainly ended: its Lambda timeout, plus a minute for clock differences. */
function certainlyEnded(context: Pick<Context, 'getRemainingTimeInMillis'>): Date {
  return new Date(Date.now() + context.getRemainingTimeInMillis() + 60_000);
}
