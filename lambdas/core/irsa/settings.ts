import { envCodec, SettingsError } from '../env-codec';
import { DEFAULT_SETTINGS } from '../settings-defaults';
import * as z from '../zod';

/**
 * Runtime settings of the IRSA check, shared by its Lambda (environment variables set by the stack through
 * `irsaSettingsToEnvironment`) and the CLI (flags).
 */
export const DEFAULT_IRSA_SETTINGS = {
  lookbackMinutes: 60,
  /** CloudTrail delivers most events within 5 minutes but can take up to about 15: re-read that much. */
  overlapMinutes: 15,
  /** LookupEvents pages (50 events each) per region and run; at 2 requests/s, 50 pages take about 25 s. */
  maxPagesPerRegion: 50,
  /** A group with at least this many denials in one run is CRITICAL whatever its cause. */
  criticalCount: 100,
} as const;

const nonEmpty = () => z.string().check(z.minLength(1));
const intBetween = (min: number, max: number) => z.int().check(z.minimum(min), z.maximum(max));

export const irsaSettingsSchema = z.strictObject({
  /**
   * Regions whose CloudTrail to scan, exactly. Empty: the region the code runs in, us-east-1 (global STS) and every
   * region the account's EKS OIDC providers name (core/irsa/scan-regions.ts).
   */
  regions: z._default(z.array(nonEmpty()), []),
  lookbackMinutes: z._default(intBetween(1, 7 * 24 * 60), DEFAULT_IRSA_SETTINGS.lookbackMinutes),
  overlapMinutes: z._default(intBetween(0, 24 * 60), DEFAULT_IRSA_SETTINGS.overlapMinutes),
  maxPagesPerRegion: z._default(intBetween(1, 10_000), DEFAULT_IRSA_SETTINGS.maxPagesPerRegion),
  criticalCount: z._default(z.int().check(z.positive()), DEFAULT_IRSA_SETTINGS.criticalCount),
  /** DynamoDB table holding one watermark item per region; absent (CLI) means no watermark: scan the lookback. */
  watermarkTableName: z.optional(nonEmpty()),
  eventBusName: z._default(nonEmpty(), DEFAULT_SETTINGS.eventBusName),
  topicArn: z.optional(nonEmpty()),
  runbookBaseUrl: z._default(nonEmpty(), DEFAULT_SETTINGS.runbookBaseUrl),
  /**
   * IRSA denials in near real time (docs/irsa-realtime.md): the function also takes EventBridge CloudTrail events,
   * and its scans lease their windows so a denial is counted once. Needs `watermarkTableName`.
   */
  realtime: z._default(z.boolean(), false),
});

export type IrsaSettings = z.infer<typeof irsaSettingsSchema>;
export type IrsaSettingsInput = z.input<typeof irsaSettingsSchema>;

const ENV = {
  regions: 'TMC_HEALTH_IRSA_REGIONS',
  lookbackMinutes: 'TMC_HEALTH_IRSA_LOOKBACK_MINUTES',
  overlapMinutes: 'TMC_HEALTH_IRSA_OVERLAP_MINUTES',
  maxPagesPerRegion: 'TMC_HEALTH_IRSA_MAX_PAGES_PER_REGION',
  criticalCount: 'TMC_HEALTH_IRSA_CRITICAL_COUNT',
  watermarkTableName: 'TMC_HEALTH_IRSA_WATERMARK_TABLE',
  eventBusName: 'TMC_HEALTH_EVENT_BUS',
  topicArn: 'TMC_HEALTH_TOPIC_ARN',
  runbookBaseUrl: 'TMC_HEALTH_RUNBOOK_BASE_URL',
  realtime: 'TMC_HEALTH_IRSA_REALTIME',
} as const satisfies Record<keyof IrsaSettings, string>;

const codec = envCodec({
  schema: irsaSettingsSchema,
  variables: ENV,
  listKeys: ['regions'],
  numberKeys: ['lookbackMinutes', 'overlapMinutes', 'maxPagesPerRegion', 'criticalCount'],
  label: 'IRSA check settings',
});

export function irsaSettingsFromEnvironment(env: Readonly<Record<string, string | undefined>>): IrsaSettings {
  // The boolean is read here: `true` or `false`, absent or empty meaning false.
  const { [ENV.realtime]: realtime, ...others } = env;
  const settings = codec.fromEnvironment(others);
  if (realtime === undefined || realtime === '' || realtime === 'false') return settings;
  if (realtime === 'true') return { ...settings, realtime: true };
  throw new SettingsError(
    `Invalid IRSA check settings: ${ENV.realtime}: must be true or false (got ${JSON.stringify(realtime.slice(0, 40))})`,
  );
}

export function irsaSettingsToEnvironment(settings: IrsaSettingsInput): Record<string, string> {
  return codec.toEnvironment(settings);
}
