/**
 * The hub's intake handler as deployed, for attacks that arrive as run reports on the hub bus: module-scope wiring
 * from the environment, the real codec, lifecycle, ledger and heartbeat store against an emulated DynamoDB,
 * EventBridge and SNS mocked the way they behave at their size limits (a PutEvents entry over 256 KB fails with
 * EntryTooLarge; a Publish whose message, subject and attributes exceed 256 KB is refused). Messages reach the
 * handler as the report queue delivers them (`deliverBatch`: an SQS batch whose bodies are the EventBridge events)
 * or as the bus rule does with hubIntake=direct (`deliverEvent`: the event itself). The hub's fleet
 * watch handler runs against the same tables (`runWatch`).
 *
 * Call `useIntakeHandler()` at the top of a test file: it sets the environment, loads the handler once and resets
 * the emulation before each test.
 */
import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type BatchGetItemCommandInput,
  type GetItemCommandInput,
  type PutItemCommandInput,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand, type PutEventsCommandInput } from '@aws-sdk/client-eventbridge';
import { putEventsEntrySize } from '../../lambdas/adapters/publish-eventbridge';
import {
  InvalidParameterException,
  PublishCommand,
  SNSClient,
  type PublishCommandInput,
} from '@aws-sdk/client-sns';
import type { Context, SQSBatchResponse } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { Finding } from '../../lambdas/core/finding';
import { HUB_ACCOUNT } from '../fixtures/fleet';
import { useEnv } from '../fixtures/env';

export const LEDGER = 'tmc-health-hub-ledger';
const FLEET = 'tmc-health-fleet-heartbeats';
const BUS = 'tmc-health-fleet';
const TOPIC = `arn:aws:sns:eu-central-1:${HUB_ACCOUNT}:tmc-health-hub`;
/** SNS's limit for one Publish: the message, the subject and the message attributes together. */
export const SNS_LIMIT_BYTES = 256 * 1024;
/** EventBridge's limit for one PutEvents entry, counted as EventBridge documents it. */
export const ENTRY_LIMIT_BYTES = 256 * 1024;
const ENV = {
  AWS_REGION: 'eu-central-1',
  TMC_HEALTH_LEDGER_TABLE: LEDGER,
  TMC_HEALTH_FLEET_TABLE: FLEET,
  TMC_HEALTH_EVENT_BUS: BUS,
  TMC_HEALTH_TOPIC_ARN: TOPIC,
  TMC_HEALTH_MEMBER_SILENT_AFTER_MINUTES: '45',
  POWERTOOLS_DEV: 'true',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
};

type Item = Record<string, AttributeValue>;

/** What SNS counts for a Publish. */
export function publishBytes(input: PublishCommandInput): number {
  const attributes = Object.entries(input.MessageAttributes ?? {}).reduce(
    (sum, [name, value]) =>
      sum +
      Buffer.byteLength(name) +
      Buffer.byteLength(value.DataType ?? '') +
      Buffer.byteLength(value.StringValue ?? ''),
    0,
  );
  return Buffer.byteLength(input.Message ?? '') + Buffer.byteLength(input.Subject ?? '') + attributes;
}

