import { z } from 'zod';
import { envCodec, SettingsError } from './env-codec';

export { SettingsError };

/**
 * Runtime settings shared by the Lambda (from environment variables set by the stack) and the CLI (from flags).
 * The stack validates the deploy-time configuration and serialises it with `settingsToEnvironment`, so the
 * Lambda's parse can only fail if someone edits the function's environment by hand.
 */
export const DEFAULT_SETTINGS = {
  metricsWindowMinutes: 30,
  errorThreshold: 1,
  tokenMaxAgeHours: 720,
  dataSyncPattern: 'data[-_ ]?sync',
  resourceRetrieverPattern: 'resource[-_ ]?retriever',
  eventBusName: 'default',
  runbookBaseUrl: 'docs/checks.md',
} as const;

const regexSource = z.string().refine(
  (source) => {
    try {
      new RegExp(source, 'i');
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be a valid regular expression' },
);

export const checkerSettingsSchema = z.strictObject({
  /** Regions to check; empty means the region the code runs in (AWS_REGION). */
  regions: z.array(z.string().min(1)).default([]),
  /** When set, only these credentials are checked, and each one missing from a region is a finding. */
  credentialNames: z.array(z.string().min(1)).optional(),
  metricsWindowMinutes: z.number().int().min(5).max(1440).default(DEFAULT_SETTINGS.metricsWindowMinutes),
  errorThreshold: z.number().int().positive().default(DEFAULT_SETTINGS.errorThreshold),
  tokenMaxAgeHours: z.number().positive().default(DEFAULT_SETTINGS.tokenMaxAgeHours),
  dataSyncPattern: regexSource.default(DEFAULT_SETTINGS.dataSyncPattern),
  resourceRetrieverPattern: regexSource.default(DEFAULT_SETTINGS.resourceRetrieverPattern),
  /** Event bus name or ARN (an ARN reaches a central bus in another account). */
  eventBusName: z.string().min(1).default(DEFAULT_SETTINGS.eventBusName),
  topicArn: z.string().min(1).optional(),
  /** Base of the runbook links in findings: each check appends `#<check-anchor>`. */
  runbookBaseUrl: z.string().min(1).default(DEFAULT_SETTINGS.runbookBaseUrl),
});

export type CheckerSettings = z.infer<typeof checkerSettingsSchema>;
export type CheckerSettingsInput = z.input<typeof checkerSettingsSchema>;

const ENV = {
  regions: 'TMC_HEALTH_REGIONS',
  credentialNames: 'TMC_HEALTH_CREDENTIAL_NAMES',
  metricsWindowMinutes: 'TMC_HEALTH_METRICS_WINDOW_MINUTES',
  errorThreshold: 'TMC_HEALTH_ERROR_THRESHOLD',
  tokenMaxAgeHours: 'TMC_HEALTH_TOKEN_MAX_AGE_HOURS',
  dataSyncPattern: 'TMC_HEALTH_DATA_SYNC_PATTERN',
  resourceRetrieverPattern: 'TMC_HEALTH_RESOURCE_RETRIEVER_PATTERN',
  eventBusName: 'TMC_HEALTH_EVENT_BUS',
  topicArn: 'TMC_HEALTH_TOPIC_ARN',
  runbookBaseUrl: 'TMC_HEALTH_RUNBOOK_BASE_URL',
} as const satisfies Record<keyof CheckerSettings, string>;

const codec = envCodec({
  schema: checkerSettingsSchema,
  variables: ENV,
  listKeys: ['regions', 'credentialNames'],
  numberKeys: ['metricsWindowMinutes', 'errorThreshold', 'tokenMaxAgeHours'],
  label: 'checker settings',
});

/** Parses settings from environment variables; throws SettingsError naming the variable and the problem. */
export function settingsFromEnvironment(env: Readonly<Record<string, string | undefined>>): CheckerSettings {
  return codec.fromEnvironment(env);
}

/** The inverse of `settingsFromEnvironment`, used by the stack to configure the function. */
export function settingsToEnvironment(settings: CheckerSettingsInput): Record<string, string> {
  return codec.toEnvironment(settings);
}
