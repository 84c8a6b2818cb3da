import { ListClustersCommand, type EKSClient } from '@aws-sdk/client-eks';
import type { Observed, SkippedRecord } from '../core/inventory';
import type {
  AgentAddon,
  PodIdentityCluster,
  PodIdentityRegion,
  PodIdentitySnapshot,
} from '../core/pod-identity/types';
import { accountOfArn } from '../core/pod-identity/request-context';
import { toApiFailure } from './aws-error';
import type { EksConnectorClients } from './eks-connector-clients';
import { CallLog } from './gather-call-log';
import { mapWithConcurrency } from './gather-concurrency';
import type { RunDeadline } from './deadline';
import { clusterArn } from './gather-eks-connector';
import { forEachPage, requiredList } from './pagination';
import { describeAgent } from './pod-identity/agent-reader';
import { describeAssociations, listAssociations } from './pod-identity/association-reader';
import { CLUSTER_NAME, skip } from './pod-identity/answer-shapes';
import { RoleCache } from './role-cache';

/**
 * The EKS Pod Identity check's reads, read-only: per region ListClusters (EKS's own clusters: registered ones
 * cannot have associations), per cluster ListPodIdentityAssociations (every page, bounded), per association
 * DescribePodIdentityAssociation (only it names the roles), per cluster that has associations DescribeAddon of
 * `eks-pod-identity-agent` (and DescribeCluster when the add-on is absent: EKS Auto Mode runs the agent itself),
 * and GetRole of each distinct role of this account once per run. Nothing here changes a cluster, an association
 * or a role. Never throws for an AWS error: failures are data in the snapshot.
 */

export interface PodIdentityGatherInput {
  readonly accountId: string;
  readonly regions: readonly string[];
  readonly now: Date;
  /** The EKS and IAM clients per region (the EKS Connector's); `iam` of the first region reads the roles. */
  readonly clientsFor: (region: string) => EksConnectorClients;
  /** No AWS call starts after it: each one not made is a DeadlineExceeded failure (its checks ERROR). */
  readonly deadline?: RunDeadline;
}

/** Regions have their own endpoints and quotas (as in gather-inventory.ts). */
const REGION_CONCURRENCY = 8;
/** EKS calls in flight per region: EKS's read quotas are per account and region, shared with everything else. */
export const EKS_CALL_CONCURRENCY = 5;
/** The most ListClusters returns per page. */
const PAGE_SIZE = 100;

export async function gatherPodIdentity(input: PodIdentityGatherInput): Promise<PodIdentitySnapshot> {
  const homeRegion = input.regions[0];
  const roles = new RoleCache(
    homeRegion === undefined ? undefined : input.clientsFor(homeRegion).iam,
    input.accountId,
  );
  const regions = await mapWithConcurrency(input.regions, REGION_CONCURRENCY, (region) =>
    gatherRegionSafely(region, input, roles),
  );
  return {
    accountId: input.accountId,
    observedAt: input.now.toISOString(),
    regions,
    roles: roles.observations(),
  };
}

function emptyRegion(
  region: string,
  listing: PodIdentityRegion['listing'],
  log: CallLog,
  skipped: SkippedRecord[],
): PodIdentityRegion {
  return {
    region,
    listing,
    clusters: [],
    failures: log.failures,
    succeededOperations: log.succeededOperations,
    skipped,
  };
}

/** Anything unexpected (a bug, a client that cannot be built) is this region's failed listing, not the run's end. */
async function gatherRegionSafely(
  region: string,
  input: PodIdentityGatherInput,
  roles: RoleCache,
): Promise<PodIdentityRegion> {
  try {
    return await gatherRegion(region, input, roles);
  } catch (error) {
    const failure = toApiFailure(error, { service: 'checker', operation: 'GatherPodIdentity', region });
    const log = new CallLog(region);
    log.recordFailure(failure);
    return emptyRegion(region, { ok: false, failure }, log, []);
  }
}

