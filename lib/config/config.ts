import type * as logs from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';
import type { IrsaSettingsInput } from '../../lambdas/core/irsa/settings';
import type { LifecycleConfigInput } from '../../lambdas/core/lifecycle/settings';
import type { Suppression } from '../../lambdas/core/lifecycle/suppressions';
import { memberSettingsToEnvironment } from '../../lambdas/core/fleet/member-settings';
import type { CheckerSettingsInput } from '../../lambdas/core/settings';
import { CONFIG_KEYS, EXAMPLES, configSchema, metricsCadence, type ConfigKey } from './config-schema';
import { orgModeProblems, type DeploymentMode, type HubIntake } from './org-config-schema';
import { irsaRealtimeProblems } from './irsa-config-schema';
import { chatModeProblems } from './chat-config-schema';
import { securityHubModeProblems } from './security-hub-config-schema';
import { PAGING_UNECHOED_KEYS, pagingModeProblems, type PageableSeverity } from './paging-config-schema';
import { closestMatch } from './suggest';

/**
 * Loading the deploy-time configuration from CDK context (cdk.json "context" and `-c key=value`): every problem,
 * unknown keys included, is collected and reported at once, each naming the key and how to fix it.
 */

export {
  CHECKER_TIMEOUT_MINUTES,
  CONFIG_KEYS,
  DEFAULT_LOG_RETENTION_DAYS,
  DEFAULT_SCHEDULE,
  MAX_EVENT_AGE_MINUTES,
  MIN_SCHEDULE_PERIOD_MINUTES,
  type ConfigKey,
} from './config-schema';
export {
  DEFAULT_IRSA_SCHEDULE,
  IRSA_MAX_EVENT_AGE_MINUTES,
  IRSA_TIMEOUT_MINUTES,
  irsaPageBudgetProblem,
} from './irsa-config-schema';
export { MAX_SUPPRESSIONS_JSON_BYTES, suppressionWarnings } from './lifecycle-config-schema';
export {
  DEPLOYMENT_MODES,
  HUB_INTAKES,
  memberSilentAfterMinutes,
  type DeploymentMode,
  type HubIntake,
} from './org-config-schema';

/** Context keys owned by the CDK CLI that have neither an '@' prefix nor a ':' in their name. */
const CDK_OWN_KEYS: ReadonlySet<string> = new Set(['acknowledged-issue-numbers', 'cli-telemetry']);
/** How much of a bad value a problem echoes back. */
const MAX_ECHO_CHARS = 200;
/** Keys without a default: a cross-key rule can ask for one that is not set at all. */
const KEYS_WITHOUT_DEFAULT: ReadonlySet<string> = new Set([
  'existingTopicArn',
  'credentialNames',
  'reservedConcurrency',
  'runbookBaseUrl',
  'organizationId',
  'memberOrganizationalUnitIds',
  'memberRegions',
  'memberSilentAfterMinutes',
  'hubEventBusArn',
  'readOnlyRoleTrustedPrincipals',
  'pagerDutyRoutingKeySecret',
  'slackWorkspaceId',
  'slackChannelId',
  'teamsTeamId',
  'teamsChannelId',
  'teamsTenantId',
]);

