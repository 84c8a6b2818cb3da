import type { ScannedRange } from '../../lambdas/core/irsa/types';
import {
  advance,
  dedupe,
  hasPendingWork,
  LOOKUP_RETENTION_DAYS,
  MAX_GAPS,
  MAX_REMEMBERED_ID_BYTES,
  MAX_WATERMARK_BYTES,
  parseWatermark,
  planScan,
  rememberedBytes,
  settle,
  storedBytes,
  unreadWatermark,
  willBeReadAgain,
  type Watermark,
} from '../../lambdas/core/irsa/watermark';

const SETTINGS = { lookbackMinutes: 60, overlapMinutes: 15 };
const NOW = new Date('2025-03-01T12:00:00.000Z');
const at = (time: string) => `2025-03-01T${time}.000Z`;

describe('planScan', () => {
  it('first run: the lookback window up to now', () => {
    expect(planScan(undefined, NOW, SETTINGS)).toEqual([
      { kind: 'window', from: at('11:00:00'), to: at('12:00:00') },
    ]);
  });

  it('later runs: pending gaps oldest first, then from the high water mark minus the overlap', () => {
    const watermark: Watermark = {
      highWater: at('11:50:00'),
      gaps: [
        { from: at('11:20:00'), to: at('11:25:00') },
        { from: at('10:00:00'), to: at('10:10:00') },
      ],
      recentEventIds: [],
    };
    expect(planScan(watermark, NOW, SETTINGS)).toEqual([
      { kind: 'gap', from: at('10:00:00'), to: at('10:10:00') },
      { kind: 'gap', from: at('11:20:00'), to: at('11:25:00') },
      { kind: 'window', from: at('11:35:00'), to: at('12:00:00') },
    ]);
  });

  it('merges overlapping gaps and drops what LookupEvents no longer serves (90 days)', () => {
    const old = new Date(NOW.getTime() - (LOOKUP_RETENTION_DAYS + 1) * 86_400_000).toISOString();
    const floor = new Date(NOW.getTime() - LOOKUP_RETENTION_DAYS * 86_400_000).toISOString();
    const tooOld = new Date(NOW.getTime() - (LOOKUP_RETENTION_DAYS + 2) * 86_400_000).toISOString();
    const watermark: Watermark = {
      highWater: at('12:00:00'),
      gaps: [
        { from: tooOld, to: old },
        { from: old, to: at('10:00:00') },
        { from: at('09:00:00'), to: at('11:00:00') },
      ],
      recentEventIds: [],
    };
    expect(planScan(watermark, NOW, SETTINGS)).toEqual([
      { kind: 'gap', from: floor, to: at('11:00:00') },
      { kind: 'window', from: at('11:45:00'), to: at('12:00:00') },
    ]);
  });

  it('starts the window on a whole second, so a re-read never misses part of a second counted by time', () => {
    const watermark: Watermark = { highWater: '2025-03-01T11:50:00.750Z', gaps: [], recentEventIds: [] };
    expect(planScan(watermark, NOW, SETTINGS)).toEqual([
      { kind: 'window', from: at('11:35:00'), to: at('12:00:00') },
    ]);
    expect(willBeReadAgain(watermark, at('11:35:00'), SETTINGS)).toBe(true);
    expect(willBeReadAgain(watermark, '2025-03-01T11:34:59.000Z', SETTINGS)).toBe(false);
  });

  it('plans no window while the clock is more than the overlap behind the high water mark', () => {
    const watermark: Watermark = { highWater: at('12:30:00'), gaps: [], recentEventIds: [] };
    expect(planScan(watermark, NOW, SETTINGS)).toEqual([]);
  });
});

const range = (overrides: Partial<ScannedRange> & Pick<ScannedRange, 'from' | 'to'>): ScannedRange => ({
  kind: 'window',
  pages: 1,
  complete: true,
  ...overrides,
});

