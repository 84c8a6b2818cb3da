import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { runIrsaCheck, type IrsaRunSummary } from '../app/irsa-check';
import { createIrsaClients } from '../adapters/irsa/clients';
import { createFindingPublisher } from '../adapters/publishers';
import { irsaSettingsFromEnvironment } from '../core/irsa/settings';

const SERVICE = 'tmc-health-irsa-checker';
const logger = new Logger({ serviceName: SERVICE });
const metrics = new Metrics({ namespace: 'TmcHealth', serviceName: SERVICE });

// Module scope: parsed and wired once per container. A bad environment fails the cold start loudly.
const region = process.env.AWS_REGION ?? 'us-east-1';
const settings = irsaSettingsFromEnvironment(process.env);
const clients = createIrsaClients(settings, region);
const publisher = createFindingPublisher(settings, region);

/** Scheduled entry point: wiring only; the work is in runIrsaCheck. */
export async function handler(
  _event: ScheduledEvent | Record<string, never>,
  context: Context,
): Promise<IrsaRunSummary> {
  logger.addContext(context);
  const accountId = context.invokedFunctionArn.split(':')[4] ?? '';
  try {
    const result = await runIrsaCheck({ accountId, settings, defaultRegion: region }, { clients, publisher });
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
    logger.info('IRSA check complete', {
      runId: result.run.runId,
      summary,
      publish: result.publishReport,
    });
    return summary;
  } finally {
    metrics.publishStoredMetrics();
  }
}
