import { DEFAULT_SETTINGS, MAX_EKS_CONNECTOR_PENDING_GRACE_MINUTES } from '../../lambdas/core/settings';
import { boolean, intBetween, number } from './config-fields';

/**
 * The EKS Connector check's configuration keys (docs/configuration.md "EKS Connector"): the credential
 * checker also checks the clusters registered with EKS through the EKS Connector in `regions`. On by default: its
 * reads (eks:ListClusters, eks:DescribeCluster, iam:GetRole) change nothing and cost nothing.
 */
export const eksConnectorConfigShape = {
  eksConnectorEnabled: boolean().default(true),
  eksConnectorPendingGraceMinutes: number(
    `must be a whole number of minutes from 1 to ${MAX_EKS_CONNECTOR_PENDING_GRACE_MINUTES} (3 days, the activation's lifetime)`,
    intBetween(1, MAX_EKS_CONNECTOR_PENDING_GRACE_MINUTES),
  ).default(DEFAULT_SETTINGS.eksConnectorPendingGraceMinutes),
};

export type EksConnectorConfigKey = keyof typeof eksConnectorConfigShape;

/** A valid example for each key, for the "how to fix" part of error messages. */
export const EKS_CONNECTOR_EXAMPLES = {
  eksConnectorEnabled: 'false',
  eksConnectorPendingGraceMinutes: String(DEFAULT_SETTINGS.eksConnectorPendingGraceMinutes),
} as const satisfies Record<EksConnectorConfigKey, string>;
