import { randomUUID } from 'node:crypto';
import type { EventBridgeEvent } from 'aws-lambda';
import type { Finding } from '../core/finding';
import type { ApiFailure, SkippedRecord } from '../core/inventory';
import {
  REALTIME_ANNOUNCEMENT_LIMITS,
  spendAnnouncement,
  type AnnouncementLimits,
} from '../core/irsa/announcement-budget';
import { denialFindingId, evaluateIrsa } from '../core/irsa/evaluate-irsa';
import {
  CLOUDTRAIL_DETAIL_TYPE,
  decideClaim,
  leftToScanReason,
  parseRealtimeEvent,
  realtimeScan,
  type ClaimDecision,
  type ClaimState,
  type RealtimeOutcome,
} from '../core/irsa/realtime';
import { planIrsaRegions } from '../core/irsa/scan-regions';
import type { IrsaSettings } from '../core/irsa/settings';
import type { IrsaSnapshot, WebIdentityDenial } from '../core/irsa/types';
import type { SeenEvent } from '../core/irsa/watermark';
import type { DynamoClaimStore } from '../adapters/irsa/claim-store';
import { readTrust, type IrsaClients } from '../adapters/irsa/gather-irsa';
import { IamReader } from '../adapters/irsa/iam-reader';
import { RunDeadline } from '../adapters/deadline';
import type { PublishReport, RunInfo } from '../core/publishing';
import type { LifecycleReport } from './lifecycle-stage';
import type { RunSink } from './run-sink';

/** An EventBridge "AWS API Call via CloudTrail" event (the IRSA real-time rule's). */
export type CloudTrailApiCallEvent = EventBridgeEvent<typeof CLOUDTRAIL_DETAIL_TYPE, unknown>;

/** The claim store's calls the real-time path makes. */
export type RealtimeClaimStore = Pick<DynamoClaimStore, 'loadState' | 'claim' | 'release' | 'announced'>;

export interface IrsaRealtimeInput {
  readonly accountId: string;
  readonly settings: IrsaSettings;
  /** The function's region: with `settings.regions` empty, the scanned regions are it and us-east-1. */
  readonly defaultRegion: string;
  /** The EventBridge event as invoked: "AWS API Call via CloudTrail", the CloudTrail record in `detail`. */
  readonly event: unknown;
  /** No IAM read starts after it (as for a scheduled run). Absent: none. */
  readonly deadline?: Date;
  /**
   * When this invocation has certainly ended (the Lambda timeout, plus a margin): the announcement marker it
   * takes expires then, should it crash before freeing it. Default: 15 minutes after the start.
   */
  readonly announceUntil?: Date;
}

export interface IrsaRealtimeDependencies {
  readonly clients: Pick<IrsaClients, 'iam'> & { readonly claimStore?: RealtimeClaimStore };
  /** Where the counted denial goes: the lifecycle (transitions only), as for the scheduled run, or a stateless publish. */
  readonly sink?: RunSink;
  /**
   * Whether a finding is open in the ledger. An open finding has nothing to announce: its denials are left to
   * the scan, which counts them (so a storm of denials of one broken role costs one ledger read each, no IAM).
   */
  readonly isOpen?: (findingId: string) => Promise<boolean>;
  /** AWS calls made so far by this invocation. */
  readonly apiCalls?: () => number;
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
  /** How long to wait for a scan in progress to save before leaving the denial to the scans. Default 25 s. */
  readonly maxWaitMs?: number;
  /** How often to look again meanwhile. Default 2.5 s. */
  readonly pollMs?: number;
  /** Real-time announcements per account and window. Default REALTIME_ANNOUNCEMENT_LIMITS (tests shorten it). */
  readonly announcementLimits?: AnnouncementLimits;
}

export interface IrsaRealtimeResult {
  readonly outcome: RealtimeOutcome;
  /** Why the denial was left to the scans, or why the event was skipped. */
  readonly reason?: string;
  readonly denial?: WebIdentityDenial;
  readonly skipped?: SkippedRecord;
  /** Present when the denial was counted here and handed to publishing. */
  readonly run?: RunInfo;
  readonly findings: readonly Finding[];
  readonly lifecycle?: LifecycleReport;
  readonly publishReport?: PublishReport;
  /** Failed bookkeeping calls (claim store, ledger lookup): the denial was then left to the scans. */
  readonly bookkeepingFailures: readonly ApiFailure[];
}

/** What a real-time invocation logs and returns (the handler's shape). */
export interface IrsaRealtimeSummary {
  readonly outcome: RealtimeOutcome;
  readonly reason?: string;
  readonly eventId?: string;
  readonly region?: string;
  readonly roleArn?: string;
  readonly findings: number;
  readonly transitions: number;
}

