import type { CheckId } from '../finding';
import type { CheckerSettings } from '../settings';

/**
 * When the credential check reads its CloudWatch metrics. GetMetricData is billed per metric requested, so a run
 * every 15 minutes reading six metrics per credential and region cost $0.18 a month each; reading them once per
 * `metricsIntervalMinutes` slot instead costs a quarter of that at the default hour.
 *
 * Stateless, so it holds in a member account (no ledger there) and across cold starts: time is cut into slots of
 * `metricsIntervalMinutes` from the epoch, and a run reads the metrics when it starts within the first schedule
 * period (plus a minute for invocation delay) of its slot. Each slot's first run therefore reads; a run delayed
 * by more than the tolerance can make one slot read twice (costs a read) but never makes a slot go unread unless
 * the run itself is later than that. Each read's window is the interval plus one schedule period, so
 * consecutive reads leave no minute unread: an error between two reads is counted by the next one.
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

/** Slack for a run started late (Lambda's asynchronous invocation queue, a retried attempt). */
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

/** Whether the run starting at `now` reads the metrics, and over which window. Pure: the clock comes in. */
export function planMetricsRead(now: Date, settings: MetricsCadenceSettings): MetricsReadPlan {
  const windowMinutes = metricsReadWindowMinutes(settings);
  if (readsEveryRun(settings)) return { read: true, windowMinutes };
  const intervalMs = settings.metricsIntervalMinutes * MINUTE_MS;
  const slotStart = Math.floor(now.getTime() / intervalMs) * intervalMs;
  const leadMs = (settings.schedulePeriodMinutes + METRICS_SLOT_TOLERANCE_MINUTES) * MINUTE_MS;
  if (now.getTime() - slotStart < leadMs) return { read: true, windowMinutes };
  return {
    read: false,
    slotStartedAt: new Date(slotStart).toISOString(),
    nextReadAfter: new Date(slotStart + intervalMs).toISOString(),
  };
}

/** Reads per month at this cadence (a 730-hour month), for the cost model. */
export function metricsReadsPerMonth(settings: MetricsCadenceSettings, runsPerMonth: number): number {
  if (readsEveryRun(settings)) return runsPerMonth;
  return Math.min(runsPerMonth, (730 * 60) / settings.metricsIntervalMinutes);
}
