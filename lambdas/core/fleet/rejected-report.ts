/**
 * The ERROR finding the hub's fleet intake publishes for a run report event it cannot accept: malformed,
 * of an unknown schema version, or naming another account than the one that sent it. The member's run is then
 * unknown at the hub (its ledger and heartbeat are left alone), so this says so on the hub bus, naming the member
 * account whenever the event tells it. Pure.
 */
import type { Evidence, Finding } from '../finding';
import { buildFinding } from '../finding-factory';

/** The envelope fields of the EventBridge event the intake reads; everything is optional, the event is untrusted. */
export interface ReportEnvelope {
  readonly id?: unknown;
  /** Set by EventBridge to the account that put the event: the one account id that cannot be forged. */
  readonly account?: unknown;
  readonly region?: unknown;
  readonly source?: unknown;
  readonly 'detail-type'?: unknown;
  readonly time?: unknown;
  readonly detail?: unknown;
}

export interface RejectedReportContext {
  readonly hubAccountId: string;
  /** The hub's region: where the finding lives when the event names none. */
  readonly homeRegion: string;
  readonly observedAt: string;
  readonly runbookBaseUrl: string;
}

/** The operation a rejected report arrived by (the member's PutEvents to the hub bus). */
export const REPORT_OPERATION = 'events:PutEvents';

const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const MAX_TEXT = 300;

function text(value: unknown): string | null {
  if (typeof value === 'string') return value.length > MAX_TEXT ? `${value.slice(0, MAX_TEXT)}...` : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

function field(detail: unknown, name: string): unknown {
  return typeof detail === 'object' && detail !== null && !Array.isArray(detail)
    ? (detail as Record<string, unknown>)[name]
    : undefined;
}

/** The account the event is about: the sender EventBridge recorded, else the one the detail claims, else none. */
export function reportAccountOf(event: ReportEnvelope): string | undefined {
  for (const candidate of [event.account, field(event.detail, 'accountId')]) {
    if (typeof candidate === 'string' && ACCOUNT_ID.test(candidate)) return candidate;
  }
  return undefined;
}

export function rejectedReportFinding(
  event: ReportEnvelope,
  problem: string,
  context: RejectedReportContext,
): Finding {
  const account = reportAccountOf(event);
  const region =
    typeof event.region === 'string' && REGION.test(event.region) ? event.region : context.homeRegion;
  const family = text(field(event.detail, 'family'));
  const runId = text(field(event.detail, 'runId'));
  const who = account === undefined ? 'an unknown account' : `account ${account}`;
  const evidence: Evidence = {
    problem: text(problem) ?? problem,
    sentFromAccount: text(event.account),
    claimedAccountId: text(field(event.detail, 'accountId')),
    family,
    runId,
    part: text(field(event.detail, 'part')),
    parts: text(field(event.detail, 'parts')),
    schemaVersion: text(field(event.detail, 'schemaVersion')),
    eventId: text(event.id),
    source: text(event.source),
    detailType: text(event['detail-type']),
    hubAccountId: context.hubAccountId,
  };
  return buildFinding(
    {
      accountId: account ?? context.hubAccountId,
      region,
      observedAt: context.observedAt,
      runbookBaseUrl: context.runbookBaseUrl,
    },
    {
      checkId: 'checker.error',
      status: 'ERROR',
      title: `Run report from ${who} rejected by the hub`,
      message:
        `The hub could not accept a ${family ?? 'run'} report from ${who}${runId === null ? '' : ` (run ${runId})`}: ` +
        `${text(problem) ?? problem}. That run's findings did not reach the hub: its ledger and heartbeat are unchanged, ` +
        "and if every report is rejected the member will show as fleet.member.silent. Compare the member's checker " +
        "version with the hub's (docs/organizations.md).",
      resource: { type: 'AWS::API::Operation', name: REPORT_OPERATION },
      // One finding per member and family, distinct from the member's own checker.error about the same call.
      resourceKey: `hub-intake/run-report/${family ?? 'unknown'}`,
      evidence,
    },
  );
}
