/** The hub's heartbeat table in moto, as lambdas/adapters/fleet/heartbeat-store.ts describes it. */
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** Key `accountId` (hash) and `family` (range), on-demand. */
export async function createHeartbeatTable(dynamo: DynamoDBClient, name: string): Promise<void> {
  await dynamo.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'accountId', AttributeType: 'S' },
        { AttributeName: 'family', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'accountId', KeyType: 'HASH' },
        { AttributeName: 'family', KeyType: 'RANGE' },
      ],
    }),
  );
}
