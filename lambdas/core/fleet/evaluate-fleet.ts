/**
 * The fleet watch's check, `fleet.member.silent` (docs/organizations.md): one finding per member account
 * and check family that ever reported to the hub. Pure: the heartbeats and the clock come in, findings go out.
 *
 * - FAIL (catalogue severity, HIGH) when the last report is more than `silentAfterMinutes` old;
 * - PASS when it is not;
 * - ERROR when the last report is dated more than `CLOCK_SKEW_TOLERANCE_MINUTES` ahead of `now`: how long the
 *   member has been silent cannot be told, so it is neither PASS nor FAIL, and the evidence says clock skew;
 * - ERROR for a stored heartbeat that could not be read back (`options.unreadable`): unknown is never healthy, and
 *   with the same finding id as the member's normal finding it keeps an open one open instead of resolving it.
 *
 * The findings are about the member: `accountId` is the member's (EventBridge rules and the digest route by it);
 * the region is `global`, since silence concerns every region the member runs in. A heartbeat item whose keys do
 * not name a member account and family cannot be attributed: its ERROR is the hub's own (`hubAccountId`).
 */
import { DEFAULT_SETTINGS } from '../settings';
import type { CheckId, Finding } from '../finding';
import { buildFinding, type FindingScope, type FindingSpec } from '../finding-factory';
import { GLOBAL_REGION } from '../inventory';
import { CLOCK_SKEW_TOLERANCE_MINUTES, type ReportedFamily } from './run-report-types';
import type { MemberHeartbeat, UnreadableHeartbeat } from './heartbeat';

export const FLEET_CHECK_ID = 'fleet.member.silent' satisfies CheckId;
/** A last report dated up to this far ahead of the hub's clock is taken as now (clocks drift a little). */
export { CLOCK_SKEW_TOLERANCE_MINUTES };

const MINUTE_MS = 60_000;
const ACCOUNT_ID = /^\d{12}$/;
const FAMILY_LABELS: Readonly<Record<ReportedFamily, string>> = {
  credentials: 'credential checker',
  irsa: 'IRSA checker',
};

export interface EvaluateFleetOptions {
  /** Stored heartbeats the adapter could not read: each is an ERROR finding. */
  readonly unreadable?: readonly UnreadableHeartbeat[];
  /** Base of the findings' runbook links (`#fleet-member-silent` is appended); docs/checks.md by default. */
  readonly runbookBaseUrl?: string;
}

/** The stable key of a member's finding: the same account and family always yield the same finding id. */
export function memberResourceKey(accountId: string, family: string): string {
  return `fleet-member/${accountId}/${family}`;
}

export function evaluateFleet(
  heartbeats: readonly MemberHeartbeat[],
  now: Date,
  silentAfterMinutes: number,
  hubAccountId: string,
  options: EvaluateFleetOptions = {},
): Finding[] {
  if (!(Number.isFinite(silentAfterMinutes) && silentAfterMinutes > 0)) {
    throw new RangeError(`silentAfterMinutes must be a positive number, got ${silentAfterMinutes}`);
  }
  if (Number.isNaN(now.getTime())) throw new RangeError('now is not a date');
  const context: Context = {
    now,
    silentAfterMinutes,
    hubAccountId,
    runbookBaseUrl: options.runbookBaseUrl ?? DEFAULT_SETTINGS.runbookBaseUrl,
  };

  const latest = new Map<string, MemberHeartbeat>();
  for (const heartbeat of heartbeats) {
    const key = memberResourceKey(heartbeat.accountId, heartbeat.family);
    const known = latest.get(key);
    // The table has one item per key; a caller that merged two sources keeps the later report.
    if (known === undefined || Date.parse(heartbeat.lastReportAt) > Date.parse(known.lastReportAt)) {
      latest.set(key, heartbeat);
    }
  }
  const unreadable = new Map<string, UnreadableHeartbeat>();
  for (const item of options.unreadable ?? []) {
    unreadable.set(memberResourceKey(item.accountId, item.family), item);
  }

  const findings: Finding[] = [];
  for (const [key, heartbeat] of latest) {
    // An unreadable item under the same key wins: what is stored now is unknown.
    if (!unreadable.has(key)) findings.push(heartbeatFinding(heartbeat, context));
  }
  for (const item of unreadable.values()) findings.push(unreadableFinding(item, context));
  return findings.sort(
    (a, b) =>
      compare(a.accountId, b.accountId) ||
      compare(a.resource.name, b.resource.name) ||
      compare(a.status, b.status),
  );
}

interface Context {
  readonly now: Date;
  readonly silentAfterMinutes: number;
  readonly hubAccountId: string;
  readonly runbookBaseUrl: string;
}

