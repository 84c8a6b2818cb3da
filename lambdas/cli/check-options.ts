import {
  checkerSettingsSchema,
  settingsFromEnvironment,
  SettingsError,
  type CheckerSettings,
} from '../core/settings';
import { irsaSettingsFromEnvironment, irsaSettingsSchema, type IrsaSettings } from '../core/irsa/settings';
import type { z } from 'zod';
import { eventBus, partitionOf, region, topicArn } from '../../lib/config/aws-names';
import { parseMetricsWindow, parseTokenMaxAgeHours } from './durations';
import { usageError } from './exit-codes';

/** What commander hands the `check` action: raw strings, validated here so every message names its flag. */
export interface CheckFlags {
  readonly region?: string[];
  readonly credential?: string[];
  readonly checks?: string[];
  readonly since?: string;
  readonly tokenMaxAge?: string;
  readonly profile?: string;
  readonly json?: boolean;
  readonly publish?: boolean;
  readonly publishAll?: boolean;
  readonly failing?: boolean;
  readonly eventBus?: string;
  readonly topicArn?: string;
}

/**
 * Check families the command knows; only those with `available: true` can run. Without --checks every available
 * family runs (the same checks the deployed Lambdas run).
 */
export const CHECK_FAMILIES: Readonly<Record<'tmc' | 'irsa', { available: boolean; description: string }>> = {
  tmc: { available: true, description: 'TMC credential resources (Lambdas, event rule, auth token)' },
  irsa: {
    available: true,
    description: 'EKS IAM roles for service accounts (denied AssumeRoleWithWebIdentity)',
  },
};

export type CheckFamily = keyof typeof CHECK_FAMILIES;

const availableFamilies = () =>
  (Object.keys(CHECK_FAMILIES) as CheckFamily[]).filter((family) => CHECK_FAMILIES[family].available);

/** `a,b` and repeated flags both give lists; blanks are dropped. */
export function collectList(value: string, previous: string[] | undefined): string[] {
  return [
    ...(previous ?? []),
    ...value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  ];
}

export function parseCheckFamilies(values: readonly string[] | undefined): CheckFamily[] {
  if (values === undefined) return availableFamilies();
  if (values.length === 0)
    throw usageError(`--checks: give at least one of ${availableFamilies().join(', ')}`);
  const families: CheckFamily[] = [];
  for (const raw of values) {
    const value = raw.toLowerCase();
    if (!(value in CHECK_FAMILIES)) {
      throw usageError(
        `--checks: unknown check family '${raw}'; available: ${availableFamilies().join(', ')}`,
      );
    }
    const family = value as CheckFamily;
    if (!CHECK_FAMILIES[family].available) {
      throw usageError(
        `--checks: '${family}' (${CHECK_FAMILIES[family].description}) is not available yet; available: ${availableFamilies().join(', ')}`,
      );
    }
    if (!families.includes(family)) families.push(family);
  }
  return families;
}

/** Regions: --region, else TMC_HEALTH_REGIONS, else AWS_REGION / AWS_DEFAULT_REGION; none is a usage error. */
export function resolveRegions(
  flag: readonly string[] | undefined,
  fromSettings: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  let regions: string[];
  if (flag !== undefined) regions = [...flag];
  else if (fromSettings.length > 0) regions = [...fromSettings];
  else {
    const fallback = env.AWS_REGION || env.AWS_DEFAULT_REGION;
    regions = fallback ? [fallback] : [];
  }
  if (regions.length === 0) {
    throw usageError(
      'no region to check: pass --region (e.g. --region us-east-1,eu-west-1) or set AWS_REGION',
    );
  }
  for (const name of regions) {
    const checked = region.safeParse(name);
    if (!checked.success) throw usageError(`--region: ${checked.error.issues[0]?.message ?? 'not a region'}`);
  }
  if (new Set(regions.map(partitionOf)).size > 1) {
    throw usageError(
      '--region: all regions must be in the same AWS partition (one set of credentials cannot cross partitions)',
    );
  }
  return [...new Set(regions)];
}

function validateFlag(flag: string, schema: z.ZodType<string>, value: string | undefined): void {
  if (value === undefined) return;
  const checked = schema.safeParse(value);
  if (!checked.success)
    throw usageError(`${flag}: '${value}' ${checked.error.issues[0]?.message ?? 'is not valid'}`);
}