async function gatherRegion(
  region: string,
  input: PodIdentityGatherInput,
  roles: RoleCache,
): Promise<PodIdentityRegion> {
  const { eks } = input.clientsFor(region);
  const log = new CallLog(region, input.deadline);
  const skipped: SkippedRecord[] = [];
  const listed = await log.run('eks', 'ListClusters', () => listClusterNames(eks, skipped));
  if (!listed.ok) return emptyRegion(region, listed, log, skipped);

  const names = listed.value;
  const arns = names.map((name) => clusterArn(region, input.accountId, name));
  // One CallLog branch per cluster and step, appended in listing order: failures keep a fixed order.
  const listings = await inBranches(log, names, (name, branch, index) =>
    listAssociations(
      eks,
      branch,
      { name, arn: arns[index] as string, region, accountId: input.accountId },
      skipped,
    ),
  );
  const clusters = await inBranches(
    log,
    names,
    async (name, branch, index): Promise<PodIdentityCluster | undefined> => {
      const listing = listings[index] as Awaited<ReturnType<typeof listAssociations>>;
      const arn = arns[index] as string;
      if (!listing.ok) return { name, arn, listing, associations: [] };
      const associations = await describeAssociations(eks, branch, name, listing.value, skipped);
      const agent: Observed<AgentAddon> | 'gone' | undefined =
        associations.length > 0 ? await describeAgent(eks, branch, name, arn, skipped) : undefined;
      if (agent === 'gone') return undefined;
      return {
        name,
        arn,
        listing: { ok: true, value: { associationCount: listing.value.length } },
        associations,
        ...(agent === undefined ? {} : { agent }),
      };
    },
  );
  const present = clusters.filter((cluster): cluster is PodIdentityCluster => cluster !== undefined);

  // Each distinct role of this account once per run (the cache), recorded in every region whose associations
  // use it. A role of another account is not read: GetRole by name would read this account's role of that name.
  const roleArns = [
    ...new Set(
      present.flatMap((cluster) =>
        cluster.associations.flatMap((association) =>
          association.details.ok
            ? [association.details.value.roleArn, association.details.value.targetRoleArn]
            : [],
        ),
      ),
    ),
  ]
    .filter((arn): arn is string => arn !== undefined && accountOfArn(arn) === input.accountId)
    .sort();
  for (const roleArn of roleArns) {
    await log.run('iam', 'GetRole', () => roles.read(roleArn), { resourceArn: roleArn });
  }

  return {
    region,
    listing: { ok: true, value: { clusterCount: names.length } },
    clusters: present,
    failures: log.failures,
    succeededOperations: log.succeededOperations,
    skipped,
  };
}

/** `fn` per cluster, EKS_CALL_CONCURRENCY at once, each with its own branch of the region's log. */
async function inBranches<R>(
  log: CallLog,
  names: readonly string[],
  fn: (name: string, branch: CallLog, index: number) => Promise<R>,
): Promise<R[]> {
  const branches = names.map(() => log.branch());
  const results = await mapWithConcurrency(names, EKS_CALL_CONCURRENCY, (name, index) =>
    fn(name, branches[index] as CallLog, index),
  );
  log.append(...branches);
  return results;
}

/** The region's EKS cluster names (no `include`: registered clusters have no associations); malformed skipped. */
async function listClusterNames(eks: EKSClient, skipped: SkippedRecord[]): Promise<string[]> {
  const names: string[] = [];
  await forEachPage(
    'ListClusters',
    (nextToken) =>
      eks.send(new ListClustersCommand({ maxResults: PAGE_SIZE, ...(nextToken ? { nextToken } : {}) })),
    (page) => page.nextToken,
    (page) => {
      for (const entry of requiredList('ListClusters', 'clusters', page.clusters) as unknown[]) {
        if (typeof entry !== 'string' || !CLUSTER_NAME.test(entry)) {
          skip(skipped, 'eks:ListClusters', 'cluster name is not an EKS cluster name', entry);
        } else if (names.includes(entry)) {
          skip(skipped, 'eks:ListClusters', 'cluster listed twice', entry);
        } else names.push(entry);
      }
    },
  );
  return names;
}
