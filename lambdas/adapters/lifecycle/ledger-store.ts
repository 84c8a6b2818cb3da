/**
 * The findings ledger in DynamoDB: one item per finding id holding where the finding stands, so each run can diff
 * its findings against the previous runs (core/lifecycle/plan-transitions.ts) and publish transitions only.
 *
 * Table shape this store expects (lib/constructs/findings-ledger.ts creates it):
 *   - partition key `findingId` (S): the finding id, or in an Organizations hub `<accountId>#<findingId>` (see
 *     `ledgerKey` in ledger-item.ts: the key binds in the account whose ledger it is); no sort key; on-demand
 *     billing; point-in-time recovery on. A hub's open item keyed by the bare id (written before keys were
 *     bound) is read through its account's open marker and moved to the bound key at its next write (`migrate`).
 *   - attributes: `open` (BOOL), `status` (S), `severity` (S), `firstObservedAt` / `lastObservedAt` (S, ISO-8601),
 *     `occurrenceCount` (N), `sequence` (N), `absentRuns` (N), `lastNotifiedAt` (S, optional), `finding` (S: the
 *     last Finding as JSON), plus the two housekeeping attributes below.
 *   - `openMarker` (S, `OPEN#credentials` or `OPEN#irsa`; in an Organizations hub `OPEN#<accountId>#<family>`,
 *     see `accountScope`): present only while the entry is open. It is the partition key of the
 *     sparse GSI `open-index` (projection KEYS_ONLY is enough; ALL works too), so open entries are listed with a
 *     Query instead of a Scan. Resolved entries drop the attribute and so leave the index.
 *   - `expiresAt` (N, epoch seconds): the table's TTL attribute, set on resolved entries only (`now` +
 *     `resolvedTtlDays`, 30 by default) so a relapse within that window reopens with its sequence history.
 *
 * Consistency: delivery is at least once. The caller publishes a transition first and calls `commit` after
 * EventBridge and SNS accepted it; the write is conditional on the sequence it planned from, so a concurrent run
 * that advanced the entry wins ('conflict') and a crash between publish and commit re-sends next run (same
 * `findingId#sequence` idempotency key) rather than losing the transition.
 *
 * Errors: a failed conditional check is the 'conflict' result, never thrown. Every other AWS error (throttling
 * beyond the SDK's retries, access denied, missing table, ...) propagates as thrown, with the SDK's error `name`
 * intact, for the caller to report as a checker.error. Malformed items are not skipped: `load` throws
 * MalformedLedgerError naming every bad item, because treating a malformed open entry as absent would re-open
 * (and re-publish) it on every run, and dropping it would lose its resolution.
 */
import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { LedgerStore, WriteResult } from '../../core/lifecycle/ledger-store';
import type { CheckFamily, LedgerEntry, PlannedTransition } from '../../core/lifecycle/types';
import { backoffDelayMs, resolveRetry, type RetryOptions } from '../retry';
import {
  findingIdOfKey,
  fromLedgerItem,
  ledgerKey,
  openMarker,
  toLedgerItem,
  type LedgerItem,
} from './ledger-item';
import { OPEN_INDEX } from '../../core/lifecycle/ledger-table';

export const DEFAULT_RESOLVED_TTL_DAYS = 30;
/** BatchGetItem's limit on keys per request. */
export const BATCH_GET_LIMIT = 100;
/** Rounds of UnprocessedKeys re-requests (first request included) before giving up. */
const DEFAULT_BATCH_ATTEMPTS = 6;

/** Which DynamoDB operation a thrown error came from; errors themselves stay as the SDK threw them. */
const failedOperations = new WeakMap<object, string>();

/** `dynamodb:Query`, `dynamodb:BatchGetItem` or `dynamodb:PutItem` for an error this store threw, else undefined. */
export function ledgerOperationOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? failedOperations.get(error) : undefined;
}

async function tagged<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (typeof error === 'object' && error !== null) failedOperations.set(error, `dynamodb:${operation}`);
    throw error;
  }
}

export interface LedgerStoreOptions {
  readonly resolvedTtlDays?: number;
  readonly now?: () => Date;
  /** Backoff for re-requesting UnprocessedKeys; tests inject `sleep`. */
  readonly retry?: RetryOptions;
  /**
   * The account whose entries this store lists as open (an Organizations hub: one table, every member account).
   * Open markers become `OPEN#<accountId>#<family>` and item keys `<accountId>#<findingId>`: a finding id is a
   * hash any member can compute for another, so only the key's account says whose entry it is.
   * Absent (single-account mode): `OPEN#<family>` and bare finding ids, as before.
   */
  readonly accountScope?: string;
}

const ACCOUNT_ID = /^\d{12}$/;

export interface MalformedLedgerItem {
  readonly findingId: string;
  readonly reason: string;
}

/** Thrown by `load` when stored items cannot be read back; the ids name the items to repair or delete. */
export class MalformedLedgerError extends Error {
  constructor(
    readonly tableName: string,
    readonly items: readonly MalformedLedgerItem[],
  ) {
    super(
      `${items.length} malformed item(s) in findings ledger ${tableName}: ` +
        items.map((item) => `${item.findingId} (${item.reason})`).join('; '),
    );
    this.name = 'MalformedLedgerError';
  }
}

