/**
 * The per-region watermark of the IRSA check: which part of CloudTrail has been read, so that consecutive runs
 * lose no event and count none twice.
 *
 * - `highWater`: the end of the last window read. The next window starts `overlapMinutes` earlier, because
 *   CloudTrail delivers events late (usually within 5 minutes, up to about 15).
 * - `gaps`: older ranges a run could not finish. LookupEvents returns events newest first, so a page budget that
 *   runs out leaves the OLDEST part of a range unread; that part is kept here and read first next run.
 * - `recentEventIds`: the denials already counted whose time falls where a later run will read again (the overlap
 *   and the gaps), so re-reads are recognised by event id.
 *
 * Ranges are closed at both ends, like LookupEvents' StartTime/EndTime, and CloudTrail times have one-second
 * precision: events sharing the second a range was cut at may have been read only partly, so that second stays in
 * the gap and the ids read at it are remembered.
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

/** LookupEvents only serves the last 90 days: older gaps can never be read and are dropped. */
export const LOOKUP_RETENTION_DAYS = 90;

const MINUTE_MS = 60_000;
const RETENTION_MS = LOOKUP_RETENTION_DAYS * 24 * 60 * MINUTE_MS;

const toMs = (iso: string): number => Date.parse(iso);
const toIso = (ms: number): string => new Date(ms).toISOString();

interface Interval {
  from: number;
  to: number;
}

/**
 * The ranges to read this run, in order: pending gaps (oldest first), then the window from the high water mark
 * minus the overlap to now. Without a watermark (first run, or no store as in the CLI): the lookback window.
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
  const windowFrom = Math.max(floor, toMs(watermark.highWater) - settings.overlapMinutes * MINUTE_MS);
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

/**
 * The watermark after a run. Every unread part of a planned range becomes a gap; the high water mark moves to
 * the end of the window even when the window was cut, because its unread part is now a gap.
 */
export function advance(
  previous: Watermark | undefined,
  outcome: ScanOutcome,
  settings: Pick<WindowSettings, 'overlapMinutes'>,
): Watermark {
  let highWater = previous === undefined ? Number.NEGATIVE_INFINITY : toMs(previous.highWater);
  const unread: Interval[] = [];
  for (const range of outcome.ranges) {
    const part = unreadPart(range);
    if (part !== undefined) unread.push(part);
    if (range.kind === 'window') highWater = Math.max(highWater, toMs(range.to));
  }
  if (!Number.isFinite(highWater)) {
    // No previous mark and no window: nothing was planned, so there is nothing to remember either.
    const latest = Math.max(...outcome.ranges.map((range) => toMs(range.to)), 0);
    highWater = latest;
  }
  const gaps = mergeIntervals(unread);
  const rereadFrom = highWater - settings.overlapMinutes * MINUTE_MS;
  const willBeReadAgain = (time: number): boolean =>
    time >= rereadFrom || gaps.some((gap) => time >= gap.from && time <= gap.to);
  const kept = new Map<string, SeenEvent>();
  for (const seen of [...(previous?.recentEventIds ?? []), ...outcome.counted]) {
    if (!kept.has(seen.id) && willBeReadAgain(toMs(seen.eventTime))) kept.set(seen.id, seen);
  }
  return {
    highWater: toIso(highWater),
    gaps: gaps.map((gap) => ({ from: toIso(gap.from), to: toIso(gap.to) })),
    recentEventIds: [...kept.values()].sort(
      (a, b) => toMs(a.eventTime) - toMs(b.eventTime) || a.id.localeCompare(b.id),
    ),
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
  if (time >= toMs(watermark.highWater) - settings.overlapMinutes * MINUTE_MS) return true;
  return watermark.gaps.some((gap) => time >= toMs(gap.from) && time <= toMs(gap.to));
}

/** True when the run left older ranges unread: the summary says "continues next run". */
export function hasPendingWork(watermark: Watermark): boolean {
  return watermark.gaps.length > 0;
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
