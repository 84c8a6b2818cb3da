import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { ApiFailure, Observed } from '../../core/inventory';
import { rolesToDiagnose } from '../../core/irsa/evaluate-irsa';
import { planIrsaRegions, type IrsaRegionPlan } from '../../core/irsa/scan-regions';
import type { IrsaSettings } from '../../core/irsa/settings';
import type {
  IrsaSnapshot,
  OidcProvider,
  RoleTrust,
  ScannedRange,
  TimeRange,
  TrailScan,
} from '../../core/irsa/types';
import {
  planScan,
  settle,
  unreadWatermark,
  type PlannedRange,
  type SeenEvent,
  type Watermark,
} from '../../core/irsa/watermark';
import { DEADLINE_ERROR_NAME } from '../../core/deadline';
import { toApiFailure } from '../aws-error';
import { DeadlineError, NO_DEADLINE, type RunDeadline } from '../deadline';
import { mapWithConcurrency } from '../gather-concurrency';
import type { RetryOptions } from '../retry';
import type { DynamoClaimStore } from './claim-store';
import { scanRegion } from './cloudtrail-scanner';
import { IamReader } from './iam-reader';
import { TokenBucket } from './rate-limiter';
import type { SaveResult, WatermarkStore } from './watermark-store';

export interface IrsaClients {
  readonly cloudTrailFor: (region: string) => CloudTrailClient;
  readonly iam: IAMClient;
  /** Absent when no watermark table is configured (the CLI): every run scans the lookback window. */
  readonly watermarkStore?: WatermarkStore;
  /** One limiter per region; by default a fresh one per run (runs are minutes apart, so nothing to carry over). */
  readonly limiterFor?: (region: string) => TokenBucket;
  /** Outer retry of LookupEvents throttles (tests inject a fake sleep). */
  readonly retry?: RetryOptions;
  /**
   * Present when IRSA real time is on (docs/irsa-realtime.md): real-time invocations claim denials here, and
   * scans take a lease on their window and drop (then fold into the watermark) what was claimed.
   */
  readonly claimStore?: Pick<DynamoClaimStore, 'beginScan' | 'endScan'>;
}

export interface GatherIrsaInput {
  readonly accountId: string;
  /**
   * The region the code runs in. With `settings.regions` empty the scan reads it, us-east-1 and every region
   * the account's EKS OIDC providers name (listed first for that); otherwise exactly `settings.regions`.
   */
  readonly defaultRegion: string;
  /** Told the plan before any region is read (the CLI's progress counts regions from it). */
  readonly onRegionPlan?: (plan: readonly IrsaRegionPlan[]) => void;
  readonly settings: IrsaSettings;
  readonly now: Date;
  readonly clients: IrsaClients;
  /**
   * No region, CloudTrail page or IAM read starts after it. A region not started keeps its stored watermark;
   * a scan cut keeps its unread range as a gap (like the page budget); each cut is a DeadlineExceeded failure.
   */
  readonly deadline?: RunDeadline;
  /**
   * With `clients.claimStore`: each region's scan leases its window until then (the run has certainly ended by
   * it), so no real-time claim is taken on a denial it may count. Absent: no lease (a dry run saves nothing).
   */
  readonly leaseUntil?: Date;
}

export interface WatermarkToSave {
  readonly region: string;
  readonly watermark: Watermark;
  /** The version read at the start of the run: the write succeeds only if it is still current. */
  readonly expectedVersion: number;
  /**
   * For a region without a watermark yet: what to save if publishing fails (everything planned, unread), so the
   * next run still starts from this run's window instead of its own, later, lookback.
   */
  readonly ifPublishFails?: Watermark;
}

/** A region whose scan holds a lease: released after the commit, with the claims folded if its save succeeded. */
export interface ScanLeaseHeld {
  readonly region: string;
  /**
   * The real-time claims `watermark` accounts for (folded in, or at a time no scan reads again): dropped from the
   * claims item once it is saved. Claims beyond the watermark's id budget stay claimed for the next scan.
   */
  readonly claims: readonly SeenEvent[];
}

/** What the run's summary says about one region. */
export interface RegionScanReport {
  readonly region: string;
  /** `none`: first run or no store; `unreadable`: item invalid; `failed`: the store could not be read. */
  readonly watermark: 'loaded' | 'none' | 'unreadable' | 'failed';
  readonly planned: readonly PlannedRange[];
  readonly ranges: readonly ScannedRange[];
  /** Unread ranges after this run: non-empty means the scan continues next run. */
  readonly pendingGaps: readonly TimeRange[];
  /** Whether a new watermark will be committed after publishing. */
  readonly willCommit: boolean;
  /** The run deadline stopped this region's scan (or kept it from starting); absent means no. */
  readonly cutByDeadline?: boolean;
}

export interface GatherIrsaResult {
  /** The regions read, in order, each with why (`snapshot.scans` and `regionReports` follow it). */
  readonly regionPlan: readonly IrsaRegionPlan[];
  readonly snapshot: IrsaSnapshot;
  readonly watermarksToSave: readonly WatermarkToSave[];
  readonly regionReports: readonly RegionScanReport[];
  /** Leases taken (real time on): end them with `endScanLeases` once the watermarks are committed. */
  readonly leases: readonly ScanLeaseHeld[];
}