describe('advance', () => {
  it('a complete run moves the high water mark to now and keeps the ids a re-read can return', () => {
    const next = advance(
      undefined,
      {
        ranges: [range({ from: at('11:00:00'), to: at('12:00:00') })],
        counted: [
          { id: 'old', eventTime: at('11:10:00') },
          { id: 'edge', eventTime: at('11:45:00') },
          { id: 'recent', eventTime: at('11:59:59') },
        ],
      },
      SETTINGS,
    );
    expect(next).toEqual({
      highWater: at('12:00:00'),
      gaps: [],
      recentEventIds: [
        { id: 'edge', eventTime: at('11:45:00') },
        { id: 'recent', eventTime: at('11:59:59') },
      ],
    });
    expect(hasPendingWork(next)).toBe(false);
  });

  it('a window cut by the budget leaves [from, oldest event read] as a gap, that second included', () => {
    const next = advance(
      undefined,
      {
        ranges: [
          range({
            from: at('11:00:00'),
            to: at('12:00:00'),
            pages: 3,
            complete: false,
            oldestSeen: at('11:20:00'),
          }),
        ],
        counted: [{ id: 'at-cut', eventTime: at('11:20:00') }],
      },
      SETTINGS,
    );
    expect(next.highWater).toBe(at('12:00:00'));
    expect(next.gaps).toEqual([{ from: at('11:00:00'), to: at('11:20:00') }]);
    // Others at 11:20:00 may be on the next, unread, page: the re-read of the gap must recognise this one.
    expect(next.recentEventIds).toEqual([{ id: 'at-cut', eventTime: at('11:20:00') }]);
    expect(hasPendingWork(next)).toBe(true);
  });

  it('ranges the budget never reached stay whole; a finished gap disappears', () => {
    const previous: Watermark = {
      highWater: at('11:50:00'),
      gaps: [
        { from: at('10:00:00'), to: at('10:10:00') },
        { from: at('10:30:00'), to: at('10:40:00') },
      ],
      recentEventIds: [
        { id: 'in-gap', eventTime: at('10:35:00') },
        { id: 'stale', eventTime: at('10:20:00') },
      ],
    };
    const next = advance(
      previous,
      {
        ranges: [
          range({ kind: 'gap', from: at('10:00:00'), to: at('10:10:00'), pages: 2, complete: true }),
          range({ kind: 'gap', from: at('10:30:00'), to: at('10:40:00'), pages: 0, complete: false }),
          range({ kind: 'window', from: at('11:35:00'), to: at('12:00:00'), pages: 0, complete: false }),
        ],
        counted: [],
      },
      SETTINGS,
    );
    expect(next).toEqual({
      highWater: at('12:00:00'),
      gaps: [
        { from: at('10:30:00'), to: at('10:40:00') },
        { from: at('11:35:00'), to: at('12:00:00') },
      ],
      recentEventIds: [{ id: 'in-gap', eventTime: at('10:35:00') }],
    });
  });

  it('a cut with no event read (an empty page with a NextToken) leaves the whole range', () => {
    const next = advance(
      undefined,
      {
        ranges: [range({ from: at('11:00:00'), to: at('12:00:00'), pages: 1, complete: false })],
        counted: [],
      },
      SETTINGS,
    );
    expect(next.gaps).toEqual([{ from: at('11:00:00'), to: at('12:00:00') }]);
  });

  it('never moves the high water mark backwards', () => {
    const previous: Watermark = { highWater: at('12:10:00'), gaps: [], recentEventIds: [] };
    const next = advance(
      previous,
      { ranges: [range({ from: at('11:55:00'), to: at('12:00:00') })], counted: [] },
      SETTINGS,
    );
    expect(next.highWater).toBe(at('12:10:00'));
  });
});

const denialAt = (id: string, time: string) => ({ eventId: id, eventTime: at(time) });

