import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { IAMClient } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  announceBudgetKey,
  announceKey,
  claimsKey,
  decodeBudgetItem,
  decodeClaimsItem,
  DynamoClaimStore,
} from '../../lambdas/adapters/irsa/claim-store';
import { gatherIrsa } from '../../lambdas/adapters/irsa/gather-irsa';
import { TokenBucket } from '../../lambdas/adapters/irsa/rate-limiter';
import { DynamoWatermarkStore, watermarkKey } from '../../lambdas/adapters/irsa/watermark-store';
import { MAX_REALTIME_CLAIMS } from '../../lambdas/core/irsa/realtime';
import { irsaSettingsSchema } from '../../lambdas/core/irsa/settings';
import { instantLimiterClock } from '../fixtures/irsa';

const dynamo = mockClient(DynamoDBClient);
const cloudtrail = mockClient(CloudTrailClient);
const client = new DynamoDBClient({ region: 'us-west-2', maxAttempts: 1 });
const TABLE = 'tmc-health-irsa-watermarks';
const NOW = new Date('2026-11-22T12:00:00.000Z');
const store = new DynamoClaimStore(client, TABLE, () => NOW);
const EVENT = { id: 'e1', eventTime: '2026-11-22T11:59:30.000Z' };
const ACCOUNT = '111122223333';
const WINDOW = '2026-11-22T12:00:00.000Z';
const ANNOUNCE = {
  findingId: 'f'.repeat(32),
  until: new Date('2026-11-22T12:07:00.000Z'),
  budget: { accountId: ACCOUNT, window: WINDOW, perWindow: 3, continues: true },
};

beforeEach(() => {
  dynamo.reset();
  cloudtrail.reset();
});

function cancelled(codes: string[]): TransactionCanceledException {
  return new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
}

