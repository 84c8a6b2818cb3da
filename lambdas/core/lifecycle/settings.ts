import { SettingsError } from '../env-codec';
import * as z from '../zod';
import { DEFAULT_LIFECYCLE_SETTINGS } from './plan-transitions';
import { DEFAULT_STORM_SETTINGS } from './storm';
import { suppressionSchema } from './suppressions';

/**
 * Runtime settings of the finding lifecycle, shared by both checker functions. The stack validates the
 * deploy-time keys (lib/config/lifecycle-config-schema.ts) and writes them with `lifecycleSettingsToEnvironment`; the
 * function reads them back with `lifecycleSettingsFromEnvironment`.
 *
 * Without a ledger table (the CLI, or a function whose environment lacks it) there is no lifecycle: every finding
 * is published as before, statelessly.
 */
export const DEFAULT_LIFECYCLE_CONFIG = {
  reminderHours: DEFAULT_LIFECYCLE_SETTINGS.reminderHours,
  goneAfterRuns: DEFAULT_LIFECYCLE_SETTINGS.goneAfterRuns,
  stormThreshold: DEFAULT_STORM_SETTINGS.stormThreshold,
  sameCheckThreshold: DEFAULT_STORM_SETTINGS.sameCheckThreshold,
  autoRemediation: false,
} as const;

const intBetween = (min: number, max: number) => z.int().check(z.minimum(min), z.maximum(max));

export const lifecycleSettingsSchema = z.strictObject({
  /** The findings ledger (DynamoDB). Absent: no lifecycle, every finding published as observed. */
  ledgerTableName: z.optional(z.string().check(z.minLength(1))),
  reminderHours: z._default(
    z.number().check(z.positive(), z.maximum(24 * 365)),
    DEFAULT_LIFECYCLE_CONFIG.reminderHours,
  ),
  goneAfterRuns: z._default(intBetween(1, 1000), DEFAULT_LIFECYCLE_CONFIG.goneAfterRuns),
  stormThreshold: z._default(intBetween(1, 10_000), DEFAULT_LIFECYCLE_CONFIG.stormThreshold),
  sameCheckThreshold: z._default(intBetween(2, 10_000), DEFAULT_LIFECYCLE_CONFIG.sameCheckThreshold),
  suppressions: z._default(z.array(suppressionSchema), []),
  /** Built-in remediation: re-trigger a data-sync function that stopped running (see docs/events.md). */
  autoRemediation: z._default(z.boolean(), DEFAULT_LIFECYCLE_CONFIG.autoRemediation),
  /**
   * The chat topic (lib/constructs/chat-channels.ts): one custom notification per finding change goes there.
   * Absent: no chat channel is configured, nothing is sent.
   */
  chatTopicArn: z.optional(z.string().check(z.minLength(1))),
});

export type LifecycleConfig = z.infer<typeof lifecycleSettingsSchema>;
export type LifecycleConfigInput = z.input<typeof lifecycleSettingsSchema>;

export const LIFECYCLE_ENV = {
  ledgerTableName: 'TMC_HEALTH_LEDGER_TABLE',
  reminderHours: 'TMC_HEALTH_REMINDER_HOURS',
  goneAfterRuns: 'TMC_HEALTH_GONE_AFTER_RUNS',
  stormThreshold: 'TMC_HEALTH_STORM_THRESHOLD',
  sameCheckThreshold: 'TMC_HEALTH_SAME_CHECK_THRESHOLD',
  /** A JSON array of suppressions. */
  suppressions: 'TMC_HEALTH_SUPPRESSIONS',
  /** `true` or `false`. */
  autoRemediation: 'TMC_HEALTH_AUTO_REMEDIATION',
  chatTopicArn: 'TMC_HEALTH_CHAT_TOPIC_ARN',
} as const satisfies Record<keyof LifecycleConfig, string>;

const NUMBER_KEYS = ['reminderHours', 'goneAfterRuns', 'stormThreshold', 'sameCheckThreshold'] as const;

/** Parses the lifecycle settings; throws SettingsError naming each bad variable. */
export function lifecycleSettingsFromEnvironment(
  env: Readonly<Record<string, string | undefined>>,
): LifecycleConfig {
  const raw: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, variable] of Object.entries(LIFECYCLE_ENV)) {
    const value = env[variable];
    if (value === undefined || value === '') continue;
    if ((NUMBER_KEYS as readonly string[]).includes(key)) raw[key] = Number(value);
    else if (key === 'autoRemediation') {
      if (value !== 'true' && value !== 'false') problems.push(`${variable}: must be true or false`);
      raw[key] = value === 'true';
    } else if (key === 'suppressions') {
      try {
        raw[key] = JSON.parse(value) as unknown;
      } catch {
        problems.push(`${variable}: must be a JSON array of suppressions`);
      }
    } else raw[key] = value;
  }
  const parsed = lifecycleSettingsSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path[0];
      const variable = typeof key === 'string' ? LIFECYCLE_ENV[key as keyof LifecycleConfig] : undefined;
      const where = issue.path.length > 1 ? ` (at ${issue.path.slice(1).join('.')})` : '';
      problems.push(`${variable ?? '(environment)'}: ${issue.message}${where}`);
    }
  }
  if (problems.length > 0) throw new SettingsError(`Invalid lifecycle settings: ${problems.join('; ')}`);
  return parsed.data as LifecycleConfig;
}

/** The inverse, used by the stack to configure both checker functions identically. */
export function lifecycleSettingsToEnvironment(settings: LifecycleConfigInput): Record<string, string> {
  const config = lifecycleSettingsSchema.parse(settings);
  const env: Record<string, string> = {};
  if (config.ledgerTableName !== undefined) env[LIFECYCLE_ENV.ledgerTableName] = config.ledgerTableName;
  for (const key of NUMBER_KEYS) env[LIFECYCLE_ENV[key]] = String(config[key]);
  if (config.suppressions.length > 0) env[LIFECYCLE_ENV.suppressions] = JSON.stringify(config.suppressions);
  env[LIFECYCLE_ENV.autoRemediation] = String(config.autoRemediation);
  if (config.chatTopicArn !== undefined) env[LIFECYCLE_ENV.chatTopicArn] = config.chatTopicArn;
  return env;
}
