import {
  checkerSettingsSchema,
  settingsFromEnvironment,
  SettingsError,
  type CheckerSettings,
} from '../core/settings';
import { irsaSettingsFromEnvironment, irsaSettingsSchema, type IrsaSettings } from '../core/irsa/settings';
import { eventBus, partitionOf, region, topicArn } from '../core/aws-names';
import type * as z from '../core/zod';
import { parseMetricsWindow, parseTokenMaxAgeHours } from './durations';
import { usageError } from './exit-codes';
import { fleetTargetFromFlags, type FleetFlags, type FleetTarget } from './fleet-options';
import { Problems } from './usage-problems';

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
  readonly all?: boolean;
  readonly eventBus?: string;
  readonly topicArn?: string;
  readonly fixDir?: string;
}

/**
 * Check families the command knows; only those with `available: true` can run. Without --checks every available
 * family runs (the same checks the deployed Lambdas run).
 */
export const CHECK_FAMILIES: Readonly<
  Record<'tmc' | 'irsa' | 'eks-connector' | 'pod-identity', { available: boolean; description: string }>
> = {
  tmc: { available: true, description: 'TMC credential resources (Lambdas, event rule, auth token)' },
  irsa: {
    available: true,
    description: 'EKS IAM roles for service accounts (denied AssumeRoleWithWebIdentity)',
  },
  'eks-connector': {
    available: true,
    description: 'clusters registered through the EKS Connector (pending, expired, failed, role)',
  },
  'pod-identity': {
    available: true,
    description: 'EKS Pod Identity associations (role, trust policy, target role, agent add-on)',
  },
};

export type CheckFamily = keyof typeof CHECK_FAMILIES;

/** Each family's name and a few words, for `check --help`: `tmc (TMC credentials), irsa (...), ...`. */
const FAMILY_WORDS: Readonly<Record<CheckFamily, string>> = {
  tmc: 'TMC credentials',
  irsa: 'denied AssumeRoleWithWebIdentity calls in CloudTrail',
  'eks-connector': 'EKS Connector clusters',
  'pod-identity': 'EKS Pod Identity associations',
};
export const CHECK_FAMILY_HELP = (Object.keys(CHECK_FAMILIES) as CheckFamily[])
  .filter((family) => CHECK_FAMILIES[family].available)
  .map((family) => `${family} (${FAMILY_WORDS[family]})`)
  .join(', ');

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

/** The families `--checks` names, each once; every unknown or unavailable one is reported. */
export function parseCheckFamilies(values: readonly string[] | undefined): CheckFamily[] {
  if (values === undefined) return availableFamilies();
  const available = availableFamilies().join(', ');
  if (values.length === 0) throw usageError(`--checks: give at least one of ${available}`);
  const problems = new Problems();
  const families: CheckFamily[] = [];
  for (const raw of values) {
    const value = raw.toLowerCase();
    if (!(value in CHECK_FAMILIES)) {
      problems.add(`--checks: unknown check family '${raw}'; available: ${available}`);
      continue;
    }
    const family = value as CheckFamily;
    if (!CHECK_FAMILIES[family].available) {
      problems.add(
        `--checks: '${family}' (${CHECK_FAMILIES[family].description}) is not available yet; available: ${available}`,
      );
    } else if (!families.includes(family)) families.push(family);
  }
  problems.throwIfAny();
  return families;
}

/** Where a region list came from, named in its errors: a flag, or the variable that gave it. */
type RegionSource = '--region' | 'TMC_HEALTH_REGIONS' | 'AWS_REGION' | 'AWS_DEFAULT_REGION';

/**
 * Known regions, all in one partition (one set of credentials cannot cross partitions), each once. Every
 * unknown name is reported, each naming where it came from.
 */
export function validateRegions(source: RegionSource, regions: readonly string[]): string[] {
  const problems = new Problems();
  for (const name of regions) {
    const checked = region.safeParse(name);
    if (!checked.success) problems.add(`${source}: ${checked.error.issues[0]?.message ?? 'not a region'}`);
  }
  problems.throwIfAny();
  if (new Set(regions.map(partitionOf)).size > 1) {
    throw usageError(
      `${source}: all regions must be in the same AWS partition (one set of credentials cannot cross partitions)`,
    );
  }
  return [...new Set(regions)];
}

