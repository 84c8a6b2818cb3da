import { z } from 'zod';
import { partitionOf, region } from './aws-names';
import { parseScheduleExpression } from './schedule-expression';

export { region };

/**
 * Field builders shared by the configuration schemas. -c values arrive as strings and cdk.json values as JSON
 * types, so lists, numbers and booleans accept both forms.
 */

/** -c values arrive as strings: "a,b" or a JSON array both become a list. */
function toList(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  const text = raw.trim();
  if (text.startsWith('[')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return raw;
    }
  }
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function toNumber(raw: unknown): unknown {
  if (typeof raw === 'string' && raw.trim() !== '' && Number.isFinite(Number(raw))) return Number(raw);
  return raw;
}

function toBoolean(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  const text = raw.trim().toLowerCase();
  return text === 'true' ? true : text === 'false' ? false : raw;
}

export const list = <T extends z.ZodType<string>>(item: T) =>
  z
    .preprocess(toList, z.array(item, { error: 'must be a list (a JSON array or a comma-separated string)' }))
    .transform((items) => [...new Set(items)]);

export const number = (message: string, valid: (value: number) => boolean) =>
  z.preprocess(toNumber, z.number({ error: message }).refine(valid, { error: message }));

export const boolean = () => z.preprocess(toBoolean, z.boolean({ error: 'must be true or false' }));

export const positiveInt = (value: number): boolean => Number.isSafeInteger(value) && value > 0;

export const intBetween =
  (min: number, max: number) =>
  (value: number): boolean =>
    Number.isSafeInteger(value) && value >= min && value <= max;

/** A list of known regions, all in one partition (a function's credentials cannot cross partitions). */
export const regionList = () =>
  list(region).refine((names) => new Set(names.map(partitionOf)).size <= 1, {
    error: 'all regions must be in the same AWS partition (the checker cannot cross partitions)',
  });

export interface ScheduleLimits {
  /** The timeout of the function the schedule invokes. */
  readonly timeoutMinutes: number;
  /** How long an invocation may wait before it expires to the dead-letter queue. */
  readonly maxEventAgeMinutes: number;
}

/**
 * An EventBridge Scheduler expression whose runs are at least timeout + maximum event age apart, so that two
 * runs of the function can never overlap.
 */
export const schedule = (limits: ScheduleLimits) =>
  z.string({ error: 'must be a string' }).superRefine((expression, ctx) => {
    const minimum = limits.timeoutMinutes + limits.maxEventAgeMinutes;
    const parsed = parseScheduleExpression(expression);
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', message: parsed.message });
    } else if (parsed.minIntervalMinutes < minimum) {
      ctx.addIssue({
        code: 'custom',
        message:
          `runs every ${parsed.minIntervalMinutes} minute(s), but runs must be at least ` +
          `${minimum} minutes apart (the ${limits.timeoutMinutes}-minute function timeout ` +
          `plus the ${limits.maxEventAgeMinutes}-minute maximum event age) so that two runs can never overlap`,
      });
    }
  });
