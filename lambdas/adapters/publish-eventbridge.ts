import {
  PutEventsCommand,
  type EventBridgeClient,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import type { Finding } from '../core/finding';
import {
  countCodes,
  describeErrorCodes,
  PublishError,
  type FindingPublisher,
  type PublishReport,
  type RunInfo,
} from '../core/publishing';
import { backoffDelayMs, errorName, isTransientError, resolveRetry, type RetryOptions } from './retry';

/** The contract with rule authors (docs): changing either breaks every rule that matches on them. */
export const EVENT_SOURCE = 'tmc-health';
export const EVENT_DETAIL_TYPE = 'TMC Health Finding';

export const MAX_ENTRIES_PER_CALL = 10;
export const MAX_ENTRY_BYTES = 256 * 1024;
/**
 * The issue allows 1 MB per call, but EventBridge's own guide ("Calculating PutEvents event entry size") says the
 * entries batched into one request must total less than 256 KB. Staying under the stricter figure is valid for
 * both and costs nothing: a finding is a few KB, so ten of them fit many times over.
 */
export const MAX_CALL_BYTES = 256 * 1024 - 1;

/** The size EventBridge charges an entry against its limits (its documented PutEvents entry-size rule). */
export function putEventsEntrySize(entry: PutEventsRequestEntry): number {
  let size = entry.Time === undefined ? 0 : 14;
  size += Buffer.byteLength(entry.Source ?? '', 'utf8');
  size += Buffer.byteLength(entry.DetailType ?? '', 'utf8');
  if (entry.Detail !== undefined) size += Buffer.byteLength(entry.Detail, 'utf8');
  for (const resource of entry.Resources ?? []) size += Buffer.byteLength(resource, 'utf8');
  return size;
}

export function findingToEntry(finding: Finding, eventBusName: string): PutEventsRequestEntry {
  const time = new Date(finding.observedAt);
  return {
    EventBusName: eventBusName,
    Source: EVENT_SOURCE,
    DetailType: EVENT_DETAIL_TYPE,
    Detail: JSON.stringify(finding),
    Resources: finding.resource.arn ? [finding.resource.arn] : [],
    // The event time is when the problem was observed, not when it was published after retries.
    ...(Number.isNaN(time.getTime()) ? {} : { Time: time }),
  };
}

/** Splits into calls of at most `maxEntries` entries and `maxBytes` total entry size, keeping order. */
export function batchBySize<T extends { readonly size: number }>(
  items: readonly T[],
  maxEntries = MAX_ENTRIES_PER_CALL,
  maxBytes = MAX_CALL_BYTES,
): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let currentBytes = 0;
  for (const item of items) {
    if (current.length > 0 && (current.length >= maxEntries || currentBytes + item.size > maxBytes)) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(item);
    currentBytes += item.size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * Per-entry codes that will fail the same way on every retry. Anything else, unknown codes included, is retried:
 * a wasted retry is cheaper than a lost finding.
 */
const PERMANENT_ENTRY_CODES = new Set([
  'EntryTooLarge',
  'MalformedDetail',
  'InvalidArgument',
  'ValidationException',
  'AccessDeniedException',
  'NotAuthorizedForSourceException',
  'NotAuthorizedForDetailTypeException',
]);

export interface EventBridgePublisherOptions extends RetryOptions {
  /** Bus name, or ARN for a bus in another account (the client must be in the bus's region). */
  readonly eventBusName: string;
  /** Per-call byte budget; defaults to MAX_CALL_BYTES. */
  readonly maxCallBytes?: number;
}

/** One event to put; `id` names it in failures (the finding id for findings). */
export interface EventToPut {
  readonly id: string;
  readonly entry: PutEventsRequestEntry;
}

interface PendingEntry {
  readonly findingId: string;
  readonly entry: PutEventsRequestEntry;
  readonly size: number;
}

interface BatchFailure {
  readonly item: PendingEntry;
  readonly code: string;
  readonly permanent: boolean;
}

interface FailedEntry {
  readonly findingId: string;
  readonly code: string;
}

/** Publishes every finding, PASS included, as one event: consumers see the full state, not just problems. */
export class EventBridgeFindingPublisher implements FindingPublisher {
  private readonly retry;
  private readonly maxCallBytes: number;

  constructor(
    private readonly client: EventBridgeClient,
    private readonly options: EventBridgePublisherOptions,
  ) {
    this.retry = resolveRetry(options);
    this.maxCallBytes = options.maxCallBytes ?? MAX_CALL_BYTES;
  }

  /** The bus name or ARN events are put on. */
  get busName(): string {
    return this.options.eventBusName;
  }

  async publish(findings: readonly Finding[], _run: RunInfo): Promise<PublishReport> {
    return this.putEvents(
      findings.map((finding) => ({
        id: finding.findingId,
        entry: findingToEntry(finding, this.options.eventBusName),
      })),
      'findings',
    );
  }

  /** An entry for any other event this checker publishes (run summary, remediation), on the same bus and source. */
  detailEntry(
    detailType: string,
    detail: object,
    time: Date,
    resources: readonly string[] = [],
  ): PutEventsRequestEntry {
    return {
      EventBusName: this.options.eventBusName,
      Source: EVENT_SOURCE,
      DetailType: detailType,
      Detail: JSON.stringify(detail),
      Resources: [...resources],
      ...(Number.isNaN(time.getTime()) ? {} : { Time: time }),
    };
  }

  /**
   * Puts the events in size-bounded batches, retrying only the entries that failed transiently; throws a
   * PublishError naming every event (by `id`) that could not be delivered. `noun` names them in that error.
   */
  async putEvents(events: readonly EventToPut[], noun = 'events'): Promise<PublishReport> {
    const failed: FailedEntry[] = [];
    let pending: PendingEntry[] = [];
    for (const { id, entry } of events) {
      const size = putEventsEntrySize(entry);
      // Never truncate evidence to fit: a silently altered finding is worse than a loud failure.
      if (size > MAX_ENTRY_BYTES) failed.push({ findingId: id, code: 'EntryTooLarge' });
      else pending.push({ findingId: id, entry, size });
    }

    let delivered = 0;
    let apiCalls = 0;
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > 1) await this.retry.sleep(backoffDelayMs(attempt - 1, this.retry));
      const retryable: BatchFailure[] = [];
      for (const batch of batchBySize(pending, MAX_ENTRIES_PER_CALL, this.maxCallBytes)) {
        apiCalls++;
        const outcome = await this.sendBatch(batch);
        delivered += outcome.delivered;
        for (const failure of outcome.failures) {
          if (failure.permanent) failed.push({ findingId: failure.item.findingId, code: failure.code });
          else retryable.push(failure);
        }
      }
      if (attempt >= this.retry.maxAttempts) {
        failed.push(...retryable.map(({ item, code }) => ({ findingId: item.findingId, code })));
        break;
      }
      // Only what failed goes again: resending delivered entries would duplicate events downstream.
      pending = retryable.map(({ item }) => item);
    }

    if (failed.length > 0) throw this.failure(failed, events.length, delivered, apiCalls, noun);
    return { publisher: 'eventbridge', findingCount: events.length, delivered, apiCalls };
  }

  private async sendBatch(
    batch: readonly PendingEntry[],
  ): Promise<{ delivered: number; failures: BatchFailure[] }> {
    try {
      const response = await this.client.send(
        new PutEventsCommand({ Entries: batch.map((item) => item.entry) }),
      );
      const results = response.Entries ?? [];
      if ((response.FailedEntryCount ?? 0) > 0 && results.length !== batch.length) {
        // Without per-entry results we cannot tell which ones failed; resending all risks only duplicates.
        return {
          delivered: 0,
          failures: batch.map((item) => ({ item, code: 'UnreportedFailure', permanent: false })),
        };
      }
      const failures = batch.flatMap((item, index) => {
        const code = results[index]?.ErrorCode;
        return code ? [{ item, code, permanent: PERMANENT_ENTRY_CODES.has(code) }] : [];
      });
      return { delivered: batch.length - failures.length, failures };
    } catch (error) {
      // A whole-call failure: transient ones (throttling) are retried with the rest, others fail the batch now.
      const code = errorName(error);
      const permanent = !isTransientError(error);
      return { delivered: 0, failures: batch.map((item) => ({ item, code, permanent })) };
    }
  }

  private failure(
    failed: readonly FailedEntry[],
    total: number,
    delivered: number,
    apiCalls: number,
    noun: string,
  ): PublishError {
    const errorCodes = countCodes(failed.map((item) => item.code));
    const hint = errorCodes.EntryTooLarge
      ? ` (EntryTooLarge: an event is over ${MAX_ENTRY_BYTES} bytes; a finding's evidence is too big)`
      : '';
    return new PublishError(
      `EventBridge: ${failed.length} of ${total} ${noun} not published to bus ${this.options.eventBusName} ` +
        `after up to ${this.retry.maxAttempts} attempts: ${describeErrorCodes(errorCodes)}${hint}`,
      {
        publisher: 'eventbridge',
        failedCount: failed.length,
        errorCodes,
        findingIds: failed.map((f) => f.findingId),
      },
      { partialReports: [{ publisher: 'eventbridge', findingCount: total, delivered, apiCalls }] },
    );
  }
}
