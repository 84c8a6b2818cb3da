import {
  DeleteItemCommand,
  GetItemCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import type { ApiFailure } from '../../core/inventory';
import type { AnnouncementCount, AnnouncementSpend } from '../../core/irsa/announcement-budget';
import {
  decodeClaim,
  encodeClaim,
  LEASE_MARGIN_MS,
  MAX_REALTIME_CLAIMS,
  type ClaimState,
  type ScanLease,
} from '../../core/irsa/realtime';
import type { SeenEvent } from '../../core/irsa/watermark';
import { toApiFailure } from '../aws-error';
import { DynamoWatermarkStore, watermarkKey } from './watermark-store';

/** The item holding a region's real-time claims and the lease of the scan in progress, beside its watermark. */
export const claimsKey = (region: string): string => `irsa-claims#${region}`;
/** The marker of a real-time invocation announcing a finding (one per finding id, deleted when done). */
export const announceKey = (findingId: string): string => `irsa-announce#${findingId}`;
/**
 * The count of an account's real-time announcements in the current window (core/irsa/announcement-budget.ts). The
 * account is part of the key: the count is the function's own account's, never one named by an event.
 */
export const announceBudgetKey = (accountId: string): string => `irsa-announce-budget#${accountId}`;

export type Outcome<T> = ({ readonly ok: true } & T) | { readonly ok: false; readonly failure: ApiFailure };

export type ClaimResult =
  /** Counted: the claim and the announcement marker are written. */
  | { readonly status: 'claimed' }
  /** Another invocation holds the finding's announcement marker (the claim was not written either). */
  | { readonly status: 'being-announced' }
  /** The state changed since it was read (a scan saved or leased, another claim): read it again and decide. */
  | { readonly status: 'conflict' }
  | { readonly status: 'failed'; readonly failure: ApiFailure };

/**
 * Who announces a finding, until when the marker holds (the announcer's Lambda has ended by then), and the
 * account's announcement budget it spends.
 */
export interface Announcement {
  readonly findingId: string;
  readonly until: Date;
  readonly budget: AnnouncementSpend;
}

/**
 * The real-time side of the watermark table (core/irsa/realtime.ts explains the protocol). Two more kinds of
 * items live beside the `irsa-watermark#<region>` items the scans read and write:
 *
 * - `irsa-claims#<region>`: `claims` (a string set of `<eventTime>|<eventId>`, the denials counted in real time
 *   and not yet folded into the watermark) and the lease of the scan in progress (`scanTo`, `leaseUntil`,
 *   `leaseVersion`). A separate item, so that the scans' watermark writes stay what they were (a conditional
 *   PutItem on the version) and a claim never makes a scan's save conflict.
 * - `irsa-announce#<findingId>`: held by the invocation announcing that finding (`until`, `eventId`), so a burst
 *   of denials of one new group is announced once; the others are left to the scan.
 * - `irsa-announce-budget#<accountId>`: `window` (its start) and `announced`, the real-time announcements made in
 *   it. One item per account, overwritten when a new window starts, so it never grows.
 *
 * A claim is one transaction: the watermark version it decided on is unchanged (ConditionCheck), the claims item
 * gets the id (if not there, room left, no live lease covering the denial's time), the announcement marker is
 * free, and the account's budget for the window is not spent (its count goes up by one). The conditions mirror
 * `decideClaim`. Never throws.
 */
export class DynamoClaimStore {
  private readonly watermarks: DynamoWatermarkStore;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.watermarks = new DynamoWatermarkStore(client, tableName, now);
  }

  /**
   * The watermark, its version, the claims and the lease of a region, and the announcement count of the account,
   * read strongly consistent. Any of them unreadable is a failure: the caller leaves the denial to the scans.
   */
  async loadState(region: string, accountId: string): Promise<Outcome<{ readonly state: ClaimState }>> {
    const loaded = await this.watermarks.load(region);
    if (!loaded.ok) return loaded;
    const read = (pk: string) =>
      this.client.send(
        new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: pk } }, ConsistentRead: true }),
      );
    try {
      const [claimsItem, budgetItem] = await Promise.all([
        read(claimsKey(region)),
        read(announceBudgetKey(accountId)),
      ]);
      const { claims, lease } = decodeClaimsItem(claimsItem?.Item);
      const announcements = decodeBudgetItem(budgetItem?.Item);
      return {
        ok: true,
        state: {
          version: loaded.value.version,
          ...(loaded.value.watermark ? { watermark: loaded.value.watermark } : {}),
          ...(loaded.value.skipped ? { unreadable: true } : {}),
          claims,
          ...(lease ? { lease } : {}),
          ...(announcements ? { announcements } : {}),
        },
      };
    } catch (error) {
      return { ok: false, failure: this.failure(error, 'GetItem', region) };
    }
  }

  /**
   * A scan starts in `region`: takes the lease on its window and returns the claims made before it, in one write
   * (so every later claim is of a denial after `lease.scanTo`, which the scan cannot read). Scheduled scans never
   * overlap (docs/configuration.md), so the lease is simply set.
   */
  async beginScan(region: string, lease: ScanLease): Promise<Outcome<{ readonly claims: SeenEvent[] }>> {
    try {
      const output = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: claimsKey(region) } },
          UpdateExpression: 'SET #scanTo = :scanTo, #leaseUntil = :until, #leaseVersion = :version',
          ExpressionAttributeNames: {
            '#scanTo': 'scanTo',
            '#leaseUntil': 'leaseUntil',
            '#leaseVersion': 'leaseVersion',
          },
          ExpressionAttributeValues: {
            ':scanTo': { S: lease.scanTo },
            ':until': { S: lease.until },
            ':version': { N: String(lease.version) },
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { ok: true, claims: decodeClaimsItem(output?.Attributes).claims };
    } catch (error) {
      return { ok: false, failure: this.failure(error, 'UpdateItem', region) };
    }
  }

  /**
   * The scan ended: releases its lease and, when its watermark (which now remembers them) was saved, removes the
   * claims it folded. Claims made during the scan stay for the next one.
   */
  async endScan(region: string, folded: readonly SeenEvent[]): Promise<Outcome<object>> {
    const remove = folded.length > 0;
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: claimsKey(region) } },
          UpdateExpression:
            'REMOVE #scanTo, #leaseUntil, #leaseVersion' + (remove ? ' DELETE #claims :folded' : ''),
          ExpressionAttributeNames: {
            '#scanTo': 'scanTo',
            '#leaseUntil': 'leaseUntil',
            '#leaseVersion': 'leaseVersion',
            ...(remove ? { '#claims': 'claims' } : {}),
          },
          ...(remove
            ? { ExpressionAttributeValues: { ':folded': { SS: [...new Set(folded.map(encodeClaim))] } } }
            : {}),
        }),
      );
      return { ok: true };
    } catch (error) {
      return { ok: false, failure: this.failure(error, 'UpdateItem', region) };
    }
  }

  /**
   * Claims `event` in `region` if `state` still holds, takes the announcement of its finding and spends one of the
   * account's announcements for the window.
   */
  async claim(
    region: string,
    event: SeenEvent,
    state: Pick<ClaimState, 'version'>,
    announcement: Announcement,
  ): Promise<ClaimResult> {
    const now = this.now();
    const element = encodeClaim(event);
    const version = String(state.version);
    try {
      await this.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              ConditionCheck: {
                TableName: this.tableName,
                Key: { pk: { S: watermarkKey(region) } },
                ConditionExpression:
                  state.version === 0 ? 'attribute_not_exists(#version)' : '#version = :version',
                ExpressionAttributeNames: { '#version': 'version' },
                ...(state.version === 0 ? {} : { ExpressionAttributeValues: { ':version': { N: version } } }),
              },
            },
            {
              Update: {
                TableName: this.tableName,
                Key: { pk: { S: claimsKey(region) } },
                UpdateExpression: 'ADD #claims :claim',
                ConditionExpression:
                  '(attribute_not_exists(#claims) OR (NOT contains(#claims, :element) AND size(#claims) < :max)) ' +
                  'AND (attribute_not_exists(#leaseUntil) OR #leaseUntil <= :now OR #scanTo < :maxScanTo ' +
                  'OR #leaseVersion <> :version)',
                ExpressionAttributeNames: {
                  '#claims': 'claims',
                  '#leaseUntil': 'leaseUntil',
                  '#scanTo': 'scanTo',
                  '#leaseVersion': 'leaseVersion',
                },
                ExpressionAttributeValues: {
                  ':claim': { SS: [element] },
                  ':element': { S: element },
                  ':max': { N: String(MAX_REALTIME_CLAIMS) },
                  ':now': { S: now.toISOString() },
                  ':maxScanTo': {
                    S: new Date(Date.parse(event.eventTime) - LEASE_MARGIN_MS).toISOString(),
                  },
                  ':version': { N: version },
                },
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  pk: { S: announceKey(announcement.findingId) },
                  until: { S: announcement.until.toISOString() },
                  eventId: { S: event.id },
                  region: { S: region },
                },
                ConditionExpression: 'attribute_not_exists(pk) OR #until <= :now',
                ExpressionAttributeNames: { '#until': 'until' },
                ExpressionAttributeValues: { ':now': { S: now.toISOString() } },
              },
            },
            { Update: this.spendBudget(announcement.budget) },
          ],
        }),
      );
      return { status: 'claimed' };
    } catch (error) {
      if (isNamed(error, 'TransactionCanceledException')) {
        const codes = cancellationCodes(error);
        // The claim was fine but the marker is taken: someone else announces this finding now, so this
        // invocation would not announce it whatever the budget (item 3) says. A budget that changed alone is a
        // conflict below: read again, and `decideClaim` says whether it is spent.
        if (codes[0] === 'None' && codes[1] === 'None' && codes[2] === 'ConditionalCheckFailed') {
          return { status: 'being-announced' };
        }
        // A condition that no longer holds, or another transaction on the same items (a burst of claims):
        // read the state again and decide again.
        if (
          codes.length === 0 ||
          codes.includes('ConditionalCheckFailed') ||
          codes.includes('TransactionConflict')
        ) {
          return { status: 'conflict' };
        }
      }
      return { status: 'failed', failure: this.failure(error, 'TransactWriteItems', region) };
    }
  }

  /**
   * Publishing a claimed denial failed: un-claims it (the next scan counts it, so it is re-sent rather than
   * lost) and frees the announcement. A scan that leased in between has folded the claim already; then the
   * denial stays counted without having been announced (docs/irsa-realtime.md, "Failures").
   */
  async release(region: string, event: SeenEvent, findingId: string): Promise<Outcome<object>> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: claimsKey(region) } },
          UpdateExpression: 'DELETE #claims :claim',
          ExpressionAttributeNames: { '#claims': 'claims' },
          ExpressionAttributeValues: { ':claim': { SS: [encodeClaim(event)] } },
        }),
      );
    } catch (error) {
      return { ok: false, failure: this.failure(error, 'UpdateItem', region) };
    }
    return this.announced(findingId, event);
  }

  /** The announcement is done (the ledger now says whether the finding is open): frees its marker. */
  async announced(findingId: string, event: SeenEvent): Promise<Outcome<object>> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: announceKey(findingId) } },
          // Only our own marker: one that expired and was taken over belongs to its new holder.
          ConditionExpression: '#eventId = :eventId',
          ExpressionAttributeNames: { '#eventId': 'eventId' },
          ExpressionAttributeValues: { ':eventId': { S: event.id } },
        }),
      );
      return { ok: true };
    } catch (error) {
      if (isNamed(error, 'ConditionalCheckFailedException')) return { ok: true };
      return { ok: false, failure: this.failure(error, 'DeleteItem', 'global') };
    }
  }

  /**
   * The budget's part of the claim: one more announcement in the window, if the stored count is still what the
   * decision read (this window's and below the budget, or another window's, which starts over at one). "Another"
   * is `<>`, not `<`, so a stored window that cannot be read starts over too; the price is that at a window's edge
   * invocations whose clocks differ by milliseconds may each start their own window: a few more announcements,
   * only within that skew.
   */
  private spendBudget(spend: AnnouncementSpend): NonNullable<TransactWriteItem['Update']> {
    const key = { pk: { S: announceBudgetKey(spend.accountId) } };
    const names = { '#window': 'window', '#announced': 'announced' };
    if (spend.continues) {
      return {
        TableName: this.tableName,
        Key: key,
        UpdateExpression: 'ADD #announced :one',
        ConditionExpression: '#window = :window AND #announced < :max',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: {
          ':one': { N: '1' },
          ':window': { S: spend.window },
          ':max': { N: String(spend.perWindow) },
        },
      };
    }
    return {
      TableName: this.tableName,
      Key: key,
      UpdateExpression: 'SET #window = :window, #announced = :one',
      ConditionExpression: 'attribute_not_exists(#window) OR #window <> :window',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ':one': { N: '1' }, ':window': { S: spend.window } },
    };
  }

  private failure(error: unknown, operation: string, region: string): ApiFailure {
    return toApiFailure(error, { service: 'dynamodb', operation, region, resourceArn: this.tableName });
  }
}