/** `chatTopicArn`: the hub also has a chat channel (docs/chat.md); its publishes are among `publishes`. */
export function useIntakeHandler(options: { readonly chatTopicArn?: string } = {}) {
  const dynamo = mockClient(DynamoDBClient);
  const events = mockClient(EventBridgeClient);
  const sns = mockClient(SNSClient);
  const tables = new Map<string, Map<string, Item>>();
  const table = (name: string) => tables.get(name) ?? tables.set(name, new Map()).get(name)!;
  const keyOf = (name: string, key: Item) =>
    name === FLEET ? `${key.accountId?.S}/${key.family?.S}` : (key.findingId?.S ?? '');
  const conditionFailed = (item?: Item) =>
    Object.assign(
      new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      {
        ...(item ? { Item: item } : {}),
      },
    );
  /** Every Publish SNS received, accepted or refused, with its size as SNS counts it. */
  const publishes: { input: PublishCommandInput; bytes: number }[] = [];
  /** The size of every PutEvents entry EventBridge received, accepted or refused. */
  const entrySizes: number[] = [];

  function emulate(): void {
    dynamo.on(PutItemCommand).callsFake((input: PutItemCommandInput) => {
      const rows = table(input.TableName!);
      const key = keyOf(input.TableName!, input.Item!);
      const current = rows.get(key);
      const values = input.ExpressionAttributeValues ?? {};
      let allowed = true;
      if (input.ConditionExpression === 'attribute_not_exists(findingId)') allowed = current === undefined;
      else if (input.ConditionExpression === '#sequence = :previousSequence')
        allowed = current?.sequence?.N === values[':previousSequence']?.N;
      else if (input.TableName === FLEET)
        allowed =
          current === undefined ||
          Number(current.lastReportEpochMs?.N) < Number(values[':at']?.N) ||
          (values[':future'] !== undefined &&
            Number(current.lastReportEpochMs?.N) > Number(values[':future'].N));
      if (!allowed)
        throw conditionFailed(input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' ? current : undefined);
      rows.set(key, input.Item!);
      return {};
    });
    dynamo.on(UpdateItemCommand).callsFake(() => {
      throw conditionFailed();
    });
    dynamo.on(GetItemCommand).callsFake((input: GetItemCommandInput) => {
      const item = table(input.TableName!).get(keyOf(input.TableName!, input.Key!));
      return item ? { Item: item } : {};
    });
    dynamo.on(QueryCommand).callsFake((input: QueryCommandInput) => ({
      Items: [...table(input.TableName!).values()]
        .filter((item) => item.openMarker?.S === input.ExpressionAttributeValues?.[':open']?.S)
        .map((item) => ({ findingId: item.findingId! })),
    }));
    dynamo.on(BatchGetItemCommand).callsFake((input: BatchGetItemCommandInput) => {
      const [name, request] = Object.entries(input.RequestItems!)[0]!;
      return {
        Responses: {
          [name]: (request.Keys ?? []).flatMap((key) => {
            const item = table(name).get(key.findingId!.S!);
            return item ? [item] : [];
          }),
        },
      };
    });
    dynamo.on(ScanCommand).callsFake(() => ({ Items: [...table(FLEET).values()] }));
    events.on(PutEventsCommand).callsFake((input: PutEventsCommandInput) => {
      const entries = (input.Entries ?? []).map((entry, i) => {
        const bytes = putEventsEntrySize(entry);
        entrySizes.push(bytes);
        return bytes > ENTRY_LIMIT_BYTES
          ? { ErrorCode: 'EntryTooLarge', ErrorMessage: 'Entry too large' }
          : { EventId: `id-${i}` };
      });
      return { FailedEntryCount: entries.filter((e) => 'ErrorCode' in e).length, Entries: entries };
    });
    sns.on(PublishCommand).callsFake((input: PublishCommandInput) => {
      const bytes = publishBytes(input);
      publishes.push({ input, bytes });
      if (bytes > SNS_LIMIT_BYTES) {
        throw new InvalidParameterException({
          message: 'Invalid parameter: Message too long',
          $metadata: { httpStatusCode: 400 },
        });
      }
      return { MessageId: `m-${publishes.length}` };
    });
  }

  let intake: typeof import('../../lambdas/handlers/fleet-intake');
  let watch: typeof import('../../lambdas/handlers/fleet-watch');
  useEnv({
    ...ENV,
    ...(options.chatTopicArn ? { TMC_HEALTH_CHAT_TOPIC_ARN: options.chatTopicArn } : {}),
  });
  beforeAll(async () => {
    intake = await import('../../lambdas/handlers/fleet-intake');
    watch = await import('../../lambdas/handlers/fleet-watch');
  });
  beforeEach(() => {
    dynamo.reset();
    events.reset();
    sns.reset();
    tables.clear();
    publishes.length = 0;
    entrySizes.length = 0;
    emulate();
  });

  const context = {
    functionName: 'fleet-intake',
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-central-1:${HUB_ACCOUNT}:function:fleet-intake`,
    memoryLimitInMB: '256',
    awsRequestId: 'request-1',
    getRemainingTimeInMillis: () => 300_000,
  } as unknown as Context;

  /** The report queue's batch: each body one EventBridge event (or a raw string), message ids `message-<n>`. */
  const deliverBatch = async (bodies: readonly unknown[]): Promise<SQSBatchResponse> => {
    const reply = await intake.handler(
      {
        Records: bodies.map((body, index) => ({
          messageId: `message-${index + 1}`,
          receiptHandle: `receipt-${index + 1}`,
          body: typeof body === 'string' ? body : JSON.stringify(body),
          attributes: {},
          messageAttributes: {},
          md5OfBody: '',
          eventSource: 'aws:sqs',
          eventSourceARN: `arn:aws:sqs:eu-central-1:${HUB_ACCOUNT}:reports`,
          awsRegion: 'eu-central-1',
        })),
      },
      context,
    );
    if (reply === undefined) throw new Error('the intake gave a queue batch no reply');
    return reply;
  };

  /**
   * What the bus rule hands the intake with hubIntake=direct: the event itself (anything, for hostile shapes).
   * Resolves to what the handler returned; a failure rejects, as the invocation fails.
   */
  const deliverEvent = (event: unknown): Promise<SQSBatchResponse | undefined> =>
    intake.handler(event, context);

  /** Findings the hub put on its bus (lifecycle transitions and rejections). */
  const findingEvents = (): (Finding & { transition?: string })[] =>
    events
      .commandCalls(PutEventsCommand)
      .flatMap((call) => call.args[0].input.Entries ?? [])
      .filter((entry) => entry.DetailType === 'TMC Health Finding')
      .map((entry) => JSON.parse(entry.Detail!) as Finding & { transition?: string });

  /** The open ledger entries of a member account. */
  const openIn = (accountId: string): number =>
    [...table(LEDGER).values()].filter((item) => item.openMarker?.S?.startsWith(`OPEN#${accountId}#`)).length;

  /** Every ledger item, decoded: its key, open marker, sequence and the finding it stores. */
  const ledger = () =>
    [...table(LEDGER).entries()].map(([key, item]) => ({
      key,
      openMarker: item.openMarker?.S,
      sequence: Number(item.sequence?.N),
      finding: JSON.parse(item.finding?.S ?? '{}') as Finding,
    }));

  /** Stores a heartbeat item as it is, as an older intake (or a person) could have written it. */
  const putHeartbeat = (item: Item): void => {
    table(FLEET).set(keyOf(FLEET, item), item);
  };

  /** One scheduled run of the fleet watch. */
  const runWatch = () => watch.handler({}, context);

  return {
    deliverBatch,
    deliverEvent,
    entrySizes,
    findingEvents,
    ledger,
    openIn,
    publishes,
    putHeartbeat,
    runWatch,
    sns,
  };
}
