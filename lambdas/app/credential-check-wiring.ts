import { RequestCounter } from '../adapters/client-config';
import { countedRegionClients, regionClients } from '../adapters/clients';
import { checkerDelivery } from '../adapters/delivery';
import { countedEksConnectorClients } from '../adapters/eks-connector-clients';
import { gatherEksConnector } from '../adapters/gather-eks-connector';
import { gatherPodIdentity } from '../adapters/gather-pod-identity';
import { LambdaRetrigger } from '../adapters/lifecycle/retrigger';
import type { CheckerSettings } from '../core/settings';
import { runSinkFor } from './delivery-sink';

/**
 * What a credential-check container builds once: its delivery (hub, lifecycle or stateless, chosen from the
 * environment) and the clients of every family, each request counted for the run summary.
 */
export function credentialCheckWiring(settings: CheckerSettings, region: string, env: NodeJS.ProcessEnv) {
  const counter = new RequestCounter();
  const sink = runSinkFor(
    checkerDelivery({
      family: 'credentials',
      settings,
      env,
      homeRegion: region,
      counter,
      // The built-in remediation re-invokes the checked functions (autoRemediation), with the region clients.
      retrigger: new LambdaRetrigger((name) => regionClients(name).lambda),
    }),
  );
  const dependencies = {
    clientsFor: countedRegionClients(counter),
    eksConnectorClientsFor: countedEksConnectorClients(counter),
    gatherEksConnector,
    gatherPodIdentity,
    sink,
  };
  return { counter, dependencies };
}
