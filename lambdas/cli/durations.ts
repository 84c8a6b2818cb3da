import { METRICS_WINDOW_MINUTES } from '../core/settings';
import { usageError } from './exit-codes';

const UNIT_MINUTES = { m: 1, h: 60, d: 24 * 60 } as const;

/**
 * What each duration flag accepts, worded once for both `check --help` and the error a bad value gets, so the
 * two cannot disagree.
 */
export const DURATION_FORMAT = {
  since: `whole minutes between ${METRICS_WINDOW_MINUTES.min}m and ${METRICS_WINDOW_MINUTES.max / 60}h, e.g. 30m, 2h or 1d`,
  tokenMaxAge: 'longer than zero, e.g. 720h or 30d',
} as const;

/**
 * `30m`, `2h`, `1.5h`, `30d` -> minutes. Throws a usage error naming the flag and, in `format`, what it accepts,
 * so a typo never silently becomes a default.
 */
export function parseDurationMinutes(
  flag: string,
  value: string,
  format = 'longer than zero, e.g. 30m, 2h or 30d',
): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([mhd])\s*$/i.exec(value);
  if (match === null) {
    throw usageError(`${flag}: '${value}' is not a duration; use a number and a unit (m, h or d): ${format}`);
  }
  const unit = match[2]!.toLowerCase() as keyof typeof UNIT_MINUTES;
  const minutes = Number(match[1]) * UNIT_MINUTES[unit];
  if (!(minutes > 0)) throw usageError(`${flag}: '${value}' must be ${format}`);
  return minutes;
}

/** `--since`: the metrics window, whole minutes between 5 minutes and a day (what the checker supports). */
export function parseMetricsWindow(flag: string, value: string): number {
  const minutes = parseDurationMinutes(flag, value, DURATION_FORMAT.since);
  if (
    !Number.isInteger(minutes) ||
    minutes < METRICS_WINDOW_MINUTES.min ||
    minutes > METRICS_WINDOW_MINUTES.max
  ) {
    throw usageError(`${flag}: '${value}' must be ${DURATION_FORMAT.since}`);
  }
  return minutes;
}

/** `--token-max-age`: hours (fractions allowed), e.g. 720h or 30d. */
export function parseTokenMaxAgeHours(flag: string, value: string): number {
  return parseDurationMinutes(flag, value, DURATION_FORMAT.tokenMaxAge) / 60;
}
