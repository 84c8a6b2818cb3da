import { EKSClient } from '@aws-sdk/client-eks';
import { IAMClient } from '@aws-sdk/client-iam';
import { attachRequestCounter, clientConfig, type ClientOptions, type RequestCounter } from './client-config';
import { reportUnexpectedAnswers } from './unexpected-answer';

/**
 * The EKS Connector check's clients: EKS per region, and IAM for the connector roles. Kept apart from
 * RegionClients so only the credential checker bundles the EKS client (about 70 KB minified).
 */
export interface EksConnectorClients {
  readonly eks: EKSClient;
  /** IAM is global: GetRole is sent from the first checked region's client. */
  readonly iam: IAMClient;
}

/** Like createRegionClients: region, adaptive retry, timeouts, credentials; AWS_ENDPOINT_URL_EKS/_IAM apply. */
export function createEksConnectorClients(region: string, options: ClientOptions = {}): EksConnectorClients {
  const config = clientConfig(region, options);
  const clients = { eks: new EKSClient(config), iam: new IAMClient(config) };
  reportUnexpectedAnswers(clients.eks);
  reportUnexpectedAnswers(clients.iam);
  return clients;
}

// Module scope so a warm Lambda container reuses connections and the adaptive retry's rate state.
const cache = new Map<string, EksConnectorClients>();

export function eksConnectorClients(region: string): EksConnectorClients {
  let clients = cache.get(region);
  if (clients === undefined) {
    clients = createEksConnectorClients(region);
    cache.set(region, clients);
  }
  return clients;
}

/** The container's EKS Connector clients (also Pod Identity's), counted like the region clients. */
export function countedEksConnectorClients(counter: RequestCounter): (region: string) => EksConnectorClients {
  return (region) => {
    const clients = eksConnectorClients(region);
    attachRequestCounterToEksConnector(clients, counter);
    return clients;
  };
}

export function attachRequestCounterToEksConnector(
  clients: EksConnectorClients,
  counter: RequestCounter,
): void {
  attachRequestCounter(clients.eks, counter);
  attachRequestCounter(clients.iam, counter);
}
