import { memberSettingsFromEnvironment } from '../core/fleet/member-settings';
import { lifecycleSettingsFromEnvironment } from '../core/lifecycle/settings';
import type { CheckFamily } from '../core/lifecycle/types';
import type { FindingPublisher } from '../core/publishing';
import type { RequestCounter } from './client-config';
import { createRunReportForwarder, type RunReportForwarder } from './fleet/report-forwarder';
import {
  lifecycleClientsFor,
  type LifecycleClients,
  type PublishingSettings,
} from './lifecycle/lifecycle-clients';
import type { LambdaRetrigger } from './lifecycle/retrigger';
import { createFindingPublisher } from './publishers';

/**
 * Where a checker's runs go, read once from the environment: one of three, in this order.
 * - `forward` (member mode, TMC_HEALTH_HUB_EVENT_BUS set): each run's report to the hub bus; no ledger, topic
 *   or finding events of its own.
 * - `lifecycle` (a ledger table): transitions to EventBridge, a digest to SNS.
 * - `publish` (no ledger): every finding to EventBridge, a summary to SNS.
 * The Security Hub export is no part of it: its own function imports the finding events from the bus
 * (lambdas/handlers/security-hub-export.ts), so no checker bundles the Security Hub client.
 * lambdas/app/run-sink.ts turns it into the run's RunSink.
 */
export type CheckerDelivery =
  | { readonly kind: 'forward'; readonly family: CheckFamily; readonly forwarder: RunReportForwarder }
  | { readonly kind: 'lifecycle'; readonly family: CheckFamily; readonly clients: LifecycleClients }
  | { readonly kind: 'publish'; readonly family: CheckFamily; readonly publisher: FindingPublisher };

export interface CheckerDeliveryOptions {
  readonly family: CheckFamily;
  readonly settings: PublishingSettings;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The function's own region. */
  readonly homeRegion: string;
  /** Counts the ledger's DynamoDB calls into the run's API-call figure. */
  readonly counter?: RequestCounter;
  /** The built-in remediation, used when `autoRemediation` is on (the credential check passes it). */
  readonly retrigger?: LambdaRetrigger;
}

/** The delivery's clients, created here once per container. A bad environment throws a SettingsError. */
export function checkerDelivery(options: CheckerDeliveryOptions): CheckerDelivery {
  const { family, settings, env, homeRegion } = options;
  const { hubEventBusArn } = memberSettingsFromEnvironment(env);
  if (hubEventBusArn) {
    const { runbookBaseUrl } = settings;
    return {
      kind: 'forward',
      family,
      forwarder: createRunReportForwarder(hubEventBusArn, homeRegion, { runbookBaseUrl }),
    };
  }
  const publisher = createFindingPublisher(settings, homeRegion);
  const lifecycle = lifecycleSettingsFromEnvironment(env);
  if (lifecycle.ledgerTableName === undefined) return { kind: 'publish', family, publisher };
  const clients = lifecycleClientsFor(settings, lifecycle, lifecycle.ledgerTableName, homeRegion, {
    ...(options.counter ? { counter: options.counter } : {}),
    fallback: publisher,
    ...(options.retrigger && lifecycle.autoRemediation ? { retrigger: options.retrigger } : {}),
  });
  return { kind: 'lifecycle', family, clients };
}