/** The validated configuration. */
export interface TmcHealthConfig {
  /** Email addresses subscribed to the topic (created or existing). Empty: no subscriptions. */
  readonly notificationEmails: readonly string[];
  /** Publish to this topic instead of creating one. */
  readonly existingTopicArn?: string;
  /** Event bus name or ARN the findings are put on. */
  readonly eventBusName: string;
  /** Regions to check; empty means the stack's own region. */
  readonly regions: readonly string[];
  /** Only these credentials are checked; undefined means all found by tag. */
  readonly credentialNames?: readonly string[];
  /** EventBridge Scheduler expression. */
  readonly schedule: string;
  readonly metricsWindowMinutes: number;
  /** The credential check reads its CloudWatch metrics once per slot of this many minutes; 0: every run. */
  readonly metricsIntervalMinutes: number;
  readonly errorThreshold: number;
  readonly tokenMaxAgeHours: number;
  readonly dataSyncPattern: string;
  readonly resourceRetrieverPattern: string;
  readonly logRetentionDays: logs.RetentionDays;
  /** Opt-in reserved concurrency; undefined means none (see docs/configuration.md). */
  readonly reservedConcurrency?: number;
  readonly runbookBaseUrl?: string;
  /** Whether the IRSA check (second function, schedule, watermark table) is deployed. */
  readonly irsaEnabled: boolean;
  /** CloudTrail regions the IRSA check scans; empty means the stack's region plus us-east-1. */
  readonly irsaRegions: readonly string[];
  /** EventBridge Scheduler expression of the IRSA check. */
  readonly irsaSchedule: string;
  readonly irsaLookbackMinutes: number;
  readonly irsaOverlapMinutes: number;
  readonly irsaMaxPagesPerRegion: number;
  readonly irsaCriticalCount: number;
  /** IAM role name patterns (`name`, `path/*`, `*`) the IRSA check may read with iam:GetRole. */
  readonly irsaRoleNamePatterns: readonly string[];
  /** IRSA denials in near real time: the EventBridge rule feeding the IRSA function (docs/irsa-realtime.md). */
  readonly irsaRealtime: boolean;
  /** Hours after which a finding still open is announced again (a REMINDER transition). */
  readonly reminderHours: number;
  /** Consecutive runs an open finding must be absent from before it is RESOLVED as gone. */
  readonly goneAfterRuns: number;
  /** More findings than this opening in one run are one incident (a storm) in the notification. */
  readonly stormThreshold: number;
  /** Mutes: matching findings stay off SNS and are marked SUPPRESSED on EventBridge until they expire. */
  readonly suppressions: readonly Suppression[];
  /** Whether the credential check may re-trigger a TMC data-sync function that stopped running. */
  readonly autoRemediation: boolean;
  /** single (one account, the default), hub or member (an AWS Organization, docs/organizations.md). */
  readonly mode: DeploymentMode;
  /** hub: the organization whose accounts may put run reports on the hub bus. */
  readonly organizationId?: string;
  /** hub: the OUs (or the root) whose accounts the StackSet deploys the member stack to. */
  readonly memberOrganizationalUnitIds: readonly string[];
  /** hub: the regions the StackSet deploys the member stack to. */
  readonly memberRegions: readonly string[];
  /** hub: minutes without a run report after which a member is silent; undefined: three schedule periods. */
  readonly memberSilentAfterMinutes?: number;
  /**
   * hub: how the run report rule hands reports to the fleet intake: `direct` (the rule invokes it with each report)
   * or `queue` (an SQS queue, batches of up to 10, one digest per batch).
   */
  readonly hubIntake: HubIntake;
  /** member: the hub bus run reports go to (the default of the member template's HubEventBusArn parameter). */
  readonly hubEventBusArn?: string;
  /** Both checkers import their FAIL findings into Security Hub (single mode only, docs/security-hub.md). */
  readonly securityHubExport: boolean;
  /** The credential checker also checks clusters registered through the EKS Connector (eks.connector.*). */
  readonly eksConnectorEnabled: boolean;
  /** Minutes a registered cluster may stay PENDING after its registration before that is a FAIL. */
  readonly eksConnectorPendingGraceMinutes: number;
  /** The credential checker also checks the EKS Pod Identity associations and agents (pod-identity.*). */
  readonly podIdentityEnabled: boolean;
  /**
   * Who may assume the read-only role `tmc-health check --accounts` reads through (role or user ARNs); the role is
   * deployed with the checkers only when set (single, member, and the hub's member template).
   */
  readonly readOnlyRoleTrustedPrincipals?: readonly string[];
  /**
   * The single-account and hub functions emit their custom metrics (namespace TmcHealth), and the dashboard, when
   * deployed, graphs them. Off: no EMF line at all; the alarms never read them either way.
   */
  readonly detailedMetrics: boolean;
  /** Deploy the CloudWatch dashboard (single account: the checker dashboard; hub: the fleet dashboard). */
  readonly dashboard: boolean;
  /**
   * The Secrets Manager secret (name or ARN) holding the PagerDuty Events v2 routing key; set, finding events page
   * through an EventBridge API destination (single and hub, docs/paging.md). Undefined: no paging.
   */
  readonly pagerDutyRoutingKeySecret?: string;
  /** The least severe finding that pages (OPENED and ESCALATED); RESOLVED always resolves. */
  readonly pagerDutyMinSeverity: PageableSeverity;
  /** An OpsCenter OpsItem per OPENED HIGH or CRITICAL finding (single and hub, docs/paging.md). */
  readonly opsItemsForHigh: boolean;
  /** The Slack workspace authorized in the Amazon Q Developer console (with `slackChannelId`; docs/chat.md). */
  readonly slackWorkspaceId?: string;
  /** The Slack channel one thread per finding is posted to (single and hub only). */
  readonly slackChannelId?: string;
  /** The Microsoft Teams team (with `teamsChannelId` and `teamsTenantId`; docs/chat.md). */
  readonly teamsTeamId?: string;
  /** The Teams channel, URL-encoded as in its link (`19%3a...%40thread.tacv2`). */
  readonly teamsChannelId?: string;
  /** The Microsoft Entra tenant authorized in the Amazon Q Developer console. */
  readonly teamsTenantId?: string;
  /**
   * A Lambda Throttles alarm on each scheduled function (the checkers; at the hub the intake and the watch). Off,
   * their throttling is caught by the dead-letter queue and dead-man's switch alarms; an unscheduled function (the
   * Security Hub exporter) has its Throttles alarm either way.
   */
  readonly throttleAlarms: boolean;
}

