/**
 * IRSA denials in near real time (docs/irsa-realtime.md): an EventBridge rule on the default bus sends
 * each denied `AssumeRoleWithWebIdentity` call ("AWS API Call via CloudTrail", the CloudTrail record in `detail`)
 * to the IRSA function, which diagnoses and publishes it within a minute instead of at the next scheduled scan.
 * The scan stays the backstop and the watermark decides who counts a denial, so none is counted twice:
 *
 * - The real-time path counts a denial only by CLAIMING it: its event id goes into the region's claim set (next
 *   to the watermark) with a write conditional on the watermark version it decided on. The next scan drops
 *   claimed ids like the ids the watermark remembers, and folds them into the watermark when it saves.
 * - It claims only denials a later scan would read again (`willBeReadAgain`): a time the scans are done with was
 *   read by them already, so it is theirs, counted or not.
 * - A scan in progress holds a lease on its window (everything up to its `scanTo`); while it lasts, no denial of
 *   that window can be claimed (the scan may be counting it right now). The lease names the watermark version
 *   the scan started from: once any scan saved a newer one, the holder can no longer save, so its lease is void.
 * - It claims (and so announces) at most a few denials per account and window (core/irsa/announcement-budget.ts):
 *   one invocation is one run, and the lifecycle aggregates a storm only within a run. Past the budget the denial
 *   is left unclaimed, so the next scan counts it and its digest reports it with the others.
 *
 * Everything here is pure; the conditional writes that make the decisions stick are in
 * adapters/irsa/claim-store.ts, and their conditions mirror `decideClaim`.
 */
import {
  budgetLeft,
  announcementWindow,
  REALTIME_ANNOUNCEMENT_LIMITS,
  type AnnouncementCount,
  type AnnouncementLimits,
} from './announcement-budget';
import { parseTrailRecord, type ParsedTrailEvent } from './parse-event';
import type { IrsaSettings } from './settings';
import type { TrailScan, WebIdentityDenial } from './types';
import { willBeReadAgain, type SeenEvent, type Watermark } from './watermark';

/** The EventBridge `detail-type` of CloudTrail API call events. */
export const CLOUDTRAIL_DETAIL_TYPE = 'AWS API Call via CloudTrail';
/** The EventBridge `source` of STS's CloudTrail events. */
export const STS_EVENT_SOURCE = 'aws.sts';
export const STS_SERVICE = 'sts.amazonaws.com';
/** Where a real-time record comes from, in skipped records. */
export const REALTIME_SOURCE = 'eventbridge:AWS API Call via CloudTrail';

/**
 * At most this many real-time claims wait in a region for the next scan to fold them (about 60 bytes each, far
 * below DynamoDB's 400 KB item limit). Beyond, denials are left to the scan: a storm that size is already
 * reported, and the scan counts the rest.
 */
export const MAX_REALTIME_CLAIMS = 1000;
/**
 * A denial is outside a scan's window only when it is more than this much later than the window's end:
 * CloudTrail times have one-second precision, and LookupEvents' EndTime is not guaranteed finer.
 */
export const LEASE_MARGIN_MS = 1000;