export const DEFAULT_REALTIME_WAIT_MS = 25_000;
export const DEFAULT_REALTIME_POLL_MS = 2_500;
const DEFAULT_ANNOUNCE_MS = 15 * 60_000;
/** Conditional writes lost to changes of the state (a scan saved, another claim) before giving up. */
const MAX_CLAIM_ATTEMPTS = 5;

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * One "AWS API Call via CloudTrail" event of a denied AssumeRoleWithWebIdentity call: parse it with the scan's
 * record parser, count it by claiming it (core/irsa/realtime.ts: the watermark decides whether the scans already
 * have it), then diagnose it with the scan's pipeline (readTrust, evaluateIrsa) and publish through the same
 * lifecycle stage, which announces only changes. A denial the real-time path does not count is left to the
 * scheduled scan, the backstop, which counts it then: nothing is counted twice, nothing is dropped. That includes
 * the denials past the account's announcement budget (core/irsa/announcement-budget.ts): a storm of distinct
 * denials is announced a few times at most here, and the rest in the next scheduled run's one digest.
 *
 * Throws only when publishing failed (after un-claiming the denial, so the next scan counts and re-sends it).
 */
export async function runIrsaRealtime(
  input: IrsaRealtimeInput,
  dependencies: IrsaRealtimeDependencies,
): Promise<IrsaRealtimeResult> {
  const now = dependencies.now ?? (() => new Date());
  const startedAt = now();
  const bookkeepingFailures: ApiFailure[] = [];
  const done = (outcome: RealtimeOutcome, extra: Partial<IrsaRealtimeResult> = {}): IrsaRealtimeResult => ({
    outcome,
    findings: [],
    bookkeepingFailures,
    ...extra,
  });

  const parsed = parseRealtimeEvent(input.event, input.accountId);
  if (parsed.kind === 'skipped')
    return done('skipped', { skipped: parsed.record, reason: parsed.record.reason });
  if (parsed.kind === 'success') return done('not-a-denial');
  const denial = parsed.denial;
  const claimStore = dependencies.clients.claimStore;
  if (!input.settings.realtime || claimStore === undefined) {
    return done('realtime-off', { denial, reason: 'TMC_HEALTH_IRSA_REALTIME is not on: the scans count it' });
  }
  // The scans' own rule (core/irsa/scan-regions.ts): a region they read has a watermark to count against. The
  // OIDC providers are listed only for a region outside the defaults, and the listing serves the diagnosis too.
  const deadline = new RunDeadline(input.deadline, now);
  const iam = new IamReader(dependencies.clients.iam, input.accountId, deadline);
  const scanned = (providers?: Parameters<typeof planIrsaRegions>[2]) =>
    planIrsaRegions(input.settings.regions, input.defaultRegion, providers).some(
      (plan) => plan.region === denial.region,
    );
  if (!scanned() && (input.settings.regions.length > 0 || !scanned(await iam.oidcProviders()))) {
    return done('region-not-scanned', {
      denial,
      reason:
        input.settings.regions.length > 0
          ? `${denial.region} is not among the scanned regions (irsaRegions)`
          : `${denial.region} is neither this region, us-east-1 nor the region of an EKS OIDC provider the account lists`,
    });
  }

  const findingId = denialFindingId(input.accountId, denial);
  if (dependencies.isOpen) {
    try {
      if (await dependencies.isOpen(findingId)) {
        return done('already-open', { denial, reason: 'its finding is open: the next scan counts it' });
      }
    } catch {
      // The lifecycle reads the same ledger and reports it properly; an unknown state is a new one here.
    }
  }

  const seen: SeenEvent = { id: denial.eventId, eventTime: denial.eventTime };
  const claim = await claimDenial(denial.region, seen, findingId, input, dependencies, bookkeepingFailures);
  if (claim.outcome !== 'counted') return done(claim.outcome, { denial, reason: claim.reason });

  // Counted here: diagnose and publish like a scheduled run of one denial.
  const scan = realtimeScan(denial);
  const trust = await readTrust(
    dependencies.clients,
    input.accountId,
    [{ ok: true, value: scan }],
    deadline,
    iam,
  );
  const snapshot: IrsaSnapshot = {
    accountId: input.accountId,
    observedAt: startedAt.toISOString(),
    scans: [{ ok: true, value: scan }],
    roles: trust.roles,
    providers: trust.providers,
    failures: trust.failures,
    succeededOperations: trust.succeededOperations,
  };
  const findings = evaluateIrsa(snapshot, input.settings);
  const run: RunInfo = {
    runId: randomUUID(),
    accountId: input.accountId,
    regions: [denial.region],
    startedAt: startedAt.toISOString(),
  };
  let lifecycle: LifecycleReport | undefined;
  let publishReport: PublishReport | undefined;
  try {
    if (dependencies.sink) {
      ({ lifecycle, publishReport } = await dependencies.sink.deliver({
        family: 'irsa',
        run,
        findings,
        // One denial read from EventBridge covers no region: nothing is "gone" for being absent from it.
        coveredRegions: [],
        failedOperations: [
          ...new Set(
            trust.failures.map((failure) => `${failure.region} ${failure.service}:${failure.operation}`),
          ),
        ],
        apiCalls: dependencies.apiCalls?.() ?? 0,
      }));
    }
  } catch (error) {
    const released = await claimStore.release(denial.region, seen, findingId);
    if (!released.ok) bookkeepingFailures.push(released.failure);
    throw error;
  }
  const freed = await claimStore.announced(findingId, seen);
  if (!freed.ok) bookkeepingFailures.push(freed.failure);
  return {
    outcome: 'counted',
    denial,
    run,
    findings,
    ...(lifecycle ? { lifecycle } : {}),
    ...(publishReport ? { publishReport } : {}),
    bookkeepingFailures,
  };
}

