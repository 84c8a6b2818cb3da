import * as logs from 'aws-cdk-lib/aws-logs';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { z } from 'zod';
import { DEFAULT_SETTINGS } from '../lambdas/core/settings';
import { parseScheduleExpression } from './schedule-expression';

/**
 * The configuration schema: one zod schema per CDK context key. -c values arrive as strings and cdk.json values
 * as JSON types, so lists and numbers accept both forms.
 */

/** The checker function's timeout. Runs are made unable to overlap by keeping the schedule period above it. */
export const CHECKER_TIMEOUT_MINUTES = 5;
/** How long an async invocation may wait (e.g. throttled) before Lambda drops it to the failure queue. */
export const MAX_EVENT_AGE_MINUTES = 1;
/** The shortest allowed schedule period: a run started as late as possible still ends before the next one. */
export const MIN_SCHEDULE_PERIOD_MINUTES = CHECKER_TIMEOUT_MINUTES + MAX_EVENT_AGE_MINUTES;

export const DEFAULT_SCHEDULE = 'rate(15 minutes)';
export const DEFAULT_LOG_RETENTION_DAYS = logs.RetentionDays.ONE_MONTH;

const REGION_PATTERN = /^[a-z]{2,4}(-[a-z]{2,4})?-[a-z]+-[1-9]\d?$/;
const ACCOUNT = '\\d{12}';
const PARTITION = 'aws(-[a-z]+)*';
const TOPIC_ARN = new RegExp(`^arn:${PARTITION}:sns:[a-z0-9-]+:${ACCOUNT}:[A-Za-z0-9_-]{1,256}(\\.fifo)?$`);
const BUS_NAME = /^[A-Za-z0-9._\-/]{1,256}$/;
const BUS_ARN = new RegExp(
  `^arn:${PARTITION}:events:[a-z0-9-]+:${ACCOUNT}:event-bus/[A-Za-z0-9._\\-/]{1,256}$`,
);
const RETENTION_VALUES: readonly number[] = Object.values(logs.RetentionDays).filter(
  (value): value is number => typeof value === 'number',
);

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

const list = <T extends z.ZodType<string>>(item: T) =>
  z
    .preprocess(toList, z.array(item, { error: 'must be a list (a JSON array or a comma-separated string)' }))
    .transform((items) => [...new Set(items)]);

const number = (message: string, valid: (value: number) => boolean) =>
  z.preprocess(toNumber, z.number({ error: message }).refine(valid, { error: message }));

const positiveInt = (value: number): boolean => Number.isSafeInteger(value) && value > 0;

const regexSource = z.string({ error: 'must be a regular expression string' }).refine(
  (source) => {
    try {
      new RegExp(source, 'i');
      return source.length > 0;
    } catch {
      return false;
    }
  },
  { error: 'must be a valid, non-empty regular expression' },
);

const region = z
  .string({ error: 'each region must be a string' })
  .refine((name) => REGION_PATTERN.test(name) && RegionInfo.regions.some((known) => known.name === name), {
    error: (issue) => `"${String(issue.input)}" is not a known AWS region (e.g. eu-west-1)`,
  });

const schedule = z.string({ error: 'must be a string' }).superRefine((expression, ctx) => {
  const parsed = parseScheduleExpression(expression);
  if (!parsed.ok) {
    ctx.addIssue({ code: 'custom', message: parsed.message });
  } else if (parsed.minIntervalMinutes < MIN_SCHEDULE_PERIOD_MINUTES) {
    ctx.addIssue({
      code: 'custom',
      message:
        `runs every ${parsed.minIntervalMinutes} minute(s), but runs must be at least ` +
        `${MIN_SCHEDULE_PERIOD_MINUTES} minutes apart (the ${CHECKER_TIMEOUT_MINUTES}-minute function timeout ` +
        `plus the ${MAX_EVENT_AGE_MINUTES}-minute maximum event age) so that two runs can never overlap`,
    });
  }
});

