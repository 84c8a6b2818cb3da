import {
  METRIC_CHECK_IDS,
  metricsReadWindowMinutes,
  planMetricsRead,
  type MetricsCadenceSettings,
} from '../../lambdas/core/checks/metrics-cadence';
import { evaluateCredentials } from '../../lambdas/core/evaluate-credentials';
import type { Finding } from '../../lambdas/core/finding';
import { regionCoverage } from '../../lambdas/core/lifecycle/prepare';
import { DEFAULT_LIFECYCLE_SETTINGS, planTransitions } from '../../lambdas/core/lifecycle/plan-transitions';
import type { LedgerEntry } from '../../lambdas/core/lifecycle/types';
import { fn, healthyRegion, settings, snapshot } from '../fixtures/inventory';

const HOURLY: MetricsCadenceSettings = {
  metricsWindowMinutes: 30,
  metricsIntervalMinutes: 60,
  schedulePeriodMinutes: 15,
};
const at = (time: string) => new Date(`2026-12-04T${time}Z`);

describe('planMetricsRead', () => {
  test.each([
    // [case, settings, time, read]
    ['no interval: every run reads', { ...HOURLY, metricsIntervalMinutes: 0 }, '10:40:00', true],
    ['no schedule period known: every run reads', { ...HOURLY, schedulePeriodMinutes: 0 }, '10:40:00', true],
    ['interval not longer than the period', { ...HOURLY, metricsIntervalMinutes: 15 }, '10:40:00', true],
    ['the slot has just begun', HOURLY, '10:00:00', true],
    ['the last run within the first period', HOURLY, '10:14:59', true],
    ['within the minute of tolerance', HOURLY, '10:15:59', true],
    ['past the first period and its tolerance', HOURLY, '10:16:00', false],
    ['late in the slot', HOURLY, '10:59:59', false],
  ] as const)('%s', (_case, cadence, time, read) => {
    expect(planMetricsRead({ at: at(time), scheduled: false }, cadence).read).toBe(read);
  });

  test('a run that does not read says which slot read and when the next one begins', () => {
    expect(planMetricsRead({ at: at('10:37:12'), scheduled: false }, HOURLY)).toEqual({
      read: false,
      slotStartedAt: '2026-12-04T10:00:00.000Z',
      nextReadAfter: '2026-12-04T11:00:00.000Z',
    });
  });

  test.each([
    // [phase of the schedule in minutes, then how many reads each slot gets]
    [0, 2], // the slot's second run is within the tolerance: read twice (the price of never missing a slot)
    [0.5, 2],
    [1, 1],
    [7, 1],
    [14.5, 1],
    [14.99, 1],
  ])('a 15-minute schedule at phase %s min reads %s time(s) in every hour-long slot', (phase, perSlot) => {
    // 48 hours of runs at a fixed phase: each slot's reads are counted, and no slot goes without.
    const start = at('00:00:00').getTime() + phase * 60_000;
    const reads = new Map<number, number>();
    for (let run = 0; run < 48 * 4; run += 1) {
      const now = new Date(start + run * 15 * 60_000);
      if (planMetricsRead({ at: now, scheduled: false }, HOURLY).read) {
        const slot = Math.floor(now.getTime() / 3_600_000);
        reads.set(slot, (reads.get(slot) ?? 0) + 1);
      }
    }
    expect(reads.size).toBe(48);
    expect(new Set(reads.values())).toEqual(new Set([perSlot]));
  });

  test.each([0, 0.5, 7, 14.99])(
    "by the schedule's own times (phase %s min) every slot reads exactly once",
    (phase) => {
      const start = at('00:00:00').getTime() + phase * 60_000;
      const reads = new Map<number, number>();
      for (let run = 0; run < 48 * 4; run += 1) {
        const due = new Date(start + run * 15 * 60_000);
        if (planMetricsRead({ at: due, scheduled: true }, HOURLY).read) {
          const slot = Math.floor(due.getTime() / 3_600_000);
          reads.set(slot, (reads.get(slot) ?? 0) + 1);
        }
      }
      expect(reads.size).toBe(48);
      expect([...reads.values()].every((count) => count === 1)).toBe(true);
    },
  );

  test('a run started up to a minute late still reads for its slot', () => {
    // Scheduled at 10:14:50 (the slot's first run), started 50 s late: it still reads.
    expect(planMetricsRead({ at: at('10:15:40'), scheduled: false }, HOURLY).read).toBe(true);
  });

  test('consecutive reads leave no minute unread: the window spans the gap between them', () => {
    expect(metricsReadWindowMinutes(HOURLY)).toBe(75);
    expect(metricsReadWindowMinutes({ ...HOURLY, metricsWindowMinutes: 120 })).toBe(120);
    expect(metricsReadWindowMinutes({ ...HOURLY, metricsIntervalMinutes: 0 })).toBe(30);
    // The longest gap between two reads: the first run of one slot to the last run inside the next's lead.
    const longestGapMinutes = 60 + 15 + 1 - 15;
    expect(metricsReadWindowMinutes(HOURLY)).toBeGreaterThanOrEqual(longestGapMinutes);
  });
});

