import { DynamoHeartbeatStore } from '../adapters/fleet/heartbeat-store';
import { RequestCounter } from '../adapters/client-config';
import type { HubSettings } from '../core/fleet/hub-settings';
import { LIFECYCLE_ENV, lifecycleSettingsFromEnvironment } from '../core/lifecycle/settings';
import { SettingsError } from '../core/settings';
import { createLifecyclePlumbing, type LifecyclePlumbing } from './lifecycle-wiring';

/**
 * What both functions of an Organizations hub (docs/organizations.md) wire once per container: the lifecycle's
 * clients with digests that name each change's account, and the heartbeat table on the same DynamoDB client. The
 * hub cannot run without its findings ledger (it is what makes the hub notify changes only), so a missing
 * TMC_HEALTH_LEDGER_TABLE fails the cold start.
 */
export interface HubWiring {
  readonly region: string;
  readonly lifecycle: LifecyclePlumbing;
  readonly heartbeats: DynamoHeartbeatStore;
  /** Counts the DynamoDB calls (ledger and heartbeats) into the run's API-call figure. */
  readonly counter: RequestCounter;
}

export function createHubWiring(
  settings: HubSettings,
  env: Readonly<Record<string, string | undefined>>,
): HubWiring {
  const region = env.AWS_REGION ?? 'us-east-1';
  const counter = new RequestCounter();
  const lifecycle = createLifecyclePlumbing({
    lifecycle: lifecycleSettingsFromEnvironment(env),
    eventBusName: settings.eventBusName,
    ...(settings.topicArn ? { topicArn: settings.topicArn } : {}),
    runbookBaseUrl: settings.runbookBaseUrl,
    homeRegion: region,
    // Re-triggering a member's Lambda needs a role in that account: the hub never remediates.
    remediation: false,
    counter,
    digestNamesAccounts: true,
  });
  if (lifecycle === undefined) {
    throw new SettingsError(
      `Invalid fleet hub settings: ${LIFECYCLE_ENV.ledgerTableName}: required in the hub`,
    );
  }
  return {
    region,
    lifecycle,
    heartbeats: new DynamoHeartbeatStore(lifecycle.dynamo, settings.fleetTableName),
    counter,
  };
}

/** The function's own account, from its ARN (`arn:aws:lambda:<region>:<account>:function:<name>`). */
export function accountOfFunction(invokedFunctionArn: string): string {
  return invokedFunctionArn.split(':')[4] ?? '';
}
