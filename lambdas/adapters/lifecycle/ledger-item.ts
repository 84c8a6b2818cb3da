import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { SEVERITIES, STATUSES, type Finding, type Severity, type Status } from '../../core/finding';
import type { CheckFamily, LedgerEntry } from '../../core/lifecycle/types';

/**
 * Hand-written codec between a LedgerEntry and its DynamoDB item (no marshalling dependency). See ledger-store.ts
 * for the table shape. `finding` is stored as one JSON string: it is only ever read back whole.
 */

export type LedgerItem = Record<string, AttributeValue>;

/**
 * Value of the sparse open-index's partition key, present on open entries only: one per check family, so each
 * check lists only its own open findings (both checks share one table). In the hub of an Organizations deployment
 * (docs/organizations.md) one table holds every member account's entries, so the marker is scoped by account too,
 * `OPEN#<accountId>#<family>`: a run for one member lists that member's open findings only. Without a scope
 * (single-account mode) it stays `OPEN#<family>`, so existing tables keep working unchanged.
 */
export function openMarker(family: CheckFamily, accountScope?: string): string {
  return accountScope === undefined ? `OPEN#${family}` : `OPEN#${accountScope}#${family}`;
}

/**
 * The item key of a finding's entry. In a hub (`accountScope`: the account whose ledger it is, for the intake the
 * account EventBridge says sent the report) the key is `<accountId>#<findingId>`: a finding id is only a hash a
 * member computes and sends, and any member can compute another's, so the key binds the account in and one
 * member's report can neither read, resolve nor pre-create another member's entry. Single-account mode keeps the
 * bare finding id, so existing tables keep working unchanged.
 */
export function ledgerKey(findingId: string, accountScope?: string): string {
  return accountScope === undefined ? findingId : `${accountScope}#${findingId}`;
}

/** The finding id of a key of `accountScope`'s entries; undefined for a key of another scope (or another shape). */
export function findingIdOfKey(key: string, accountScope?: string): string | undefined {
  if (accountScope === undefined) return key;
  const prefix = `${accountScope}#`;
  return key.startsWith(prefix) && key.length > prefix.length ? key.slice(prefix.length) : undefined;
}

const DAY_SECONDS = 86_400;

/**
 * The item for an entry written at `now`. Open entries carry `openMarker` (so the sparse GSI lists them) and no
 * `expiresAt`; resolved entries carry `expiresAt` (epoch seconds, `now + resolvedTtlDays`) and no `openMarker`.
 */
export function toLedgerItem(
  entry: LedgerEntry,
  now: Date,
  resolvedTtlDays: number,
  family: CheckFamily,
  /** The account whose open index the entry joins (hub mode); absent in single-account mode. */
  accountScope?: string,
): LedgerItem {
  const item: LedgerItem = {
    findingId: { S: ledgerKey(entry.findingId, accountScope) },
    open: { BOOL: entry.open },
    status: { S: entry.status },
    severity: { S: entry.severity },
    firstObservedAt: { S: entry.firstObservedAt },
    lastObservedAt: { S: entry.lastObservedAt },
    occurrenceCount: { N: String(entry.occurrenceCount) },
    sequence: { N: String(entry.sequence) },
    absentRuns: { N: String(entry.absentRuns) },
    finding: { S: JSON.stringify(entry.finding) },
  };
  if (entry.lastNotifiedAt !== undefined) item.lastNotifiedAt = { S: entry.lastNotifiedAt };
  if (entry.open) {
    item.openMarker = { S: openMarker(family, accountScope) };
  } else {
    item.expiresAt = { N: String(Math.floor(now.getTime() / 1000) + resolvedTtlDays * DAY_SECONDS) };
  }
  return item;
}

export type ParsedLedgerItem =
  | { readonly ok: true; readonly entry: LedgerEntry }
  | { readonly ok: false; readonly findingId: string; readonly reason: string };

class Malformed extends Error {}

/**
 * Parses an item of `accountScope`'s ledger back (see ledgerKey), checking every field; any defect yields
 * `ok: false` with the first reason found, `findingId` then being the item's key as stored.
 */
