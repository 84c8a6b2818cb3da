/**
 * The per-region watermark of the IRSA check: which part of CloudTrail has been read, so that consecutive runs
 * lose no event and count none twice.
 *
 * - `highWater`: the end of the last window read. The next window starts `overlapMinutes` earlier (on a whole
 *   second), because CloudTrail delivers events late (usually within 5 minutes, up to about 15).
 * - `gaps`: older ranges a run could not finish. LookupEvents returns events newest first, so a page budget that
 *   runs out leaves the OLDEST part of a range unread; that part is kept here and read first next run.
 * - `recentEventIds`: the ids of denials counted at a time a later run reads again (the overlap, the second a
 *   range was cut at), so that re-reads are recognised.
 *
 * The state is bounded by design, whatever the trail holds (a stranger can fill it with denied calls): denials are
 * de-duplicated by TIME, ids are kept only where time cannot tell. A denial read at a time no later run reads again
 * (below the next window's start, outside every gap) is counted and forgotten. One read at a time a later run reads
 * again is counted only if its id fits in `MAX_REMEMBERED_ID_BYTES` (the newest first), else left for that later
 * run, which reads it again: a fresh denial is reported by the run that first reads it, and a flood only delays
 * the rest to the run where they settle (at most the overlap later) or where the gap holding them is read. The
 * gaps are capped at `MAX_GAPS` (beyond, the closest two are merged: the span between them is read again, so its
 * denials may be counted twice, never lost). So the item stays under `MAX_WATERMARK_BYTES`.
 *
 * Ranges are closed at both ends, like LookupEvents' StartTime/EndTime, and CloudTrail times have one-second
 * precision: the second a range was cut at may have been read only partly, so it stays in the gap.
 */
import * as z from '../zod';
import type { IrsaSettings } from './settings';
import type { ScannedRange, TimeRange } from './types';

export interface SeenEvent {
  readonly id: string;
  /** ISO-8601. */
  readonly eventTime: string;
}

export interface Watermark {
  /** ISO-8601. */
  readonly highWater: string;
  /** Unread older ranges, oldest first, not overlapping. */
  readonly gaps: readonly TimeRange[];
  readonly recentEventIds: readonly SeenEvent[];
}

export interface PlannedRange extends TimeRange {
  readonly kind: 'gap' | 'window';
}

export type WindowSettings = Pick<IrsaSettings, 'lookbackMinutes' | 'overlapMinutes'>;

/** How much of the watermark may be remembered ids; tests lower it to exercise the bound. */
export interface BoundSettings {
  /** Default `MAX_REMEMBERED_ID_BYTES`. */
  readonly maxRememberedIdBytes?: number;
}

/** LookupEvents only serves the last 90 days: older gaps can never be read and are dropped. */
export const LOOKUP_RETENTION_DAYS = 90;
/**
 * The remembered ids, as stored (JSON), take at most this much: about 400 denials counted early per overlap. With
 * `MAX_GAPS` gaps and the high water mark, the item stays under `MAX_WATERMARK_BYTES`.
 */
export const MAX_REMEMBERED_ID_BYTES = 32 * 1024;
/** At most this many gaps (each about 60 bytes stored); a flood that outruns the page budget adds one a run. */
export const MAX_GAPS = 64;
/**
 * The stored watermark never exceeds this (DynamoDB refuses items over 400 KB): the bounds above keep it below,
 * and the store refuses to write more.
 */
export const MAX_WATERMARK_BYTES = 64 * 1024;

const MINUTE_MS = 60_000;
const SECOND_MS = 1000;
const RETENTION_MS = LOOKUP_RETENTION_DAYS * 24 * 60 * MINUTE_MS;

const toMs = (iso: string): number => Date.parse(iso);
const toIso = (ms: number): string => new Date(ms).toISOString();
/** Whole seconds: CloudTrail times have one-second precision, and LookupEvents may compare at that precision. */
const floorSecond = (ms: number): number => Math.floor(ms / SECOND_MS) * SECOND_MS;

interface Interval {
  from: number;
  to: number;
}

/** Where the next window starts: the overlap before the high water mark, on a whole second. */
function rereadStart(highWater: number, settings: Pick<WindowSettings, 'overlapMinutes'>): number {
  return floorSecond(highWater - settings.overlapMinutes * MINUTE_MS);
}

/**
 * The ranges to read this run: pending gaps (oldest first), then the window from the high water mark minus the
 * overlap to now. Without a watermark (first run, or no store as in the CLI): the lookback window.
 */
