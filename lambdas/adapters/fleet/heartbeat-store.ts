/**
 * The hub's heartbeat table (docs/organizations.md): one item per member account and check family, saying
 * when that member's checker last reported. The fleet intake records every report part; the fleet watch lists them
 * all (lambdas/core/fleet/evaluate-fleet.ts).
 *
 * Table shape this store expects (the hub stack creates it):
 *   - partition key `accountId` (S), sort key `family` (S: `credentials` or `irsa`); on-demand billing.
 *   - attributes: `lastReportAt` (S, the report's `finishedAt` in UTC, ISO-8601), `lastReportEpochMs` (N, the same
 *     instant: conditions compare it), `runId` (S), `regions` (L of S), `failing`, `errored`, `findingCount` (N, of
 *     that run: summed over its parts when it was split), `parts` (N), `partsSeen` (NS: the part numbers recorded),
 *     `updatedAt` (S, the hub's clock at the write).
 *
 * `record` never moves `lastReportAt` backwards: a report older than the stored one (a late or re-delivered event)
 * is 'stale' and leaves the item alone, unless the stored one is dated beyond the hub's clock (the intake rejects
 * such reports; an item written before it did must not hold the member's heartbeat until that date); another part of the stored run adds its counts once ('part-added'; the same
 * part again is a 'duplicate'). An item without a readable `lastReportEpochMs` is replaced, so one bad write cannot
 * block a member's heartbeat for good. Other AWS errors propagate as thrown, the SDK's `name` intact.
 *
 * `latestReport` reads one item (consistent GetItem): the intake compares a report with it before the ledger.
 *
 * `listAll` reads the whole table (paginated, strongly consistent Scan; the table holds two items per member).
 * Malformed items are skipped and listed in `unreadable` with the reason, never fatal: the watch reports each as
 * ERROR. A failed Scan page throws: a partial listing would read as members gone.
 */
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import {
  heartbeatUpdateOf,
  type HeartbeatUpdate,
  type MemberHeartbeat,
  type UnreadableHeartbeat,
} from '../../core/fleet/heartbeat';
import {
  MAX_REPORT_REGIONS,
  REPORT_TEXT_LIMITS,
  REPORTED_FAMILIES,
} from '../../core/fleet/run-report-limits';
import {
  CLOCK_SKEW_TOLERANCE_MS,
  type ReportedFamily,
  type RunReport,
} from '../../core/fleet/run-report-types';
import { forEachPage, MAX_PAGES_PER_CALL, requiredList } from '../pagination';

export type HeartbeatItem = Record<string, AttributeValue>;

export type RecordOutcome =
  /** The report is the member's newest: the item now describes its run. */
  | 'recorded'
  /** Another part of the stored run: its counts were added. */
  | 'part-added'
  /** This part of the stored run was recorded before (EventBridge delivers at least once). */
  | 'duplicate'
  /** Older than the stored report: ignored. */
  | 'stale';

export interface RecordResult {
  readonly outcome: RecordOutcome;
  /** The stored report time that made it 'stale' or 'duplicate', when DynamoDB returned the item. */
  readonly storedLastReportAt?: string;
}

export interface HeartbeatListing {
  readonly heartbeats: readonly MemberHeartbeat[];
  /** Items skipped as malformed, with the reason. */
  readonly unreadable: readonly UnreadableHeartbeat[];
  /** One line per unreadable item, for the log. */
  readonly problems: readonly string[];
  readonly scannedItems: number;
  readonly pages: number;
}

/** The member's last recorded report, as far as ordering goes. */
export interface LatestReport {
  readonly runId: string;
  readonly lastReportAt: string;
}

export interface HeartbeatStore {
  record(report: RunReport): Promise<RecordResult>;
  listAll(): Promise<HeartbeatListing>;
  /**
   * The member's last recorded report (strongly consistent), so the intake can leave a report older than it out of
   * the ledger; undefined when there is none, or the item is unreadable (then nothing is known to be newer).
   */
  latestReport(accountId: string, family: ReportedFamily): Promise<LatestReport | undefined>;
}

