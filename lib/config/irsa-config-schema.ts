import { z } from 'zod';
import { DEFAULT_IRSA_SETTINGS } from '../../lambdas/core/irsa/settings';
import { boolean, intBetween, list, number, positiveInt, regionList, schedule } from './config-fields';

/**
 * The IRSA check's configuration keys (the second scheduled function, see docs/configuration.md "IRSA check").
 * Numeric limits match `irsaSettingsSchema`, so whatever passes synth also passes the function's own parse.
 */

/** The IRSA function's timeout: the page budget must fit well inside it (see `irsaPageBudgetProblem`). */
export const IRSA_TIMEOUT_MINUTES = 5;
/** How long an IRSA invocation may wait before it expires to its dead-letter queue. */
export const IRSA_MAX_EVENT_AGE_MINUTES = 1;
export const DEFAULT_IRSA_SCHEDULE = 'rate(15 minutes)';
/** CloudTrail LookupEvents quota: requests per second, per account and region. */
export const LOOKUP_EVENTS_PER_SECOND = 2;
/** Share of the timeout the CloudTrail scan may take; the rest is left for IAM diagnosis and publishing. */
export const IRSA_SCAN_TIMEOUT_SHARE = 0.6;
/** Regions scanned when irsaRegions is empty: the stack's region and us-east-1 (at most two). */
export const IRSA_DEFAULT_REGION_COUNT = 2;

/** A role name, optionally under a path, with IAM's * and ? wildcards: `AccessEC2role`, `eks/*`, `*`. */
const ROLE_NAME_PATTERN = /^(?:[\w+=,.@*?-]+\/)*[\w+=,.@*?-]+$/;
/** IAM's limits: a path of up to 512 characters plus a name of up to 64. */
const MAX_ROLE_PATTERN_LENGTH = 576;

function rolePatternProblem(pattern: string): string | undefined {
  if (pattern.startsWith('arn:')) return `"${pattern}" is an ARN: give only the role name or path/name`;
  if (pattern.startsWith('/')) {
    return `"${pattern}" starts with "/": write the path without it (e.g. ${pattern.replace(/^\/+/, '')})`;
  }
  if (pattern.length > MAX_ROLE_PATTERN_LENGTH || !ROLE_NAME_PATTERN.test(pattern)) {
    return (
      `"${pattern}" is not an IAM role name pattern: use letters, digits, +=,.@_- and the wildcards * and ?, ` +
      'with "/" between path segments (e.g. eks/* or AccessEC2role)'
    );
  }
  return undefined;
}