describe('DynamoClaimStore', () => {
  it('claims in one transaction: watermark version unchanged, id not claimed, room left, no live lease, marker free', async () => {
    dynamo.on(TransactWriteItemsCommand).resolves({});
    expect(await store.claim('us-west-2', EVENT, { version: 7 }, ANNOUNCE)).toEqual({ status: 'claimed' });
    const items = dynamo.commandCalls(TransactWriteItemsCommand)[0]!.args[0].input.TransactItems!;
    expect(items[0]).toEqual({
      ConditionCheck: {
        TableName: TABLE,
        Key: { pk: { S: watermarkKey('us-west-2') } },
        ConditionExpression: '#version = :version',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':version': { N: '7' } },
      },
    });
    expect(items[1]!.Update).toMatchObject({
      Key: { pk: { S: claimsKey('us-west-2') } },
      UpdateExpression: 'ADD #claims :claim',
      ExpressionAttributeValues: {
        ':claim': { SS: ['2026-11-22T11:59:30.000Z|e1'] },
        ':element': { S: '2026-11-22T11:59:30.000Z|e1' },
        ':max': { N: String(MAX_REALTIME_CLAIMS) },
        ':now': { S: NOW.toISOString() },
        // The lease covers the denial unless the window ended more than a second before it.
        ':maxScanTo': { S: '2026-11-22T11:59:29.000Z' },
        ':version': { N: '7' },
      },
    });
    expect(items[1]!.Update!.ConditionExpression).toBe(
      '(attribute_not_exists(#claims) OR (NOT contains(#claims, :element) AND size(#claims) < :max)) ' +
        'AND (attribute_not_exists(#leaseUntil) OR #leaseUntil <= :now OR #scanTo < :maxScanTo ' +
        'OR #leaseVersion <> :version)',
    );
    expect(items[2]!.Put).toMatchObject({
      Item: {
        pk: { S: announceKey(ANNOUNCE.findingId) },
        until: { S: ANNOUNCE.until.toISOString() },
        eventId: { S: 'e1' },
      },
      ConditionExpression: 'attribute_not_exists(pk) OR #until <= :now',
    });
    // The account's budget: one more announcement in this window, if it is still this window's and not spent.
    expect(items[3]!.Update).toEqual({
      TableName: TABLE,
      Key: { pk: { S: announceBudgetKey(ACCOUNT) } },
      UpdateExpression: 'ADD #announced :one',
      ConditionExpression: '#window = :window AND #announced < :max',
      ExpressionAttributeNames: { '#window': 'window', '#announced': 'announced' },
      ExpressionAttributeValues: { ':one': { N: '1' }, ':window': { S: WINDOW }, ':max': { N: '3' } },
    });
  });

  it('the first announcement of a window starts its count at one, if the stored count is another window’s', async () => {
    dynamo.on(TransactWriteItemsCommand).resolves({});
    await store.claim(
      'us-west-2',
      EVENT,
      { version: 7 },
      {
        ...ANNOUNCE,
        budget: { ...ANNOUNCE.budget, continues: false },
      },
    );
    const items = dynamo.commandCalls(TransactWriteItemsCommand)[0]!.args[0].input.TransactItems!;
    expect(items[3]!.Update).toMatchObject({
      Key: { pk: { S: announceBudgetKey(ACCOUNT) } },
      UpdateExpression: 'SET #window = :window, #announced = :one',
      ConditionExpression: 'attribute_not_exists(#window) OR #window <> :window',
      ExpressionAttributeValues: { ':one': { N: '1' }, ':window': { S: WINDOW } },
    });
    // The key binds the account: another account's count is another item.
    expect(announceBudgetKey('444455556666')).not.toBe(announceBudgetKey(ACCOUNT));
  });

  it('before the first watermark: the condition is that none was saved', async () => {
    dynamo.on(TransactWriteItemsCommand).resolves({});
    await store.claim('us-west-2', EVENT, { version: 0 }, ANNOUNCE);
    const check = dynamo.commandCalls(TransactWriteItemsCommand)[0]!.args[0].input.TransactItems![0]!;
    expect(check.ConditionCheck).toMatchObject({ ConditionExpression: 'attribute_not_exists(#version)' });
    expect(check.ConditionCheck!.ExpressionAttributeValues).toBeUndefined();
  });

  it.each([
    [['ConditionalCheckFailed', 'None', 'None'], 'conflict'],
    [['None', 'ConditionalCheckFailed', 'None'], 'conflict'],
    [['None', 'ConditionalCheckFailed', 'ConditionalCheckFailed'], 'conflict'],
    [['None', 'None', 'ConditionalCheckFailed'], 'being-announced'],
    [['None', 'None', 'ConditionalCheckFailed', 'None'], 'being-announced'],
    // The budget was spent meanwhile: read again (the decision then says so).
    [['None', 'None', 'None', 'ConditionalCheckFailed'], 'conflict'],
    [['None', 'None', 'ConditionalCheckFailed', 'ConditionalCheckFailed'], 'being-announced'],
    [['None', 'TransactionConflict', 'None'], 'conflict'],
    [[], 'conflict'],
  ])('a cancelled transaction %j is %s', async (codes, status) => {
    dynamo.on(TransactWriteItemsCommand).rejects(cancelled(codes));
    expect(await store.claim('us-west-2', EVENT, { version: 1 }, ANNOUNCE)).toEqual({ status });
  });

  it('other errors, and a transaction cancelled for another reason, are failures', async () => {
    dynamo.on(TransactWriteItemsCommand).rejects(cancelled(['None', 'ThrottlingError', 'None']));
    expect(await store.claim('us-west-2', EVENT, { version: 1 }, ANNOUNCE)).toMatchObject({
      status: 'failed',
      failure: {
        service: 'dynamodb',
        operation: 'TransactWriteItems',
        errorName: 'TransactionCanceledException',
      },
    });
    dynamo
      .on(TransactWriteItemsCommand)
      .rejects(Object.assign(new Error('no'), { name: 'AccessDeniedException' }));
    expect(await store.claim('us-west-2', EVENT, { version: 1 }, ANNOUNCE)).toMatchObject({
      status: 'failed',
      failure: { errorName: 'AccessDeniedException', resourceArn: TABLE },
    });
  });

  it('reads the watermark, the claims item and the account’s announcement count, strongly consistent', async () => {
    dynamo
      .on(GetItemCommand, { Key: { pk: { S: watermarkKey('us-west-2') } } })
      .resolves({
        Item: {
          pk: { S: watermarkKey('us-west-2') },
          version: { N: '3' },
          highWater: { S: '2026-11-22T11:45:00.000Z' },
          gaps: { S: '[]' },
          recentEventIds: { S: '[]' },
        },
      })
      .on(GetItemCommand, { Key: { pk: { S: claimsKey('us-west-2') } } })
      .resolves({
        Item: {
          pk: { S: claimsKey('us-west-2') },
          claims: { SS: ['2026-11-22T11:59:30.000Z|e1', 'garbage'] },
          scanTo: { S: '2026-11-22T11:55:00.000Z' },
          leaseUntil: { S: '2026-11-22T12:01:00.000Z' },
          leaseVersion: { N: '3' },
        },
      })
      .on(GetItemCommand, { Key: { pk: { S: announceBudgetKey(ACCOUNT) } } })
      .resolves({ Item: { window: { S: WINDOW }, announced: { N: '2' } } });
    expect(await store.loadState('us-west-2', ACCOUNT)).toEqual({
      ok: true,
      state: {
        version: 3,
        watermark: { highWater: '2026-11-22T11:45:00.000Z', gaps: [], recentEventIds: [] },
        claims: [EVENT],
        lease: { scanTo: '2026-11-22T11:55:00.000Z', until: '2026-11-22T12:01:00.000Z', version: 3 },
        announcements: { window: WINDOW, announced: 2 },
      },
    });
    for (const call of dynamo.commandCalls(GetItemCommand))
      expect(call.args[0].input.ConsistentRead).toBe(true);
  });

  it('an unreadable watermark is reported as such (the real-time path then leaves denials to the scan)', async () => {
    dynamo
      .on(GetItemCommand, { Key: { pk: { S: watermarkKey('us-west-2') } } })
      .resolves({ Item: { pk: { S: 'x' }, version: { N: '2' }, highWater: { S: 'soon' } } })
      .on(GetItemCommand, { Key: { pk: { S: claimsKey('us-west-2') } } })
      .resolves({});
    expect(await store.loadState('us-west-2', ACCOUNT)).toEqual({
      ok: true,
      state: { version: 2, unreadable: true, claims: [] },
    });
  });

  it('an announcement count that cannot be read fails the load (the denial is then left to the scan)', async () => {
    dynamo
      .on(GetItemCommand)
      .resolves({})
      .on(GetItemCommand, { Key: { pk: { S: announceBudgetKey(ACCOUNT) } } })
      .rejects(Object.assign(new Error('no'), { name: 'AccessDeniedException' }));
    expect(await store.loadState('us-west-2', ACCOUNT)).toMatchObject({
      ok: false,
      failure: { service: 'dynamodb', operation: 'GetItem', errorName: 'AccessDeniedException' },
    });
  });

  it('decodes the announcement count; a stored count it cannot read is spent', () => {
    expect(decodeBudgetItem(undefined)).toBeUndefined();
    expect(decodeBudgetItem({ window: { S: WINDOW }, announced: { N: '1' } })).toEqual({
      window: WINDOW,
      announced: 1,
    });
    for (const announced of [{ N: 'x' }, { N: '-1' }, { S: '1' }, undefined]) {
      expect(decodeBudgetItem({ window: { S: WINDOW }, ...(announced ? { announced } : {}) })).toEqual({
        window: WINDOW,
        announced: Number.POSITIVE_INFINITY,
      });
    }
    // No window: another window's count, overwritten by the next announcement.
    expect(decodeBudgetItem({ announced: { N: '9' } })).toEqual({ window: '', announced: 9 });
  });

  it('a scan leases its window and gets the claims made before, in one write', async () => {
    dynamo
      .on(UpdateItemCommand)
      .resolves({ Attributes: { claims: { SS: ['2026-11-22T11:59:30.000Z|e1'] } } });
    const lease = { scanTo: NOW.toISOString(), until: '2026-11-22T12:06:00.000Z', version: 3 };
    expect(await store.beginScan('us-west-2', lease)).toEqual({ ok: true, claims: [EVENT] });
    expect(dynamo).toHaveReceivedCommandWith(UpdateItemCommand, {
      Key: { pk: { S: claimsKey('us-west-2') } },
      UpdateExpression: 'SET #scanTo = :scanTo, #leaseUntil = :until, #leaseVersion = :version',
      ReturnValues: 'ALL_NEW',
    });
  });

  it('ends the lease, deleting the claims it folded only', async () => {
    dynamo.on(UpdateItemCommand).resolves({});
    await store.endScan('us-west-2', [EVENT, EVENT]);
    await store.endScan('us-west-2', []);
    const [folded, none] = dynamo.commandCalls(UpdateItemCommand).map((call) => call.args[0].input);
    expect(folded).toMatchObject({
      UpdateExpression: 'REMOVE #scanTo, #leaseUntil, #leaseVersion DELETE #claims :folded',
      ExpressionAttributeValues: { ':folded': { SS: ['2026-11-22T11:59:30.000Z|e1'] } },
    });
    expect(none!.UpdateExpression).toBe('REMOVE #scanTo, #leaseUntil, #leaseVersion');
    expect(none!.ExpressionAttributeValues).toBeUndefined();
  });

  it('frees only its own announcement marker; a failed release is reported', async () => {
    dynamo
      .on(DeleteItemCommand)
      .rejects(Object.assign(new Error('taken over'), { name: 'ConditionalCheckFailedException' }));
    expect(await store.announced(ANNOUNCE.findingId, EVENT)).toEqual({ ok: true });
    expect(dynamo).toHaveReceivedCommandWith(DeleteItemCommand, {
      Key: { pk: { S: announceKey(ANNOUNCE.findingId) } },
      ConditionExpression: '#eventId = :eventId',
      ExpressionAttributeValues: { ':eventId': { S: 'e1' } },
    });
    dynamo.on(UpdateItemCommand).rejects(Object.assign(new Error('down'), { name: 'InternalServerError' }));
    expect(await store.release('us-west-2', EVENT, ANNOUNCE.findingId)).toMatchObject({
      ok: false,
      failure: { operation: 'UpdateItem', errorName: 'InternalServerError' },
    });
  });

  it('decodes a lease only when it is whole', () => {
    expect(decodeClaimsItem({ scanTo: { S: NOW.toISOString() }, leaseVersion: { N: '1' } })).toEqual({
      claims: [],
    });
    expect(decodeClaimsItem(undefined)).toEqual({ claims: [] });
  });
});

