import { RequestCounter } from '../adapters/client-config';
import { checkerDelivery } from '../adapters/delivery';
import { countIrsaClients, createIrsaClients } from '../adapters/irsa/clients';
import type { IrsaSettings } from '../core/irsa/settings';
import { runSinkFor } from './delivery-sink';

/**
 * What an IRSA-check container builds once: its clients (each request counted for the run summary), the
 * scheduled scan's delivery, and the real-time path's (none in member mode, whose events would go to the hub:
 * lib/config/irsa-config-schema.ts refuses real time there).
 */
export function irsaCheckWiring(settings: IrsaSettings, region: string, env: NodeJS.ProcessEnv) {
  const counter = new RequestCounter();
  const clients = countIrsaClients(createIrsaClients(settings, region), counter);
  const sink = runSinkFor(checkerDelivery({ family: 'irsa', settings, env, homeRegion: region, counter }));
  const realtimeSink =
    sink.kind === 'forward' ? {} : { sink, ...(sink.isOpen ? { isOpen: sink.isOpen } : {}) };
  return { counter, clients, sink, realtimeSink };
}