describe('settle', () => {
  it('counts what no later run reads again without remembering it; remembers the overlap and the cut second', () => {
    const settled = settle(
      undefined,
      {
        ranges: [
          range({
            from: at('11:00:00'),
            to: at('12:00:00'),
            pages: 3,
            complete: false,
            oldestSeen: at('11:20:00'),
          }),
        ],
        read: [
          denialAt('recent', '11:59:00'),
          denialAt('edge', '11:45:00'),
          denialAt('settled', '11:30:00'),
          denialAt('at-cut', '11:20:00'),
          denialAt('recent', '11:59:00'),
        ],
      },
      SETTINGS,
    );
    expect(settled.counted.map((denial) => denial.eventId)).toEqual(['recent', 'edge', 'settled', 'at-cut']);
    expect(settled).toMatchObject({ duplicates: 1, deferred: 0, forgotten: 0, mergedGaps: 0 });
    expect(settled.watermark).toEqual({
      highWater: at('12:00:00'),
      gaps: [{ from: at('11:00:00'), to: at('11:20:00') }],
      recentEventIds: [
        { id: 'at-cut', eventTime: at('11:20:00') },
        { id: 'edge', eventTime: at('11:45:00') },
        { id: 'recent', eventTime: at('11:59:00') },
      ],
    });
  });

  it('beyond the id budget, leaves the oldest re-read denials for the run that reads them again', () => {
    const budget = 2 * rememberedBytes({ id: 'e-1', eventTime: at('11:50:00') });
    const read = ['11:50:00', '11:55:00', '11:58:00', '11:40:00'].map((time, index) =>
      denialAt(`e-${index}`, time),
    );
    const ranges = [range({ from: at('11:00:00'), to: at('12:00:00') })];
    const first = settle(undefined, { ranges, read }, { ...SETTINGS, maxRememberedIdBytes: budget });
    // The two newest are counted now and remembered; 11:40 is behind the next window: counted, forgotten.
    expect(first.counted.map((denial) => denial.eventId).sort()).toEqual(['e-1', 'e-2', 'e-3']);
    expect(first.deferred).toBe(1);
    expect(first.watermark.recentEventIds.map((seen) => seen.id)).toEqual(['e-1', 'e-2']);

    // The next run reads the overlap again: the remembered two are duplicates, e-0 is counted now it settled.
    const later = settle(
      first.watermark,
      { ranges: [range({ from: at('11:45:00'), to: at('12:15:00') })], read: read.slice(0, 3) },
      { ...SETTINGS, maxRememberedIdBytes: budget },
    );
    expect(later.counted.map((denial) => denial.eventId)).toEqual(['e-0']);
    expect(later).toMatchObject({ duplicates: 2, deferred: 0 });
    expect(later.watermark.recentEventIds).toEqual([]);
  });

  it('keeps the ids it must (counted before) first, and folds claims only within the budget', () => {
    const previous: Watermark = {
      highWater: at('12:00:00'),
      gaps: [],
      recentEventIds: [{ id: 'old', eventTime: at('11:58:00') }],
    };
    const budget = 2 * rememberedBytes({ id: 'old', eventTime: at('11:58:00') });
    const settled = settle(
      previous,
      {
        ranges: [range({ from: at('11:45:00'), to: at('12:05:00') })],
        read: [denialAt('old', '11:58:00'), denialAt('new', '12:04:00')],
        claimed: [
          { id: 'rt1', eventTime: at('12:03:00') },
          { id: 'rt2', eventTime: at('12:02:00') },
          { id: 'done', eventTime: at('11:30:00') },
        ],
      },
      { ...SETTINGS, maxRememberedIdBytes: budget },
    );
    // The claim that fits and the one no scan reads again are settled; rt2 stays claimed, `new` waits.
    expect(settled.settledClaims.map((claim) => claim.id).sort()).toEqual(['done', 'rt1']);
    expect(settled.watermark.recentEventIds.map((seen) => seen.id)).toEqual(['old', 'rt1']);
    expect(settled.counted).toEqual([]);
    expect(settled).toMatchObject({ duplicates: 1, deferred: 1 });
  });

  it('an oversized stored watermark (from before the bound) is cut to the budget, the newest ids kept', () => {
    const previous: Watermark = {
      highWater: at('12:00:00'),
      gaps: [],
      recentEventIds: Array.from({ length: 2000 }, (_, index) => ({
        id: `d3b1e6f2-0000-4000-8000-${String(index).padStart(12, '0')}`,
        eventTime: new Date(Date.parse(at('11:46:00')) + index * 300).toISOString(),
      })),
    };
    const settled = settle(
      previous,
      { ranges: [range({ from: at('11:45:00'), to: at('12:00:00') })], read: [] },
      SETTINGS,
    );
    expect(settled.forgotten).toBeGreaterThan(0);
    expect(settled.watermark.recentEventIds).toContainEqual(previous.recentEventIds[1999]);
    expect(JSON.stringify(settled.watermark.recentEventIds).length).toBeLessThanOrEqual(
      MAX_REMEMBERED_ID_BYTES,
    );
  });

  it('caps the gaps by merging the closest two: more state never grows past the bound', () => {
    // One run with MAX_GAPS + 5 unread ranges (far more than a flood adds: one a run).
    const ranges = Array.from({ length: MAX_GAPS + 5 }, (_, index) =>
      range({
        kind: 'gap',
        from: new Date(Date.parse(at('00:00:00')) + index * 600_000).toISOString(),
        to: new Date(
          Date.parse(at('00:00:00')) + index * 600_000 + (index === 7 ? 590_000 : 60_000),
        ).toISOString(),
        pages: 0,
        complete: false,
      }),
    );
    const settled = settle(undefined, { ranges, read: [] }, SETTINGS);
    expect(settled.watermark.gaps).toHaveLength(MAX_GAPS);
    expect(settled.mergedGaps).toBe(5);
    // Nothing unread was dropped: every range is inside a gap, and the closest pair (gap 7 ends 10 s before gap
    // 8 starts) was merged first.
    const inside = (r: { from: string; to: string }) =>
      settled.watermark.gaps.some((gap) => gap.from <= r.from && gap.to >= r.to);
    expect(ranges.every(inside)).toBe(true);
    expect(inside({ from: ranges[7]!.from, to: ranges[8]!.to })).toBe(true);
  });

  it('a flood of re-read denials leaves a watermark within MAX_WATERMARK_BYTES', () => {
    const read = Array.from({ length: 20_000 }, (_, index) => ({
      eventId: `d3b1e6f2-0000-4000-8000-${String(index).padStart(12, '0')}`,
      eventTime: new Date(Date.parse(at('11:45:00')) + Math.floor(index / 4) * 1000).toISOString(),
    }));
    const ranges = Array.from({ length: MAX_GAPS }, (_, index) =>
      range({
        kind: 'gap',
        from: new Date(Date.parse(at('00:00:00')) + index * 600_000).toISOString(),
        to: new Date(Date.parse(at('00:00:00')) + index * 600_000 + 60_000).toISOString(),
        pages: 0,
        complete: false,
      }),
    );
    const settled = settle(
      undefined,
      { ranges: [...ranges, range({ from: at('11:45:00'), to: at('12:00:00') })], read },
      SETTINGS,
    );
    expect(settled.deferred).toBeGreaterThan(19_000);
    expect(storedBytes(settled.watermark)).toBeLessThanOrEqual(MAX_WATERMARK_BYTES);
  });
});

