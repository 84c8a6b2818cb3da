import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import { LifecycleStage, type DigestSink } from '../app/lifecycle-stage';
import {
  attachRequestCounter,
  DEFAULT_MAX_ATTEMPTS,
  requestHandlerOptions,
  type RequestCounter,
} from '../adapters/client-config';
import { regionClients } from '../adapters/clients';
import { DynamoLedgerStore } from '../adapters/lifecycle/ledger-store';
import { LambdaRetrigger } from '../adapters/lifecycle/retrigger';
import { EventBridgeFindingPublisher } from '../adapters/publish-eventbridge';
import { createSecurityHubPublisher } from '../adapters/publish-security-hub';
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
  /** Also import the transitions into Security Hub (the home region's); off in an Organizations hub. */
  readonly securityHubExport?: boolean;
}

/** The lifecycle's AWS clients, created once per container, and the stages built on them. */
export interface LifecyclePlumbing {
  /**
   * A stage whose ledger lists `family`'s open entries; with `accountScope`, that account's only (the hub).
   * `digest` replaces the topic's digest publisher (the hub intake's batch collector).
   */
  stageFor(
    family: CheckFamily,
    accountScope?: string,
    overrides?: { readonly digest?: DigestSink },
  ): LifecycleStage;
  /** The topic's digest publisher; absent without a topic. */
  readonly digest?: DigestSink;
  /** The DynamoDB client of the ledger (the function's region), for other tables there (the hub's heartbeats). */
  readonly dynamo: DynamoDBClient;
  /** The EventBridge publisher of the stages' bus. */
  readonly events: EventBridgeFindingPublisher;
  readonly tableName: string;
}

/**
 * The lifecycle clients, created once per container; undefined without a ledger table (then the function
 * publishes statelessly). Only the SDK's standard configuration applies (region, endpoints from the environment),
 * so the same wiring runs against AWS and the local emulator. Stages are cheap: the Organizations hub builds one
 * per member report, each with the ledger scoped to that member (`stageFor(family, accountId)`).
 */
export function createLifecyclePlumbing(
  wiring: Omit<LifecycleWiring, 'family'> & {
    /** The hub: digests name each change's account (LifecycleStageOptions.digestNamesAccounts). */
    readonly digestNamesAccounts?: boolean;
  },
): LifecyclePlumbing | undefined {
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
  const securityHub = wiring.securityHubExport ? createSecurityHubPublisher(wiring.homeRegion) : undefined;
  const fallback = createFindingPublisher(wiring, wiring.homeRegion, securityHub ? [securityHub] : []);
  const retrigger =
    wiring.remediation && wiring.lifecycle.autoRemediation
      ? new LambdaRetrigger((region) => regionClients(region).lambda)
      : undefined;
  return {
    dynamo,
    events,
    tableName,
    ...(digest ? { digest } : {}),
    stageFor: (family, accountScope, overrides) => {
      const digestSink = overrides?.digest ?? digest;
      return new LifecycleStage(
        {
          settings: wiring.lifecycle,
          tableName,
          homeRegion: wiring.homeRegion,
          runbookBaseUrl: wiring.runbookBaseUrl,
          ...(wiring.digestNamesAccounts ? { digestNamesAccounts: true } : {}),
        },
        {
          ledger: new DynamoLedgerStore(
            dynamo,
            tableName,
            family,
            accountScope === undefined ? {} : { accountScope },
          ),
          events,
          ...(digestSink ? { digest: digestSink } : {}),
          ...(securityHub ? { securityHub } : {}),
          fallback,
          ...(retrigger ? { retrigger } : {}),
        },
      );
    },
  };
}

/** The single-account stage of one family (the checkers): undefined without a ledger table. */
export function createLifecycleStage(wiring: LifecycleWiring): LifecycleStage | undefined {
  return createLifecyclePlumbing(wiring)?.stageFor(wiring.family);
}