export interface HeartbeatStoreOptions {
  readonly now?: () => Date;
  /** Scan pages before giving up (PaginationLimitExceeded); 1 MB each. */
  readonly maxPages?: number;
}

/** Which DynamoDB operation a thrown error came from (`dynamodb:Scan`, ...); errors stay as the SDK threw them. */
const failedOperations = new WeakMap<object, string>();

export function heartbeatOperationOf(error: unknown): string | undefined {
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

export class DynamoHeartbeatStore implements HeartbeatStore {
  private readonly now: () => Date;
  private readonly maxPages: number;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    options: HeartbeatStoreOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.maxPages = options.maxPages ?? MAX_PAGES_PER_CALL;
  }

  async record(report: RunReport): Promise<RecordResult> {
    const update = heartbeatUpdateOf(report);
    const at = String(Date.parse(update.reportedAt));
    let stored: HeartbeatItem | undefined;
    try {
      await tagged('PutItem', () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: toHeartbeatItem(update, this.now()),
            ConditionExpression:
              'attribute_not_exists(#accountId) OR NOT attribute_type(#epoch, :number) OR #epoch < :at OR #epoch > :future',
            ExpressionAttributeNames: { '#accountId': 'accountId', '#epoch': 'lastReportEpochMs' },
            ExpressionAttributeValues: {
              ':number': { S: 'N' },
              ':at': { N: at },
              ':future': { N: String(this.now().getTime() + CLOCK_SKEW_TOLERANCE_MS) },
            },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
      return { outcome: 'recorded' };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      stored = (error as { Item?: HeartbeatItem }).Item;
    }
    const storedLastReportAt = stored?.lastReportAt?.S;
    const withStored = (outcome: RecordOutcome): RecordResult =>
      storedLastReportAt === undefined ? { outcome } : { outcome, storedLastReportAt };
    // The stored report is as new or newer. Only another part of that very run adds anything.
    if (stored !== undefined && stored.runId?.S !== update.runId) return withStored('stale');
    if (stored?.partsSeen?.NS?.includes(String(update.part))) return withStored('duplicate');
    try {
      await tagged('UpdateItem', () =>
        this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: keyOf(update.accountId, update.family),
            UpdateExpression:
              'ADD #failing :failing, #errored :errored, #findingCount :findingCount, #partsSeen :part SET #updatedAt = :now',
            ConditionExpression: '#runId = :runId AND NOT contains(#partsSeen, :partNumber)',
            ExpressionAttributeNames: {
              '#failing': 'failing',
              '#errored': 'errored',
              '#findingCount': 'findingCount',
              '#partsSeen': 'partsSeen',
              '#updatedAt': 'updatedAt',
              '#runId': 'runId',
            },
            ExpressionAttributeValues: {
              ':failing': { N: String(update.failing) },
              ':errored': { N: String(update.errored) },
              ':findingCount': { N: String(update.findingCount) },
              ':part': { NS: [String(update.part)] },
              ':partNumber': { N: String(update.part) },
              ':now': { S: this.now().toISOString() },
              ':runId': { S: update.runId },
            },
          }),
        ),
      );
      return { outcome: 'part-added' };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      // Lost a race with the same part, or a newer run replaced the item meanwhile.
      return withStored(stored === undefined ? 'stale' : 'duplicate');
    }
  }

  async latestReport(accountId: string, family: ReportedFamily): Promise<LatestReport | undefined> {
    const output = await tagged('GetItem', () =>
      this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: keyOf(accountId, family),
          ConsistentRead: true,
          ProjectionExpression: '#runId, #lastReportAt',
          ExpressionAttributeNames: { '#runId': 'runId', '#lastReportAt': 'lastReportAt' },
        }),
      ),
    );
    const runId = output.Item?.runId?.S;
    const lastReportAt = output.Item?.lastReportAt?.S;
    if (runId === undefined || lastReportAt === undefined || Number.isNaN(Date.parse(lastReportAt)))
      return undefined;
    return { runId, lastReportAt };
  }

  async listAll(): Promise<HeartbeatListing> {
    const heartbeats: MemberHeartbeat[] = [];
    const unreadable: UnreadableHeartbeat[] = [];
    let scannedItems = 0;
    let pages = 0;
    await tagged('Scan', () =>
      forEachPage(
        'dynamodb:Scan',
        (startKey: string | undefined) =>
          this.client.send(
            new ScanCommand({
              TableName: this.tableName,
              ConsistentRead: true,
              ...(startKey === undefined ? {} : { ExclusiveStartKey: JSON.parse(startKey) as HeartbeatItem }),
            }),
          ),
        (page) => (page.LastEvaluatedKey === undefined ? undefined : JSON.stringify(page.LastEvaluatedKey)),
        (page) => {
          pages += 1;
          for (const item of requiredList('dynamodb:Scan', 'Items', page.Items)) {
            scannedItems += 1;
            const parsed = fromHeartbeatItem(item);
            if (parsed.ok) heartbeats.push(parsed.heartbeat);
            else unreadable.push(parsed.unreadable);
          }
        },
        this.maxPages,
      ),
    );
    return {
      heartbeats,
      unreadable,
      problems: unreadable.map(
        (item) => `heartbeat ${item.accountId}/${item.family} in ${this.tableName}: ${item.reason}`,
      ),
      scannedItems,
      pages,
    };
  }
}