describe('a scan with real time on', () => {
  const settings = irsaSettingsSchema.parse({
    regions: ['us-west-2'],
    watermarkTableName: 'wm',
    realtime: true,
  });

  it('whose lease cannot be taken scans but saves nothing (a claim could land on what it counts)', async () => {
    cloudtrail.on(LookupEventsCommand).resolves({ Events: [] });
    dynamo.on(GetItemCommand).resolves({});
    dynamo
      .on(UpdateItemCommand)
      .rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    const gathered = await gatherIrsa({
      accountId: '111122223333',
      defaultRegion: 'us-west-2',
      settings,
      now: NOW,
      clients: {
        cloudTrailFor: (region) => new CloudTrailClient({ region, maxAttempts: 1 }),
        iam: new IAMClient({ region: 'us-east-1', maxAttempts: 1 }),
        watermarkStore: new DynamoWatermarkStore(client, TABLE),
        claimStore: new DynamoClaimStore(client, TABLE),
        limiterFor: () => new TokenBucket({ clock: instantLimiterClock() }),
      },
      leaseUntil: new Date('2026-11-22T12:06:00.000Z'),
    });
    expect(gathered.watermarksToSave).toEqual([]);
    expect(gathered.leases).toEqual([]);
    expect(gathered.snapshot.failures).toEqual([
      expect.objectContaining({
        service: 'dynamodb',
        operation: 'UpdateItem',
        errorName: 'ThrottlingException',
      }),
    ]);
  });
});
