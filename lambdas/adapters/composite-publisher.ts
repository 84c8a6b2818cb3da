import type { Finding } from '../core/finding';
import { PublishError, type FindingPublisher, type PublishReport, type RunInfo } from '../core/publishing';

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
      addErrorCodes(codes, error.errorCodes);
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

/** Adds `more`'s counts of each error code to `codes` (the failures of several publishes, in one PublishError). */
export function addErrorCodes(codes: Record<string, number>, more: Readonly<Record<string, number>>): void {
  for (const [code, count] of Object.entries(more)) codes[code] = (codes[code] ?? 0) + count;
}
