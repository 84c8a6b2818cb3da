import { envCodec, SettingsError } from './env-codec';
import { DEFAULT_SETTINGS } from './settings-defaults';
import * as z from './zod';

export { SettingsError };

/**
 * Runtime settings shared by the Lambda (from environment variables set by the stack) and the CLI (from flags).
 * The stack validates the deploy-time configuration and serialises it with `settingsToEnvironment`, so the
 * Lambda's parse can only fail if someone edits the function's environment by hand.
 */
export { DEFAULT_SETTINGS };

/** The metrics window the checker supports, in whole minutes: the CLI's --since states and enforces the same. */
export const METRICS_WINDOW_MINUTES = { min: 5, max: 24 * 60 } as const;

/**
 * How often the metrics may be read, in whole minutes (0: every run). A read's window is the interval plus one
 * schedule period (core/checks/metrics-cadence.ts), which must stay within CloudWatch's one-day window here.
 */
export const METRICS_INTERVAL_MINUTES = { max: 12 * 60 } as const;

/** The activation of a registered cluster lasts 3 days: a longer grace could never report it PENDING. */
export const MAX_EKS_CONNECTOR_PENDING_GRACE_MINUTES = 3 * 24 * 60;

/**
 * The classification patterns are configuration, written by the team (trusted), and stay regular expressions;
 * the function names and descriptions they are tested against come from the account, so classify.ts tests
 * only as many characters of each as Lambda allows.
 */
const regexSource = z.string().check(
  z.refine(
    (source) => {
      try {
        new RegExp(source, 'i');
        return true;
      } catch {
        return false;
      }
    },
    { message: 'must be a valid regular expression' },
  ),
);
const nonEmpty = () => z.string().check(z.minLength(1));

export const checkerSettingsSchema = z.strictObject({
  /** Regions to check; empty means the region the code runs in (AWS_REGION). */
  regions: z._default(z.array(nonEmpty()), []),
  /** When set, only these credentials are checked, and each one missing from a region is a finding. */
  credentialNames: z.optional(z.array(nonEmpty())),
  metricsWindowMinutes: z._default(
    z.int().check(z.minimum(METRICS_WINDOW_MINUTES.min), z.maximum(METRICS_WINDOW_MINUTES.max)),
    DEFAULT_SETTINGS.metricsWindowMinutes,
  ),
  /** Metrics are read once per slot of this many minutes (core/checks/metrics-cadence.ts); 0 reads every run. */
  metricsIntervalMinutes: z._default(
    z.int().check(z.minimum(0), z.maximum(METRICS_INTERVAL_MINUTES.max)),
    DEFAULT_SETTINGS.metricsIntervalMinutes,
  ),
  /** The longest gap between two scheduled runs; the cadence needs it to know a slot's first run. */
  schedulePeriodMinutes: z._default(
    z.int().check(z.minimum(0), z.maximum(METRICS_WINDOW_MINUTES.max)),
    DEFAULT_SETTINGS.schedulePeriodMinutes,
  ),
  errorThreshold: z._default(z.int().check(z.positive()), DEFAULT_SETTINGS.errorThreshold),
  tokenMaxAgeHours: z._default(z.number().check(z.positive()), DEFAULT_SETTINGS.tokenMaxAgeHours),
  dataSyncPattern: z._default(regexSource, DEFAULT_SETTINGS.dataSyncPattern),
  resourceRetrieverPattern: z._default(regexSource, DEFAULT_SETTINGS.resourceRetrieverPattern),
  /** Event bus name or ARN (an ARN reaches a central bus in another account). */
  eventBusName: z._default(nonEmpty(), DEFAULT_SETTINGS.eventBusName),
  topicArn: z.optional(nonEmpty()),
  /** Base of the runbook links in findings: each check appends `#<check-anchor>`. */
  runbookBaseUrl: z._default(nonEmpty(), DEFAULT_SETTINGS.runbookBaseUrl),
  /** EKS Connector registered clusters (eks.connector.*, lambdas/core/eks-connector/), checked in `regions`. */
  eksConnectorEnabled: z._default(z.boolean(), DEFAULT_SETTINGS.eksConnectorEnabled),
  /** A registered cluster PENDING for less than this since it was registered is still connecting: PASS. */
  eksConnectorPendingGraceMinutes: z._default(
    z.int().check(z.minimum(1), z.maximum(MAX_EKS_CONNECTOR_PENDING_GRACE_MINUTES)),
    DEFAULT_SETTINGS.eksConnectorPendingGraceMinutes,
  ),
  /** EKS Pod Identity associations and agents (pod-identity.*, lambdas/core/pod-identity/), checked in `regions`. */
  podIdentityEnabled: z._default(z.boolean(), DEFAULT_SETTINGS.podIdentityEnabled),
});

export type CheckerSettings = z.infer<typeof checkerSettingsSchema>;
export type CheckerSettingsInput = z.input<typeof checkerSettingsSchema>;

const ENV = {
  regions: 'TMC_HEALTH_REGIONS',
  credentialNames: 'TMC_HEALTH_CREDENTIAL_NAMES',
  metricsWindowMinutes: 'TMC_HEALTH_METRICS_WINDOW_MINUTES',
  metricsIntervalMinutes: 'TMC_HEALTH_METRICS_INTERVAL_MINUTES',
  schedulePeriodMinutes: 'TMC_HEALTH_SCHEDULE_PERIOD_MINUTES',
  errorThreshold: 'TMC_HEALTH_ERROR_THRESHOLD',
  tokenMaxAgeHours: 'TMC_HEALTH_TOKEN_MAX_AGE_HOURS',
  dataSyncPattern: 'TMC_HEALTH_DATA_SYNC_PATTERN',
  resourceRetrieverPattern: 'TMC_HEALTH_RESOURCE_RETRIEVER_PATTERN',
  eventBusName: 'TMC_HEALTH_EVENT_BUS',
  topicArn: 'TMC_HEALTH_TOPIC_ARN',
  runbookBaseUrl: 'TMC_HEALTH_RUNBOOK_BASE_URL',
  /** `true` or `false`. */
  eksConnectorEnabled: 'TMC_HEALTH_EKS_CONNECTOR_ENABLED',
  eksConnectorPendingGraceMinutes: 'TMC_HEALTH_EKS_CONNECTOR_PENDING_GRACE_MINUTES',
  /** `true` or `false`. */
  podIdentityEnabled: 'TMC_HEALTH_POD_IDENTITY_ENABLED',
} as const satisfies Record<keyof CheckerSettings, string>;

const codec = envCodec({
  schema: checkerSettingsSchema,
  variables: ENV,
  listKeys: ['regions', 'credentialNames'],
  numberKeys: [
    'metricsWindowMinutes',
    'metricsIntervalMinutes',
    'schedulePeriodMinutes',
    'errorThreshold',
    'tokenMaxAgeHours',
    'eksConnectorPendingGraceMinutes',
  ],
  booleanKeys: ['eksConnectorEnabled', 'podIdentityEnabled'],
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