type Json = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether an invocation event is an EventBridge "AWS API Call via CloudTrail" event (else: the schedule's). */
export function isCloudTrailApiCallEvent(event: unknown): boolean {
  return isObject(event) && event['detail-type'] === CLOUDTRAIL_DETAIL_TYPE;
}

/**
 * An "AWS API Call via CloudTrail" event to a denial, a success or a skipped record, through the same record
 * parser as the LookupEvents scan (`parseTrailRecord`). The denial's region is the record's `awsRegion` (where
 * STS logged the call: the regional endpoint's region, us-east-1 for the global endpoint), else the envelope's.
 * Never throws: an event that is not what the rule promises is skipped with its reason, never retried.
 */
export function parseRealtimeEvent(event: unknown, accountId: string): ParsedTrailEvent {
  const skip = (reason: string, detail?: string): ParsedTrailEvent => ({
    kind: 'skipped',
    record: { source: REALTIME_SOURCE, reason, ...(detail ? { detail } : {}) },
  });
  if (!isObject(event)) return skip('event is not a JSON object');
  const id =
    typeof event.id === 'string' ? `EventBridge event ${event.id.slice(0, 64)}` : 'EventBridge event';
  if (event['detail-type'] !== CLOUDTRAIL_DETAIL_TYPE) {
    return skip('unexpected detail-type', `${id}: ${String(event['detail-type']).slice(0, 128)}`);
  }
  if (event.source !== STS_EVENT_SOURCE) {
    return skip('unexpected source', `${id}: ${String(event.source).slice(0, 128)}`);
  }
  const detail = event.detail;
  if (!isObject(detail)) return skip('detail is not a CloudTrail record', id);
  if (detail.eventSource !== STS_SERVICE) {
    return skip('unexpected eventSource', `${id}: ${String(detail.eventSource).slice(0, 128)}`);
  }
  if (typeof event.account === 'string' && accountId !== '' && event.account !== accountId) {
    // A rule forwarding from another account: its roles are not ours to read.
    return skip('event from another account', `${id}: account ${event.account.slice(0, 32)}`);
  }
  const region =
    typeof detail.awsRegion === 'string' && detail.awsRegion !== ''
      ? detail.awsRegion
      : typeof event.region === 'string' && event.region !== ''
        ? event.region
        : undefined;
  if (region === undefined) return skip('missing awsRegion', id);
  return parseTrailRecord(detail, {}, region.slice(0, 64), REALTIME_SOURCE);
}

/** The one-denial "scan" a real-time run diagnoses: read from EventBridge, no LookupEvents page, not complete. */
export function realtimeScan(denial: WebIdentityDenial): TrailScan {
  return {
    region: denial.region,
    from: denial.eventTime,
    to: denial.eventTime,
    eventsScanned: 1,
    pages: 0,
    // Not a scan of a window: nothing may be resolved for having been absent from it.
    complete: false,
    denials: [denial],
    skipped: [],
  };
}

/** A scan in progress: it may count any denial up to `scanTo`, until it saved or `until` passed. */
export interface ScanLease {
  /** The end of the scan's window (its start time), ISO-8601. */
  readonly scanTo: string;
  /** After this the holder has certainly ended (its Lambda timeout, plus a margin), ISO-8601. */
  readonly until: string;
  /** The watermark version the scan started from: a newer saved version voids the lease. */
  readonly version: number;
}

/** What the real-time path decides on for one region: the watermark, its version, the claims and the lease. */
export interface ClaimState {
  /** The watermark version (0: none saved yet). */
  readonly version: number;
  /** Absent before the first scan saved one: then every denial is still to be read. */
  readonly watermark?: Watermark;
  /** The stored watermark could not be read back: the next scan plans from its lookback, so leave it to it. */
  readonly unreadable?: boolean;
  /** Real-time claims not yet folded into the watermark by a scan. */
  readonly claims: readonly SeenEvent[];
  readonly lease?: ScanLease;
  /** The account's real-time announcements in their window (absent: none recorded). */
  readonly announcements?: AnnouncementCount;
}

export type ClaimDecision =
  /** Count it: claim it (conditionally on this state), then diagnose and publish it. */
  | { readonly kind: 'claim' }
  /** Already counted: by a scan (the watermark remembers it) or by an earlier real-time invocation (claimed). */
  | { readonly kind: 'counted'; readonly by: 'scan' | 'realtime' }
  /** Its time is behind the scans for good: they read it already, so it is theirs. */
  | { readonly kind: 'read-by-scan' }
  /** The account's real-time announcements for this window are spent: leave it to the scan and its digest. */
  | { readonly kind: 'budget-spent'; readonly perWindow: number; readonly windowEnd: string }
  /** A scan in progress may be counting it: wait for the scan to save, or leave it to the scans. */
  | { readonly kind: 'scan-in-progress'; readonly until: string }
  /** Too many claims wait for the next scan: leave it to the scan. */
  | { readonly kind: 'claims-full' }
  /** The stored watermark is unreadable: leave it to the scan. */
  | { readonly kind: 'watermark-unreadable' };

/** Whether a live lease covers `eventTime` (the store's conditional write refuses the claim exactly then). */
export function leaseCovers(
  lease: ScanLease | undefined,
  eventTime: string,
  version: number,
  now: Date,
): boolean {
  if (lease === undefined) return false;
  return (
    Date.parse(lease.until) > now.getTime() &&
    lease.version === version &&
    Date.parse(eventTime) <= Date.parse(lease.scanTo) + LEASE_MARGIN_MS
  );
}

/**
 * Whether the real-time path may count `event` in this state. Pure; the claim store's write is conditional on
 * the same facts (watermark version unchanged, not claimed, room left, no live lease covering the event, budget
 * left), so a decision taken on a state that changed meanwhile fails the write and is taken again.
 *
 * A spent budget is decided before the lease: waiting for a scan would only end in not announcing either way.
 */
export function decideClaim(
  event: SeenEvent,
  state: ClaimState,
  now: Date,
  settings: Pick<IrsaSettings, 'overlapMinutes'>,
  limits: AnnouncementLimits = REALTIME_ANNOUNCEMENT_LIMITS,
): ClaimDecision {
  if (state.unreadable) return { kind: 'watermark-unreadable' };
  if (state.watermark?.recentEventIds.some((seen) => seen.id === event.id)) {
    return { kind: 'counted', by: 'scan' };
  }
  if (state.claims.some((seen) => seen.id === event.id)) return { kind: 'counted', by: 'realtime' };
  if (state.watermark !== undefined && !willBeReadAgain(state.watermark, event.eventTime, settings)) {
    return { kind: 'read-by-scan' };
  }
  if (budgetLeft(state.announcements, now, limits) <= 0) {
    return {
      kind: 'budget-spent',
      perWindow: limits.perWindow,
      windowEnd: announcementWindow(now, limits).end,
    };
  }
  if (leaseCovers(state.lease, event.eventTime, state.version, now)) {
    return { kind: 'scan-in-progress', until: (state.lease as ScanLease).until };
  }
  if (state.claims.length >= MAX_REALTIME_CLAIMS) return { kind: 'claims-full' };
  return { kind: 'claim' };
}

/** A claim as stored: one string per claimed denial, `<eventTime>|<eventId>` (both as parsed). */
export function encodeClaim(event: SeenEvent): string {
  return `${event.eventTime}|${event.id}`;
}

/** The inverse; undefined for a string that is not one (skipped, not fatal: the id is then simply not known). */
export function decodeClaim(value: string): SeenEvent | undefined {
  const bar = value.indexOf('|');
  if (bar <= 0 || bar === value.length - 1) return undefined;
  const eventTime = value.slice(0, bar);
  if (Number.isNaN(Date.parse(eventTime))) return undefined;
  return { eventTime, id: value.slice(bar + 1) };
}

/** What one real-time invocation did with its event, for its log line and its result. */
export type RealtimeOutcome =
  /** Counted here: claimed, diagnosed and handed to the lifecycle. */
  | 'counted'
  /** A successful call (the rule's errorCode filter should keep those out). */
  | 'not-a-denial'
  /** The event could not be read as a denial: counted as skipped, never retried. */
  | 'skipped'
  /** Real time is off in this function (TMC_HEALTH_IRSA_REALTIME): the scans count it. */
  | 'realtime-off'
  /** The denial's region is not one the IRSA check scans: nothing to count it against. */
  | 'region-not-scanned'
  /** Its finding is already open: nothing to announce, the next scan counts it. */
  | 'already-open'
  /** Another real-time invocation is announcing its group right now: the next scan counts this one. */
  | 'being-announced'
  /**
   * The account's real-time announcements for the window are spent (a storm, or a stranger minting tokens): left
   * unclaimed, so the next scheduled scan counts it and its digest reports it with the others.
   */
  | 'budget-spent'
  /** Counted before (by a scan or another invocation: EventBridge delivers at least once). */
  | 'already-counted'
  /** Left to the scans: read by them already, a scan in progress, too many claims, or the claim store failed. */
  | 'left-to-scan';

/** Why a denial was left to the scans, for the log. */
export function leftToScanReason(decision: ClaimDecision): string {
  switch (decision.kind) {
    case 'read-by-scan':
      return 'its time was read by the scheduled scans already';
    case 'scan-in-progress':
      return `a scheduled scan in progress covers its time (lease until ${decision.until})`;
    case 'claims-full':
      return `${MAX_REALTIME_CLAIMS} real-time claims already wait for the next scan`;
    case 'budget-spent':
      return (
        `${decision.perWindow} real-time announcements already made in this account until ` +
        `${decision.windowEnd}: the next scheduled run reports it in its digest`
      );
    case 'watermark-unreadable':
      return 'the stored watermark is unreadable; the next scan rescans its lookback';
    default:
      return decision.kind;
  }
}
