import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { runIrsaCheck, type IrsaRunSummary } from '../app/irsa-check';
import { createIrsaClients } from '../adapters/irsa/clients';
import { attachRequestCounter, RequestCounter } from '../adapters/clients';
import { createFindingPublisher } from '../adapters/publishers';
import { lifecycleSettingsFromEnvironment } from '../core/lifecycle/settings';
import { createLifecycleStage, logLifecycle } from './lifecycle-wiring';
import { irsaSettingsFromEnvironment } from '../core/irsa/settings';

const SERVICE = 'tmc-health-irsa-checker';
const logger = new Logger({ serviceName: SERVICE });
const metrics = new Metrics({ namespace: 'TmcHealth', serviceName: SERVICE });

// Module scope: parsed and wired once per container. A bad environment fails the cold start loudly.
const region = process.env.AWS_REGION ?? 'us-east-1';
const settings = irsaSettingsFromEnvironment(process.env);
const clients = createIrsaClients(settings, region);
const publisher = createFindingPublisher(settings, region);
const counter = new RequestCounter();
attachRequestCounter(clients.iam, counter);
const lifecycle = createLifecycleStage({
  family: 'irsa',
  lifecycle: lifecycleSettingsFromEnvironment(process.env),
  eventBusName: settings.eventBusName,
  ...(settings.topicArn ? { topicArn: settings.topicArn } : {}),
  runbookBaseUrl: settings.runbookBaseUrl,
  homeRegion: region,
  remediation: false,
  counter,
});
/** CloudTrail clients counted too, so the run summary event says what a run cost in API calls. */
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
  logger.addContext(context);
  const accountId = context.invokedFunctionArn.split(':')[4] ?? '';
  const callsBefore = counter.total;
  try {
    const result = await runIrsaCheck(
      { accountId, settings, defaultRegion: region },
      {
        clients: countedClients,
        publisher,
        ...(lifecycle ? { lifecycle } : {}),
        apiCalls: () => counter.total - callsBefore,
      },
    );
    const { summary } = result;
    metrics.addMetric('DenialGroups', MetricUnit.Count, summary.denialGroups);
    metrics.addMetric('EventsScanned', MetricUnit.Count, summary.eventsScanned);
    metrics.addMetric('IncompleteScans', MetricUnit.Count, summary.incompleteScans);
    for (const finding of result.findings.filter((f) => f.status !== 'PASS')) {
      logger.warn(finding.title, { finding });
    }
    for (const commit of result.watermarkCommits.filter((c) => c.status !== 'saved')) {
      // A conflict means an overlapping run advanced first; its watermark stands and nothing is lost.
      logger.warn('IRSA watermark not saved', { commit });
    }
    logLifecycle(logger, result.lifecycle);
    logger.info('IRSA check complete', {
      runId: result.run.runId,
      summary,
      publish: result.publishReport,
      lifecycle: result.lifecycle?.runSummary,
    });
    return summary;
  } finally {
    metrics.publishStoredMetrics();
  }
}
