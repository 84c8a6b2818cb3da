import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { SSMClient } from '@aws-sdk/client-ssm';
import { attachRequestCounter, clientConfig, type ClientOptions, type RequestCounter } from './client-config';
import { reportUnexpectedAnswers } from './unexpected-answer';

export interface RegionClients {
  readonly region: string;
  readonly tagging: ResourceGroupsTaggingAPIClient;
  readonly lambda: LambdaClient;
  readonly cloudwatch: CloudWatchClient;
  readonly events: EventBridgeClient;
  readonly ssm: SSMClient;
}

/**
 * Only `region`, retry and timeouts are set so the SDK's own resolution of AWS_ENDPOINT_URL(_<SERVICE>),
 * AWS_PROFILE and credentials applies unchanged: the same code runs against AWS, the CLI user's profile, and
 * the emulator.
 */
export function createRegionClients(region: string, options: ClientOptions = {}): RegionClients {
  const config = clientConfig(region, options);
  const clients = {
    region,
    tagging: new ResourceGroupsTaggingAPIClient(config),
    lambda: new LambdaClient(config),
    cloudwatch: new CloudWatchClient(config),
    events: new EventBridgeClient(config),
    ssm: new SSMClient(config),
  };
  reportUnexpectedAnswers(clients.tagging);
  reportUnexpectedAnswers(clients.lambda);
  reportUnexpectedAnswers(clients.cloudwatch);
  reportUnexpectedAnswers(clients.events);
  reportUnexpectedAnswers(clients.ssm);
  return clients;
}

// Module scope so a warm Lambda container reuses connections and the adaptive retry's rate state.
const cache = new Map<string, RegionClients>();

export function regionClients(region: string): RegionClients {
  let clients = cache.get(region);
  if (clients === undefined) {
    clients = createRegionClients(region);
    cache.set(region, clients);
  }
  return clients;
}

/** The container's region clients, counted so the run summary event and the ApiCalls metric say what a run cost. */
export function countedRegionClients(counter: RequestCounter): (region: string) => RegionClients {
  return (region) => {
    const clients = regionClients(region);
    attachRequestCounterToAll(clients, counter);
    return clients;
  };
}

export function attachRequestCounterToAll(clients: RegionClients, counter: RequestCounter): void {
  attachRequestCounter(clients.tagging, counter);
  attachRequestCounter(clients.lambda, counter);
  attachRequestCounter(clients.cloudwatch, counter);
  attachRequestCounter(clients.events, counter);
  attachRequestCounter(clients.ssm, counter);
}
