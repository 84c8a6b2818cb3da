import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { ApiFailure, SkippedRecord } from '../../core/inventory';
import { MAX_WATERMARK_BYTES, parseWatermark, storedBytes, type Watermark } from '../../core/irsa/watermark';
import * as z from '../../core/zod';
import { toApiFailure } from '../aws-error';

/** One item per region in the stack's table. */
export const watermarkKey = (region: string): string => `irsa-watermark#${region}`;

export interface LoadedWatermark {
  readonly region: string;
  /** Absent on the first run, or when the stored item was unreadable (then `skipped` says why). */
  readonly watermark?: Watermark;
  /** The stored version, 0 when there is no item: the conditional write expects it unchanged. */
  readonly version: number;
  readonly skipped?: SkippedRecord;
  /**
   * The last save failed (written beside the state it left unchanged): reported as the ERROR finding naming
   * dynamodb:PutItem until a save succeeds, which clears it.
   */
  readonly lastSaveFailure?: ApiFailure;
}

export type LoadResult =
  | { readonly ok: true; readonly value: LoadedWatermark }
  | { readonly ok: false; readonly failure: ApiFailure };

export type SaveResult =
  | { readonly region: string; readonly status: 'saved'; readonly version: number }
  /** Another run advanced the watermark since we read it: its state wins, ours is dropped. */
  | { readonly region: string; readonly status: 'conflict' }
  | { readonly region: string; readonly status: 'failed'; readonly failure: ApiFailure };

export interface WatermarkStore {
  load(region: string): Promise<LoadResult>;
  save(region: string, watermark: Watermark, expectedVersion: number): Promise<SaveResult>;
}

/**
 * DynamoDB watermark store. Reads are strongly consistent and writes conditional on the version read, so two
 * overlapping runs (a slow one and the next scheduled one) cannot both advance: the loser's events are re-read
 * and de-duplicated next time, never lost. A failed save is remembered on the item it left unchanged
 * (`lastSaveFailure`, same version), so the next run reports it. Never throws.
 */