const ROLE_CONCURRENCY = 4;

interface RegionOutcome {
  readonly scan: Observed<TrailScan>;
  readonly failures: readonly ApiFailure[];
  readonly succeeded: readonly string[];
  readonly toSave?: WatermarkToSave;
  readonly report: RegionScanReport;
  readonly lease?: ScanLeaseHeld;
}

/**
 * Gathers everything the IRSA diagnosis needs: each region's CloudTrail from its watermark (in parallel: the
 * LookupEvents limit is per region), then IAM for the roles the denials name. Never throws for an AWS error.
 * Watermarks are returned, not written: the caller commits them only after the findings are published, so a
 * crash in between re-sends findings rather than losing them.
 */
export async function gatherIrsa(input: GatherIrsaInput): Promise<GatherIrsaResult> {
  const iam = new IamReader(input.clients.iam, input.accountId, input.deadline);
  // Which regions to read depends on the providers only when none are configured.
  const configured = input.settings.regions;
  const regionPlan = planIrsaRegions(
    configured,
    input.defaultRegion,
    configured.length > 0 ? undefined : await iam.oidcProviders(),
  );
  input.onRegionPlan?.(regionPlan);
  const outcomes = await Promise.all(regionPlan.map((plan) => gatherRegion(plan.region, input)));
  const scans = outcomes.map((outcome) => outcome.scan);
  const trust = await readTrust(input.clients, input.accountId, scans, input.deadline, iam);

  const snapshot: IrsaSnapshot = {
    accountId: input.accountId,
    observedAt: input.now.toISOString(),
    scans,
    roles: trust.roles,
    providers: trust.providers,
    failures: [...outcomes.flatMap((outcome) => outcome.failures), ...trust.failures],
    succeededOperations: [
      ...new Set([...outcomes.flatMap((outcome) => outcome.succeeded), ...trust.succeededOperations]),
    ].sort(),
  };
  return {
    regionPlan,
    snapshot,
    watermarksToSave: outcomes.flatMap((outcome) => (outcome.toSave ? [outcome.toSave] : [])),
    regionReports: outcomes.map((outcome) => outcome.report),
    leases: outcomes.flatMap((outcome) => (outcome.lease ? [outcome.lease] : [])),
  };
}

/** What IAM says about the roles the denials name, for the diagnosis. */
export interface TrustReads {
  readonly roles: ReadonlyMap<string, Observed<RoleTrust>>;
  readonly providers: Observed<readonly OidcProvider[]>;
  readonly failures: readonly ApiFailure[];
  readonly succeededOperations: readonly string[];
}

/**
 * IAM for the roles the scans' denials name (each read once) and the account's OIDC providers: the diagnosis's
 * input, for the scheduled scan and the real-time path alike. Never throws for an AWS error.
 */
export async function readTrust(
  clients: Pick<IrsaClients, 'iam'>,
  accountId: string,
  scans: readonly Observed<TrailScan>[],
  deadline?: RunDeadline,
  /** The run's reader when it already listed the providers (to plan the regions): they are not listed again. */
  iam: IamReader = new IamReader(clients.iam, accountId, deadline),
): Promise<TrustReads> {
  const roleArns = rolesToDiagnose(scans);
  const roleResults = await mapWithConcurrency(roleArns, ROLE_CONCURRENCY, (arn) => iam.role(arn));
  const roles = new Map<string, Observed<RoleTrust>>(
    roleArns.map((arn, index) => [arn, roleResults[index]!]),
  );
  // Without denials there is nothing to diagnose: the providers are not listed for that alone (they may have been
  // listed to plan the regions, and are then kept, failure included).
  const providers =
    roleArns.length > 0 || iam.providersListed
      ? await iam.oidcProviders()
      : ({ ok: true, value: [] } as const);
  return { roles, providers, failures: iam.failures, succeededOperations: iam.succeededOperations };
}

