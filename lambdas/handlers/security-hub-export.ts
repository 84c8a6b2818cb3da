import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { accountOfFunction } from '../app/observe-run';
import { exportFindingEvents, type SecurityHubExportReport } from '../app/security-hub-export';
import { createSecurityHubPublisher } from '../adapters/publish-security-hub';
import { SERVICE_NAMES } from '../core/observability';

// Module scope: once per container. The function exists only with securityHubExport on: it needs no settings.
const logger = new Logger({ serviceName: SERVICE_NAMES.securityHubExport });
const region = process.env.AWS_REGION ?? 'us-east-1';
const securityHub = createSecurityHubPublisher(region);

/**
 * One finding event from the findings bus (the exporter's rule): wiring only; the work is in exportFindingEvents.
 * A failed import throws, so Lambda retries the event and then sends it to the failure queue.
 */
export async function handler(
  event: EventBridgeEvent<string, unknown>,
  context: Context,
): Promise<SecurityHubExportReport> {
  logger.addContext(context);
  try {
    const report = await exportFindingEvents(
      {
        events: [event],
        accountId: accountOfFunction(context.invokedFunctionArn),
        region,
        invocationId: context.awsRequestId,
        now: new Date(),
      },
      securityHub,
    );
    const skipped = Object.values(report.skipped).reduce((sum, count) => sum + count, 0);
    if (skipped > 0) logger.warn('finding events skipped', { report });
    else logger.info('finding events exported', { report });
    return report;
  } catch (error) {
    logger.error('Security Hub import failed', { error: error as Error, eventId: event.id });
    throw error;
  }
}
