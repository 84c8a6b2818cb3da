import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import { LifecycleStage } from '../app/lifecycle-stage';
import {
  attachRequestCounter,
  DEFAULT_MAX_ATTEMPTS,
  requestHandlerOptions,
  regionClients,
  type RequestCounter,
} from '../adapters/clients';
import { DynamoLedgerStore } from '../adapters/lifecycle/ledger-store';
import { LambdaRetrigger } from '../adapters/lifecycle/retrigger';
import { EventBridgeFindingPublisher } from '../adapters/publish-eventbridge';
import { SnsDigestPublisher } from '../adapters/publish-sns';
import { createFindingPublisher, regionOf } from '../adapters/publishers';
import type { LifecycleConfig } from '../core/lifecycle/settings';
import type { CheckFamily } from '../core/lifecycle/types';

export interface LifecycleWiring {
  readonly family: CheckFamily;
  readonly lifecycle: LifecycleConfig;
  readonly eventBusName: string;
  readonly topicArn?: string;
  readonly runbookBaseUrl: string;
  /** The function's own region: the ledger's, and the default for bus and topic given by name. */
  readonly homeRegion: string;
  /** Wire the built-in remediation (credential check only, and only when `autoRemediation` is on). */
  readonly remediation: boolean;
  /** Counts the ledger's DynamoDB calls into the run's API-call figure. */
  readonly counter?: RequestCounter;
}

/**
 * The lifecycle stage with its AWS clients, created once per container; undefined without a ledger table (then
 * the function publishes statelessly). Only the SDK's standard configuration applies (region, endpoints from the
 * environment), so the same wiring runs against AWS and the local emulator.
 */
export function createLifecycleStage(wiring: LifecycleWiring): LifecycleStage | undefined {
  const tableName = wiring.lifecycle.ledgerTableName;
  if (tableName === undefined) return undefined;
  const config = (region: string) =>
    ({
      region,
      retryMode: 'adaptive',
      maxAttempts: DEFAULT_MAX_ATTEMPTS,
      // Bounded calls: a hung endpoint fails the publish (loudly) instead of eating the Lambda's timeout.
      requestHandler: requestHandlerOptions(),
    }) as const;
  const dynamo = new DynamoDBClient(config(wiring.homeRegion));
  if (wiring.counter) attachRequestCounter(dynamo, wiring.counter);
  const events = new EventBridgeFindingPublisher(
    new EventBridgeClient(config(regionOf(wiring.eventBusName, wiring.homeRegion))),
    { eventBusName: wiring.eventBusName },
  );
  const digest = wiring.topicArn
    ? new SnsDigestPublisher(new SNSClient(config(regionOf(wiring.topicArn, wiring.homeRegion))), {
        topicArn: wiring.topicArn,
      })
    : undefined;
  return new LifecycleStage(
    {
      settings: wiring.lifecycle,
      tableName,
      homeRegion: wiring.homeRegion,
      runbookBaseUrl: wiring.runbookBaseUrl,
    },
    {
      ledger: new DynamoLedgerStore(dynamo, tableName, wiring.family),
      events,
      ...(digest ? { digest } : {}),
      fallback: createFindingPublisher(wiring, wiring.homeRegion),
      ...(wiring.remediation && wiring.lifecycle.autoRemediation
        ? { retrigger: new LambdaRetrigger((region) => regionClients(region).lambda) }
        : {}),
    },
  );
}