export function fromLedgerItem(item: LedgerItem, accountScope?: string): ParsedLedgerItem {
  const findingId = item.findingId?.S ?? '<no findingId>';
  try {
    return { ok: true, entry: parseItem(item, accountScope) };
  } catch (error) {
    if (error instanceof Malformed) return { ok: false, findingId, reason: error.message };
    throw error;
  }
}

function parseItem(item: LedgerItem, accountScope: string | undefined): LedgerEntry {
  const key = str(item, 'findingId');
  if (key === '') throw new Malformed('findingId is empty');
  const findingId = findingIdOfKey(key, accountScope);
  if (findingId === undefined) {
    throw new Malformed(
      accountScope === undefined
        ? 'findingId is not a bare finding id'
        : `findingId is not a key of account ${accountScope}`,
    );
  }
  const open = item.open?.BOOL;
  if (typeof open !== 'boolean') throw new Malformed('open is not a BOOL');
  const lastNotifiedAt = item.lastNotifiedAt === undefined ? undefined : timestamp(item, 'lastNotifiedAt');
  const entry: LedgerEntry = {
    findingId,
    open,
    status: oneOf(str(item, 'status'), STATUSES, 'status') as Status,
    severity: oneOf(str(item, 'severity'), SEVERITIES, 'severity') as Severity,
    firstObservedAt: timestamp(item, 'firstObservedAt'),
    lastObservedAt: timestamp(item, 'lastObservedAt'),
    occurrenceCount: count(item, 'occurrenceCount'),
    ...(lastNotifiedAt === undefined ? {} : { lastNotifiedAt }),
    sequence: count(item, 'sequence'),
    absentRuns: count(item, 'absentRuns'),
    finding: parseFinding(str(item, 'finding'), findingId),
  };
  return entry;
}

function str(item: LedgerItem, name: string): string {
  const value = item[name]?.S;
  if (typeof value !== 'string') throw new Malformed(`${name} is missing or not a string (S)`);
  return value;
}

function timestamp(item: LedgerItem, name: string): string {
  const value = str(item, name);
  if (Number.isNaN(Date.parse(value))) throw new Malformed(`${name} is not a timestamp: ${value}`);
  return value;
}

function count(item: LedgerItem, name: string): number {
  const raw = item[name]?.N;
  if (typeof raw !== 'string') throw new Malformed(`${name} is missing or not a number (N)`);
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Malformed(`${name} is not a non-negative integer: ${raw}`);
  }
  return value;
}

function oneOf(value: string, allowed: readonly string[], name: string): string {
  if (!allowed.includes(value)) throw new Malformed(`${name} has an unknown value: ${value}`);
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A structural check of the stored finding: the fields the lifecycle reads (id, status, severity, resource name,
 * message, remediation, observedAt). Evidence and context blocks are passed through as stored.
 */
function parseFinding(json: string, findingId: string): Finding {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Malformed('finding is not valid JSON');
  }
  if (!isRecord(raw)) throw new Malformed('finding is not a JSON object');
  if (raw.findingId !== findingId) throw new Malformed('finding.findingId differs from the item key');
  for (const field of ['schemaVersion', 'checkId', 'title', 'message', 'accountId', 'region', 'observedAt']) {
    if (typeof raw[field] !== 'string') throw new Malformed(`finding.${field} is missing or not a string`);
  }
  if (!STATUSES.includes(raw.status as Status)) throw new Malformed('finding.status is invalid');
  if (!SEVERITIES.includes(raw.severity as Severity)) throw new Malformed('finding.severity is invalid');
  if (!isRecord(raw.resource) || typeof raw.resource.name !== 'string') {
    throw new Malformed('finding.resource is missing or has no name');
  }
  if (!isRecord(raw.remediation) || typeof raw.remediation.text !== 'string') {
    throw new Malformed('finding.remediation is missing or has no text');
  }
  if (!isRecord(raw.evidence)) throw new Malformed('finding.evidence is missing or not an object');
  return raw as unknown as Finding;
}
