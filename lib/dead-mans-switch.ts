import { parseScheduleExpression } from './config/schedule-expression';

/**
 * The dead-man's switch window: how long without a completed run before the alarm fires, derived from the
 * schedule.
 *
 * Rule: the alarm sums `RunCompleted` over periods one run interval long and fires when two consecutive periods
 * hold no completed run (missing data breaching), that is after two schedule periods without a successful run.
 * The run interval is the schedule's longest gap between two runs: `rate(N unit)` is N units; for `cron(...)` it
 * is found by walking five calendar years of the expression in UTC (`maxIntervalMinutes`). A weekday-only
 * schedule thus gets the weekend gap, not its 15 minutes.
 *
 * CloudWatch limits: the period is a whole number of minutes (a multiple of 60 s) and period × evaluation
 * periods may not exceed 1 day when the period is under an hour, 7 days otherwise. Two periods under an hour are
 * under 2 hours, so only the 7-day limit can bind: a run interval above 3.5 days is clamped to 3.5 days (a 7-day
 * window), and so is a cron expression whose longest gap cannot be determined (`L`, `W`, `#` or a restricted
 * year). Both cases are reported in `clampedBecause` (the stack turns it into a synth warning): such a schedule
 * can leave 7 days without a run, and the alarm then fires between two healthy runs.
 */
export interface DeadMansSwitchWindow {
  /** The alarm period, seconds (a multiple of 60). */
  readonly periodSeconds: number;
  /** Consecutive periods without a completed run before the alarm fires (also its datapoints to alarm). */
  readonly evaluationPeriods: number;
  /** The longest gap between two runs of the schedule, minutes; undefined when it cannot be determined. */
  readonly runIntervalMinutes: number | undefined;
  /** Why the window is shorter than two run intervals, when it is. */
  readonly clampedBecause?: string;
}

/** Periods without a completed run before the dead-man's switch fires. */
export const DEAD_MANS_SWITCH_PERIODS = 2;
/** CloudWatch: period × evaluation periods at most 7 days (for periods of an hour or more). */
export const MAX_ALARM_WINDOW_MINUTES = 7 * 24 * 60;
/** The longest period two evaluation periods allow. */
const MAX_PERIOD_MINUTES = MAX_ALARM_WINDOW_MINUTES / DEAD_MANS_SWITCH_PERIODS;

/** The window for a valid EventBridge Scheduler expression (throws on an invalid one: config validates first). */
export function deadMansSwitchWindow(expression: string): DeadMansSwitchWindow {
  const parsed = parseScheduleExpression(expression);
  if (!parsed.ok) throw new Error(`invalid schedule ${expression}: ${parsed.message}`);
  const interval = parsed.maxIntervalMinutes;
  const window = (periodMinutes: number, clampedBecause?: string): DeadMansSwitchWindow => ({
    periodSeconds: periodMinutes * 60,
    evaluationPeriods: DEAD_MANS_SWITCH_PERIODS,
    runIntervalMinutes: interval,
    ...(clampedBecause === undefined ? {} : { clampedBecause }),
  });
  if (interval === undefined) {
    return window(
      MAX_PERIOD_MINUTES,
      `the longest gap between two runs of ${expression} cannot be determined (L, W, # or a fixed year), so ` +
        "the dead-man's switch uses CloudWatch's longest window, 7 days: it fires after 7 days without a " +
        'completed run, also between healthy runs further apart than that',
    );
  }
  if (interval > MAX_PERIOD_MINUTES) {
    return window(
      MAX_PERIOD_MINUTES,
      `${expression} can leave ${formatMinutes(interval)} between two runs; two such periods exceed ` +
        "CloudWatch's 7-day alarm window, so the dead-man's switch fires after 7 days without a completed run, " +
        'also between healthy runs. Use a schedule that runs at least every 3.5 days',
    );
  }
  return window(interval);
}

/** `90` → `1 h 30 min`, `2880` → `2 d`. */
export function formatMinutes(minutes: number): string {
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  const parts = [days ? `${days} d` : '', hours ? `${hours} h` : '', rest ? `${rest} min` : ''];
  return parts.filter(Boolean).join(' ') || '0 min';
}