function keyOf(accountId: string, family: string): HeartbeatItem {
  return { accountId: { S: accountId }, family: { S: family } };
}

/** The item a report part writes when it is the member's newest. */
export function toHeartbeatItem(update: HeartbeatUpdate, now: Date): HeartbeatItem {
  return {
    ...keyOf(update.accountId, update.family),
    lastReportAt: { S: update.reportedAt },
    lastReportEpochMs: { N: String(Date.parse(update.reportedAt)) },
    runId: { S: update.runId },
    regions: { L: update.regions.map((region) => ({ S: region })) },
    failing: { N: String(update.failing) },
    errored: { N: String(update.errored) },
    findingCount: { N: String(update.findingCount) },
    parts: { N: String(update.parts) },
    partsSeen: { NS: [String(update.part)] },
    updatedAt: { S: now.toISOString() },
  };
}

export type ParsedHeartbeatItem =
  | { readonly ok: true; readonly heartbeat: MemberHeartbeat }
  | { readonly ok: false; readonly unreadable: UnreadableHeartbeat };

class Malformed extends Error {}

const ACCOUNT_ID = /^\d{12}$/;

/**
 * What one stored heartbeat may hold: the intake's caps on a report (REPORT_TEXT_LIMITS, MAX_REPORT_REGIONS).
 * The watch puts these values into its findings, one EventBridge entry each (256 KB at most); an item over them
 * (written before the intake capped reports, or by hand) is unreadable, an ERROR of its own with a short reason,
 * and every other member's finding still goes out.
 */
export const HEARTBEAT_LIMITS = {
  runId: REPORT_TEXT_LIMITS.runId,
  region: REPORT_TEXT_LIMITS.region,
  regions: MAX_REPORT_REGIONS,
  timestamp: REPORT_TEXT_LIMITS.timestamp,
  /** A key as shown in an unreadable item's finding. */
  shownKey: 64,
} as const;

/** A stored value quoted in a reason or a finding: cut to `max` characters. */
function clip(value: string, max: number): string {
  return value.length > max ? `${value.slice(0, max)}... (${value.length} characters)` : value;
}

