import type { CheckId } from '../finding';
import type { CheckerSettings } from '../settings';

/**
 * When the credential check reads its CloudWatch metrics. GetMetricData is billed per metric requested, so a run
 * every 15 minutes reading six metrics per credential and region cost $0.18 a month each; reading them once per
 * `metricsIntervalMinutes` slot instead costs a quarter of that at the default hour.
 *
 * Stateless, so it holds in a member account (no ledger there) and across cold starts: time is cut into slots of
 * `metricsIntervalMinutes` from the epoch, and a run reads the metrics when it was due within the first schedule
 * period of its slot. The time it was due is the schedule's own (Scheduler's `scheduled-time`, sent as the event):
 * runs of a rate schedule are exactly one period apart, so each slot has exactly one such run. A run without it
 * (invoked by hand) decides by its start time with a minute of slack for a late start, so its slot is never left
 * unread; it may make a slot read twice, which costs a read and changes no result. Each read's window is the
 * interval plus one schedule period (at least the configured window), so consecutive reads leave no minute
 * unread: an error between two reads is counted by the next one.
 *
 * A run that does not read emits none of the metric checks. The lifecycle is told so (`unreadChecks`): their
 * open findings stay open, unchanged, and are neither resolved nor counted absent until the next read.
 */

/** The checks whose result rests on GetMetricData: not read, they are not looked at. */
export const METRIC_CHECK_IDS = [
  'tmc.lambda.not-invoked',
  'tmc.lambda.errors',
  'tmc.lambda.throttled',
] as const satisfies readonly CheckId[];

/** Slack for a run decided by its start time, which lags the time it was due (the invocation queue). */
export const METRICS_SLOT_TOLERANCE_MINUTES = 1;

const MINUTE_MS = 60_000;

export type MetricsCadenceSettings = Pick<
  CheckerSettings,
  'metricsWindowMinutes' | 'metricsIntervalMinutes' | 'schedulePeriodMinutes'
>;

export type MetricsReadPlan =
  | {
      readonly read: true;
      /** The window this read sums over, in minutes. */
      readonly windowMinutes: number;
    }
  | {
      readonly read: false;
      /** The start of the slot whose first run read the metrics (ISO-8601). */
      readonly slotStartedAt: string;
      /** The start of the next slot: its first run reads them (ISO-8601). */
      readonly nextReadAfter: string;
    };

/** Whether the metrics are read every run: no interval, or one no longer than the schedule period. */
export function readsEveryRun(settings: MetricsCadenceSettings): boolean {
  const { metricsIntervalMinutes: interval, schedulePeriodMinutes: period } = settings;
  return interval === 0 || period === 0 || interval <= period;
}

/** The window of a read: never shorter than the configured one, never leaving a gap between two reads. */
export function metricsReadWindowMinutes(settings: MetricsCadenceSettings): number {
  if (readsEveryRun(settings)) return settings.metricsWindowMinutes;
  return Math.max(
    settings.metricsWindowMinutes,
    settings.metricsIntervalMinutes + settings.schedulePeriodMinutes,
  );
}

/** When a run was due: the schedule's exact time, or else when it started (then with slack for a late start). */
export interface RunTime {
  readonly at: Date;
  /** `at` is the schedule's own time for the run (exact), not a start time (late by delivery). */
  readonly scheduled: boolean;
}

/** Whether the run reads the metrics, and over which window. Pure: the clock comes in. */
export function planMetricsRead(run: RunTime, settings: MetricsCadenceSettings): MetricsReadPlan {
  const now = run.at;
  const windowMinutes = metricsReadWindowMinutes(settings);
  if (readsEveryRun(settings)) return { read: true, windowMinutes };
  const intervalMs = settings.metricsIntervalMinutes * MINUTE_MS;
  const slotStart = Math.floor(now.getTime() / intervalMs) * intervalMs;
  const slackMinutes = run.scheduled ? 0 : METRICS_SLOT_TOLERANCE_MINUTES;
  const leadMs = (settings.schedulePeriodMinutes + slackMinutes) * MINUTE_MS;
  if (now.getTime() - slotStart < leadMs) return { read: true, windowMinutes };
  return {
    read: false,
    slotStartedAt: new Date(slotStart).toISOString(),
    nextReadAfter: new Date(slotStart + intervalMs).toISOString(),
  };
}

/**
 * GetMetricData reads per month at this cadence (a 730-hour month): one per slot, as the schedule's runs decide.
 * Every run without an interval.
 */
export function metricsReadsPerMonth(settings: MetricsCadenceSettings, runsPerMonth: number): number {
  if (readsEveryRun(settings)) return runsPerMonth;
  return Math.min(runsPerMonth, (730 * 60) / settings.metricsIntervalMinutes);
}