async function gatherRegion(region: string, input: GatherIrsaInput): Promise<RegionOutcome> {
  const { settings, clients, now } = input;
  const deadline = input.deadline ?? NO_DEADLINE;
  const failures: ApiFailure[] = [];
  const succeeded: string[] = [];
  if (deadline.passed() && deadline.at !== undefined) {
    // Not started: the stored watermark is left as it is, so the next run reads this window.
    const failure = toApiFailure(new DeadlineError(`the scan of ${region}`, deadline.at), {
      service: 'cloudtrail',
      operation: 'LookupEvents',
      region,
    });
    return {
      scan: { ok: false, failure },
      failures: [failure],
      succeeded,
      report: {
        region,
        watermark: 'none',
        planned: [],
        ranges: [],
        pendingGaps: [],
        willCommit: false,
        cutByDeadline: true,
      },
    };
  }

  let watermark: Watermark | undefined;
  let version = 0;
  let watermarkState: RegionScanReport['watermark'] = 'none';
  let canSave = clients.watermarkStore !== undefined;
  let unreadable: TrailScan['skipped'][number] | undefined;
  if (clients.watermarkStore !== undefined) {
    const loaded = await clients.watermarkStore.load(region);
    if (loaded.ok) {
      succeeded.push('dynamodb:GetItem');
      watermark = loaded.value.watermark;
      version = loaded.value.version;
      unreadable = loaded.value.skipped;
      watermarkState = watermark ? 'loaded' : unreadable ? 'unreadable' : 'none';
      // The last run could not save (its invocation failed for it): an ERROR finding until a save succeeds.
      if (loaded.value.lastSaveFailure) failures.push(loaded.value.lastSaveFailure);
    } else {
      // Without the stored version a write could clobber another run's progress: scan, but do not commit.
      failures.push(loaded.failure);
      watermarkState = 'failed';
      canSave = false;
    }
  }

  // Real time on: lease the window before reading it, and learn what was claimed before the lease. Without the
  // lease a claim could land on a denial this scan counts, so a failed lease means no save (like a failed read).
  let claimed: SeenEvent[] = [];
  let leased = false;
  if (canSave && clients.claimStore !== undefined && input.leaseUntil !== undefined) {
    const begun = await clients.claimStore.beginScan(region, {
      scanTo: now.toISOString(),
      until: input.leaseUntil.toISOString(),
      version,
    });
    if (begun.ok) {
      succeeded.push('dynamodb:UpdateItem');
      claimed = begun.claims;
      leased = true;
    } else {
      failures.push(begun.failure);
      canSave = false;
    }
  }

  const planned = planScan(watermark, now, settings);
  const limiter = clients.limiterFor?.(region) ?? new TokenBucket();
  const result = await scanRegion(clients.cloudTrailFor(region), region, planned, {
    maxPages: settings.maxPagesPerRegion,
    limiter,
    ...(clients.retry ? { retry: clients.retry } : {}),
    ...(input.deadline ? { deadline: input.deadline } : {}),
  });
  if (result.failure) failures.push(result.failure);

  // Count by time (core/irsa/watermark.ts): what no later run reads again now, the rest when it settles. Claims
  // are counted already: the watermark remembers them like this run's own denials, while they can be read again.
  const settled = settle(
    watermark,
    { ranges: result.ranges, read: result.scan.ok ? result.scan.value.denials : [], claimed },
    settings,
  );
  const next = settled.watermark;
  let scan = result.scan;
  if (scan.ok) {
    succeeded.push('cloudtrail:LookupEvents');
    scan = {
      ok: true,
      value: {
        ...scan.value,
        denials: settled.counted,
        duplicatesDropped: settled.duplicates,
        ...(settled.deferred > 0 ? { deferred: settled.deferred } : {}),
        // Denials left for a later run: nothing may be resolved for being absent from this one.
        complete: scan.value.complete && settled.deferred === 0,
        skipped: unreadable ? [...scan.value.skipped, unreadable] : scan.value.skipped,
      },
    };
  }

  const pagesRead = result.ranges.some((range) => range.pages > 0);
  const willCommit = canSave && pagesRead;
  return {
    scan,
    failures,
    succeeded,
    ...(willCommit
      ? {
          toSave: {
            region,
            watermark: next,
            expectedVersion: version,
            ...(watermark === undefined ? { ifPublishFails: unreadWatermark(planned, settings) } : {}),
          },
        }
      : {}),
    report: {
      region,
      watermark: watermarkState,
      planned,
      ranges: result.ranges,
      pendingGaps: next.gaps,
      willCommit,
      cutByDeadline: result.failure?.errorName === DEADLINE_ERROR_NAME,
    },
    ...(leased ? { lease: { region, claims: settled.settledClaims } } : {}),
  };
}

/** Writes the new watermarks (after publishing). Conflicts and failures are reported, never thrown. */
export async function commitWatermarks(
  store: WatermarkStore | undefined,
  toSave: readonly WatermarkToSave[],
): Promise<SaveResult[]> {
  if (store === undefined) return [];
  return Promise.all(toSave.map((item) => store.save(item.region, item.watermark, item.expectedVersion)));
}

/**
 * Ends the scans' leases once the watermarks are committed: a region whose new watermark was saved drops the
 * claims it folded in; any other keeps them for the next scan. Failures are returned, never thrown (a lease left
 * behind only makes real-time invocations leave that window to the scans until it expires).
 */
export async function endScanLeases(
  store: Pick<DynamoClaimStore, 'endScan'> | undefined,
  leases: readonly ScanLeaseHeld[],
  commits: readonly SaveResult[],
): Promise<ApiFailure[]> {
  if (store === undefined) return [];
  const ended = await Promise.all(
    leases.map((lease) => {
      const saved = commits.some((commit) => commit.region === lease.region && commit.status === 'saved');
      return store.endScan(lease.region, saved ? lease.claims : []);
    }),
  );
  return ended.flatMap((result) => (result.ok ? [] : [result.failure]));
}
