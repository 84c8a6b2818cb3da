/** The findings ledger in moto: the table as the stack creates it (lib/constructs/findings-ledger.ts). */
import {
  CreateTableCommand,
  GetItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';

/** Key `findingId`, sparse GSI `open-index` on `openMarker`, on-demand (moto ignores TTL and PITR). */
export async function createLedgerTable(dynamo: DynamoDBClient, name: string): Promise<void> {
  await dynamo.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'findingId', AttributeType: 'S' },
        { AttributeName: 'openMarker', AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: 'findingId', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'open-index',
          KeySchema: [{ AttributeName: 'openMarker', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    }),
  );
}

export async function ledgerItem(
  dynamo: DynamoDBClient,
  table: string,
  findingId: string,
): Promise<Record<string, AttributeValue> | undefined> {
  const output = await dynamo.send(
    new GetItemCommand({ TableName: table, Key: { findingId: { S: findingId } }, ConsistentRead: true }),
  );
  return output.Item;
}
