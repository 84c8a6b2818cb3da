import {
  DescribeClusterCommand,
  ListClustersCommand,
  type Cluster,
  type EKSClient,
} from '@aws-sdk/client-eks';
import type {
  EksConnectorRegion,
  EksConnectorSnapshot,
  RegisteredCluster,
  UndescribedCluster,
} from '../core/eks-connector/types';
import type { Observed, SkippedRecord } from '../core/inventory';
import { toApiFailure } from './aws-error';
import type { EksConnectorClients } from './eks-connector-clients';
import { CallLog } from './gather-call-log';
import { mapWithConcurrency } from './gather-concurrency';
import type { RunDeadline } from './deadline';
import { forEachPage, MalformedResponseError, requiredList } from './pagination';
import { RoleCache } from './role-cache';

/**
 * The EKS Connector check's reads, read-only: per region ListClusters with `include=all` (EKS's own
 * clusters and the ones registered through the EKS Connector), DescribeCluster of each (only its answer tells a
 * registered cluster, by its `connectorConfig`), and GetRole of each distinct connector role once per run. Nothing
 * here changes a cluster or a role. Never throws for an AWS error: failures are data in the snapshot.
 */

export interface EksConnectorGatherInput {
  readonly accountId: string;
  readonly regions: readonly string[];
  readonly now: Date;
  /** `iam` of the first region's clients reads the roles (IAM is global). */
  readonly clientsFor: (region: string) => EksConnectorClients;
  /** No AWS call starts after it: each one not made is a DeadlineExceeded failure (its checks ERROR). */
  readonly deadline?: RunDeadline;
}

/** Regions have their own endpoints and quotas (as in gather-inventory.ts). */
const REGION_CONCURRENCY = 8;
/** DescribeCluster calls in flight per region: EKS's read quotas are per account and region, shared. */
export const DESCRIBE_CONCURRENCY = 5;
/** The most ListClusters returns per page. */
const PAGE_SIZE = 100;