function scopeOf(accountId: string, context: Context): FindingScope {
  return {
    accountId,
    region: GLOBAL_REGION,
    observedAt: context.now.toISOString(),
    runbookBaseUrl: context.runbookBaseUrl,
  };
}

function memberSpec(
  accountId: string,
  family: string,
  rest: Pick<FindingSpec, 'status' | 'title' | 'message' | 'evidence'>,
): FindingSpec {
  return {
    checkId: FLEET_CHECK_ID,
    resource: { type: 'AWS::Organizations::Account', name: `${accountId}/${family}` },
    resourceKey: memberResourceKey(accountId, family),
    ...rest,
  };
}

function heartbeatFinding(heartbeat: MemberHeartbeat, context: Context): Finding {
  const { accountId, family } = heartbeat;
  const label = FAMILY_LABELS[family];
  const scope = scopeOf(accountId, context);
  const lastMs = Date.parse(heartbeat.lastReportAt);
  if (Number.isNaN(lastMs)) {
    return unreadableFinding(
      { accountId, family, reason: `lastReportAt is not a date: ${heartbeat.lastReportAt}` },
      context,
    );
  }
  const lastRun = {
    memberAccountId: accountId,
    family,
    lastReportAt: heartbeat.lastReportAt,
    lastRunId: heartbeat.runId,
    regions: [...heartbeat.regions],
    lastRunFailing: heartbeat.failing,
    lastRunErrored: heartbeat.errored,
    lastRunFindings: heartbeat.findingCount,
    lastRunParts: `${heartbeat.partsReceived}/${heartbeat.parts}`,
    silentAfterMinutes: context.silentAfterMinutes,
    hubAccountId: context.hubAccountId,
  };
  const aheadMs = lastMs - context.now.getTime();
  if (aheadMs > CLOCK_SKEW_TOLERANCE_MINUTES * MINUTE_MS) {
    const minutesAhead = Math.floor(aheadMs / MINUTE_MS);
    return buildFinding(
      scope,
      memberSpec(accountId, family, {
        status: 'ERROR',
        title: `Member account ${accountId}: ${label} report is dated in the future`,
        message:
          `The last report of the ${label} in account ${accountId} (run ${heartbeat.runId}) is dated ` +
          `${heartbeat.lastReportAt}, ${minutesAhead} minutes ahead of the hub's clock (${context.now.toISOString()}): ` +
          'clock skew, so whether the member is still reporting cannot be told. Not reported as healthy.',
        evidence: {
          ...lastRun,
          minutesSilent: null,
          clockSkew: true,
          minutesAhead,
          clockSkewToleranceMinutes: CLOCK_SKEW_TOLERANCE_MINUTES,
        },
      }),
    );
  }
  const silentMs = Math.max(0, -aheadMs);
  const minutesSilent = Math.floor(silentMs / MINUTE_MS);
  const silent = silentMs > context.silentAfterMinutes * MINUTE_MS;
  return buildFinding(
    scope,
    memberSpec(accountId, family, {
      status: silent ? 'FAIL' : 'PASS',
      title: silent
        ? `Member account ${accountId}: ${label} has stopped reporting`
        : `Member account ${accountId}: ${label} is reporting`,
      message: silent
        ? `The ${label} in account ${accountId} has not reported to the hub for ${minutesSilent} minutes ` +
          `(limit ${context.silentAfterMinutes}); its last report was run ${heartbeat.runId} at ${heartbeat.lastReportAt}. ` +
          'Nothing in that account is checked or notified until it reports again.'
        : `The ${label} in account ${accountId} last reported ${minutesSilent} minutes ago ` +
          `(run ${heartbeat.runId} at ${heartbeat.lastReportAt}; limit ${context.silentAfterMinutes}).`,
      evidence: { ...lastRun, minutesSilent, clockSkew: false },
    }),
  );
}

function unreadableFinding(item: UnreadableHeartbeat, context: Context): Finding {
  const knownFamily = Object.hasOwn(FAMILY_LABELS, item.family);
  const attributable = ACCOUNT_ID.test(item.accountId) && knownFamily;
  const label = knownFamily ? FAMILY_LABELS[item.family as ReportedFamily] : `'${item.family}' checker`;
  return buildFinding(
    scopeOf(attributable ? item.accountId : context.hubAccountId, context),
    memberSpec(item.accountId, item.family, {
      status: 'ERROR',
      title: `Member account ${item.accountId}: ${label} heartbeat is unreadable`,
      message:
        `The hub's heartbeat of the ${label} in account ${item.accountId} could not be read (${item.reason}), so ` +
        'whether the member is still reporting is unknown. Not reported as healthy; the next report from the member ' +
        'replaces the item.',
      evidence: {
        memberAccountId: item.accountId,
        family: item.family,
        reason: item.reason,
        attributable,
        hubAccountId: context.hubAccountId,
      },
    }),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
