import type { FinalizeRequestMiddleware } from '@smithy/types';
import {
  LookupEventsCommand,
  type CloudTrailClient,
  type LookupEventsCommandInput,
  type LookupEventsCommandOutput,
} from '@aws-sdk/client-cloudtrail';
import type { ApiFailure, Observed, SkippedRecord } from '../../core/inventory';
import { parseTrailEvent, WEB_IDENTITY_EVENT_NAME, type RawTrailEvent } from '../../core/irsa/parse-event';
import type { ScannedRange, TimeRange, TrailScan, WebIdentityDenial } from '../../core/irsa/types';
import type { PlannedRange } from '../../core/irsa/watermark';
import { toApiFailure } from '../aws-error';
import type { RunDeadline } from '../deadline';
import { requiredList } from '../pagination';
import { isTransientError, retryWithBackoff, RetriesExhaustedError, type RetryOptions } from '../retry';
import type { TokenBucket } from './rate-limiter';

/** What LookupEvents says about one event, before parsing its CloudTrailEvent JSON. */
export type TrailEventRef = RawTrailEvent;

export interface TrailPage {
  /** Newest first, as LookupEvents returns them. */
  readonly events: readonly TrailEventRef[];
  readonly nextToken?: string;
}

export type FetchTrailPage = (range: TimeRange, nextToken: string | undefined) => Promise<TrailPage>;

export interface PagedRanges {
  /** Every planned range in plan order, with how far it got. */
  readonly ranges: ScannedRange[];
  readonly events: TrailEventRef[];
  readonly pages: number;
  /** The error that stopped the scan early; what was read before it still counts. */
  readonly error?: unknown;
}

/**
 * How many of a run's pages the window may take before the gaps get theirs, while gaps are pending: half. The
 * window (the newest denials) is read first and never starved by a backlog; the backlog always gets the other
 * half, so it still shrinks while a flood fills every window. Pages a part leaves unused go to the other.
 */
export function windowShare(maxPages: number): number {
  return Math.floor(maxPages / 2);
}

interface RangeProgress {
  readonly range: PlannedRange;
  pages: number;
  oldest: number;
  nextToken?: string;
  complete: boolean;
}

/**
 * Reads the planned ranges within one page budget: the window first, up to `windowShare` pages while gaps are
 * pending (all of the budget otherwise), then the gaps oldest first, then the rest of the window if pages remain.
 * A range cut by the budget (or by an error) records the oldest event time read, so the watermark keeps
 * [from, oldestSeen] for the next run; ranges the budget never reached are reported with 0 pages.
 */
export async function pageThroughRanges(
  planned: readonly PlannedRange[],
  maxPages: number,
  fetchPage: FetchTrailPage,
): Promise<PagedRanges> {
  const progress: RangeProgress[] = planned.map((range) => ({
    range,
    pages: 0,
    oldest: Number.POSITIVE_INFINITY,
    complete: false,
  }));
  const windows = progress.filter((item) => item.range.kind === 'window');
  const gaps = progress.filter((item) => item.range.kind !== 'window');
  const events: TrailEventRef[] = [];
  let pages = 0;
  let error: unknown;
  let stopped = false;

  /** Reads `item` until it is complete, `limit` more pages were read, or the run's budget is spent. */
  const read = async (item: RangeProgress, limit: number): Promise<void> => {
    let read = 0;
    while (!stopped && !item.complete && read < limit && pages < maxPages) {
      let page: TrailPage;
      try {
        page = await fetchPage(item.range, item.nextToken);
      } catch (caught) {
        error = caught;
        stopped = true;
        return;
      }
      pages += 1;
      read += 1;
      item.pages += 1;
      for (const event of page.events) {
        events.push(event);
        const time = event.eventTime === undefined ? Number.NaN : Date.parse(event.eventTime);
        if (!Number.isNaN(time)) item.oldest = Math.min(item.oldest, time);
      }
      item.nextToken = page.nextToken === '' ? undefined : page.nextToken;
      if (item.nextToken === undefined) item.complete = true;
    }
  };

  const share = gaps.length > 0 ? windowShare(maxPages) : maxPages;
  for (const item of windows) await read(item, share);
  for (const item of gaps) await read(item, maxPages);
  for (const item of windows) await read(item, maxPages);

  const ranges: ScannedRange[] = progress.map((item) => ({
    ...item.range,
    pages: item.pages,
    complete: item.complete,
    ...(!item.complete && item.pages > 0 && Number.isFinite(item.oldest)
      ? { oldestSeen: new Date(item.oldest).toISOString() }
      : {}),
  }));
  return { ranges, events, pages, ...(stopped ? { error } : {}) };
}

export const LOOKUP_PAGE_SIZE = 50;

