import { z } from 'zod';
import { MAX_SILENT_AFTER_MINUTES } from '../../lambdas/core/fleet/hub-settings';
import { EVENT_BUS_ARN_PATTERN } from '../../lambdas/core/fleet/member-settings';
import { chatConfigShape } from './chat-config-schema';
import { list, number, regionList } from './config-fields';
import { pagingConfigShape } from './paging-config-schema';
import { parseScheduleExpression } from './schedule-expression';

/**
 * The deployment mode and the AWS Organizations keys (docs/organizations.md): `single` (the default,
 * one account, unchanged), `hub` (the monitoring account: fleet bus, ledger, topic, dashboard and the StackSet
 * that rolls the member stack out) or `member` (the two checkers only, reporting to a hub's bus).
 */

export const DEPLOYMENT_MODES = ['single', 'hub', 'member'] as const;
export type DeploymentMode = (typeof DEPLOYMENT_MODES)[number];

/**
 * How the hub's run report rule hands reports to the fleet intake (docs/organizations.md#how-reports-reach-the-intake):
 * `direct`, the rule invokes the intake with each report (no queue, nothing polled: the cheapest at every size);
 * `queue`, through an SQS queue the intake takes in batches of up to 10 (one digest per batch, fewer invocations).
 */
export const HUB_INTAKES = ['direct', 'queue'] as const;
export type HubIntake = (typeof HUB_INTAKES)[number];
export const DEFAULT_HUB_INTAKE: HubIntake = 'direct';

/** How many schedule periods of silence make a member silent, when memberSilentAfterMinutes is not set. */
export const DEFAULT_SILENT_PERIODS = 3;
/** The longest memberSilentAfterMinutes (30 days): the fleet watch's own limit. */
export const MAX_MEMBER_SILENT_AFTER_MINUTES = MAX_SILENT_AFTER_MINUTES;

const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;
const ROOT_ID = /^r-[0-9a-z]{4,32}$/;

const organizationId = z.string({ error: 'must be a string' }).regex(ORGANIZATION_ID, {
  error:
    'must be an AWS Organizations id: "o-" and 10 to 32 lowercase letters or digits ' +
    '(aws organizations describe-organization --query Organization.Id)',
});

const organizationalUnitId = z
  .string({ error: 'each id must be a string' })
  .refine((id) => OU_ID.test(id) || ROOT_ID.test(id), {
    error: (issue) =>
      `"${String(issue.input)}" is not an organizational unit id (ou-xxxx-xxxxxxxx) or a root id (r-xxxx): ` +
      'aws organizations list-organizational-units-for-parent --parent-id <root or OU id>',
  });

const hubEventBusArn = z.string({ error: 'must be a string' }).regex(EVENT_BUS_ARN_PATTERN, {
  error:
    'must be the ARN of the hub bus: arn:aws:events:<region>:<12-digit account id>:event-bus/tmc-health-fleet ' +
    "(the hub stack's HubEventBusArn output)",
});

export const orgConfigShape = {
  mode: z
    .enum(DEPLOYMENT_MODES, { error: `must be one of ${DEPLOYMENT_MODES.join(', ')}` })
    .default('single'),
  organizationId: organizationId.optional(),
  memberOrganizationalUnitIds: list(organizationalUnitId).default([]),
  memberRegions: regionList().default([]),
  memberSilentAfterMinutes: number(
    `must be a whole number of minutes from 1 to ${MAX_MEMBER_SILENT_AFTER_MINUTES} (30 days)`,
    (v) => Number.isSafeInteger(v) && v >= 1 && v <= MAX_MEMBER_SILENT_AFTER_MINUTES,
  ).optional(),
  hubEventBusArn: hubEventBusArn.optional(),
  hubIntake: z
    .enum(HUB_INTAKES, {
      error:
        'must be direct (the bus rule invokes the intake with each report) or queue (reports batched through ' +
        'an SQS queue, one digest per batch)',
    })
    .default(DEFAULT_HUB_INTAKE),
};

export type OrgConfigKey = keyof typeof orgConfigShape;

