import type { FleetBatchResult } from '../../lambdas/app/fleet-intake';
import {
  EVENT_WITHOUT_ID,
  IntakeShapeError,
  MAX_INTAKE_RECORDS,
  MAX_MESSAGE_ID_CHARS,
  intakeInvocationOf,
  intakeReply,
} from '../../lambdas/app/fleet-intake-invocation';
import { hasUnsafeCharacters } from '../../lambdas/core/untrusted-text';
import { sqsRecord } from '../fixtures/sqs-record';

/** The hub intake's two invocation shapes (hubIntake=queue: an SQS batch; hubIntake=direct: one event). */

const runReport = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'TMC Health Run Report',
  source: 'tmc-health',
  account: '111122223333',
  time: '2026-12-08T01:00:00Z',
  region: 'eu-central-1',
  resources: [],
  detail: { schemaVersion: 1, encoding: 'gzip+base64', data: 'H4sI' },
};

const batchOf = (records: FleetBatchResult['records']): FleetBatchResult => ({
  records,
  batchItemFailures: records.filter((r) => !r.ok).map((r) => ({ itemIdentifier: r.messageId })),
  digests: [],
});

describe('intakeInvocationOf', () => {
  test('an SQS batch: its messages as they are, in order, ids untouched (SQS matches failures by them)', () => {
    const event = { Records: [sqsRecord('m-1', 'one'), sqsRecord('m\u202e-2', 'two')] };
    expect(intakeInvocationOf(event)).toEqual({
      shape: 'queue',
      records: [
        { messageId: 'm-1', body: 'one' },
        { messageId: 'm\u202e-2', body: 'two' },
      ],
    });
    expect(intakeInvocationOf({ Records: [] })).toEqual({ shape: 'queue', records: [] });
  });

  test('one EventBridge event: one record, its id and the event as the queue would have carried it', () => {
    const invocation = intakeInvocationOf(runReport);
    expect(invocation.shape).toBe('event');
    expect(invocation.records).toHaveLength(1);
    const [record] = invocation.records;
    expect(record.messageId).toBe(runReport.id);
    // The same body the rule's SQS target would have put on the queue: the whole event, fields untouched.
    expect(JSON.parse(record.body)).toEqual(runReport);
  });

  test.each<[string, unknown]>([
    ['no id', undefined],
    ['an empty id', ''],
    ['a numeric id', 42],
    ['an object id', { toString: 'x' }],
  ])('an event with %s: a fixed message id; the body still carries what it had', (_name, id) => {
    const event = { ...runReport, id };
    const [record] = intakeInvocationOf(event).records;
    expect(record.messageId).toBe(EVENT_WITHOUT_ID);
    expect(JSON.parse(record.body)).toEqual(JSON.parse(JSON.stringify(event)));
  });

  test('an event id is cleaned and bounded before it is logged as the message id', () => {
    const [record] = intakeInvocationOf({
      ...runReport,
      id: `\u001b]0;owned\u0007${'x'.repeat(5_000)}`,
    }).records;
    expect(record.messageId.length).toBeLessThanOrEqual(MAX_MESSAGE_ID_CHARS);
    expect(hasUnsafeCharacters(record.messageId)).toBe(false);
    expect(record.messageId.startsWith('\\u001b]0;owned')).toBe(true);
  });

  test.each<[string, unknown, RegExp]>([
    ['undefined', undefined, /invoked with nothing/],
    ['null', null, /invoked with null/],
    ['a string', 'Records', /invoked with a string/],
    ['an array', [runReport], /invoked with an array/],
    ['an object of neither shape', { source: 'tmc-health', detail: {} }, /neither Records nor detail-type/],
    ['both shapes at once', { ...runReport, Records: [] }, /both Records and detail-type/],
    ['Records that are not a list', { Records: { 0: sqsRecord('m', 'b') } }, /Records is an object/],
    ['a record without a body', { Records: [{ ...sqsRecord('m', 'b'), body: undefined }] }, /record 1/],
    [
      'a record with a numeric id',
      { Records: [sqsRecord('m', 'b'), { ...sqsRecord('m', 'b'), messageId: 2 }] },
      /record 2/,
    ],
    [
      'a record of another source',
      { Records: [{ ...sqsRecord('m', 'b'), eventSource: 'aws:kinesis' }] },
      /record 1/,
    ],
    ['a record that is a string', { Records: ['{"body":"x"}'] }, /record 1 is not an SQS message/],
  ])('refused as a whole: %s', (_name, event, message) => {
    expect(() => intakeInvocationOf(event)).toThrow(IntakeShapeError);
    expect(() => intakeInvocationOf(event)).toThrow(message);
  });

  test('a batch larger than any event source mapping hands over is refused before a record is read', () => {
    const records = new Array<unknown>(MAX_INTAKE_RECORDS + 1);
    expect(() => intakeInvocationOf({ Records: records })).toThrow(/10001 records, more than/);
    const full = Array.from({ length: MAX_INTAKE_RECORDS }, (_, i) => sqsRecord(`m-${i}`, '{}'));
    expect(intakeInvocationOf({ Records: full }).records).toHaveLength(MAX_INTAKE_RECORDS);
  });
});

describe('intakeReply', () => {
  const ok = (messageId: string) => ({ messageId, ok: true as const, result: {} as never });
  const failed = (messageId: string, error: unknown) => ({ messageId, ok: false as const, error });

  test('a queue batch: its batch item failures, nothing thrown', () => {
    const queue = intakeInvocationOf({ Records: [sqsRecord('a', '{}'), sqsRecord('b', '{}')] });
    expect(intakeReply(queue, batchOf([ok('a'), failed('b', new Error('ledger down'))]))).toEqual({
      batchItemFailures: [{ itemIdentifier: 'b' }],
    });
    expect(intakeReply(queue, batchOf([ok('a'), ok('b')]))).toEqual({ batchItemFailures: [] });
  });

  test('a direct event: no reply when it went through; its own error thrown when it failed', () => {
    const direct = intakeInvocationOf(runReport);
    expect(intakeReply(direct, batchOf([ok(runReport.id)]))).toBeUndefined();
    const error = new Error('EventBridge refused the findings');
    expect(() => intakeReply(direct, batchOf([failed(runReport.id, error)]))).toThrow(error);
    expect(() => intakeReply(direct, batchOf([failed(runReport.id, 'a string')]))).toThrow('a string');
  });
});
