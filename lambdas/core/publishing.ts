import type { Finding } from './finding';

/**
 * The delivery contracts every publisher implements (lambdas/adapters) and every run uses (lambdas/app): no SDK
 * here, so the core's notification text, the app's runs and the adapters share one definition of a run and of a
 * failed delivery.
 */

/** What every publisher (and the notification text) needs to know about the run besides the findings themselves. */
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