/** Thrown for invalid configuration; `message` lists every problem and is meant for humans as is. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      problems.length === 1
        ? `Invalid configuration: ${problems[0]}`
        : `Invalid configuration (${problems.length} problems):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

function isOurs(key: string): boolean {
  return !key.startsWith('@') && !key.includes(':') && !CDK_OWN_KEYS.has(key);
}

/** The value as JSON, cut short: a long suppressions list would drown the message. */
function shortJson(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length <= MAX_ECHO_CHARS
    ? json
    : `${json.slice(0, MAX_ECHO_CHARS)}... (${json.length} characters)`;
}

function howToSet(key: string, example: string): string {
  const assignment = `${key}=${example}`;
  // JSON values (suppressions) hold double quotes: single quotes keep them intact in a POSIX shell.
  const quote = assignment.includes('"') ? "'" : '"';
  const flag = /^[\w@.,:/=-]+$/.test(assignment) ? assignment : `${quote}${assignment}${quote}`;
  return `Set it in cdk.json "context" or pass -c ${flag}.`;
}

function unknownKeyProblem(key: string): string {
  const suggestion = closestMatch(key, CONFIG_KEYS);
  const hint = suggestion ? `Did you mean "${suggestion}"?` : `Valid keys are: ${CONFIG_KEYS.join(', ')}.`;
  return `${key}: unknown configuration key. ${hint} Fix or remove it in cdk.json "context" or in your -c flags.`;
}

/**
 * Validates the CDK context (e.g. `app.node.getAllContext()`) and returns the configuration, or throws a
 * ConfigError listing every problem at once.
 */
export function loadConfig(context: Readonly<Record<string, unknown>>): TmcHealthConfig {
  const problems: string[] = [];
  const ours: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(context)) {
    if (!isOurs(key)) continue;
    if ((CONFIG_KEYS as readonly string[]).includes(key)) ours[key] = value;
    else problems.push(unknownKeyProblem(key));
  }
  const parsed = configSchema.safeParse(ours);
  // Like zod's cross-key rules, the mode's rules run once every key parsed.
  const modeProblems = parsed.success
    ? [
        ...orgModeProblems(parsed.data, new Set(Object.keys(ours))),
        ...securityHubModeProblems(parsed.data),
        ...irsaRealtimeProblems(parsed.data),
        ...pagingModeProblems(parsed.data, new Set(Object.keys(ours))),
        ...chatModeProblems(parsed.data),
      ]
    : [];
  if (parsed.success && problems.length === 0 && modeProblems.length === 0) return parsed.data;
  const messages = new Map<ConfigKey, string[]>();
  const issues = [
    ...(parsed.error?.issues ?? []).map((issue) => ({ key: issue.path[0], message: issue.message })),
    ...modeProblems,
  ];
  for (const issue of issues) {
    const key = issue.key as ConfigKey;
    messages.set(key, [...(messages.get(key) ?? []), issue.message]);
  }
  const toRemove = new Set(modeProblems.filter((problem) => problem.remove).map((problem) => problem.key));
  for (const key of CONFIG_KEYS) {
    const keyMessages = messages.get(key);
    if (!keyMessages) continue;
    // A cross-key rule can fail on a key left at its default.
    // A key that may hold a pasted secret is never repeated, in a message that ends up in CI logs.
    const got =
      key in ours
        ? PAGING_UNECHOED_KEYS.has(key)
          ? 'got a value, not repeated here'
          : `got ${shortJson(ours[key])}`
        : KEYS_WITHOUT_DEFAULT.has(key)
          ? 'not set'
          : 'not set: the default';
    const fix = toRemove.has(key)
      ? 'Fix or remove it in cdk.json "context" or in your -c flags.'
      : howToSet(key, EXAMPLES[key]);
    problems.push(`${key}: ${[...new Set(keyMessages)].join('; ')} (${got}). ${fix}`);
  }
  throw new ConfigError(problems);
}

/** `loadConfig` on all the CDK context visible to `scope` (cdk.json "context", cdk.context.json and -c flags). */
export function loadConfigFromContext(scope: IConstruct): TmcHealthConfig {
  // getAllContext() is typed `any`: narrow it before use.
  const context: unknown = scope.node.getAllContext();
  return loadConfig(
    typeof context === 'object' && context !== null ? (context as Record<string, unknown>) : {},
  );
}

