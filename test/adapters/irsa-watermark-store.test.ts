import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { DynamoWatermarkStore, watermarkKey } from '../../lambdas/adapters/irsa/watermark-store';
import { MAX_WATERMARK_BYTES, type Watermark } from '../../lambdas/core/irsa/watermark';

const dynamo = mockClient(DynamoDBClient);
const client = new DynamoDBClient({ region: 'us-east-1', maxAttempts: 1 });
const TABLE = 'tmc-health-irsa-watermarks';
const NOW = new Date('2025-03-01T12:00:00.000Z');
const store = new DynamoWatermarkStore(client, TABLE, () => NOW);

const WATERMARK: Watermark = {
  highWater: '2025-03-01T11:55:00.000Z',
  gaps: [{ from: '2025-03-01T10:00:00.000Z', to: '2025-03-01T10:20:00.000Z' }],
  recentEventIds: [{ id: 'e1', eventTime: '2025-03-01T11:50:00.000Z' }],
};

beforeEach(() => dynamo.reset());

describe('DynamoWatermarkStore', () => {
  it('reads one item per region, strongly consistent', async () => {
    dynamo.on(GetItemCommand).resolves({
      Item: {
        pk: { S: 'irsa-watermark#us-west-2' },
        version: { N: '7' },
        highWater: { S: WATERMARK.highWater },
        gaps: { S: JSON.stringify(WATERMARK.gaps) },
        recentEventIds: { S: JSON.stringify(WATERMARK.recentEventIds) },
      },
    });

    const loaded = await store.load('us-west-2');

    expect(dynamo).toHaveReceivedCommandWith(GetItemCommand, {
      TableName: TABLE,
      Key: { pk: { S: 'irsa-watermark#us-west-2' } },
      ConsistentRead: true,
    });
    expect(loaded).toEqual({ ok: true, value: { region: 'us-west-2', version: 7, watermark: WATERMARK } });
  });

  it('first run: no item, version 0, no watermark', async () => {
    dynamo.on(GetItemCommand).resolves({});
    expect(await store.load('us-east-1')).toEqual({ ok: true, value: { region: 'us-east-1', version: 0 } });
  });

  it('an unreadable item is reported and planned from the lookback, keeping its version for the write', async () => {
    dynamo.on(GetItemCommand).resolves({
      Item: {
        pk: { S: watermarkKey('us-east-1') },
        version: { N: '3' },
        highWater: { S: 'soon' },
        gaps: { S: '[' },
      },
    });
    const loaded = await store.load('us-east-1');
    expect(loaded).toMatchObject({
      ok: true,
      value: { version: 3, skipped: { reason: expect.stringContaining('unreadable') } },
    });
    expect(loaded.ok && loaded.value.watermark).toBeUndefined();
  });

  it('a failed read is a failure, not a throw', async () => {
    dynamo.on(GetItemCommand).rejects(Object.assign(new Error('nope'), { name: 'AccessDeniedException' }));
    expect(await store.load('us-east-1')).toMatchObject({
      ok: false,
      failure: {
        service: 'dynamodb',
        operation: 'GetItem',
        errorName: 'AccessDeniedException',
        resourceArn: TABLE,
      },
    });
  });

  it('writes the next version only if the stored one is still the version read', async () => {
    dynamo.on(PutItemCommand).resolves({});

    const saved = await store.save('us-west-2', WATERMARK, 7);

    expect(saved).toEqual({ region: 'us-west-2', status: 'saved', version: 8 });
    expect(dynamo).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: TABLE,
      Item: {
        pk: { S: 'irsa-watermark#us-west-2' },
        version: { N: '8' },
        highWater: { S: WATERMARK.highWater },
        gaps: { S: JSON.stringify(WATERMARK.gaps) },
        recentEventIds: { S: JSON.stringify(WATERMARK.recentEventIds) },
        updatedAt: { S: NOW.toISOString() },
      },
      ConditionExpression: 'attribute_not_exists(#version) OR #version = :expected',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':expected': { N: '7' } },
    });
  });

  it('round-trips: what save writes, load reads back', async () => {
    dynamo.on(PutItemCommand).resolves({});
    await store.save('eu-west-1', WATERMARK, 0);
    const item = dynamo.commandCalls(PutItemCommand)[0]!.args[0].input.Item;
    dynamo.on(GetItemCommand).resolves({ Item: item });
    expect(await store.load('eu-west-1')).toEqual({
      ok: true,
      value: { region: 'eu-west-1', version: 1, watermark: WATERMARK },
    });
  });

  it('reports a conflict when an overlapping run advanced first, and does not overwrite it', async () => {
    dynamo
      .on(PutItemCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );

    const saved = await store.save('us-west-2', WATERMARK, 7);

    expect(saved).toEqual({ region: 'us-west-2', status: 'conflict' });
    expect(dynamo).toHaveReceivedCommandTimes(PutItemCommand, 1);
  });

  it('reports other write errors as failures', async () => {
    dynamo.on(PutItemCommand).rejects(Object.assign(new Error('too big'), { name: 'ValidationException' }));
    expect(await store.save('us-west-2', WATERMARK, 1)).toMatchObject({
      status: 'failed',
      failure: { operation: 'PutItem', errorName: 'ValidationException' },
    });
  });

  it('marks the item it read, unchanged and at the same version, when a save fails; the next load reports it', async () => {
    const stored = {
      pk: { S: watermarkKey('us-west-2') },
      version: { N: '7' },
      highWater: { S: WATERMARK.highWater },
      gaps: { S: JSON.stringify(WATERMARK.gaps) },
      recentEventIds: { S: JSON.stringify(WATERMARK.recentEventIds) },
    };
    dynamo.on(GetItemCommand).resolves({ Item: stored });
    const marking = new DynamoWatermarkStore(client, TABLE, () => NOW);
    await marking.load('us-west-2');
    const throttled = Object.assign(new Error('slow down'), {
      name: 'ProvisionedThroughputExceededException',
    });
    dynamo.on(PutItemCommand).rejectsOnce(throttled).resolves({});

    expect(await marking.save('us-west-2', WATERMARK, 7)).toMatchObject({ status: 'failed' });

    const mark = dynamo.commandCalls(PutItemCommand)[1]!.args[0].input;
    expect(mark).toMatchObject({
      Item: {
        ...stored,
        lastSaveFailure: { S: expect.stringContaining('ProvisionedThroughputExceededException') },
      },
      ConditionExpression: 'attribute_not_exists(#version) OR #version = :expected',
      ExpressionAttributeValues: { ':expected': { N: '7' } },
    });
    dynamo.on(GetItemCommand).resolves({ Item: mark.Item });
    expect(await marking.load('us-west-2')).toEqual({
      ok: true,
      value: {
        region: 'us-west-2',
        version: 7,
        watermark: WATERMARK,
        lastSaveFailure: expect.objectContaining({
          service: 'dynamodb',
          operation: 'PutItem',
          region: 'us-west-2',
          errorName: 'ProvisionedThroughputExceededException',
          resourceArn: TABLE,
        }),
      },
    });
  });

  it('a first save that fails leaves only its mark: still no watermark and version 0', async () => {
    dynamo.on(GetItemCommand).resolves({});
    const marking = new DynamoWatermarkStore(client, TABLE, () => NOW);
    await marking.load('us-east-1');
    dynamo
      .on(PutItemCommand)
      .rejectsOnce(Object.assign(new Error('no'), { name: 'AccessDeniedException' }))
      .resolves({});
    await marking.save('us-east-1', WATERMARK, 0);
    const mark = dynamo.commandCalls(PutItemCommand)[1]!.args[0].input.Item!;
    expect(Object.keys(mark).sort()).toEqual(['lastSaveFailure', 'pk']);
    dynamo.on(GetItemCommand).resolves({ Item: mark });
    expect(await marking.load('us-east-1')).toMatchObject({
      ok: true,
      value: { region: 'us-east-1', version: 0, lastSaveFailure: { errorName: 'AccessDeniedException' } },
    });
  });

  it(`refuses to write a watermark over ${MAX_WATERMARK_BYTES} bytes (the core keeps it far below)`, async () => {
    dynamo.on(PutItemCommand).resolves({});
    const huge: Watermark = {
      ...WATERMARK,
      recentEventIds: Array.from({ length: 2000 }, (_, index) => ({
        id: `d3b1e6f2-0000-4000-8000-${String(index).padStart(12, '0')}`,
        eventTime: '2025-03-01T11:50:00.000Z',
      })),
    };
    expect(await store.save('us-west-2', huge, 1)).toMatchObject({
      status: 'failed',
      failure: { operation: 'PutItem', errorName: 'WatermarkTooLarge' },
    });
    // Only the mark was written, not the oversized state.
    for (const call of dynamo.commandCalls(PutItemCommand)) {
      expect(call.args[0].input.Item!.recentEventIds).toBeUndefined();
    }
  });
});