export interface ScanRegionOptions {
  readonly maxPages: number;
  /** One per region and account: LookupEvents' 2 requests/s are counted there. */
  readonly limiter: TokenBucket;
  /**
   * Throttles that outlast the SDK's adaptive retry get a few more spaced attempts before the scan stops and
   * leaves the rest to the next run.
   */
  readonly retry?: RetryOptions;
  /**
   * No page (nor retry of one) starts after it: the scan stops as if the page budget ran out, the unread part
   * of the window stays a gap for the next run, and the cut is this region's DeadlineExceeded failure.
   */
  readonly deadline?: RunDeadline;
}

export interface RegionScan {
  /** Failed only when not a single page could be read. */
  readonly scan: Observed<TrailScan>;
  readonly ranges: readonly ScannedRange[];
  /** The error that cut the scan short, also when some pages were read before it. */
  readonly failure?: ApiFailure;
}

/**
 * Takes a token for every HTTP attempt, the SDK's own retries included: the limiter sits after the SDK's retry
 * middleware, so adaptive retry still backs off but can never push us past LookupEvents' 2 requests/s.
 */
export function rateLimitEveryAttempt(command: LookupEventsCommand, limiter: TokenBucket): void {
  const waitForToken: FinalizeRequestMiddleware<LookupEventsCommandInput, LookupEventsCommandOutput> =
    (next) => async (args) => {
      await limiter.acquire();
      return next(args);
    };
  command.middlewareStack.addRelativeTo(waitForToken, {
    relation: 'after',
    toMiddleware: 'retryMiddleware',
    name: 'lookupEventsRateLimit',
  });
}

const THROTTLE_RETRY: RetryOptions = { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 4_000 };

/**
 * Scans one region's CloudTrail for AssumeRoleWithWebIdentity calls over the planned ranges. Errors cannot be
 * filtered server side, so every event is parsed and only failed calls become denials. Never throws.
 */
export async function scanRegion(
  client: CloudTrailClient,
  region: string,
  planned: readonly PlannedRange[],
  options: ScanRegionOptions,
): Promise<RegionScan> {
  const fetchPage: FetchTrailPage = (range, nextToken) =>
    retryWithBackoff(
      async () => {
        options.deadline?.check(`cloudtrail:LookupEvents page from ${range.from} to ${range.to}`);
        const command = new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: WEB_IDENTITY_EVENT_NAME }],
          StartTime: new Date(range.from),
          EndTime: new Date(range.to),
          MaxResults: LOOKUP_PAGE_SIZE,
          ...(nextToken === undefined ? {} : { NextToken: nextToken }),
        });
        rateLimitEveryAttempt(command, options.limiter);
        const output = await client.send(command);
        return {
          // A page without its Events list is not "no denials": it fails the page, and the range stays unread.
          events: requiredList('LookupEvents', 'Events', output.Events).map((event) => ({
            ...(event.EventId === undefined ? {} : { eventId: event.EventId }),
            ...(event.EventTime === undefined ? {} : { eventTime: event.EventTime.toISOString() }),
            ...(event.CloudTrailEvent === undefined ? {} : { cloudTrailEvent: event.CloudTrailEvent }),
          })),
          ...(output.NextToken === undefined ? {} : { nextToken: output.NextToken }),
        };
      },
      isTransientError,
      { ...THROTTLE_RETRY, ...options.retry },
    );

  const paged = await pageThroughRanges(planned, options.maxPages, fetchPage);
  const failure =
    paged.error === undefined
      ? undefined
      : toApiFailure(paged.error instanceof RetriesExhaustedError ? paged.error.lastError : paged.error, {
          service: 'cloudtrail',
          operation: 'LookupEvents',
          region,
        });
  if (paged.pages === 0 && failure !== undefined) {
    return { scan: { ok: false, failure }, ranges: paged.ranges, failure };
  }

  const denials: WebIdentityDenial[] = [];
  const skipped: SkippedRecord[] = [];
  for (const event of paged.events) {
    const parsed = parseTrailEvent(event, region);
    if (parsed.kind === 'denial') denials.push(parsed.denial);
    else if (parsed.kind === 'skipped') skipped.push(parsed.record);
  }
  const covered = coveredSpan(paged.ranges);
  const scan: TrailScan = {
    region,
    from: covered.from,
    to: covered.to,
    eventsScanned: paged.events.length,
    pages: paged.pages,
    complete: paged.ranges.every((range) => range.complete),
    denials,
    skipped,
    ranges: paged.ranges,
  };
  return { scan: { ok: true, value: scan }, ranges: paged.ranges, ...(failure ? { failure } : {}) };
}

/** The earliest and latest instants actually read; the planned window when nothing was. */
function coveredSpan(ranges: readonly ScannedRange[]): TimeRange {
  let from = Number.POSITIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  for (const range of ranges) {
    if (range.pages === 0) continue;
    const start = range.complete ? range.from : (range.oldestSeen ?? range.to);
    from = Math.min(from, Date.parse(start));
    to = Math.max(to, Date.parse(range.to));
  }
  if (!Number.isFinite(from)) {
    const last = ranges[ranges.length - 1];
    return { from: last?.to ?? new Date(0).toISOString(), to: last?.to ?? new Date(0).toISOString() };
  }
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}