export const configSchema = z.object({
  notificationEmails: list(
    z.email({ error: (issue) => `"${String(issue.input)}" is not a valid email address` }),
  ).default([]),
  existingTopicArn: z
    .string({ error: 'must be a string' })
    .regex(TOPIC_ARN, {
      error: 'must be an SNS topic ARN: arn:aws:sns:<region>:<12-digit account id>:<name>',
    })
    .refine((arn) => !arn.endsWith('.fifo'), {
      error:
        'FIFO topics are not supported (the checker publishes without a message group, and email cannot subscribe)',
    })
    .optional(),
  eventBusName: z
    .string({ error: 'must be a string' })
    .refine((bus) => BUS_NAME.test(bus) || BUS_ARN.test(bus), {
      error:
        'must be an event bus name or an ARN: arn:aws:events:<region>:<12-digit account id>:event-bus/<name>',
    })
    .default(DEFAULT_SETTINGS.eventBusName),
  regions: list(region)
    .refine((names) => new Set(names.map((name) => RegionInfo.get(name).partition)).size <= 1, {
      error: 'all regions must be in the same AWS partition (the checker cannot cross partitions)',
    })
    .default([]),
  credentialNames: list(
    z.string().regex(/^[^\s,]+$/, { error: 'credential names must not contain commas or whitespace' }),
  ).optional(),
  schedule: schedule.default(DEFAULT_SCHEDULE),
  metricsWindowMinutes: number('must be a whole number of minutes from 5 to 1440', (v) => {
    return Number.isSafeInteger(v) && v >= 5 && v <= 1440;
  }).default(DEFAULT_SETTINGS.metricsWindowMinutes),
  errorThreshold: number('must be a positive integer', positiveInt).default(DEFAULT_SETTINGS.errorThreshold),
  tokenMaxAgeHours: number('must be a positive number', (v) => v > 0).default(
    DEFAULT_SETTINGS.tokenMaxAgeHours,
  ),
  dataSyncPattern: regexSource.default(DEFAULT_SETTINGS.dataSyncPattern),
  resourceRetrieverPattern: regexSource.default(DEFAULT_SETTINGS.resourceRetrieverPattern),
  logRetentionDays: number(`must be one of ${RETENTION_VALUES.join(', ')}`, (v) =>
    RETENTION_VALUES.includes(v),
  )
    .transform((v) => v as logs.RetentionDays)
    .default(DEFAULT_LOG_RETENTION_DAYS),
  reservedConcurrency: number(
    'must be a positive integer (1 is the only useful value)',
    positiveInt,
  ).optional(),
  runbookBaseUrl: z
    .string({ error: 'must be a string' })
    .refine((url) => URL.canParse(url) && /^https?:$/.test(new URL(url).protocol), {
      error: 'must be an http(s) URL',
    })
    .optional(),
});

export type ConfigKey = keyof typeof configSchema.shape;
export const CONFIG_KEYS = Object.keys(configSchema.shape) as readonly ConfigKey[];

/** A valid example for each key, used in the "how to fix" part of error messages. */
export const EXAMPLES: Readonly<Record<ConfigKey, string>> = {
  notificationEmails: 'ops@example.com,oncall@example.com',
  existingTopicArn: 'arn:aws:sns:eu-west-1:123456789012:tmc-health',
  eventBusName: 'default',
  regions: 'eu-west-1,us-east-1',
  credentialNames: 'my-tmc-credential',
  schedule: DEFAULT_SCHEDULE,
  metricsWindowMinutes: String(DEFAULT_SETTINGS.metricsWindowMinutes),
  errorThreshold: String(DEFAULT_SETTINGS.errorThreshold),
  tokenMaxAgeHours: String(DEFAULT_SETTINGS.tokenMaxAgeHours),
  dataSyncPattern: DEFAULT_SETTINGS.dataSyncPattern,
  resourceRetrieverPattern: DEFAULT_SETTINGS.resourceRetrieverPattern,
  logRetentionDays: String(DEFAULT_LOG_RETENTION_DAYS),
  reservedConcurrency: '1',
  runbookBaseUrl: 'https://wiki.example.com/tmc-health',
};
