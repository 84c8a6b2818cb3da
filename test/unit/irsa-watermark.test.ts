import type { ScannedRange } from '../../lambdas/core/irsa/types';
import {
  advance,
  dedupe,
  hasPendingWork,
  LOOKUP_RETENTION_DAYS,
  parseWatermark,
  planScan,
  unreadWatermark,
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
