import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { runCredentialCheck } from '../app/credential-check';
import { regionClients } from '../adapters/clients';
import { createFindingPublisher } from '../adapters/publishers';
import type { RunSummary } from '../core/run-summary';
import { settingsFromEnvironment } from '../core/settings';

const SERVICE = 'tmc-health-checker';
const logger = new Logger({ serviceName: SERVICE });
const metrics = new Metrics({ namespace: 'TmcHealth', serviceName: SERVICE });

// Module scope: parsed and wired once per container. A bad environment fails the cold start loudly.
const region = process.env.AWS_REGION ?? 'us-east-1';
const settings = settingsFromEnvironment(process.env);
const publisher = createFindingPublisher(settings, region);

/** Scheduled entry point: wiring only; the work is in runCredentialCheck. */
export async function handler(
  _event: ScheduledEvent | Record<string, never>,
  context: Context,
): Promise<RunSummary> {
  logger.addContext(context);
  const accountId = context.invokedFunctionArn.split(':')[4] ?? '';
  try {
    const result = await runCredentialCheck(
      { accountId, settings, defaultRegion: region },
      { clientsFor: regionClients, publisher },
    );
    const { summary } = result;
    metrics.addMetric('FailFindings', MetricUnit.Count, summary.byStatus.FAIL);
    metrics.addMetric('ErrorFindings', MetricUnit.Count, summary.byStatus.ERROR);
    metrics.addMetric('PassFindings', MetricUnit.Count, summary.byStatus.PASS);
    metrics.addMetric('SkippedRecords', MetricUnit.Count, summary.skippedRecords);
    for (const finding of result.findings.filter((f) => f.status !== 'PASS')) {
      logger.warn(finding.title, { finding });
    }
    logger.info('credential check complete', {
      runId: result.run.runId,
      summary,
      publish: result.publishReport,
    });
    return summary;
  } finally {
    metrics.publishStoredMetrics();
  }
}