export const NO_REGION_MESSAGE =
  'no region to check: pass --region (e.g. --region us-east-1,eu-west-1) or set AWS_REGION';

/** Regions: --region, else TMC_HEALTH_REGIONS, else AWS_REGION / AWS_DEFAULT_REGION; none is a usage error. */
export function resolveRegions(
  flag: readonly string[] | undefined,
  fromSettings: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  if (flag !== undefined) return validateRegions('--region', flag);
  if (fromSettings.length > 0) return validateRegions('TMC_HEALTH_REGIONS', fromSettings);
  if (env.AWS_REGION) return validateRegions('AWS_REGION', [env.AWS_REGION]);
  if (env.AWS_DEFAULT_REGION) return validateRegions('AWS_DEFAULT_REGION', [env.AWS_DEFAULT_REGION]);
  throw usageError(NO_REGION_MESSAGE);
}

function validateFlag(flag: string, schema: z.ZodMiniType<string>, value: string | undefined): void {
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

/** The settings the flags set, each flag validated on its own: what it holds never depends on the environment. */
type FlagSettings = Partial<
  Pick<
    CheckerSettings,
    'regions' | 'credentialNames' | 'metricsWindowMinutes' | 'tokenMaxAgeHours' | 'eventBusName' | 'topicArn'
  >
>;

/** Every settings flag checked on its own; each bad one is recorded in `problems`, naming its flag. */
function settingsFlags(flags: CheckFlags, problems: Problems): FlagSettings {
  const regions =
    flags.region === undefined
      ? undefined
      : problems.attempt(() => validateRegions('--region', flags.region!));
  if (flags.credential !== undefined && flags.credential.length === 0) {
    problems.add('--credential: give at least one credential name');
  }
  const since =
    flags.since === undefined
      ? undefined
      : problems.attempt(() => parseMetricsWindow('--since', flags.since!));
  const tokenMaxAge =
    flags.tokenMaxAge === undefined
      ? undefined
      : problems.attempt(() => parseTokenMaxAgeHours('--token-max-age', flags.tokenMaxAge!));
  // The same rules and messages as `cdk synth` (lib/config/aws-names.ts): what the CLI accepts also deploys.
  problems.attempt(() => validateFlag('--event-bus', eventBus, flags.eventBus));
  problems.attempt(() => validateFlag('--topic-arn', topicArn, flags.topicArn));
  return {
    ...(regions !== undefined ? { regions } : {}),
    ...(flags.credential !== undefined ? { credentialNames: [...new Set(flags.credential)] } : {}),
    ...(since !== undefined ? { metricsWindowMinutes: since } : {}),
    ...(tokenMaxAge !== undefined ? { tokenMaxAgeHours: tokenMaxAge } : {}),
    ...(flags.eventBus !== undefined ? { eventBusName: flags.eventBus } : {}),
    ...(flags.topicArn !== undefined ? { topicArn: flags.topicArn } : {}),
  };
}

function fromEnvironment<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof SettingsError) throw usageError(error.message);
    throw error;
  }
}

/**
 * Flags over TMC_HEALTH_* environment variables (the Lambda's own configuration, see settingsFromEnvironment)
 * over defaults, validated by the same schema the Lambda uses. What depends on the environment (a bad variable,
 * no region anywhere) is recorded in `problems` after the flags' own; undefined if anything is wrong.
 */
function checkerSettings(
  flags: CheckFlags,
  fromFlags: FlagSettings,
  env: Readonly<Record<string, string | undefined>>,
  problems: Problems,
): CheckerSettings | undefined {
  const base = problems.attempt(() => fromEnvironment(() => settingsFromEnvironment(env)));
  // Without --region the regions come from the environment; when TMC_HEALTH_* could not be read they are
  // unknown (its error is already recorded), not missing.
  const regions =
    flags.region !== undefined
      ? fromFlags.regions
      : base !== undefined || !env.TMC_HEALTH_REGIONS
        ? problems.attempt(() => resolveRegions(undefined, base?.regions ?? [], env))
        : undefined;
  if (base === undefined || regions === undefined || problems.count > 0) return undefined;
  const parsed = checkerSettingsSchema.safeParse({ ...base, ...fromFlags, regions });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path[0] as keyof CheckerSettings | undefined;
      problems.add(`${(key && FLAG_OF[key]) ?? key ?? 'settings'}: ${issue.message}`);
    }
    return undefined;
  }
  return parsed.data;
}

