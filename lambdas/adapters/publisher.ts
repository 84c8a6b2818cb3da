import type { Finding } from '../core/finding';

/** What every publisher needs to know about the run besides the findings themselves. */
export interface RunInfo {
  readonly runId: string;
  readonly accountId: string;
  readonly regions: readonly string[];
  /** ISO-8601. */
  readonly startedAt: string;
}

export interface PublishReport {
  /** e.g. `eventbridge`, `sns`, `composite`. */
  readonly publisher: string;
  /** Findings this publisher was handed. */
  readonly findingCount: number;
  /** Units delivered: one per event for EventBridge, one per message for SNS. */
  readonly delivered: number;
  /** AWS API calls made, retries included: a cost and throttling signal for the run's log line. */
  readonly apiCalls: number;
  /** Present on a composite: one report per wrapped publisher, in order. */
  readonly parts?: readonly PublishReport[];
}

/**
 * The single seam between the checker and its outputs. Kept to one method so filters (e.g. a lifecycle stage
 * that forwards only state transitions) can wrap any publisher, or a composite of them, transparently.
 * Implementations throw PublishError when something could not be delivered: the run must fail loudly so the
 * Lambda's asynchronous failure destination sees it.
 */
export interface FindingPublisher {
  publish(findings: readonly Finding[], run: RunInfo): Promise<PublishReport>;
}

export interface PublishFailureDetails {
  readonly publisher: string;
  /** Findings (EventBridge) or messages (SNS) not delivered. */
  readonly failedCount: number;
  /** How many failures per error code, e.g. `{ ThrottlingException: 2 }`. */
  readonly errorCodes: Readonly<Record<string, number>>;
  /** The undelivered findings, when the failure is per finding. */
  readonly findingIds: readonly string[];
}

export class PublishError extends Error implements PublishFailureDetails {
  readonly publisher: string;
  readonly failedCount: number;
  readonly errorCodes: Readonly<Record<string, number>>;
  readonly findingIds: readonly string[];
  /** What did get through before the failure (a composite's successful parts, for instance). */
  readonly partialReports: readonly PublishReport[];

  constructor(
    message: string,
    details: PublishFailureDetails,
    options: { cause?: unknown; partialReports?: readonly PublishReport[] } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PublishError';
    this.publisher = details.publisher;
    this.failedCount = details.failedCount;
    this.errorCodes = details.errorCodes;
    this.findingIds = details.findingIds;
    this.partialReports = options.partialReports ?? [];
  }
}

/** `{ A: 2, B: 1 }` -> `A x2, B x1`, most frequent first: for error messages people read. */
export function describeErrorCodes(codes: Readonly<Record<string, number>>): string {
  return Object.entries(codes)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([code, count]) => `${code} x${count}`)
    .join(', ');
}

export function countCodes(codes: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const code of codes) counts[code] = (counts[code] ?? 0) + 1;
  return counts;
}

/**
 * Runs every publisher even when one fails, so an EventBridge outage does not also swallow the email (and vice
 * versa); then fails with one PublishError describing every failure.
 */
export class CompositePublisher implements FindingPublisher {
  constructor(private readonly publishers: readonly FindingPublisher[]) {}

  async publish(findings: readonly Finding[], run: RunInfo): Promise<PublishReport> {
    const settled = await Promise.allSettled(
      this.publishers.map((publisher) => publisher.publish(findings, run)),
    );
    const reports: PublishReport[] = [];
    const errors: unknown[] = [];
    for (const outcome of settled) {
      if (outcome.status === 'fulfilled') reports.push(outcome.value);
      else errors.push(outcome.reason);
    }
    if (errors.length > 0) throw compositeError(errors, reports);
    return {
      publisher: 'composite',
      findingCount: findings.length,
      delivered: reports.reduce((sum, report) => sum + report.delivered, 0),
      apiCalls: reports.reduce((sum, report) => sum + report.apiCalls, 0),
      parts: reports,
    };
  }
}

function compositeError(errors: readonly unknown[], reports: readonly PublishReport[]): PublishError {
  const codes: Record<string, number> = {};
  const findingIds: string[] = [];
  let failedCount = 0;
  const messages: string[] = [];
  for (const error of errors) {
    if (error instanceof PublishError) {
      failedCount += error.failedCount;
      findingIds.push(...error.findingIds);
      for (const [code, count] of Object.entries(error.errorCodes)) codes[code] = (codes[code] ?? 0) + count;
      messages.push(error.message);
    } else {
      // A bug rather than a delivery failure: still counted, so the run fails with everything in one place.
      const name = error instanceof Error ? error.name : 'UnknownError';
      failedCount += 1;
      codes[name] = (codes[name] ?? 0) + 1;
      messages.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    }
  }
  return new PublishError(
    `${errors.length} of ${errors.length + reports.length} publishers failed: ${messages.join(' | ')}`,
    { publisher: 'composite', failedCount, errorCodes: codes, findingIds },
    { cause: new AggregateError(errors, 'publisher failures'), partialReports: reports },
  );
}