const rolePattern = z.string({ error: 'each pattern must be a string' }).superRefine((pattern, ctx) => {
  const problem = rolePatternProblem(pattern);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const irsaConfigShape = {
  irsaEnabled: boolean().default(true),
  irsaRegions: regionList().default([]),
  irsaSchedule: schedule({
    timeoutMinutes: IRSA_TIMEOUT_MINUTES,
    maxEventAgeMinutes: IRSA_MAX_EVENT_AGE_MINUTES,
  }).default(DEFAULT_IRSA_SCHEDULE),
  irsaLookbackMinutes: number(
    'must be a whole number of minutes from 1 to 10080 (7 days)',
    intBetween(1, 7 * 24 * 60),
  ).default(DEFAULT_IRSA_SETTINGS.lookbackMinutes),
  irsaOverlapMinutes: number(
    'must be a whole number of minutes from 0 to 1440',
    intBetween(0, 24 * 60),
  ).default(DEFAULT_IRSA_SETTINGS.overlapMinutes),
  irsaMaxPagesPerRegion: number('must be a whole number from 1 to 10000', intBetween(1, 10_000)).default(
    DEFAULT_IRSA_SETTINGS.maxPagesPerRegion,
  ),
  irsaCriticalCount: number('must be a positive integer', positiveInt).default(
    DEFAULT_IRSA_SETTINGS.criticalCount,
  ),
  irsaRoleNamePatterns: list(rolePattern)
    .refine((patterns) => patterns.length > 0, {
      error: 'must list at least one role name pattern (use * for every role)',
    })
    .default(['*']),
  irsaRealtime: boolean().default(false),
};

export interface IrsaBudgetInput {
  readonly irsaEnabled: boolean;
  readonly irsaRegions: readonly string[];
  readonly irsaMaxPagesPerRegion: number;
}

/**
 * The pages of one run, read at the LookupEvents quota, must end inside `IRSA_SCAN_TIMEOUT_SHARE` of the
 * timeout. Counted as if regions were scanned one after another: the worst case, and what the quota allows if
 * the function ever shares a region's budget with another caller.
 */
export function irsaPageBudgetProblem(config: IrsaBudgetInput): string | undefined {
  if (!config.irsaEnabled) return undefined;
  const regions = config.irsaRegions.length > 0 ? config.irsaRegions.length : IRSA_DEFAULT_REGION_COUNT;
  const seconds = (regions * config.irsaMaxPagesPerRegion) / LOOKUP_EVENTS_PER_SECOND;
  const timeoutSeconds = IRSA_TIMEOUT_MINUTES * 60;
  const allowedSeconds = Math.floor(timeoutSeconds * IRSA_SCAN_TIMEOUT_SHARE);
  if (seconds <= allowedSeconds) return undefined;
  const maxPages = Math.floor((allowedSeconds * LOOKUP_EVENTS_PER_SECOND) / regions);
  const regionsText = config.irsaRegions.length > 0 ? 'irsaRegions' : 'the default irsaRegions (2)';
  return (
    `${regions} region(s) × ${config.irsaMaxPagesPerRegion} pages at ${LOOKUP_EVENTS_PER_SECOND} ` +
    `LookupEvents requests/s take ${seconds} s, more than the ${allowedSeconds} s allowed ` +
    `(${IRSA_SCAN_TIMEOUT_SHARE * 100}% of the IRSA function's ${timeoutSeconds}-second timeout). ` +
    `Lower irsaMaxPagesPerRegion to at most ${maxPages} for ${regionsText}, or list fewer irsaRegions ` +
    '(pages left unread continue on the next run)'
  );
}

/** A valid example for each IRSA key, for the "how to fix" part of error messages. */
export const IRSA_EXAMPLES = {
  irsaEnabled: 'true',
  irsaRegions: 'eu-west-1,us-east-1',
  irsaSchedule: DEFAULT_IRSA_SCHEDULE,
  irsaLookbackMinutes: String(DEFAULT_IRSA_SETTINGS.lookbackMinutes),
  irsaOverlapMinutes: String(DEFAULT_IRSA_SETTINGS.overlapMinutes),
  irsaMaxPagesPerRegion: String(DEFAULT_IRSA_SETTINGS.maxPagesPerRegion),
  irsaCriticalCount: String(DEFAULT_IRSA_SETTINGS.criticalCount),
  irsaRoleNamePatterns: 'eks/*',
  irsaRealtime: 'true',
} as const satisfies Record<keyof typeof irsaConfigShape, string>;

/**
 * Cross-key rule for `irsaRealtime` (IRSA denials in near real time, docs/irsa-realtime.md), run on the parsed
 * configuration like the modes' rules: it needs the IRSA check, and a single-account stack.
 */
export function irsaRealtimeProblems(config: {
  readonly mode: 'single' | 'hub' | 'member';
  readonly irsaEnabled: boolean;
  readonly irsaRealtime: boolean;
}): { readonly key: string; readonly message: string; readonly remove: true }[] {
  if (!config.irsaRealtime) return [];
  if (config.mode !== 'single') {
    return [
      {
        key: 'irsaRealtime',
        message:
          `is not supported with mode=${config.mode}: a member reports each scheduled run to the hub, which ` +
          'orders reports by run time (docs/organizations.md); real-time denials would be reports of their own',
        remove: true,
      },
    ];
  }
  if (!config.irsaEnabled) {
    return [
      {
        key: 'irsaRealtime',
        message: 'needs the IRSA check (irsaEnabled is false): remove the key, or set irsaEnabled=true',
        remove: true,
      },
    ];
  }
  return [];
}