export async function gatherEksConnector(input: EksConnectorGatherInput): Promise<EksConnectorSnapshot> {
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

/** Anything unexpected (a bug, a client that cannot be built) is this region's failed listing, not the run's end. */
async function gatherRegionSafely(
  region: string,
  input: EksConnectorGatherInput,
  roles: RoleCache,
): Promise<EksConnectorRegion> {
  try {
    return await gatherRegion(region, input, roles);
  } catch (error) {
    const failure = toApiFailure(error, { service: 'checker', operation: 'GatherEksConnector', region });
    const log = new CallLog(region);
    log.recordFailure(failure);
    return {
      region,
      listing: { ok: false, failure },
      clusters: [],
      eksClusterCount: 0,
      undescribed: [],
      failures: log.failures,
      succeededOperations: log.succeededOperations,
      skipped: [],
    };
  }
}

async function gatherRegion(
  region: string,
  input: EksConnectorGatherInput,
  roles: RoleCache,
): Promise<EksConnectorRegion> {
  const { eks } = input.clientsFor(region);
  const log = new CallLog(region, input.deadline);
  const skipped: SkippedRecord[] = [];
  const listed = await log.run('eks', 'ListClusters', () => listClusterNames(eks, skipped));
  if (!listed.ok) {
    return {
      region,
      listing: listed,
      clusters: [],
      eksClusterCount: 0,
      undescribed: [],
      failures: log.failures,
      succeededOperations: log.succeededOperations,
      skipped,
    };
  }

  // One branch per cluster, appended in listing order: failures keep a fixed order whichever answered first.
  const branches = listed.value.map(() => log.branch());
  const described = await mapWithConcurrency(listed.value, DESCRIBE_CONCURRENCY, (name, index) =>
    describeCluster(eks, branches[index] as CallLog, region, input.accountId, name),
  );
  log.append(...branches);

  const clusters: RegisteredCluster[] = [];
  const undescribed: UndescribedCluster[] = [];
  let eksClusterCount = 0;
  described.forEach((outcome, index) => {
    const name = listed.value[index] as string;
    const arn = clusterArn(region, input.accountId, name);
    if (!outcome.ok) undescribed.push({ name, arn, failure: outcome.failure });
    else if (outcome.value === 'eks') eksClusterCount += 1;
    else if (outcome.value !== 'gone') clusters.push(outcome.value);
  });

  // Each distinct connector role once per run (the cache), recorded in every region whose clusters use it.
  const roleArns = [...new Set(clusters.flatMap((cluster) => cluster.connectorConfig.roleArn ?? []))].sort();
  for (const roleArn of roleArns) {
    await log.run('iam', 'GetRole', () => roles.read(roleArn), { resourceArn: roleArn });
  }

  return {
    region,
    listing: { ok: true, value: { clusterCount: listed.value.length } },
    clusters,
    eksClusterCount,
    undescribed,
    failures: log.failures,
    succeededOperations: log.succeededOperations,
    skipped,
  };
}

/** Every cluster name of the region, registered ones included; malformed entries counted and skipped. */
async function listClusterNames(eks: EKSClient, skipped: SkippedRecord[]): Promise<string[]> {
  const names: string[] = [];
  await forEachPage(
    'ListClusters',
    (nextToken) =>
      eks.send(
        new ListClustersCommand({
          include: ['all'],
          maxResults: PAGE_SIZE,
          ...(nextToken ? { nextToken } : {}),
        }),
      ),
    (page) => page.nextToken,
    (page) => {
      for (const entry of requiredList('ListClusters', 'clusters', page.clusters) as unknown[]) {
        if (typeof entry !== 'string' || entry.trim() === '') {
          skipped.push({
            source: 'eks:ListClusters',
            reason: 'cluster name is not a non-empty string',
            detail: JSON.stringify(entry)?.slice(0, 100) ?? String(entry),
          });
        } else if (names.includes(entry)) {
          skipped.push({ source: 'eks:ListClusters', reason: 'cluster listed twice', detail: entry });
        } else names.push(entry);
      }
    },
  );
  return names;
}

type Described = RegisteredCluster | 'eks' | 'gone';

/**
 * One cluster's DescribeCluster: a registered cluster, `eks` for one of EKS's own (no connectorConfig), or `gone`
 * when it was deleted or deregistered since the listing (ResourceNotFoundException: an observation, not an error).
 */
async function describeCluster(
  eks: EKSClient,
  log: CallLog,
  region: string,
  accountId: string,
  name: string,
): Promise<Observed<Described>> {
  const arn = clusterArn(region, accountId, name);
  const outcome = await log.runFindable(
    'eks',
    'DescribeCluster',
    async () => toDescribed((await eks.send(new DescribeClusterCommand({ name }))).cluster, name, arn),
    { resourceArn: arn },
  );
  if (!outcome.ok) return outcome;
  return { ok: true, value: outcome.value ?? 'gone' };
}

/** The answer must name the cluster's status; the fields only some checks need may be absent (those ERROR). */
function toDescribed(cluster: Cluster | undefined, name: string, fallbackArn: string): Described {
  if (cluster === undefined || cluster === null || typeof cluster !== 'object') {
    throw new MalformedResponseError('DescribeCluster', `no cluster for ${name}`);
  }
  const status: unknown = cluster.status;
  if (typeof status !== 'string' || status === '') {
    throw new MalformedResponseError('DescribeCluster', `no status for ${name}`);
  }
  const config = cluster.connectorConfig;
  if (config === undefined || config === null) return 'eks';
  const createdAt = isoOf(cluster.createdAt);
  const activationExpiry = isoOf(config.activationExpiry);
  return {
    name,
    arn: typeof cluster.arn === 'string' && cluster.arn !== '' ? cluster.arn : fallbackArn,
    status,
    ...(createdAt === undefined ? {} : { createdAt }),
    connectorConfig: {
      ...(nonEmpty(config.activationId) ? { activationId: config.activationId } : {}),
      ...(activationExpiry === undefined ? {} : { activationExpiry }),
      ...(nonEmpty(config.provider) ? { provider: config.provider } : {}),
      ...(nonEmpty(config.roleArn) ? { roleArn: config.roleArn } : {}),
    },
  };
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

/** The SDK parses timestamps to Date; anything unreadable is absent (the check that needs it is then ERROR). */
function isoOf(value: unknown): string | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return new Date(value).toISOString();
  return undefined;
}

/** The partition of a region (`cn-*`: aws-cn, `us-gov-*`: aws-us-gov, `us-iso*`/`eu-isoe-*`: their own). */
export function partitionOfRegion(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('eu-isoe-')) return 'aws-iso-e';
  return 'aws';
}

/** A cluster's ARN from its name, for failures about it (DescribeCluster answers with the real one). */
export function clusterArn(region: string, accountId: string, name: string): string {
  return `arn:${partitionOfRegion(region)}:eks:${region}:${accountId}:cluster/${name}`;
}