export class DynamoWatermarkStore implements WatermarkStore {
  /** The item last read per region, so that a failed save can mark it without changing it. */
  private readonly lastRead = new Map<string, { version: number; item?: Record<string, AttributeValue> }>();

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async load(region: string): Promise<LoadResult> {
    try {
      const output = await this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: watermarkKey(region) } },
          ConsistentRead: true,
        }),
      );
      const value = this.decodeItem(region, output.Item);
      this.lastRead.set(region, { version: value.version, ...(output.Item ? { item: output.Item } : {}) });
      return { ok: true, value };
    } catch (error) {
      return { ok: false, failure: this.failure(error, 'GetItem', region) };
    }
  }

  async save(region: string, watermark: Watermark, expectedVersion: number): Promise<SaveResult> {
    const version = expectedVersion + 1;
    const size = storedBytes(watermark);
    if (size > MAX_WATERMARK_BYTES) {
      // The core keeps it far below (core/irsa/watermark.ts); were it ever over, refuse rather than grow.
      const tooLarge = Object.assign(
        new Error(`the watermark would take ${size} bytes, over its ${MAX_WATERMARK_BYTES}-byte bound`),
        { name: 'WatermarkTooLarge' },
      );
      return this.failed(region, expectedVersion, tooLarge);
    }
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            pk: { S: watermarkKey(region) },
            version: { N: String(version) },
            highWater: { S: watermark.highWater },
            gaps: { S: JSON.stringify(watermark.gaps) },
            recentEventIds: { S: JSON.stringify(watermark.recentEventIds) },
            updatedAt: { S: this.now().toISOString() },
          },
          ...versionCondition(expectedVersion),
        }),
      );
      this.lastRead.delete(region);
      return { region, status: 'saved', version };
    } catch (error) {
      if (
        error instanceof ConditionalCheckFailedException ||
        isNamed(error, 'ConditionalCheckFailedException')
      ) {
        return { region, status: 'conflict' };
      }
      return this.failed(region, expectedVersion, error);
    }
  }

  /**
   * A save failed: marks the item this run read (unchanged, same version, so claims and leases stand) with the
   * failure, for the next run's ERROR finding. Best effort: the run's invocation fails for it anyway.
   */
  private async failed(region: string, expectedVersion: number, error: unknown): Promise<SaveResult> {
    const failure = this.failure(error, 'PutItem', region);
    const read = this.lastRead.get(region);
    const base =
      read !== undefined && read.version === expectedVersion && read.item !== undefined
        ? read.item
        : { pk: { S: watermarkKey(region) } };
    const marker = {
      at: this.now().toISOString(),
      errorName: failure.errorName.slice(0, 128),
      message: failure.message.slice(0, 512),
    };
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: { ...base, lastSaveFailure: { S: JSON.stringify(marker) } },
          ...versionCondition(expectedVersion),
        }),
      );
    } catch {
      // Nothing more to do here: the caller reports the failure, and the invocation fails for it.
    }
    return { region, status: 'failed', failure };
  }

  private failure(error: unknown, operation: string, region: string): ApiFailure {
    return toApiFailure(error, { service: 'dynamodb', operation, region, resourceArn: this.tableName });
  }

  private decodeItem(region: string, item: Record<string, AttributeValue> | undefined): LoadedWatermark {
    const decoded = decodeItem(region, item);
    const marker = decodeMarker(item?.lastSaveFailure?.S);
    if (marker === undefined) return decoded;
    return {
      ...decoded,
      lastSaveFailure: {
        service: 'dynamodb',
        operation: 'PutItem',
        region,
        errorName: marker.errorName,
        message: `the last run could not save the IRSA watermark at ${marker.at} (${marker.message}); it read the same range again`,
        resourceArn: this.tableName,
      },
    };
  }
}

/**
 * The write succeeds only over the version read: none (no item, or only a failure mark) for 0. Equivalent to
 * `attribute_not_exists(pk) OR #version = :expected` for a store without marks.
 */
function versionCondition(expectedVersion: number) {
  return {
    ConditionExpression: 'attribute_not_exists(#version) OR #version = :expected',
    ExpressionAttributeNames: { '#version': 'version' },
    ExpressionAttributeValues: { ':expected': { N: String(expectedVersion) } },
  };
}

const markerSchema = z.object({
  at: z.string().check(z.maxLength(64)),
  errorName: z.string().check(z.maxLength(128)),
  message: z.string().check(z.maxLength(512)),
});

function decodeMarker(value: string | undefined): z.infer<typeof markerSchema> | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed = markerSchema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function isNamed(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}

function decodeItem(region: string, item: Record<string, AttributeValue> | undefined): LoadedWatermark {
  // No item, or only the mark of a first save that failed: nothing saved yet.
  if (item === undefined || (item.version === undefined && item.highWater === undefined)) {
    return { region, version: 0 };
  }
  const version = Number(item.version?.N ?? '0');
  const safeVersion = Number.isInteger(version) && version >= 0 ? version : 0;
  let raw: unknown;
  try {
    raw = {
      highWater: item.highWater?.S,
      gaps: JSON.parse(item.gaps?.S ?? '[]') as unknown,
      recentEventIds: JSON.parse(item.recentEventIds?.S ?? '[]') as unknown,
    };
  } catch {
    raw = undefined;
  }
  const watermark = parseWatermark(raw);
  if (watermark === undefined) {
    // Planning from the lookback may count some denials twice, which beats silently skipping a region.
    return {
      region,
      version: safeVersion,
      skipped: {
        source: `dynamodb:${watermarkKey(region)}`,
        reason: 'unreadable watermark item; scanning the lookback window instead',
      },
    };
  }
  return { region, version: safeVersion, watermark };
}