describe('the metric checks between reads', () => {
  const notRead = healthyRegion();
  const withoutMetrics = {
    ...notRead,
    functions: notRead.functions.map(({ metrics: _metrics, ...rest }) => rest),
  };

  test('a run that read no metrics emits none of the metric checks, and every other check', () => {
    const checks = evaluateCredentials(snapshot(withoutMetrics), settings).map((f) => f.checkId);
    for (const checkId of METRIC_CHECK_IDS) expect(checks).not.toContain(checkId);
    expect(checks).toEqual(expect.arrayContaining(['tmc.lambda.missing', 'tmc.lambda.unhealthy']));
  });

  test('a read says its window and when it was read', () => {
    const region = {
      ...notRead,
      functions: [
        fn('prod-eks', 'data-sync', {
          metrics: { ok: true, value: { windowMinutes: 75, invocations: 0, errors: 0, throttles: 0 } },
        }),
      ],
    };
    const finding = evaluateCredentials(snapshot(region), { ...settings, ...HOURLY }).find(
      (f) => f.checkId === 'tmc.lambda.not-invoked',
    )!;
    expect(finding.status).toBe('FAIL');
    expect(finding.message).toContain('in the last 75 minutes');
    expect(finding.evidence).toMatchObject({ windowMinutes: 75, metricsReadAt: snapshot().observedAt });
  });

  const open = (checkId: Finding['checkId'], absentRuns = 0): LedgerEntry => {
    const finding = evaluateCredentials(snapshot(healthyRegion()), settings).find(
      (f) => f.checkId === checkId,
    )!;
    return {
      findingId: finding.findingId,
      open: true,
      status: 'FAIL',
      severity: 'HIGH',
      firstObservedAt: finding.observedAt,
      lastObservedAt: finding.observedAt,
      occurrenceCount: 1,
      sequence: 1,
      absentRuns,
      finding: { ...finding, status: 'FAIL' },
    };
  };

  test.each([
    // [case, unreadChecks, expected: resolved, absentRuns written]
    ['unread: an open metric finding is left as it is', [...METRIC_CHECK_IDS], false, undefined],
    ['read and absent: it counts towards gone', [], false, 3],
  ] as const)('%s', (_case, unreadChecks, resolved, absentRuns) => {
    const entry = open('tmc.lambda.not-invoked', 2);
    const plan = planTransitions({
      findings: [],
      ledger: new Map([[entry.findingId, entry]]),
      now: new Date('2026-12-04T12:00:00Z'),
      settings: { ...DEFAULT_LIFECYCLE_SETTINGS, goneAfterRuns: 4 },
      covers: regionCoverage([entry.finding.region], unreadChecks),
    });
    expect(plan.transitions.some((t) => t.transition === 'RESOLVED')).toBe(resolved);
    expect(plan.quietWrites.map((write) => write.absentRuns)).toEqual(
      absentRuns === undefined ? [] : [absentRuns],
    );
  });

  test('unread metric checks never resolve, however many runs pass; other checks still do', () => {
    const metric = open('tmc.lambda.errors');
    const other = open('tmc.event-rule.disabled');
    const ledger = new Map([
      [metric.findingId, metric],
      [other.findingId, other],
    ]);
    const covers = regionCoverage([metric.finding.region], METRIC_CHECK_IDS);
    const resolved: string[] = [];
    for (let run = 0; run < 5; run += 1) {
      const plan = planTransitions({
        findings: [],
        ledger,
        now: new Date(Date.parse('2026-12-04T12:00:00Z') + run * 900_000),
        settings: DEFAULT_LIFECYCLE_SETTINGS,
        covers,
      });
      for (const write of plan.quietWrites) ledger.set(write.findingId, write);
      for (const t of plan.transitions) {
        ledger.set(t.nextEntry.findingId, t.nextEntry);
        resolved.push(t.event.checkId);
      }
    }
    expect(resolved).toEqual(['tmc.event-rule.disabled']);
    expect(ledger.get(metric.findingId)).toMatchObject({ open: true, absentRuns: 0 });
  });
});