export function planScan(
  watermark: Watermark | undefined,
  now: Date,
  settings: WindowSettings,
): PlannedRange[] {
  const nowMs = now.getTime();
  const floor = nowMs - RETENTION_MS;
  if (watermark === undefined) {
    const from = Math.max(floor, nowMs - settings.lookbackMinutes * MINUTE_MS);
    return [{ kind: 'window', from: toIso(from), to: toIso(nowMs) }];
  }
  const ranges: PlannedRange[] = mergeIntervals(watermark.gaps.map(toInterval))
    .filter((gap) => gap.to >= floor)
    .map((gap) => ({ kind: 'gap', from: toIso(Math.max(gap.from, floor)), to: toIso(gap.to) }));
  const windowFrom = Math.max(floor, rereadStart(toMs(watermark.highWater), settings));
  // A clock that went backwards by more than the overlap: nothing new to read until it catches up.
  if (windowFrom <= nowMs) ranges.push({ kind: 'window', from: toIso(windowFrom), to: toIso(nowMs) });
  return ranges;
}

export interface ScanOutcome {
  /** Every planned range, in plan order, including those the budget never reached (pages 0). */
  readonly ranges: readonly ScannedRange[];
  /** Denials counted this run (after `dedupe`). */
  readonly counted: readonly SeenEvent[];
}

/** Where the next runs will read: the new high water mark and gaps, before any id is chosen. */
interface Frame {
  readonly highWater: number;
  readonly gaps: readonly Interval[];
  readonly rereadFrom: number;
  /** Gaps merged to stay within `MAX_GAPS`. */
  readonly mergedGaps: number;
}

/**
 * The frame after a run. Every unread part of a planned range becomes a gap; the high water mark moves to the end
 * of the window even when the window was cut, because its unread part is now a gap.
 */
function nextFrame(
  previous: Watermark | undefined,
  ranges: readonly ScannedRange[],
  settings: Pick<WindowSettings, 'overlapMinutes'>,
): Frame {
  let highWater = previous === undefined ? Number.NEGATIVE_INFINITY : toMs(previous.highWater);
  const unread: Interval[] = [];
  for (const range of ranges) {
    const part = unreadPart(range);
    if (part !== undefined) unread.push(part);
    if (range.kind === 'window') highWater = Math.max(highWater, toMs(range.to));
  }
  if (!Number.isFinite(highWater)) {
    // No previous mark and no window: nothing was planned, so there is nothing to remember either.
    highWater = Math.max(...ranges.map((range) => toMs(range.to)), 0);
  }
  const merged = mergeIntervals(unread);
  const gaps = capGaps(merged, MAX_GAPS);
  return {
    highWater,
    gaps,
    rereadFrom: rereadStart(highWater, settings),
    mergedGaps: merged.length - gaps.length,
  };
}

function readAgainIn(frame: Frame): (time: number) => boolean {
  return (time) => inGap(frame, time) || time >= frame.rereadFrom;
}

function inGap(frame: Frame, time: number): boolean {
  return frame.gaps.some((gap) => time >= gap.from && time <= gap.to);
}

/** The stored size of one remembered id (JSON, with its separator). */
export function rememberedBytes(event: SeenEvent): number {
  return JSON.stringify({ id: event.id, eventTime: event.eventTime }).length + 1;
}

/** The remembered ids, within a byte budget; the first in `events` win. */
class RememberedIds {
  private readonly kept = new Map<string, SeenEvent>();
  private bytes = 0;

  constructor(private readonly budget: number) {}

  has(id: string): boolean {
    return this.kept.has(id);
  }

  /** Remembers `event` if it fits; false when it does not (then it is not remembered). */
  add(event: SeenEvent): boolean {
    if (this.kept.has(event.id)) return true;
    const size = rememberedBytes(event);
    if (this.bytes + size > this.budget) return false;
    this.kept.set(event.id, { id: event.id, eventTime: event.eventTime });
    this.bytes += size;
    return true;
  }

  list(): SeenEvent[] {
    return [...this.kept.values()].sort(
      (a, b) => toMs(a.eventTime) - toMs(b.eventTime) || a.id.localeCompare(b.id),
    );
  }
}

function toWatermark(frame: Frame, ids: RememberedIds): Watermark {
  return {
    highWater: toIso(frame.highWater),
    gaps: frame.gaps.map((gap) => ({ from: toIso(gap.from), to: toIso(gap.to) })),
    recentEventIds: ids.list(),
  };
}

const newestFirst = (a: SeenEvent, b: SeenEvent): number => toMs(b.eventTime) - toMs(a.eventTime);