const FLAG_OF: Partial<Record<keyof CheckerSettings, string>> = {
  regions: '--region',
  credentialNames: '--credential',
  metricsWindowMinutes: '--since',
  tokenMaxAgeHours: '--token-max-age',
  eventBusName: '--event-bus',
  topicArn: '--topic-arn',
};

/**
 * Flags over TMC_HEALTH_* environment variables (the Lambda's own configuration, see settingsFromEnvironment)
 * over defaults, validated by the same schema the Lambda uses.
 */
export function settingsFromFlags(
  flags: CheckFlags,
  env: Readonly<Record<string, string | undefined>>,
): CheckerSettings {
  // The same rules and messages as `cdk synth` (lib/config/aws-names.ts): what the CLI accepts also deploys.
  validateFlag('--topic-arn', topicArn, flags.topicArn);
  validateFlag('--event-bus', eventBus, flags.eventBus);
  let base: CheckerSettings;
  try {
    base = settingsFromEnvironment(env);
  } catch (error) {
    if (error instanceof SettingsError) throw usageError(error.message);
    throw error;
  }
  const raw = {
    ...base,
    regions: resolveRegions(flags.region, base.regions, env),
    ...(flags.credential !== undefined ? { credentialNames: [...new Set(flags.credential)] } : {}),
    ...(flags.since !== undefined
      ? { metricsWindowMinutes: parseMetricsWindow('--since', flags.since) }
      : {}),
    ...(flags.tokenMaxAge !== undefined
      ? { tokenMaxAgeHours: parseTokenMaxAgeHours('--token-max-age', flags.tokenMaxAge) }
      : {}),
    ...(flags.eventBus !== undefined ? { eventBusName: flags.eventBus } : {}),
    ...(flags.topicArn !== undefined ? { topicArn: flags.topicArn } : {}),
  };
  if (flags.credential !== undefined && flags.credential.length === 0) {
    throw usageError('--credential: give at least one credential name');
  }
  const parsed = checkerSettingsSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = issue.path[0] as keyof CheckerSettings | undefined;
      return `${(key && FLAG_OF[key]) ?? key ?? 'settings'}: ${issue.message}`;
    });
    throw usageError(problems.join('; '));
  }
  return parsed.data;
}

/** Where the global STS endpoint's calls are logged: scanned by default alongside the home region. */
const GLOBAL_STS_REGION = 'us-east-1';

/**
 * The IRSA check's settings: flags over TMC_HEALTH_IRSA_* (and the shared TMC_HEALTH_*) variables over defaults,
 * validated by the Lambda's schema. The CLI never uses a watermark table: every run is a dry scan of the lookback
 * window, which `--since` sets. Regions: exactly `--region` when given, else TMC_HEALTH_IRSA_REGIONS, else
 * `homeRegion` plus us-east-1 (irsaRegionsToScan's default), always resolved here so progress knows the total.
 */
export function irsaSettingsFromFlags(
  flags: CheckFlags,
  env: Readonly<Record<string, string | undefined>>,
  checker: CheckerSettings,
  homeRegion: string,
): IrsaSettings {
  let base: IrsaSettings;
  try {
    base = irsaSettingsFromEnvironment(env);
  } catch (error) {
    if (error instanceof SettingsError) throw usageError(error.message);
    throw error;
  }
  const regions =
    flags.region !== undefined
      ? checker.regions
      : base.regions.length > 0
        ? base.regions
        : [...new Set([homeRegion, GLOBAL_STS_REGION])];
  const raw: Record<string, unknown> = {
    ...base,
    regions: [...regions],
    ...(flags.since !== undefined ? { lookbackMinutes: checker.metricsWindowMinutes } : {}),
    eventBusName: checker.eventBusName,
    ...(checker.topicArn !== undefined ? { topicArn: checker.topicArn } : {}),
    runbookBaseUrl: checker.runbookBaseUrl,
  };
  // TMC_HEALTH_IRSA_WATERMARK_TABLE is the Lambda's: the CLI must never advance (or read) its watermarks.
  delete raw.watermarkTableName;
  const parsed = irsaSettingsSchema.safeParse(raw);
  if (!parsed.success) {
    throw usageError(
      parsed.error.issues
        .map((issue) => `${String(issue.path[0] ?? 'IRSA settings')}: ${issue.message}`)
        .join('; '),
    );
  }
  return parsed.data;
}
