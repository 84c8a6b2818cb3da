import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { runCredentialCheck } from '../app/credential-check';
import {
  attachRequestCounterToAll,
  regionClients,
  RequestCounter,
  type RegionClients,
} from '../adapters/clients';
import { createFindingPublisher } from '../adapters/publishers';
import type { RunSummary } from '../core/run-summary';
import { lifecycleSettingsFromEnvironment } from '../core/lifecycle/settings';
import { settingsFromEnvironment } from '../core/settings';
import { createLifecycleStage, logLifecycle } from './lifecycle-wiring';

const SERVICE = 'tmc-health-checker';
const logger = new Logger({ serviceName: SERVICE });
const metrics = new Metrics({ namespace: 'TmcHealth', serviceName: SERVICE });

// Module scope: parsed and wired once per container. A bad environment fails the cold start loudly.
const region = process.env.AWS_REGION ?? 'us-east-1';
const settings = settingsFromEnvironment(process.env);
const publisher = createFindingPublisher(settings, region);
const counter = new RequestCounter();
const lifecycle = createLifecycleStage({
  family: 'credentials',
  lifecycle: lifecycleSettingsFromEnvironment(process.env),
  eventBusName: settings.eventBusName,
  ...(settings.topicArn ? { topicArn: settings.topicArn } : {}),
  runbookBaseUrl: settings.runbookBaseUrl,
  homeRegion: region,
  remediation: true,
  counter,
});
/** The region clients, counted so the run summary event can say what a run cost in API calls. */
const clientsFor = (name: string): RegionClients => {
  const clients = regionClients(name);
  attachRequestCounterToAll(clients, counter);
  return clients;
};

/** Scheduled entry point: wiring only; the work is in runCredentialCheck. */
export async function handler(
  _event: ScheduledEvent | Record<string, never>,
  context: Context,
): Promise<RunSummary> {
  logger.addContext(context);
  const accountId = context.invokedFunctionArn.split(':')[4] ?? '';
  const callsBefore = counter.total;
  try {
    const result = await runCredentialCheck(
      { accountId, settings, defaultRegion: region },
      {
        clientsFor,
        publisher,
        ...(lifecycle ? { lifecycle } : {}),
        apiCalls: () => counter.total - callsBefore,
      },
    );
    const { summary } = result;
    metrics.addMetric('FailFindings', MetricUnit.Count, summary.byStatus.FAIL);
    metrics.addMetric('ErrorFindings', MetricUnit.Count, summary.byStatus.ERROR);
    metrics.addMetric('PassFindings', MetricUnit.Count, summary.byStatus.PASS);
    metrics.addMetric('SkippedRecords', MetricUnit.Count, summary.skippedRecords);
    for (const finding of result.findings.filter((f) => f.status !== 'PASS')) {
      logger.warn(finding.title, { finding });
    }
    logLifecycle(logger, result.lifecycle);
    logger.info('credential check complete', {
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