/**
 * The watermark after a run that counted `outcome.counted` (every one of them remembered while it can be read
 * again, within the byte budget: the newest are kept first). The scan uses `settle`, which decides what to count
 * so that the budget is never exceeded; this is for a plan saved unread (`unreadWatermark`) and for tests.
 */
export function advance(
  previous: Watermark | undefined,
  outcome: ScanOutcome,
  settings: Pick<WindowSettings, 'overlapMinutes'> & BoundSettings,
): Watermark {
  const frame = nextFrame(previous, outcome.ranges, settings);
  const again = readAgainIn(frame);
  const ids = new RememberedIds(settings.maxRememberedIdBytes ?? MAX_REMEMBERED_ID_BYTES);
  for (const seen of [...(previous?.recentEventIds ?? []), ...outcome.counted].sort(newestFirst)) {
    if (again(toMs(seen.eventTime))) ids.add(seen);
  }
  return toWatermark(frame, ids);
}

export interface SettleInput<T> {
  /** Every planned range, in plan order, including those the budget never reached (pages 0). */
  readonly ranges: readonly ScannedRange[];
  /** Every denial read this run, as read (duplicates included). */
  readonly read: readonly T[];
  /** Denials the real-time path counted (claims), not yet folded into a watermark. */
  readonly claimed?: readonly SeenEvent[];
}

export interface Settled<T> {
  /** Denials to report: counted by this run, each once over all runs. */
  readonly counted: T[];
  /** Read again: counted by an earlier run, by the real-time path, or earlier in this one. */
  readonly duplicates: number;
  /**
   * Read, but at a time a later run reads again and not remembered: left for it (counted there). The cut second
   * of a range, or overlap denials beyond the id budget (a flood).
   */
  readonly deferred: number;
  readonly watermark: Watermark;
  /**
   * The claims this watermark accounts for (remembered, or at a time no scan reads again): the claim store may
   * drop them once it is saved. The others stay claimed for the next scan.
   */
  readonly settledClaims: SeenEvent[];
  /** Ids the previous watermark remembered that no longer fit (only an item from before the bound). */
  readonly forgotten: number;
  /** Gaps merged to stay within `MAX_GAPS`: the spans between them are read again. */
  readonly mergedGaps: number;
}

/**
 * Decides what this run counts and the watermark it leaves, within the bounds: a denial whose time no later run
 * reads is counted now; one a later run reads again is counted now only if its id can be remembered (the newest
 * first, after the ids the previous watermark must keep), else left for that later run.
 */
export function settle<T extends { readonly eventId: string; readonly eventTime: string }>(
  previous: Watermark | undefined,
  input: SettleInput<T>,
  settings: Pick<WindowSettings, 'overlapMinutes'> & BoundSettings,
): Settled<T> {
  const frame = nextFrame(previous, input.ranges, settings);
  const again = readAgainIn(frame);
  const ids = new RememberedIds(settings.maxRememberedIdBytes ?? MAX_REMEMBERED_ID_BYTES);
  const known = new Set<string>();

  // What was counted before must stay remembered while it can be read again: first in the budget.
  let forgotten = 0;
  for (const seen of [...(previous?.recentEventIds ?? [])].sort(newestFirst)) {
    known.add(seen.id);
    if (again(toMs(seen.eventTime)) && !ids.add(seen)) forgotten += 1;
  }
  const settledClaims: SeenEvent[] = [];
  for (const claim of [...(input.claimed ?? [])].sort(newestFirst)) {
    known.add(claim.id);
    if (!again(toMs(claim.eventTime)) || ids.add(claim)) settledClaims.push(claim);
  }

  const fresh: T[] = [];
  for (const denial of input.read) {
    if (known.has(denial.eventId)) continue;
    known.add(denial.eventId);
    fresh.push(denial);
  }
  const countedIds = new Set<string>();
  let deferred = 0;
  for (const denial of [...fresh].sort((a, b) => toMs(b.eventTime) - toMs(a.eventTime))) {
    // Read for good, or remembered while a later run reads it again (the overlap, a gap's cut second).
    const counts =
      !again(toMs(denial.eventTime)) || ids.add({ id: denial.eventId, eventTime: denial.eventTime });
    if (counts) countedIds.add(denial.eventId);
    else deferred += 1;
  }
  return {
    counted: fresh.filter((denial) => countedIds.has(denial.eventId)),
    duplicates: input.read.length - fresh.length,
    deferred,
    watermark: toWatermark(frame, ids),
    settledClaims,
    forgotten,
    mergedGaps: frame.mergedGaps,
  };
}

/**
 * The watermark to keep when a first run (no watermark yet) cannot publish: every planned range still unread. Not
 * saving anything would make the next run plan from its own lookback and skip the time between the two windows.
 */
