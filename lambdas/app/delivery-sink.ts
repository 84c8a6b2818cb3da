import type { CheckerDelivery } from '../adapters/delivery';
import type { LifecycleClients } from '../adapters/lifecycle/lifecycle-clients';
import type { CheckFamily } from '../core/lifecycle/types';
import { LifecycleStage, type DigestSink } from './lifecycle-stage';
import { forwardingSink, lifecycleSink, publishingSink, type RunSink } from './run-sink';

/**
 * The Lambdas' side of delivery: the container's delivery (lambdas/adapters/delivery.ts, read from the
 * environment) as a RunSink, and lifecycle stages on its clients. Apart from run-sink.ts so the CLI, which only
 * publishes statelessly, loads no lifecycle.
 */

/**
 * A lifecycle stage on the container's lifecycle clients. Stages are cheap: a checker builds one, the
 * Organizations hub one per member report, each with the ledger scoped to that member (`accountScope`).
 * `digest` replaces the topic's digest publisher (the hub intake's batch collector).
 */
export function lifecycleStageFor(
  clients: LifecycleClients,
  family: CheckFamily,
  accountScope?: string,
  overrides?: { readonly digest?: DigestSink },
): LifecycleStage {
  const digest = overrides?.digest ?? clients.digest;
  return new LifecycleStage(
    {
      settings: clients.lifecycle,
      tableName: clients.tableName,
      homeRegion: clients.homeRegion,
      runbookBaseUrl: clients.runbookBaseUrl,
      ...(clients.digestNamesAccounts ? { digestNamesAccounts: true } : {}),
      ...(clients.quietRunSummaries === false ? { quietRunSummaries: false } : {}),
    },
    {
      ledger: clients.ledgerFor(family, accountScope),
      events: clients.events,
      ...(digest ? { digest } : {}),
      ...(clients.chat ? { chat: clients.chat } : {}),
      fallback: clients.fallback,
      ...(clients.retrigger ? { retrigger: clients.retrigger } : {}),
    },
  );
}

/** The sink of a checker's delivery (lambdas/adapters/delivery.ts), its lifecycle stage built on its clients. */
export function runSinkFor(delivery: CheckerDelivery): RunSink {
  switch (delivery.kind) {
    case 'forward':
      return forwardingSink(delivery.forwarder);
    case 'lifecycle':
      return lifecycleSink(lifecycleStageFor(delivery.clients, delivery.family));
    case 'publish':
      return publishingSink(delivery.publisher);
  }
}
