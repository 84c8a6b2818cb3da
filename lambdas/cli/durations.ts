import { usageError } from './exit-codes';

const UNIT_MINUTES = { m: 1, h: 60, d: 24 * 60 } as const;

/**
 * `30m`, `2h`, `1.5h`, `30d` -> minutes. Throws a usage error naming the flag, so a typo never silently
 * becomes a default.
 */
export function parseDurationMinutes(flag: string, value: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([mhd])\s*$/i.exec(value);
  if (match === null) {
    throw usageError(`${flag}: '${value}' is not a duration; use a number and a unit, e.g. 30m, 2h or 30d`);
  }
  const unit = match[2]!.toLowerCase() as keyof typeof UNIT_MINUTES;
  const minutes = Number(match[1]) * UNIT_MINUTES[unit];
  if (!(minutes > 0)) throw usageError(`${flag}: '${value}' must be longer than zero`);
  return minutes;
}

/** `--since`: the metrics window, whole minutes between 5 minutes and a day (what the checker supports). */
export function parseMetricsWindow(flag: string, value: string): number {
  const minutes = parseDurationMinutes(flag, value);
  if (!Number.isInteger(minutes) || minutes < 5 || minutes > 1440) {
    throw usageError(`${flag}: '${value}' must be whole minutes between 5m and 24h`);
  }
  return minutes;
}

/** `--token-max-age`: hours (fractions allowed), e.g. 720h or 30d. */
export function parseTokenMaxAgeHours(flag: string, value: string): number {
  return parseDurationMinutes(flag, value) / 60;
}
