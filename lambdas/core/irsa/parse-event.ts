import type { SkippedRecord } from '../inventory';
import { truncate } from '../plain-text';
import type { WebIdentityDenial } from './types';

/** What LookupEvents returns for one event, with `EventTime` already an ISO string. */
export interface RawTrailEvent {
  readonly eventId?: string;
  readonly eventTime?: string;
  /** The full CloudTrail record as a JSON string. */
  readonly cloudTrailEvent?: string;
}

export type ParsedTrailEvent =
  | { readonly kind: 'denial'; readonly denial: WebIdentityDenial }
  | { readonly kind: 'success' }
  | { readonly kind: 'skipped'; readonly record: SkippedRecord };

export const WEB_IDENTITY_EVENT_NAME = 'AssumeRoleWithWebIdentity';
const SOURCE = 'cloudtrail:LookupEvents';

type Json = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Caps on what a record may carry into a finding. CloudTrail data is input: a pod chooses its own User-Agent,
 * and a finding over EventBridge's 256 KB entry limit would be refused on every run (never truncated at publish
 * time), so each echoed string is bounded here, where it enters. Real values are far below these.
 */
const MAX_FREE_TEXT_CHARS = 1024; // errorMessage, userAgent
const MAX_NAME_CHARS = 512; // subject, provider, error code, source IP, event name in a skip detail
const MAX_ARN_CHARS = 2048; // IAM's own limit on a role ARN

function text(value: unknown, max = MAX_NAME_CHARS): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? truncate(value, max) : undefined;
}

function isoTime(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const millis = Date.parse(value);
  return Number.isNaN(millis) ? undefined : new Date(millis).toISOString();
}

/**
 * One LookupEvents event to a denial, a success, or a skipped record with its reason. Never throws: CloudTrail
 * data is input, and one odd record must not hide the others. LookupEvents cannot filter on errors, so
 * successful calls arrive here too and are only counted.
 */
export function parseTrailEvent(raw: RawTrailEvent, region: string): ParsedTrailEvent {
  const skip = skipper(SOURCE);
  const where = whereOf(raw.eventId, region);
  if (raw.cloudTrailEvent === undefined) return skip('missing CloudTrailEvent', where);
  let record: unknown;
  try {
    record = JSON.parse(raw.cloudTrailEvent);
  } catch (error) {
    return skip('malformed CloudTrailEvent JSON', `${where}: ${(error as Error).message}`);
  }
  return parseTrailRecord(record, raw, region, SOURCE);
}

/**
 * The CloudTrail record itself (what LookupEvents serves as `CloudTrailEvent` JSON, and what EventBridge puts in
 * the `detail` of an "AWS API Call via CloudTrail" event) to a denial, a success or a skipped record. `ids` are
 * the event id and time the source gives beside the record (LookupEvents' EventId and EventTime), if any; the
 * record's own `eventID` and `eventTime` are used otherwise. `source` names where the record came from in a
 * skipped record (`cloudtrail:LookupEvents` by default).
 */
export function parseTrailRecord(
  record: unknown,
  ids: Pick<RawTrailEvent, 'eventId' | 'eventTime'>,
  region: string,
  source: string = SOURCE,
): ParsedTrailEvent {
  const skip = skipper(source);
  const where = whereOf(ids.eventId ?? (isObject(record) ? text(record.eventID) : undefined), region);
  if (!isObject(record)) return skip('CloudTrailEvent is not a JSON object', where);
  if (record.eventName !== WEB_IDENTITY_EVENT_NAME)
    return skip('unexpected eventName', `${where}: ${truncate(String(record.eventName), MAX_NAME_CHARS)}`);
  const errorCode = text(record.errorCode);
  if (errorCode === undefined) return { kind: 'success' };

  const eventId = text(ids.eventId) ?? text(record.eventID);
  if (eventId === undefined) return skip('missing event id', where);
  // The record's own time is authoritative; LookupEvents' EventTime is the same instant, less precisely typed.
  const eventTime = isoTime(text(record.eventTime)) ?? isoTime(text(ids.eventTime));
  if (eventTime === undefined) return skip('missing or invalid eventTime', where);
  const request = isObject(record.requestParameters) ? record.requestParameters : {};
  const roleArn = text(request.roleArn, MAX_ARN_CHARS);
  if (roleArn === undefined) return skip('missing requestParameters.roleArn', where);
  const identity = isObject(record.userIdentity) ? record.userIdentity : {};
  const subject = text(identity.userName);
  const identityProvider = text(identity.identityProvider);
  const errorMessage = text(record.errorMessage, MAX_FREE_TEXT_CHARS);
  const sourceIpAddress = text(record.sourceIPAddress);
  const userAgent = text(record.userAgent, MAX_FREE_TEXT_CHARS);
  return {
    kind: 'denial',
    denial: {
      eventId,
      eventTime,
      region,
      roleArn,
      errorCode,
      ...(subject !== undefined ? { subject } : {}),
      ...(identityProvider !== undefined ? { identityProvider } : {}),
      ...(errorMessage !== undefined ? { errorMessage } : {}),
      ...(sourceIpAddress !== undefined ? { sourceIpAddress } : {}),
      ...(userAgent !== undefined ? { userAgent } : {}),
    },
  };
}

function skipper(source: string): (reason: string, detail?: string) => ParsedTrailEvent {
  return (reason, detail) => ({ kind: 'skipped', record: { source, reason, ...(detail ? { detail } : {}) } });
}

function whereOf(eventId: string | undefined, region: string): string {
  return eventId ? `event ${eventId} in ${region}` : `event without id in ${region}`;
}

export interface ParsedTrailPage {
  readonly denials: WebIdentityDenial[];
  readonly skipped: SkippedRecord[];
  /** Successful calls: scanned, not denials. */
  readonly successes: number;
}

/** A page of events, sorted into denials, successes and skipped records. */
export function parseTrailEvents(raws: readonly RawTrailEvent[], region: string): ParsedTrailPage {
  const page: ParsedTrailPage = { denials: [], skipped: [], successes: 0 };
  let successes = 0;
  for (const raw of raws) {
    const parsed = parseTrailEvent(raw, region);
    if (parsed.kind === 'denial') page.denials.push(parsed.denial);
    else if (parsed.kind === 'skipped') page.skipped.push(parsed.record);
    else successes += 1;
  }
  return { ...page, successes };
}
