import type { SQSBatchResponse } from 'aws-lambda';
import { cleanLine } from '../core/untrusted-text';
import type { FleetBatchRecord, FleetBatchResult } from './fleet-intake';

/**
 * What invoked the hub's fleet intake (lambdas/handlers/fleet-intake.ts), whichever way the hub takes its reports
 * in (`hubIntake`, docs/organizations.md):
 *
 * - `queue`: an SQS batch from the report queue's event source mapping, each message body one EventBridge event.
 *   The reply lists the messages SQS must deliver again (batch item failures).
 * - `direct`: one EventBridge event, the bus rule invoking the function asynchronously. It becomes the one record
 *   `{ messageId: event.id, body: JSON.stringify(event) }`, the very body the queue would have carried, so
 *   runFleetIntakeBatch checks it exactly as it checks a queue message (its sender account, limits, clock). A
 *   failure throws: Lambda retries the event, then puts it on the function's failure queue (alarmed).
 *
 * Anything else (a primitive, an array, an object of neither shape, a batch larger than any event source mapping
 * hands over, a record without a string `messageId` and `body`) was not sent by the hub's own wiring: it is refused
 * as a whole with an IntakeShapeError before any of it is read, so the invocation fails and the errors alarm, and
 * then the failure queue, show it.
 */

/** The most records one SQS invocation holds: the event source mapping's largest batch for a standard queue. */
export const MAX_INTAKE_RECORDS = 10_000;
/** The longest event id kept, for the log (EventBridge's are 36-character UUIDs). */
export const MAX_MESSAGE_ID_CHARS = 128;
/** The message id of a direct event without a usable `id` (runFleetIntakeBatch then rejects it or not, as usual). */
export const EVENT_WITHOUT_ID = 'event-without-id';

export type IntakeInvocation =
  | { readonly shape: 'queue'; readonly records: readonly FleetBatchRecord[] }
  | { readonly shape: 'event'; readonly records: readonly [FleetBatchRecord] };

/** The invocation is neither an SQS batch nor one EventBridge event. */
export class IntakeShapeError extends Error {
  override readonly name = 'IntakeShapeError';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** The invocation's records, whichever shape it came in; throws IntakeShapeError for any other shape. */
export function intakeInvocationOf(event: unknown): IntakeInvocation {
  const expected = 'expected an SQS batch of run reports or one EventBridge run report event';
  if (!isObject(event))
    throw new IntakeShapeError(`the intake was invoked with ${describe(event)}: ${expected}`);
  const hasRecords = Object.hasOwn(event, 'Records');
  const hasDetailType = Object.hasOwn(event, 'detail-type');
  if (hasRecords && hasDetailType) {
    throw new IntakeShapeError(`the invocation has both Records and detail-type: ${expected}`);
  }
  if (hasRecords) return { shape: 'queue', records: queueRecords(event.Records, expected) };
  if (hasDetailType) return { shape: 'event', records: [eventRecord(event)] };
  throw new IntakeShapeError(`the invocation has neither Records nor detail-type: ${expected}`);
}

function queueRecords(records: unknown, expected: string): FleetBatchRecord[] {
  if (!Array.isArray(records)) throw new IntakeShapeError(`Records is ${describe(records)}: ${expected}`);
  if (records.length > MAX_INTAKE_RECORDS) {
    throw new IntakeShapeError(
      `${records.length} records, more than an event source mapping hands over (${MAX_INTAKE_RECORDS})`,
    );
  }
  return records.map((record: unknown, index) => {
    if (
      !isObject(record) ||
      record.eventSource !== 'aws:sqs' ||
      typeof record.messageId !== 'string' ||
      typeof record.body !== 'string'
    ) {
      throw new IntakeShapeError(
        `record ${index + 1} is not an SQS message (eventSource aws:sqs, a string messageId and body): ${expected}`,
      );
    }
    // Kept as it is: SQS matches the batch item failures by it.
    return { messageId: record.messageId, body: record.body };
  });
}

function eventRecord(event: Record<string, unknown>): FleetBatchRecord {
  const { id } = event;
  return {
    messageId: typeof id === 'string' && id !== '' ? cleanLine(id, MAX_MESSAGE_ID_CHARS) : EVENT_WITHOUT_ID,
    body: JSON.stringify(event),
  };
}

/**
 * The handler's reply once the batch ran: the batch item failures of a queue batch; nothing for a direct event,
 * whose failure is thrown instead (the report's own error), so Lambda retries it.
 */
export function intakeReply(
  invocation: IntakeInvocation,
  batch: FleetBatchResult,
): SQSBatchResponse | undefined {
  if (invocation.shape === 'queue') return { batchItemFailures: [...batch.batchItemFailures] };
  const failed = batch.records.find((record) => !record.ok);
  if (failed === undefined || failed.ok) return undefined;
  throw failed.error instanceof Error ? failed.error : new Error(String(failed.error));
}