/** The cadence's two settings, or none when the metrics are read every run (`metricsCadence`). */
function metricsCadenceSettings(config: TmcHealthConfig): Partial<CheckerSettingsInput> {
  const cadence = metricsCadence(config);
  return cadence === undefined
    ? {}
    : {
        metricsIntervalMinutes: cadence.intervalMinutes,
        schedulePeriodMinutes: cadence.schedulePeriodMinutes,
      };
}

/**
 * The Lambda's runtime settings for this configuration (serialise with `settingsToEnvironment`).
 * `topicArn` is the topic actually used: the created one, or `existingTopicArn`.
 */
export function checkerSettings(config: TmcHealthConfig, topicArn: string): CheckerSettingsInput {
  return {
    regions: [...config.regions],
    credentialNames:
      config.credentialNames && config.credentialNames.length > 0 ? [...config.credentialNames] : undefined,
    metricsWindowMinutes: config.metricsWindowMinutes,
    // Only with an interval: without one (0) the function's environment is as before and reads every run.
    ...metricsCadenceSettings(config),
    errorThreshold: config.errorThreshold,
    tokenMaxAgeHours: config.tokenMaxAgeHours,
    dataSyncPattern: config.dataSyncPattern,
    resourceRetrieverPattern: config.resourceRetrieverPattern,
    eventBusName: config.eventBusName,
    topicArn,
    runbookBaseUrl: config.runbookBaseUrl,
    eksConnectorEnabled: config.eksConnectorEnabled,
    eksConnectorPendingGraceMinutes: config.eksConnectorPendingGraceMinutes,
    podIdentityEnabled: config.podIdentityEnabled,
  };
}

/**
 * The IRSA function's runtime settings for this configuration (serialise with `irsaSettingsToEnvironment`).
 * `topicArn` is the topic in use and `watermarkTableName` the table the stack created (a token at synth time).
 */
export function irsaCheckerSettings(
  config: TmcHealthConfig,
  topicArn: string,
  watermarkTableName: string,
): IrsaSettingsInput {
  return {
    regions: [...config.irsaRegions],
    lookbackMinutes: config.irsaLookbackMinutes,
    overlapMinutes: config.irsaOverlapMinutes,
    maxPagesPerRegion: config.irsaMaxPagesPerRegion,
    criticalCount: config.irsaCriticalCount,
    watermarkTableName,
    eventBusName: config.eventBusName,
    topicArn,
    runbookBaseUrl: config.runbookBaseUrl,
    // Only when on, so the function's environment is unchanged otherwise.
    ...(config.irsaRealtime ? { realtime: true } : {}),
  };
}

/**
 * Both functions' lifecycle settings (serialise with `lifecycleSettingsToEnvironment`). The findings ledger's
 * name is not among them: `CheckerFunction.useTable` binds the table, its name and its grant together.
 */
export function lifecycleSettings(config: TmcHealthConfig): LifecycleConfigInput {
  return {
    reminderHours: config.reminderHours,
    goneAfterRuns: config.goneAfterRuns,
    stormThreshold: config.stormThreshold,
    suppressions: [...config.suppressions],
    autoRemediation: config.autoRemediation,
  };
}

/**
 * A member account's credential check settings: as `checkerSettings`, but no topic, and the only bus it may put
 * events on is the hub's (the function sends its run reports there, see `memberFunctionEnvironment`).
 */
export function memberCheckerSettings(config: TmcHealthConfig, hubEventBusArn: string): CheckerSettingsInput {
  return { ...checkerSettings(config, ''), eventBusName: hubEventBusArn, topicArn: undefined };
}

/** A member account's IRSA check settings: as `irsaCheckerSettings`, without a topic, the hub's bus. */
export function memberIrsaCheckerSettings(
  config: TmcHealthConfig,
  watermarkTableName: string,
  hubEventBusArn: string,
): IrsaSettingsInput {
  return {
    ...irsaCheckerSettings(config, '', watermarkTableName),
    eventBusName: hubEventBusArn,
    topicArn: undefined,
  };
}

/**
 * What turns a checker into a member (both functions): the hub bus its run reports go to, and no custom metrics
 * (the hub derives the fleet's from the reports; Powertools then writes no EMF lines, which CloudWatch would bill
 * as custom metrics in every member account).
 */
export function memberFunctionEnvironment(hubEventBusArn: string): Record<string, string> {
  return {
    ...memberSettingsToEnvironment({ hubEventBusArn }),
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
}
