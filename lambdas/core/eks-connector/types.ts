/**
 * The EKS Connector check's data contract: what the adapter observed about the clusters registered with
 * EKS through the EKS Connector (ListClusters `include=all`, DescribeCluster, GetRole of the connector role), as
 * plain data. The pure evaluation (evaluate-eks-connector.ts) turns it into eks.connector.* findings.
 */
import type { RegionCalls } from '../checks/checker-findings';
import type { ApiFailure, Observed, SkippedRecord } from '../inventory';
import type { RoleTrust } from '../irsa/types';

/** `connectorConfig` of DescribeCluster, as far as the checks use it (the activation code is never returned). */
export interface ConnectorConfig {
  readonly activationId?: string;
  /** ISO-8601; absent or unreadable when the answer lacked it. */
  readonly activationExpiry?: string;
  /** `OTHER`, `EKS_ANYWHERE`, `TANZU`, ... as registered. */
  readonly provider?: string;
  /** The role Systems Manager assumes for the connector agent. */
  readonly roleArn?: string;
}

/** A cluster DescribeCluster showed with a `connectorConfig`: one registered through the EKS Connector. */
export interface RegisteredCluster {
  readonly name: string;
  readonly arn: string;
  /** `PENDING` | `ACTIVE` | `FAILED` | `UPDATING` | `DELETING` | `CREATING`. */
  readonly status: string;
  /** ISO-8601 time of the registration; absent or unreadable when the answer lacked it. */
  readonly createdAt?: string;
  readonly connectorConfig: ConnectorConfig;
}

/** A listed cluster whose DescribeCluster failed: whether it is a registered one is unknown. */
export interface UndescribedCluster {
  readonly name: string;
  readonly arn: string;
  readonly failure: ApiFailure;
}

export interface EksConnectorRegion extends RegionCalls {
  readonly region: string;
  /** ListClusters with `include=all`. When it failed, nothing below is complete. */
  readonly listing: Observed<{ readonly clusterCount: number }>;
  readonly clusters: readonly RegisteredCluster[];
  /** Listed clusters without a `connectorConfig`: EKS's own clusters, counted only. */
  readonly eksClusterCount: number;
  readonly undescribed: readonly UndescribedCluster[];
  /**
   * Every failed call of the region, connector-role reads (IAM, a global service) included: they are attributed
   * to each region whose clusters use the role, so their checker.error findings stay apart from the IRSA check's
   * (which reports IAM under `global`) and a failed read voids exactly this region's role findings.
   */
  readonly failures: readonly ApiFailure[];
  readonly succeededOperations: readonly string[];
  readonly skipped: readonly SkippedRecord[];
}

export interface EksConnectorSnapshot {
  readonly accountId: string;
  /** ISO-8601; the evaluation's "now" (pending age, activation expiry). */
  readonly observedAt: string;
  readonly regions: readonly EksConnectorRegion[];
  /** Keyed by connector role ARN; one GetRole per distinct role in the run. */
  readonly roles: Readonly<Record<string, Observed<RoleTrust>>>;
}

/**
 * Whether the region's registered clusters are all known: the listing succeeded and every listed cluster was
 * described. Only then can a registered cluster's absence mean it is gone (the run's covered regions).
 */
export function isRegionComplete(region: EksConnectorRegion): boolean {
  return region.listing.ok && region.undescribed.length === 0;
}