export function unreadWatermark(
  planned: readonly PlannedRange[],
  settings: Pick<WindowSettings, 'overlapMinutes'>,
): Watermark {
  return advance(
    undefined,
    { ranges: planned.map((range) => ({ ...range, pages: 0, complete: false })), counted: [] },
    settings,
  );
}

/** The part of a range left unread: all of it if never started, [from, oldestSeen] if cut. */
function unreadPart(range: ScannedRange): Interval | undefined {
  if (range.complete) return undefined;
  const from = toMs(range.from);
  const to = toMs(range.to);
  if (range.pages === 0 || range.oldestSeen === undefined) return { from, to };
  return { from, to: Math.min(to, Math.max(from, toMs(range.oldestSeen))) };
}

/**
 * Drops events already counted: by an earlier run (their ids are in the watermark), by the real-time path (its
 * claims, `alsoCounted`) or earlier in this run (a gap and the window can overlap, and closed ranges share their
 * boundary second). The first occurrence wins.
 */
export function dedupe<T extends { readonly eventId: string }>(
  events: readonly T[],
  watermark: Watermark | undefined,
  alsoCounted: readonly SeenEvent[] = [],
): { fresh: T[]; duplicates: number } {
  const seen = new Set([
    ...(watermark?.recentEventIds.map((event) => event.id) ?? []),
    ...alsoCounted.map((event) => event.id),
  ]);
  const fresh: T[] = [];
  for (const event of events) {
    if (seen.has(event.eventId)) continue;
    seen.add(event.eventId);
    fresh.push(event);
  }
  return { fresh, duplicates: events.length - fresh.length };
}

/**
 * Whether a later run will read `eventTime` again under this watermark: it falls in the overlap re-read from the
 * high water mark, or in a gap. An event outside is behind the scans for good: they read that time already (and
 * counted what LookupEvents had), so the real-time path must leave it to them (core/irsa/realtime.ts).
 */
export function willBeReadAgain(
  watermark: Pick<Watermark, 'highWater' | 'gaps'>,
  eventTime: string,
  settings: Pick<WindowSettings, 'overlapMinutes'>,
): boolean {
  const time = toMs(eventTime);
  if (time >= rereadStart(toMs(watermark.highWater), settings)) return true;
  return watermark.gaps.some((gap) => time >= toMs(gap.from) && time <= toMs(gap.to));
}

/** True when the run left older ranges unread: the summary says "continues next run". */
export function hasPendingWork(watermark: Watermark): boolean {
  return watermark.gaps.length > 0;
}

/** The watermark's size as stored (its JSON attributes): what `MAX_WATERMARK_BYTES` bounds. */
export function storedBytes(watermark: Watermark): number {
  return (
    watermark.highWater.length +
    JSON.stringify(watermark.gaps).length +
    JSON.stringify(watermark.recentEventIds).length
  );
}

function toInterval(range: TimeRange): Interval {
  return { from: toMs(range.from), to: toMs(range.to) };
}

function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals.filter((i) => i.from <= i.to).sort((a, b) => a.from - b.from || a.to - b.to);
  const merged: Interval[] = [];
  for (const interval of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && interval.from <= last.to) last.to = Math.max(last.to, interval.to);
    else merged.push({ ...interval });
  }
  return merged;
}

/**
 * At most `max` gaps (sorted, disjoint): the two separated by the shortest read span are merged until they fit.
 * That span is read again, so a denial in it may be counted twice: over-reporting, never losing one.
 */
function capGaps(gaps: readonly Interval[], max: number): Interval[] {
  const kept = gaps.map((gap) => ({ ...gap }));
  while (kept.length > Math.max(1, max)) {
    let closest = 0;
    for (let index = 1; index < kept.length - 1; index++) {
      if (kept[index + 1]!.from - kept[index]!.to < kept[closest + 1]!.from - kept[closest]!.to)
        closest = index;
    }
    kept.splice(closest, 2, { from: kept[closest]!.from, to: kept[closest + 1]!.to });
  }
  return kept;
}

const isoTime = z
  .string()
  .check(z.refine((value) => !Number.isNaN(Date.parse(value)), 'not an ISO-8601 time'));
const watermarkSchema = z.object({
  highWater: isoTime,
  gaps: z.array(z.object({ from: isoTime, to: isoTime })),
  recentEventIds: z.array(z.object({ id: z.string().check(z.minLength(1)), eventTime: isoTime })),
});

/** Validates a stored watermark; `undefined` when it is not one (the caller reports it and plans from lookback). */
export function parseWatermark(value: unknown): Watermark | undefined {
  const parsed = watermarkSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
