import { RequestCounter } from '../adapters/client-config';
import { DynamoHeartbeatStore } from '../adapters/fleet/heartbeat-store';
import { lifecycleClientsFor, type LifecycleClients } from '../adapters/lifecycle/lifecycle-clients';
import { createFindingPublisher } from '../adapters/publishers';
import type { HubSettings } from '../core/fleet/hub-settings';
import { LIFECYCLE_ENV, lifecycleSettingsFromEnvironment } from '../core/lifecycle/settings';
import { SettingsError } from '../core/settings';

/**
 * What both functions of an Organizations hub (docs/organizations.md) wire once per container: the lifecycle's
 * clients with digests that name each change's account, and the heartbeat table on the same DynamoDB client. The
 * hub cannot run without its findings ledger (it is what makes the hub notify changes only), so a missing
 * TMC_HEALTH_LEDGER_TABLE fails the cold start. It never remediates (re-triggering a member's Lambda needs a role
 * in that account) and never exports to Security Hub.
 */
export interface HubWiring {
  readonly region: string;
  readonly lifecycle: LifecycleClients;
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
  const lifecycle = lifecycleSettingsFromEnvironment(env);
  if (lifecycle.ledgerTableName === undefined) {
    throw new SettingsError(
      `Invalid fleet hub settings: ${LIFECYCLE_ENV.ledgerTableName}: required in the hub`,
    );
  }
  const clients = lifecycleClientsFor(settings, lifecycle, lifecycle.ledgerTableName, region, {
    counter,
    fallback: createFindingPublisher(settings, region),
    digestNamesAccounts: true,
    // The heartbeat table records every member run; only a report that changed something gets a run summary.
    quietRunSummaries: false,
  });
  const heartbeats = new DynamoHeartbeatStore(clients.dynamo, settings.fleetTableName);
  return { region, lifecycle: clients, heartbeats, counter };
}