/** Everything `check` runs with, validated. */
export interface CheckOptions {
  readonly families: readonly CheckFamily[];
  /** With `--accounts`: the accounts and the role to assume in each. */
  readonly fleet?: FleetTarget;
  readonly settings: CheckerSettings;
  /** When the IRSA family runs. */
  readonly irsaSettings?: IrsaSettings;
  /** `--fix-dir`: where to write each IRSA correction's trust policy, one file per role. */
  readonly fixDir?: string;
}

/**
 * `--fix-dir <dir>`: a directory path (created when missing). Only its form is checked here, with the other flags:
 * whether it can be written is found when writing, after the checks ran.
 */
function fixDirProblems(
  flags: CheckFlags & FleetFlags,
  families: readonly CheckFamily[] | undefined,
): string[] {
  if (flags.fixDir === undefined) return [];
  const problems: string[] = [];
  if (flags.fixDir.trim() === '') problems.push('--fix-dir: give a directory, e.g. --fix-dir ./trust-fixes');
  else if ([...flags.fixDir].some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f))
    problems.push('--fix-dir: the directory name holds a control character; give a plain path');
  if (flags.accounts !== undefined)
    problems.push(
      "--fix-dir: not with --accounts (its files are named by role, and roles of several accounts would overwrite each other's; run it per account)",
    );
  if (families !== undefined && !families.includes('irsa'))
    problems.push(
      "--fix-dir: needs the irsa check family (it writes the IRSA findings' corrected trust policies); add irsa to --checks",
    );
  return problems;
}

/**
 * Every `check` flag validated before anything is resolved (regions, AWS credentials, accounts), and every
 * problem reported at once: first each bad flag, naming it and what it accepts, then what depends on the
 * environment (a bad TMC_HEALTH_* variable, no region anywhere). Pure: reads `env`, writes nothing.
 */
export function checkOptionsFromFlags(
  flags: CheckFlags & FleetFlags,
  env: Readonly<Record<string, string | undefined>>,
): CheckOptions {
  const problems = new Problems();
  const fromFlags = settingsFlags(flags, problems);
  const families = problems.attempt(() => parseCheckFamilies(flags.checks));
  if (flags.profile !== undefined && flags.profile.trim() === '') {
    problems.add('--profile: give a profile name');
  }
  if (flags.all === true && flags.failing === true) {
    problems.add('--all: not with --failing (--all lists every check, --failing only FAIL and ERROR)');
  }
  const fleet = problems.attempt(() => fleetTargetFromFlags(flags));
  if (flags.accounts !== undefined && (flags.publish === true || flags.publishAll === true)) {
    problems.add(
      '--publish: not with --accounts (reading through a read-only role; each account publishes with its own checker, or to the hub)',
    );
  }
  for (const problem of fixDirProblems(flags, families)) problems.add(problem);
  const settings = checkerSettings(flags, fromFlags, env, problems);
  const irsaBase =
    families?.includes('irsa') === true
      ? problems.attempt(() => fromEnvironment(() => irsaSettingsFromEnvironment(env)))
      : undefined;
  problems.throwIfAny();
  // No problem recorded: every value above is defined.
  return {
    families: families!,
    ...(fleet ? { fleet } : {}),
    settings: settings!,
    ...(irsaBase ? { irsaSettings: irsaSettingsFromFlags(flags, irsaBase, settings!) } : {}),
    ...(flags.fixDir !== undefined ? { fixDir: flags.fixDir } : {}),
  };
}

/**
 * The IRSA check's settings: flags over TMC_HEALTH_IRSA_* (and the shared TMC_HEALTH_*) variables over defaults,
 * validated by the Lambda's schema. The CLI never uses a watermark table: every run is a dry scan of the lookback
 * window, which `--since` sets. Regions: exactly `--region` when given, else TMC_HEALTH_IRSA_REGIONS, else none
 * configured: the run reads the home region, us-east-1 and every region the account's EKS OIDC providers name,
 * as the Lambda does (core/irsa/scan-regions.ts).
 */
function irsaSettingsFromFlags(
  flags: CheckFlags,
  base: IrsaSettings,
  checker: CheckerSettings,
): IrsaSettings {
  const regions = flags.region !== undefined ? checker.regions : base.regions;
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