/** BatchGetItem kept returning UnprocessedKeys (sustained throttling): the load is incomplete, so it fails. */
export class UnprocessedKeysError extends Error {
  constructor(
    readonly tableName: string,
    readonly remaining: number,
    readonly attempts: number,
  ) {
    super(
      `${remaining} key(s) of findings ledger ${tableName} still unprocessed after ${attempts} attempt(s)`,
    );
    this.name = 'UnprocessedKeysError';
  }
}

export class DynamoLedgerStore implements LedgerStore {
  private readonly resolvedTtlDays: number;
  private readonly now: () => Date;
  private readonly retry: RetryOptions;
  private readonly accountScope: string | undefined;
  /** Ids this store read from items keyed by the bare finding id (hub mode): their next write moves them. */
  private readonly legacy = new Set<string>();

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    /** Which check's entries this store lists as open: both checks share the table. */
    private readonly family: CheckFamily,
    options: LedgerStoreOptions = {},
  ) {
    this.resolvedTtlDays = options.resolvedTtlDays ?? DEFAULT_RESOLVED_TTL_DAYS;
    if (!(this.resolvedTtlDays > 0)) {
      throw new RangeError(`resolvedTtlDays must be positive, got ${this.resolvedTtlDays}`);
    }
    this.now = options.now ?? (() => new Date());
    this.retry = { maxAttempts: DEFAULT_BATCH_ATTEMPTS, ...options.retry };
    if (options.accountScope !== undefined && !ACCOUNT_ID.test(options.accountScope)) {
      throw new RangeError(`accountScope must be a 12-digit AWS account id, got '${options.accountScope}'`);
    }
    this.accountScope = options.accountScope;
  }

  /**
   * Lists the open ids from the (eventually consistent) open index, then reads this run's ids and those open ids
   * with strongly consistent BatchGetItem, so every returned entry is current. An entry opened by a concurrent
   * run moments ago may be missing from the index; the conditional writes cover that race (the lifecycle passes
   * only a run's problem ids, so such an entry, reported PASS in that very moment, is resolved by the next run).
   */
  async load(findingIds: readonly string[]): Promise<Map<string, LedgerEntry>> {
    const open = await this.queryOpenIds();
    const ids = [...new Set([...findingIds, ...open.ids])];
    const keys = [...ids.map((id) => ledgerKey(id, this.accountScope)), ...new Set(open.legacyIds)];
    const items: LedgerItem[] = [];
    for (let start = 0; start < keys.length; start += BATCH_GET_LIMIT) {
      items.push(...(await this.batchGet(keys.slice(start, start + BATCH_GET_LIMIT))));
    }
    const entries = new Map<string, LedgerEntry>();
    const legacy = new Map<string, LedgerEntry>();
    const malformed: MalformedLedgerItem[] = [];
    for (const item of items) {
      const isLegacy = this.accountScope !== undefined && isLegacyKey(item.findingId?.S ?? '');
      const parsed = fromLedgerItem(item, isLegacy ? undefined : this.accountScope);
      if (!parsed.ok) malformed.push({ findingId: parsed.findingId, reason: parsed.reason });
      else (isLegacy ? legacy : entries).set(parsed.entry.findingId, parsed.entry);
    }
    // An open entry written before keys were bound to the account is this account's (its open marker says so):
    // it is read as the entry, unless one under the new key exists, and its next write moves it (see migrate).
    for (const [id, entry] of legacy) {
      if (entries.has(id)) continue;
      entries.set(id, entry);
      this.legacy.add(id);
    }
    if (malformed.length > 0) {
      const error = new MalformedLedgerError(this.tableName, malformed);
      failedOperations.set(error, 'dynamodb:BatchGetItem');
      throw error;
    }
    return entries;
  }

  async commit(planned: PlannedTransition): Promise<WriteResult> {
    const { nextEntry, previousSequence } = planned;
    if (previousSequence !== undefined && nextEntry.sequence <= previousSequence) {
      throw new RangeError(
        `ledger commit for ${nextEntry.findingId}: sequence ${nextEntry.sequence} does not advance ${previousSequence}`,
      );
    }
    return previousSequence === undefined
      ? this.put(nextEntry, 'attribute_not_exists(findingId)', undefined)
      : this.put(nextEntry, '#sequence = :previousSequence', previousSequence);
  }

  async saveQuiet(entry: LedgerEntry, expectedSequence: number): Promise<WriteResult> {
    if (entry.sequence !== expectedSequence) {
      // A quiet write publishes nothing, so it must not move the sequence (the idempotency key) either.
      throw new RangeError(
        `quiet ledger write for ${entry.findingId}: sequence ${entry.sequence} differs from expected ${expectedSequence}`,
      );
    }
    return this.put(entry, '#sequence = :previousSequence', expectedSequence);
  }

  private async put(
    entry: LedgerEntry,
    condition: string,
    previousSequence: number | undefined,
  ): Promise<WriteResult> {
    if (previousSequence !== undefined && this.legacy.has(entry.findingId)) {
      return this.migrate(entry, previousSequence);
    }
    try {
      await tagged('PutItem', () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: toLedgerItem(entry, this.now(), this.resolvedTtlDays, this.family, this.accountScope),
            ConditionExpression: condition,
            ...(previousSequence === undefined
              ? {}
              : {
                  ExpressionAttributeNames: { '#sequence': 'sequence' },
                  ExpressionAttributeValues: { ':previousSequence': { N: String(previousSequence) } },
                }),
          }),
        ),
      );
      return 'saved';
    } catch (error) {
      if (isConditionalCheckFailed(error)) return 'conflict';
      throw error;
    }
  }

  /**
   * Writes the next entry of one read from an item keyed by the bare finding id (a hub's item from before keys
   * were bound to the account) under its account-bound key, and in the same transaction retires the old item:
   * rewritten resolved, out of the open index, expiring like any resolved entry. Two Puts (PutItem's permission
   * only), conditional on the new key being free and the old item's sequence unchanged: either both or neither.
   */
  private async migrate(entry: LedgerEntry, previousSequence: number): Promise<WriteResult> {
    const now = this.now();
    try {
      await tagged('TransactWriteItems', () =>
        this.client.send(
          new TransactWriteItemsCommand({
            TransactItems: [
              {
                Put: {
                  TableName: this.tableName,
                  Item: toLedgerItem(entry, now, this.resolvedTtlDays, this.family, this.accountScope),
                  ConditionExpression: 'attribute_not_exists(findingId)',
                },
              },
              {
                Put: {
                  TableName: this.tableName,
                  Item: toLedgerItem({ ...entry, open: false }, now, this.resolvedTtlDays, this.family),
                  ConditionExpression: '#sequence = :previousSequence',
                  ExpressionAttributeNames: { '#sequence': 'sequence' },
                  ExpressionAttributeValues: { ':previousSequence': { N: String(previousSequence) } },
                },
              },
            ],
          }),
        ),
      );
    } catch (error) {
      if (isTransactionConditionFailure(error)) return 'conflict';
      throw error;
    }
    this.legacy.delete(entry.findingId);
    return 'saved';
  }

  /**
   * The finding ids listed open under this store's marker: those of its own keys, and (hub mode) those keyed by
   * the bare finding id, written before keys were bound to the account. A key of any other shape is not read.
   */
  private async queryOpenIds(): Promise<{ ids: string[]; legacyIds: string[] }> {
    const ids: string[] = [];
    const legacyIds: string[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const output = await tagged('Query', () =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: OPEN_INDEX,
            KeyConditionExpression: '#openMarker = :open',
            ExpressionAttributeNames: { '#openMarker': 'openMarker', '#findingId': 'findingId' },
            ExpressionAttributeValues: { ':open': { S: openMarker(this.family, this.accountScope) } },
            ProjectionExpression: '#findingId',
            ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
          }),
        ),
      );
      for (const item of output.Items ?? []) {
        const key = item.findingId?.S ?? '';
        const id = findingIdOfKey(key, this.accountScope);
        if (id !== undefined && id !== '') ids.push(id);
        else if (this.accountScope !== undefined && isLegacyKey(key)) legacyIds.push(key);
      }
      startKey = output.LastEvaluatedKey;
    } while (startKey !== undefined);
    return { ids, legacyIds };
  }

  /** One chunk of at most 100 item keys; UnprocessedKeys are re-requested with backoff until none remain. */
  private async batchGet(itemKeys: readonly string[]): Promise<LedgerItem[]> {
    const policy = resolveRetry(this.retry);
    const items: LedgerItem[] = [];
    let keys: Record<string, AttributeValue>[] = itemKeys.map((key) => ({ findingId: { S: key } }));
    for (let attempt = 1; ; attempt++) {
      const output = await tagged('BatchGetItem', () =>
        this.client.send(
          new BatchGetItemCommand({
            RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } },
          }),
        ),
      );
      items.push(...(output.Responses?.[this.tableName] ?? []));
      keys = output.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      if (keys.length === 0) return items;
      if (attempt >= policy.maxAttempts) {
        const error = new UnprocessedKeysError(this.tableName, keys.length, attempt);
        failedOperations.set(error, 'dynamodb:BatchGetItem');
        throw error;
      }
      await policy.sleep(backoffDelayMs(attempt, policy));
    }
  }
}

/** A key of the shape every item had before hub keys were bound to the account: a bare finding id. */
function isLegacyKey(key: string): boolean {
  return /^[0-9a-f]{32}$/.test(key);
}

/** A transaction cancelled because one of its conditions failed (another run wrote first). */
function isTransactionConditionFailure(error: unknown): boolean {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return false;
  const reasons = (error as { CancellationReasons?: readonly { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.some((reason) => reason.Code === 'ConditionalCheckFailed');
}

function isConditionalCheckFailed(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error instanceof Error && error.name === 'ConditionalCheckFailedException')
  );
}
