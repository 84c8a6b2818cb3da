/**
 * The findings ledger in DynamoDB: one item per finding id holding where the finding stands, so each run can diff
 * its findings against the previous runs (core/lifecycle/plan-transitions.ts) and publish transitions only.
 *
 * Table shape this store expects (the stack creates it in a later change):
 *   - partition key `findingId` (S); no sort key; on-demand billing; point-in-time recovery on.
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
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { CheckFamily, LedgerEntry, PlannedTransition } from '../../core/lifecycle/types';
import { backoffDelayMs, resolveRetry, type RetryOptions } from '../retry';
import { fromLedgerItem, openMarker, toLedgerItem, type LedgerItem } from './ledger-item';

export const OPEN_INDEX = 'open-index';
export const DEFAULT_RESOLVED_TTL_DAYS = 30;
/** BatchGetItem's limit on keys per request. */
export const BATCH_GET_LIMIT = 100;
/** Rounds of UnprocessedKeys re-requests (first request included) before giving up. */
const DEFAULT_BATCH_ATTEMPTS = 6;

export type WriteResult = 'saved' | 'conflict';

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

export interface LedgerStore {
  /**
   * Entries for `findingIds` and every still-open entry, by finding id: exactly the ledger input planTransitions
   * needs. Ids without an item are simply absent from the map.
   */
  load(findingIds: readonly string[]): Promise<Map<string, LedgerEntry>>;
  /** Writes a published transition's next entry, conditional on the entry it was planned from. */
  commit(planned: PlannedTransition): Promise<WriteResult>;
  /** Writes a quiet update (no transition), conditional on the sequence being unchanged since it was read. */
  saveQuiet(entry: LedgerEntry, expectedSequence: number): Promise<WriteResult>;
}

export interface LedgerStoreOptions {
  readonly resolvedTtlDays?: number;
  readonly now?: () => Date;
  /** Backoff for re-requesting UnprocessedKeys; tests inject `sleep`. */
  readonly retry?: RetryOptions;
  /**
   * The account whose entries this store lists as open (an Organizations hub: one table, every member account).
   * Open markers become `OPEN#<accountId>#<family>`. Item keys need no scope: finding ids hash the account in.
   * Absent (single-account mode): `OPEN#<family>`, as before.
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
   * run moments ago may be missing from the index; the conditional writes cover that race.
   */
  async load(findingIds: readonly string[]): Promise<Map<string, LedgerEntry>> {
    const openIds = await this.queryOpenIds();
    const ids = [...new Set([...findingIds, ...openIds])];
    const items: LedgerItem[] = [];
    for (let start = 0; start < ids.length; start += BATCH_GET_LIMIT) {
      items.push(...(await this.batchGet(ids.slice(start, start + BATCH_GET_LIMIT))));
    }
    const entries = new Map<string, LedgerEntry>();
    const malformed: MalformedLedgerItem[] = [];
    for (const item of items) {
      const parsed = fromLedgerItem(item);
      if (parsed.ok) entries.set(parsed.entry.findingId, parsed.entry);
      else malformed.push({ findingId: parsed.findingId, reason: parsed.reason });
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

  private async queryOpenIds(): Promise<string[]> {
    const ids: string[] = [];
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
        const id = item.findingId?.S;
        if (id !== undefined && id !== '') ids.push(id);
      }
      startKey = output.LastEvaluatedKey;
    } while (startKey !== undefined);
    return ids;
  }

  /** One chunk of at most 100 ids; UnprocessedKeys are re-requested with backoff until none remain. */
  private async batchGet(ids: readonly string[]): Promise<LedgerItem[]> {
    const policy = resolveRetry(this.retry);
    const items: LedgerItem[] = [];
    let keys: Record<string, AttributeValue>[] = ids.map((id) => ({ findingId: { S: id } }));
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

function isConditionalCheckFailed(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error instanceof Error && error.name === 'ConditionalCheckFailedException')
  );
}