describe('dedupe', () => {
  it('drops ids the watermark remembers and repeats within the run, keeping the first', () => {
    const watermark: Watermark = {
      highWater: at('12:00:00'),
      gaps: [],
      recentEventIds: [{ id: 'a', eventTime: at('11:50:00') }],
    };
    const events = [
      { eventId: 'a', n: 1 },
      { eventId: 'b', n: 2 },
      { eventId: 'b', n: 3 },
      { eventId: 'c', n: 4 },
    ];
    expect(dedupe(events, watermark)).toEqual({
      fresh: [
        { eventId: 'b', n: 2 },
        { eventId: 'c', n: 4 },
      ],
      duplicates: 2,
    });
    expect(dedupe(events, undefined).duplicates).toBe(1);
  });
});

describe('unreadWatermark', () => {
  it('keeps everything planned unread, so the next run still starts where this one did', () => {
    const planned = planScan(undefined, NOW, SETTINGS);
    const pinned = unreadWatermark(planned, SETTINGS);
    expect(pinned.gaps).toEqual([{ from: at('11:00:00'), to: at('12:00:00') }]);
    const later = new Date('2025-03-01T14:00:00.000Z');
    expect(planScan(pinned, later, SETTINGS)[0]).toEqual({
      kind: 'gap',
      from: at('11:00:00'),
      to: at('12:00:00'),
    });
  });
});

describe('parseWatermark', () => {
  it('accepts a stored watermark and rejects anything else', () => {
    const valid = {
      highWater: at('12:00:00'),
      gaps: [],
      recentEventIds: [{ id: 'x', eventTime: at('11:59:00') }],
    };
    expect(parseWatermark(valid)).toEqual(valid);
    expect(parseWatermark({ ...valid, highWater: 'yesterday' })).toBeUndefined();
    expect(parseWatermark({ highWater: at('12:00:00') })).toBeUndefined();
    expect(parseWatermark(undefined)).toBeUndefined();
  });
});