/** The claims (malformed elements dropped) and the lease of a claims item; an absent item has neither. */
export function decodeClaimsItem(item: Record<string, AttributeValue> | undefined): {
  claims: SeenEvent[];
  lease?: ScanLease;
} {
  if (item === undefined) return { claims: [] };
  const claims = (item.claims?.SS ?? []).flatMap((value) => {
    const claim = decodeClaim(value);
    return claim ? [claim] : [];
  });
  const scanTo = item.scanTo?.S;
  const until = item.leaseUntil?.S;
  const version = Number(item.leaseVersion?.N);
  const lease =
    scanTo !== undefined &&
    until !== undefined &&
    !Number.isNaN(Date.parse(scanTo)) &&
    !Number.isNaN(Date.parse(until)) &&
    Number.isInteger(version)
      ? { scanTo, until, version }
      : undefined;
  return { claims, ...(lease ? { lease } : {}) };
}

/**
 * The account's announcement count; absent item: none. A count that cannot be read is spent (`Infinity`), so
 * the denials of its window go to the scan rather than out unbounded; the next window overwrites the item.
 */
export function decodeBudgetItem(
  item: Record<string, AttributeValue> | undefined,
): AnnouncementCount | undefined {
  if (item === undefined) return undefined;
  const window = item.window?.S ?? '';
  const announced = Number(item.announced?.N);
  return {
    window,
    announced: Number.isInteger(announced) && announced >= 0 ? announced : Number.POSITIVE_INFINITY,
  };
}

function isNamed(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}

/** The per-item codes of a cancelled transaction, in item order ('None' for items that passed). */
function cancellationCodes(error: unknown): string[] {
  const reasons = (error as { CancellationReasons?: readonly { Code?: string }[] }).CancellationReasons;
  return (reasons ?? []).map((reason) => reason.Code ?? 'None');
}
