import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import type { CheckerSettings } from '../core/settings';
import { parseArn } from './arn';
import { clientConfig } from './client-config';
import type { FindingPublisher } from '../core/publishing';
import { CompositePublisher } from './composite-publisher';
import { EventBridgeFindingPublisher } from './publish-eventbridge';
import { SnsSummaryPublisher } from './publish-sns';

/** The region a bus or topic lives in: its ARN's, else the caller's own. */
export function regionOf(nameOrArn: string, defaultRegion: string): string {
  return parseArn(nameOrArn)?.region || defaultRegion;
}

/**
 * EventBridge always (every finding), SNS when a topic is configured (one summary per run with problems). Clients
 * are created here, once per container, in the region of the bus or topic (which may be another account's central
 * bus).
 */
export function createFindingPublisher(
  settings: Pick<CheckerSettings, 'eventBusName' | 'topicArn'>,
  defaultRegion: string,
): FindingPublisher {
  const publishers: FindingPublisher[] = [
    new EventBridgeFindingPublisher(
      new EventBridgeClient(clientConfig(regionOf(settings.eventBusName, defaultRegion))),
      { eventBusName: settings.eventBusName },
    ),
  ];
  if (settings.topicArn) {
    publishers.push(
      new SnsSummaryPublisher(new SNSClient(clientConfig(regionOf(settings.topicArn, defaultRegion))), {
        topicArn: settings.topicArn,
      }),
    );
  }
  return new CompositePublisher(publishers);
}
