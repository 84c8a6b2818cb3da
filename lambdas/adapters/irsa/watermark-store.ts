import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { ApiFailure, SkippedRecord } from '../../core/inventory';
import { parseWatermark, type Watermark } from '../../core/irsa/watermark';
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
 * and de-duplicated next time, never lost. Never throws.
 */
export class DynamoWatermarkStore implements WatermarkStore {
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
      return { ok: true, value: decodeItem(region, output.Item) };
    } catch (error) {
      return { ok: false, failure: this.failure(error, 'GetItem', region) };
    }
  }

  async save(region: string, watermark: Watermark, expectedVersion: number): Promise<SaveResult> {
    const version = expectedVersion + 1;
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
          ConditionExpression: 'attribute_not_exists(pk) OR #version = :expected',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':expected': { N: String(expectedVersion) } },
        }),
      );
      return { region, status: 'saved', version };
    } catch (error) {
      if (
        error instanceof ConditionalCheckFailedException ||
        isNamed(error, 'ConditionalCheckFailedException')
      ) {
        return { region, status: 'conflict' };
      }
      return { region, status: 'failed', failure: this.failure(error, 'PutItem', region) };
    }
  }

  private failure(error: unknown, operation: string, region: string): ApiFailure {
    return toApiFailure(error, { service: 'dynamodb', operation, region, resourceArn: this.tableName });
  }
}

function isNamed(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}

function decodeItem(region: string, item: Record<string, AttributeValue> | undefined): LoadedWatermark {
  if (item === undefined) return { region, version: 0 };
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
