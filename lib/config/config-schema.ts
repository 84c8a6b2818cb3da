import * as logs from 'aws-cdk-lib/aws-logs';
import { z } from 'zod';
import { DEFAULT_SETTINGS, METRICS_INTERVAL_MINUTES } from '../../lambdas/core/settings';
import { parseScheduleExpression } from './schedule-expression';
import { list, number, positiveInt, regionList, schedule } from './config-fields';
import { eventBus, topicArn } from './aws-names';
import { CHAT_EXAMPLES, chatConfigShape } from './chat-config-schema';
import { EKS_CONNECTOR_EXAMPLES, eksConnectorConfigShape } from './eks-connector-config-schema';
import { IRSA_EXAMPLES, irsaConfigShape, irsaPageBudgetProblem } from './irsa-config-schema';
import { LIFECYCLE_EXAMPLES, lifecycleConfigShape } from './lifecycle-config-schema';
import { OBSERVABILITY_EXAMPLES, observabilityConfigShape } from './observability-config-schema';
import { ORG_EXAMPLES, orgConfigShape } from './org-config-schema';
import { PAGING_EXAMPLES, pagingConfigShape } from './paging-config-schema';
import { POD_IDENTITY_EXAMPLES, podIdentityConfigShape } from './pod-identity-config-schema';
import { READ_ONLY_ROLE_EXAMPLES, readOnlyRoleConfigShape } from './read-only-role-config-schema';
import { SECURITY_HUB_EXAMPLES, securityHubConfigShape } from './security-hub-config-schema';

/**
 * The configuration schema: one zod schema per CDK context key (field builders in config-fields.ts, the IRSA
 * check's keys in irsa-config-schema.ts, the finding lifecycle's in lifecycle-config-schema.ts, the deployment
 * mode and the AWS Organizations keys in org-config-schema.ts).
 */

/** The checker function's timeout. Runs are made unable to overlap by keeping the schedule period above it. */
export const CHECKER_TIMEOUT_MINUTES = 5;
/** How long an async invocation may wait (e.g. throttled) before Lambda drops it to the failure queue. */
export const MAX_EVENT_AGE_MINUTES = 1;
/** The shortest allowed schedule period: a run started as late as possible still ends before the next one. */
export const MIN_SCHEDULE_PERIOD_MINUTES = CHECKER_TIMEOUT_MINUTES + MAX_EVENT_AGE_MINUTES;

export const DEFAULT_SCHEDULE = 'rate(15 minutes)';
/**
 * The credential check reads its CloudWatch metrics once an hour by default (four runs of the default schedule):
 * GetMetricData is billed per metric, and reading six per credential and region every run cost $0.18 a month
 * each; once an hour it is under $0.05 (docs/performance.md).
 */
export const DEFAULT_METRICS_INTERVAL_MINUTES = 60;
export const DEFAULT_LOG_RETENTION_DAYS = logs.RetentionDays.ONE_MONTH;

const RETENTION_VALUES: readonly number[] = Object.values(logs.RetentionDays).filter(
  (value): value is number => typeof value === 'number',
);

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

export const configSchema = z
  .object({
    notificationEmails: list(
      z.email({ error: (issue) => `"${String(issue.input)}" is not a valid email address` }),
    ).default([]),
    existingTopicArn: topicArn.optional(),
    eventBusName: eventBus.default(DEFAULT_SETTINGS.eventBusName),
    regions: regionList().default([]),
    credentialNames: list(
      z.string().regex(/^[^\s,]+$/, { error: 'credential names must not contain commas or whitespace' }),
    ).optional(),
    schedule: schedule({
      timeoutMinutes: CHECKER_TIMEOUT_MINUTES,
      maxEventAgeMinutes: MAX_EVENT_AGE_MINUTES,
    }).default(DEFAULT_SCHEDULE),
    metricsWindowMinutes: number('must be a whole number of minutes from 5 to 1440', (v) => {
      return Number.isSafeInteger(v) && v >= 5 && v <= 1440;
    }).default(DEFAULT_SETTINGS.metricsWindowMinutes),
    metricsIntervalMinutes: number(
      `must be a whole number of minutes from 0 (every run) to ${METRICS_INTERVAL_MINUTES.max}`,
      (v) => Number.isSafeInteger(v) && v >= 0 && v <= METRICS_INTERVAL_MINUTES.max,
    ).default(DEFAULT_METRICS_INTERVAL_MINUTES),
    errorThreshold: number('must be a positive integer', positiveInt).default(
      DEFAULT_SETTINGS.errorThreshold,
    ),
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
    ...irsaConfigShape,
    ...lifecycleConfigShape,
    ...orgConfigShape,
    ...securityHubConfigShape,
    ...eksConnectorConfigShape,
    ...podIdentityConfigShape,
    ...readOnlyRoleConfigShape,
    ...observabilityConfigShape,
    ...pagingConfigShape,
    ...chatConfigShape,
  })
  // Cross-key rule, reported under irsaMaxPagesPerRegion (the usual fix).
  .superRefine((config, ctx) => {
    const problem = irsaPageBudgetProblem(config);
    if (problem) ctx.addIssue({ code: 'custom', path: ['irsaMaxPagesPerRegion'], message: problem });
  });

/**
 * The metrics cadence of a configuration: the interval and the schedule's longest gap between runs (a slot's first
 * run reads), or undefined when the metrics are read every run: no interval, an interval no longer than the
 * schedule's runs are apart, or a schedule whose runs are not evenly apart (a cron schedule of working hours:
 * its longest gap as the lead would read nearly every run anyway). The interval is at most 720 minutes and the
 * period shorter, so a read's window (their sum) stays within the 1440 minutes a window may have.
 */
export function metricsCadence(config: {
  readonly schedule: string;
  readonly metricsIntervalMinutes: number;
}): { readonly intervalMinutes: number; readonly schedulePeriodMinutes: number } | undefined {
  if (config.metricsIntervalMinutes === 0) return undefined;
  const parsed = parseScheduleExpression(config.schedule);
  if (!parsed.ok || parsed.maxIntervalMinutes !== parsed.minIntervalMinutes) return undefined;
  if (config.metricsIntervalMinutes <= parsed.minIntervalMinutes) return undefined;
  return { intervalMinutes: config.metricsIntervalMinutes, schedulePeriodMinutes: parsed.maxIntervalMinutes };
}

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
  metricsIntervalMinutes: String(DEFAULT_METRICS_INTERVAL_MINUTES),
  errorThreshold: String(DEFAULT_SETTINGS.errorThreshold),
  tokenMaxAgeHours: String(DEFAULT_SETTINGS.tokenMaxAgeHours),
  dataSyncPattern: DEFAULT_SETTINGS.dataSyncPattern,
  resourceRetrieverPattern: DEFAULT_SETTINGS.resourceRetrieverPattern,
  logRetentionDays: String(DEFAULT_LOG_RETENTION_DAYS),
  reservedConcurrency: '1',
  runbookBaseUrl: 'https://wiki.example.com/tmc-health',
  ...IRSA_EXAMPLES,
  ...LIFECYCLE_EXAMPLES,
  ...ORG_EXAMPLES,
  ...SECURITY_HUB_EXAMPLES,
  ...EKS_CONNECTOR_EXAMPLES,
  ...POD_IDENTITY_EXAMPLES,
  ...READ_ONLY_ROLE_EXAMPLES,
  ...OBSERVABILITY_EXAMPLES,
  ...PAGING_EXAMPLES,
  ...CHAT_EXAMPLES,
};