/** A valid example for each key, for the "how to fix" part of error messages. */
export const ORG_EXAMPLES = {
  mode: 'hub',
  organizationId: 'o-a1b2c3d4e5',
  memberOrganizationalUnitIds: 'ou-ab12-34cd56ef',
  memberRegions: 'eu-west-1,us-east-1',
  memberSilentAfterMinutes: '45',
  hubEventBusArn: 'arn:aws:events:eu-west-1:123456789012:event-bus/tmc-health-fleet',
  hubIntake: 'queue',
} as const satisfies Record<OrgConfigKey, string>;

/** The configuration keys each mode reads beyond the shared ones, and the keys a mode has no use for. */
const HUB_ONLY: readonly string[] = [
  'organizationId',
  'memberOrganizationalUnitIds',
  'memberRegions',
  'memberSilentAfterMinutes',
  'hubIntake',
];
const MEMBER_ONLY: readonly string[] = ['hubEventBusArn'];
/** Why a key does nothing in a mode (the key is then an error, as an unknown key is). */
const UNUSED_IN: Readonly<Record<Exclude<DeploymentMode, 'single'>, Readonly<Record<string, string>>>> = {
  hub: {
    eventBusName: 'the hub puts its finding events on its own bus, tmc-health-fleet',
    autoRemediation:
      'the checkers run in the member accounts and the hub cannot invoke functions there, so nothing is ' +
      're-triggered in an organization',
  },
  member: {
    eventBusName: "a member sends its run reports only to the hub's bus (hubEventBusArn)",
    notificationEmails:
      "a member has no topic: subscribe to the hub's (notificationEmails in the hub's config)",
    existingTopicArn: "a member has no topic: notifications come from the hub's",
    reminderHours: 'the finding lifecycle runs in the hub: set it in the hub configuration',
    goneAfterRuns: 'the finding lifecycle runs in the hub: set it in the hub configuration',
    stormThreshold: 'the finding lifecycle runs in the hub: set it in the hub configuration',
    suppressions: 'the finding lifecycle runs in the hub: set it in the hub configuration',
    autoRemediation: 'a member has no finding lifecycle, so nothing is re-triggered',
    detailedMetrics:
      'a member emits no custom metrics (the hub counts the fleet from the reports): set it in the hub configuration',
    dashboard:
      'a member has no dashboard: the fleet dashboard is in the hub (dashboard in the hub configuration)',
    throttleAlarms:
      'a member has no alarms: the hub watches the fleet (throttleAlarms in the hub configuration)',
    ...Object.fromEntries(
      Object.keys(pagingConfigShape).map((key) => [
        key,
        "paging belongs to the hub, whose bus carries every member account's finding events; set it in the hub " +
          'configuration (docs/paging.md)',
      ]),
    ),
    ...Object.fromEntries(
      Object.keys(chatConfigShape).map((key) => [
        key,
        "chat belongs to the hub, whose channel gets every member's findings, each message naming its account; " +
          "set it in the hub's configuration instead (docs/chat.md)",
      ]),
    ),
  },
};

export interface OrgModeInput {
  readonly mode: DeploymentMode;
  readonly organizationId?: string;
  readonly memberOrganizationalUnitIds: readonly string[];
  readonly memberRegions: readonly string[];
  readonly memberSilentAfterMinutes?: number;
  readonly schedule: string;
  readonly irsaEnabled: boolean;
  readonly irsaSchedule: string;
}

export interface KeyProblem {
  readonly key: string;
  readonly message: string;
  /** The fix is to remove the key (it does nothing in this mode), not to set it. */
  readonly remove?: boolean;
}

/**
 * Cross-key rules of the modes, run on the parsed configuration: the keys a mode needs are set, keys it has no use
 * for are not (`present`: the keys the context actually set, since defaults are never a mistake).
 */
