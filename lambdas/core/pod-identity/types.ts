/**
 * The EKS Pod Identity check's data contract: what the adapter (lambdas/adapters/gather-pod-identity.ts) observed of
 * each EKS cluster's Pod Identity associations, their IAM roles and the `eks-pod-identity-agent` add-on, as plain
 * data. The pure evaluation (evaluate-pod-identity.ts) turns it into pod-identity.* findings.
 */
import type { RegionCalls } from '../checks/checker-findings';
import type { ApiFailure, Observed, SkippedRecord } from '../inventory';
import type { RoleTrust } from '../irsa/types';

/** The EKS add-on that runs the Pod Identity agent on the nodes. */
export const POD_IDENTITY_AGENT_ADDON = 'eks-pod-identity-agent';

/** What DescribePodIdentityAssociation adds to the listing: the roles and how EKS assumes them. */
export interface AssociationDetails {
  /** The role EKS assumes for the pods; absent when the answer lacked it (its check is then ERROR). */
  readonly roleArn?: string;
  /** With role chaining: the role assumed with the association role's credentials, whose credentials the pods get. */
  readonly targetRoleArn?: string;
  /** The answer named a target role, but not as a role ARN: whether there is a target is unknown. */
  readonly targetRoleUnreadable?: boolean;
  /** EKS passes it as `sts:ExternalId` when assuming the target role. */
  readonly externalId?: string;
  /** True: EKS adds no session tags (`kubernetes-namespace`, ...) when it assumes the role. */
  readonly disableSessionTags: boolean;
}

/** One association, as ListPodIdentityAssociations named it. */
export interface PodIdentityAssociation {
  readonly associationId: string;
  readonly associationArn: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  /** Set when an EKS add-on owns the association (it created it for its own service account). */
  readonly ownerArn?: string;
  /** DescribePodIdentityAssociation; a failed one leaves the roles unknown (its checks ERROR). */
  readonly details: Observed<AssociationDetails>;
}

/** One issue of the add-on's `health`, bounded and cleaned by the adapter (the message is free text). */
export interface AddonIssue {
  readonly code: string;
  readonly message: string;
  readonly resourceIds: readonly string[];
}

/** The `eks-pod-identity-agent` add-on as DescribeAddon answered. */
export type AgentAddon =
  | {
      readonly installed: true;
      readonly arn?: string;
      /** `ACTIVE`, `CREATING`, `UPDATING`, `DEGRADED`, `CREATE_FAILED`, ... as EKS reports it. */
      readonly status: string;
      readonly version?: string;
      /** At most MAX_ADDON_ISSUES of them. */
      readonly issues: readonly AddonIssue[];
      /** How many issues the answer held, the ones left out included. */
      readonly issueCount: number;
    }
  | {
      readonly installed: false;
      /**
       * DescribeCluster's `computeConfig.enabled`: EKS Auto Mode clusters run the agent themselves, without the
       * add-on. A failed read leaves it unknown (the check is then ERROR).
       */
      readonly autoMode: Observed<boolean>;
    };

/** The most add-on health issues kept per cluster, and the longest message of one (the rest is cut). */
export const MAX_ADDON_ISSUES = 10;
export const MAX_ADDON_ISSUE_CHARS = 512;

/** One EKS cluster of the region. */
export interface PodIdentityCluster {
  readonly name: string;
  readonly arn: string;
  /** ListPodIdentityAssociations, every page. When it failed, the cluster's associations are unknown. */
  readonly listing: Observed<{ readonly associationCount: number }>;
  readonly associations: readonly PodIdentityAssociation[];
  /** Read only for a cluster with associations: one without any needs no agent. */
  readonly agent?: Observed<AgentAddon>;
}

export interface PodIdentityRegion extends RegionCalls {
  readonly region: string;
  /** ListClusters (EKS clusters only: registered ones cannot have associations). */
  readonly listing: Observed<{ readonly clusterCount: number }>;
  readonly clusters: readonly PodIdentityCluster[];
  /**
   * Every failed call of the region, role reads (IAM, global) included: like the EKS Connector's, they are
   * attributed to each region whose associations use the role.
   */
  readonly failures: readonly ApiFailure[];
  readonly succeededOperations: readonly string[];
  readonly skipped: readonly SkippedRecord[];
}

export interface PodIdentitySnapshot {
  readonly accountId: string;
  readonly observedAt: string;
  readonly regions: readonly PodIdentityRegion[];
  /** Association roles and target roles of this account, keyed by ARN: one GetRole per distinct role and run. */
  readonly roles: Readonly<Record<string, Observed<RoleTrust>>>;
}

/**
 * Whether every association of the region is known: the clusters were listed and so were each one's
 * associations. Only then can an association's absence mean it is gone (the run's covered regions).
 */
export function isPodIdentityRegionComplete(region: PodIdentityRegion): boolean {
  return region.listing.ok && region.clusters.every((cluster) => cluster.listing.ok);
}