/**
 * Decides on the current state and makes the decision stick with the conditional claim; a lost write means the
 * state changed, so it reads and decides again. A scan in progress over the denial's time is waited for (it
 * usually saves within seconds, and then the watermark says whether it counted the denial), up to `maxWaitMs`.
 *
 * Fail safe: whenever the state (the announcement budget included) cannot be read or the claim cannot be written,
 * the denial is left unclaimed. No email goes out from here, and the next scan counts and reports it.
 */
async function claimDenial(
  region: string,
  seen: SeenEvent,
  findingId: string,
  input: IrsaRealtimeInput,
  dependencies: IrsaRealtimeDependencies,
  failures: ApiFailure[],
): Promise<{ outcome: RealtimeOutcome; reason?: string }> {
  const store = dependencies.clients.claimStore as RealtimeClaimStore;
  const now = dependencies.now ?? (() => new Date());
  const sleep = dependencies.sleep ?? sleepFor;
  const maxWaitMs = dependencies.maxWaitMs ?? DEFAULT_REALTIME_WAIT_MS;
  const pollMs = dependencies.pollMs ?? DEFAULT_REALTIME_POLL_MS;
  const limits = dependencies.announcementLimits ?? REALTIME_ANNOUNCEMENT_LIMITS;
  const announceUntil = input.announceUntil ?? new Date(now().getTime() + DEFAULT_ANNOUNCE_MS);
  let waitedMs = 0;
  let attempts = 0;
  while (attempts < MAX_CLAIM_ATTEMPTS) {
    const loaded = await store.loadState(region, input.accountId);
    if (!loaded.ok) {
      failures.push(loaded.failure);
      return {
        outcome: 'left-to-scan',
        reason: `the claim store could not be read (${loaded.failure.errorName})`,
      };
    }
    const state: ClaimState = loaded.state;
    const decidedAt = now();
    const decision: ClaimDecision = decideClaim(seen, state, decidedAt, input.settings, limits);
    if (decision.kind === 'counted') {
      return {
        outcome: 'already-counted',
        reason: `counted by ${decision.by === 'scan' ? 'a scan' : 'real time'}`,
      };
    }
    if (decision.kind === 'scan-in-progress' && waitedMs < maxWaitMs) {
      await sleep(pollMs);
      waitedMs += pollMs;
      continue;
    }
    if (decision.kind === 'budget-spent') {
      return { outcome: 'budget-spent', reason: leftToScanReason(decision) };
    }
    if (decision.kind !== 'claim') return { outcome: 'left-to-scan', reason: leftToScanReason(decision) };
    const result = await store.claim(region, seen, state, {
      findingId,
      until: announceUntil,
      budget: spendAnnouncement(input.accountId, state.announcements, decidedAt, limits),
    });
    if (result.status === 'claimed') return { outcome: 'counted' };
    if (result.status === 'being-announced') {
      return {
        outcome: 'being-announced',
        reason: 'another invocation announces its finding: the next scan counts it',
      };
    }
    if (result.status === 'failed') {
      failures.push(result.failure);
      return {
        outcome: 'left-to-scan',
        reason: `the claim could not be written (${result.failure.errorName})`,
      };
    }
    attempts += 1;
  }
  return {
    outcome: 'left-to-scan',
    reason: `the claim lost ${MAX_CLAIM_ATTEMPTS} times to concurrent changes`,
  };
}

/** The summary a real-time invocation logs and returns. */
export function summarizeIrsaRealtime(result: IrsaRealtimeResult): IrsaRealtimeSummary {
  return {
    outcome: result.outcome,
    ...(result.reason ? { reason: result.reason } : {}),
    ...(result.denial
      ? { eventId: result.denial.eventId, region: result.denial.region, roleArn: result.denial.roleArn }
      : {}),
    findings: result.findings.length,
    transitions: result.lifecycle?.transitions.length ?? 0,
  };
}