export function orgModeProblems(config: OrgModeInput, present: ReadonlySet<string>): KeyProblem[] {
  const problems: KeyProblem[] = [];
  const { mode } = config;
  for (const key of HUB_ONLY) {
    if (mode !== 'hub' && present.has(key)) {
      problems.push({
        key,
        message: `is only used with mode=hub (the mode is ${mode}): add -c mode=hub, or remove the key`,
        remove: true,
      });
    }
  }
  for (const key of MEMBER_ONLY) {
    if (mode !== 'member' && present.has(key)) {
      problems.push({
        key,
        message:
          mode === 'hub'
            ? 'is only used with mode=member: the hub passes its own bus to the StackSet, so remove the key'
            : `is only used with mode=member (the mode is ${mode}): add -c mode=member, or remove the key`,
        remove: true,
      });
    }
  }
  if (mode !== 'single') {
    for (const [key, why] of Object.entries(UNUSED_IN[mode])) {
      if (present.has(key)) {
        problems.push({ key, message: `is not used with mode=${mode}: ${why}`, remove: true });
      }
    }
  }
  if (mode === 'hub') {
    if (config.organizationId === undefined) {
      problems.push({
        key: 'organizationId',
        message:
          "is required with mode=hub: the hub bus accepts run reports only from this organization's accounts " +
          '(aws organizations describe-organization --query Organization.Id)',
      });
    }
    if (config.memberOrganizationalUnitIds.length === 0) {
      problems.push({
        key: 'memberOrganizationalUnitIds',
        message:
          'is required with mode=hub: list at least one organizational unit (or the root r-xxxx) whose ' +
          'accounts the StackSet deploys the member stack to',
      });
    }
    if (config.memberRegions.length === 0) {
      problems.push({
        key: 'memberRegions',
        message:
          'is required with mode=hub: list at least one region the StackSet deploys the member stack to',
      });
    }
    const silence = silenceProblem(config);
    if (silence) problems.push({ key: 'memberSilentAfterMinutes', message: silence });
  }
  return problems;
}

/** The longest gap between two runs of the member's checkers, minutes; undefined when it cannot be determined. */
export function longestMemberPeriodMinutes(
  config: Pick<OrgModeInput, 'schedule' | 'irsaEnabled' | 'irsaSchedule'>,
): number | undefined {
  const schedules = config.irsaEnabled ? [config.schedule, config.irsaSchedule] : [config.schedule];
  let longest = 0;
  for (const expression of schedules) {
    const parsed = parseScheduleExpression(expression);
    if (!parsed.ok || parsed.maxIntervalMinutes === undefined) return undefined;
    longest = Math.max(longest, parsed.maxIntervalMinutes);
  }
  return longest;
}

function silenceProblem(config: OrgModeInput): string | undefined {
  const period = longestMemberPeriodMinutes(config);
  if (config.memberSilentAfterMinutes === undefined) {
    if (period === undefined) {
      return (
        'must be set when the longest gap between two member runs cannot be determined (a cron schedule with ' +
        'L, W, # or a fixed year): give the minutes of silence after which a member is reported silent'
      );
    }
    if (period * DEFAULT_SILENT_PERIODS > MAX_MEMBER_SILENT_AFTER_MINUTES) {
      return (
        `defaults to ${DEFAULT_SILENT_PERIODS} schedule periods (${period * DEFAULT_SILENT_PERIODS} minutes), ` +
        `more than ${MAX_MEMBER_SILENT_AFTER_MINUTES}: set it, or schedule the checks more often`
      );
    }
    return undefined;
  }
  if (period !== undefined && config.memberSilentAfterMinutes <= period) {
    return (
      `must be longer than the longest gap between two member runs (${period} minutes, from schedule` +
      `${config.irsaEnabled ? ' and irsaSchedule' : ''}), or every member is reported silent between two ` +
      `healthy runs; ${DEFAULT_SILENT_PERIODS * period} (${DEFAULT_SILENT_PERIODS} periods, the default) leaves ` +
      'room for one late run'
    );
  }
  return undefined;
}

/** memberSilentAfterMinutes as configured, or three periods of the slower member schedule (validated first). */
export function memberSilentAfterMinutes(config: OrgModeInput): number {
  if (config.memberSilentAfterMinutes !== undefined) return config.memberSilentAfterMinutes;
  const period = longestMemberPeriodMinutes(config);
  if (period === undefined) throw new Error('memberSilentAfterMinutes: validate the configuration first');
  return DEFAULT_SILENT_PERIODS * period;
}
