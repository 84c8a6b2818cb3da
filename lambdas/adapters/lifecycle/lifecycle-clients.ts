import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import type { LifecycleConfig } from '../../core/lifecycle/settings';
import type { CheckFamily } from '../../core/lifecycle/types';
import type { FindingPublisher } from '../../core/publishing';
import { attachRequestCounter, clientConfig, type RequestCounter } from '../client-config';
import { EventBridgeFindingPublisher } from '../publish-eventbridge';
import { SnsChatPublisher, SnsDigestPublisher } from '../publish-sns';
import { regionOf } from '../publishers';
import type { LambdaRetrigger } from './retrigger';
import { DynamoLedgerStore } from './ledger-store';

export interface LifecycleClientOptions {
  readonly lifecycle: LifecycleConfig;
  readonly tableName: string;
  readonly eventBusName: string;
  readonly topicArn?: string;
  readonly runbookBaseUrl: string;
  /** The function's own region: the ledger's, and the default for bus and topic given by name. */
  readonly homeRegion: string;
  /** Counts the ledger's DynamoDB calls into the run's API-call figure. */
  readonly counter?: RequestCounter;
  /** The stateless publisher for a run whose ledger cannot be read. */
  readonly fallback: FindingPublisher;
  /** The built-in remediation (the credential check, with `autoRemediation` on). */
  readonly retrigger?: LambdaRetrigger;
  /** The hub: digests name each change's account. */
  readonly digestNamesAccounts?: boolean;
  /** The hub: no run summary event for a quiet member report (LifecycleStageOptions.quietRunSummaries). */
  readonly quietRunSummaries?: boolean;
}

/** The settings every publisher of a checker or the hub shares (core/settings.ts, core/fleet/hub-settings.ts). */
export interface PublishingSettings {
  readonly eventBusName: string;
  readonly topicArn?: string;
  readonly runbookBaseUrl: string;
}

/** The lifecycle's clients for the ledger `tableName`, from the shared publishing settings and the extras. */
export function lifecycleClientsFor(
  settings: PublishingSettings,
  lifecycle: LifecycleConfig,
  tableName: string,
  homeRegion: string,
  extras: Pick<
    LifecycleClientOptions,
    'counter' | 'fallback' | 'retrigger' | 'digestNamesAccounts' | 'quietRunSummaries'
  >,
): LifecycleClients {
  return createLifecycleClients({
    lifecycle,
    tableName,
    eventBusName: settings.eventBusName,
    ...(settings.topicArn ? { topicArn: settings.topicArn } : {}),
    runbookBaseUrl: settings.runbookBaseUrl,
    homeRegion,
    ...extras,
  });
}

/** What a lifecycle stage is built from (lambdas/app/lifecycle-stages.ts): settings, clients and publishers. */
export interface LifecycleClients extends Omit<
  LifecycleClientOptions,
  'counter' | 'topicArn' | 'eventBusName'
> {
  /** The DynamoDB client of the ledger (the function's region), for other tables there (the hub's heartbeats). */
  readonly dynamo: DynamoDBClient;
  /** The EventBridge publisher of the stages' bus. */
  readonly events: EventBridgeFindingPublisher;
  /** The topic's digest publisher; absent without a topic. */
  readonly digest?: SnsDigestPublisher;
  /** The chat topic's publisher (docs/chat.md); absent without a chat channel. */
  readonly chat?: SnsChatPublisher;
  /** The ledger of `family`; with `accountScope`, that account's part of it only (the hub). */
  ledgerFor(family: CheckFamily, accountScope?: string): DynamoLedgerStore;
}

/**
 * The lifecycle's AWS clients, created once per container, each with clientConfig (region, retries, timeouts; the
 * SDK's own AWS_ENDPOINT_URL* resolution applies), so the same wiring runs against AWS and the local emulator.
 */
export function createLifecycleClients(options: LifecycleClientOptions): LifecycleClients {
  const { counter, topicArn, eventBusName, ...rest } = options;
  const dynamo = new DynamoDBClient(clientConfig(options.homeRegion));
  if (counter) attachRequestCounter(dynamo, counter);
  const events = new EventBridgeFindingPublisher(
    new EventBridgeClient(clientConfig(regionOf(eventBusName, options.homeRegion))),
    { eventBusName },
  );
  // One SNS client per region: the digest and chat topics are normally in the same one.
  const snsClients = new Map<string, SNSClient>();
  const snsClientFor = (arn: string): SNSClient => {
    const region = regionOf(arn, options.homeRegion);
    const client = snsClients.get(region) ?? new SNSClient(clientConfig(region));
    snsClients.set(region, client);
    return client;
  };
  const digest = topicArn ? new SnsDigestPublisher(snsClientFor(topicArn), { topicArn }) : undefined;
  const chatTopicArn = options.lifecycle.chatTopicArn;
  const chat = chatTopicArn
    ? new SnsChatPublisher(snsClientFor(chatTopicArn), { topicArn: chatTopicArn })
    : undefined;
  return {
    ...rest,
    dynamo,
    events,
    ...(digest ? { digest } : {}),
    ...(chat ? { chat } : {}),
    ledgerFor: (family, accountScope) =>
      new DynamoLedgerStore(
        dynamo,
        options.tableName,
        family,
        accountScope === undefined ? {} : { accountScope },
      ),
  };
}