/** Parses an item back, checking every field; any defect is `ok: false` with the first reason found. */
export function fromHeartbeatItem(item: HeartbeatItem): ParsedHeartbeatItem {
  const accountId = clip(item.accountId?.S ?? '<no accountId>', HEARTBEAT_LIMITS.shownKey);
  const family = clip(item.family?.S ?? '<no family>', HEARTBEAT_LIMITS.shownKey);
  try {
    return { ok: true, heartbeat: parseItem(item) };
  } catch (error) {
    if (error instanceof Malformed)
      return { ok: false, unreadable: { accountId, family, reason: error.message } };
    throw error;
  }
}

function parseItem(item: HeartbeatItem): MemberHeartbeat {
  const accountId = str(item, 'accountId');
  if (!ACCOUNT_ID.test(accountId))
    throw new Malformed(
      `accountId is not a 12-digit account id: ${clip(accountId, HEARTBEAT_LIMITS.shownKey)}`,
    );
  const family = str(item, 'family');
  if (!(REPORTED_FAMILIES as readonly string[]).includes(family)) {
    throw new Malformed(
      `family is not one of ${REPORTED_FAMILIES.join(', ')}: ${clip(family, HEARTBEAT_LIMITS.shownKey)}`,
    );
  }
  const lastReportAt = str(item, 'lastReportAt');
  const epoch = Date.parse(lastReportAt);
  if (lastReportAt.length > HEARTBEAT_LIMITS.timestamp || Number.isNaN(epoch)) {
    throw new Malformed(`lastReportAt is not a timestamp: ${clip(lastReportAt, HEARTBEAT_LIMITS.timestamp)}`);
  }
  if (count(item, 'lastReportEpochMs') !== epoch) {
    throw new Malformed('lastReportEpochMs differs from lastReportAt');
  }
  const runId = str(item, 'runId');
  if (runId === '') throw new Malformed('runId is empty');
  if (runId.length > HEARTBEAT_LIMITS.runId) {
    throw new Malformed(`runId is ${runId.length} characters, over the ${HEARTBEAT_LIMITS.runId} allowed`);
  }
  const regions = item.regions?.L;
  if (!Array.isArray(regions)) throw new Malformed('regions is missing or not a list (L)');
  if (regions.length > HEARTBEAT_LIMITS.regions) {
    throw new Malformed(
      `regions holds ${regions.length} values, over the ${HEARTBEAT_LIMITS.regions} allowed`,
    );
  }
  const regionNames = regions.map((region) => region.S);
  if (
    !regionNames.every(
      (region): region is string =>
        typeof region === 'string' && region !== '' && region.length <= HEARTBEAT_LIMITS.region,
    )
  ) {
    throw new Malformed('regions holds a value that is not a region name (S)');
  }
  const parts = count(item, 'parts');
  if (parts < 1) throw new Malformed('parts is below 1');
  const partsSeen = item.partsSeen?.NS;
  if (!Array.isArray(partsSeen) || partsSeen.length === 0) {
    throw new Malformed('partsSeen is missing or not a number set (NS)');
  }
  return {
    accountId,
    family: family as ReportedFamily,
    lastReportAt,
    runId,
    regions: regionNames,
    failing: count(item, 'failing'),
    errored: count(item, 'errored'),
    findingCount: count(item, 'findingCount'),
    parts,
    partsReceived: partsSeen.length,
  };
}

function str(item: HeartbeatItem, name: string): string {
  const value = item[name]?.S;
  if (typeof value !== 'string') throw new Malformed(`${name} is missing or not a string (S)`);
  return value;
}

function count(item: HeartbeatItem, name: string): number {
  const raw = item[name]?.N;
  if (typeof raw !== 'string') throw new Malformed(`${name} is missing or not a number (N)`);
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0)
    throw new Malformed(`${name} is not a non-negative integer: ${raw}`);
  return value;
}

function isConditionalCheckFailed(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error instanceof Error && error.name === 'ConditionalCheckFailedException')
  );
}
