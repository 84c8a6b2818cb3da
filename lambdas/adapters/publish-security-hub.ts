import {
  BatchImportFindingsCommand,
  SecurityHubClient,
  type AwsSecurityFinding,
  type BatchImportFindingsCommandInput,
  type BatchImportFindingsCommandOutput,
} from '@aws-sdk/client-securityhub';
import type { Finding } from '../core/finding';
import type { LifecycleFinding } from '../core/lifecycle/types';
import { defaultProductArn, toAsff } from '../core/security-hub/asff';
import { clientConfig } from './client-config';
import {
  countCodes,
  describeErrorCodes,
  PublishError,
  type FindingPublisher,
  type PublishReport,
  type RunInfo,
} from '../core/publishing';
import { backoffDelayMs, errorName, isTransientError, resolveRetry, type RetryOptions } from './retry';

/** BatchImportFindings takes at most 100 findings per call. */
export const MAX_FINDINGS_PER_IMPORT = 100;
/** The publisher's name in PublishReport and PublishError. */
export const SECURITY_HUB_PUBLISHER = 'securityhub';

/**
 * Per-finding and whole-call error codes that fail the same way on every retry: a malformed finding, a role
 * without securityhub:BatchImportFindings, Security Hub not enabled in the region (InvalidAccessException).
 * Anything else, unknown codes included, is retried: importing a finding again only updates it (same Id).
 */
const PERMANENT_CODES = new Set([
  'InvalidInput',
  'InvalidInputException',
  'ValidationException',
  'AccessDeniedException',
  'InvalidAccessException',
  'ResourceNotFoundException',
]);

/** One BatchImportFindings call. */
export type ImportFindings = (
  input: BatchImportFindingsCommandInput,
) => Promise<BatchImportFindingsCommandOutput>;

/**
 * BatchImportFindings through a SecurityHubClient in `region` (the shared client configuration: adaptive retry,
 * bounded attempts and timeouts, endpoints from the environment).
 */
export function securityHubImporter(region: string): ImportFindings {
  const client = new SecurityHubClient(clientConfig(region));
  return (input) => client.send(new BatchImportFindingsCommand(input));
}

export interface SecurityHubPublisherOptions extends RetryOptions {
  /** The Security Hub region (the client's): the product ARN's region. */
  readonly region: string;
  /** UpdatedAt of the findings; defaults to the clock. */
  readonly now?: () => Date;
}

interface PendingFinding {
  readonly findingId: string;
  readonly asff: AwsSecurityFinding;
}

interface Failure {
  readonly item: PendingFinding;
  readonly code: string;
  readonly permanent: boolean;
}

/**
 * Imports FAIL findings (and, handed lifecycle transitions, RESOLVED ones as archived) into Security Hub as ASFF
 * (lambdas/core/security-hub/asff.ts): batches of at most 100, only the findings that failed retried with backoff
 * (bounded by the retry policy), a PublishError naming each finding that could not be imported. PASS and ERROR
 * findings are not exported and not counted as delivered.
 */
export class SecurityHubFindingPublisher implements FindingPublisher {
  private readonly retry;
  private readonly now: () => Date;

  constructor(
    private readonly importFindings: ImportFindings,
    private readonly options: SecurityHubPublisherOptions,
  ) {
    this.retry = resolveRetry(options);
    this.now = options.now ?? (() => new Date());
  }

  async publish(findings: readonly (Finding | LifecycleFinding)[], run: RunInfo): Promise<PublishReport> {
    const context = { accountId: run.accountId, region: this.options.region, now: this.now() };
    // One import per Id: the last one of a run wins, as it would in Security Hub.
    const byId = new Map<string, PendingFinding>();
    for (const finding of findings) {
      const asff = toAsff(finding, context);
      if (asff) byId.set(asff.Id, { findingId: finding.findingId, asff });
    }
    let pending = [...byId.values()];
    const exported = pending.length;
    const failed: { findingId: string; code: string }[] = [];
    let delivered = 0;
    let apiCalls = 0;
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > 1) await this.retry.sleep(backoffDelayMs(attempt - 1, this.retry));
      const retryable: Failure[] = [];
      for (let start = 0; start < pending.length; start += MAX_FINDINGS_PER_IMPORT) {
        apiCalls++;
        const outcome = await this.importBatch(pending.slice(start, start + MAX_FINDINGS_PER_IMPORT));
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
      pending = retryable.map(({ item }) => item);
    }

    const report: PublishReport = {
      publisher: SECURITY_HUB_PUBLISHER,
      findingCount: findings.length,
      delivered,
      apiCalls,
    };
    if (failed.length > 0) throw this.failure(failed, exported, run.accountId, report);
    return report;
  }

  private async importBatch(
    batch: readonly PendingFinding[],
  ): Promise<{ delivered: number; failures: Failure[] }> {
    try {
      const response = await this.importFindings({ Findings: batch.map((item) => item.asff) });
      const failedCount = response.FailedCount ?? 0;
      const reported = new Map((response.FailedFindings ?? []).map((f) => [f.Id ?? '', f.ErrorCode ?? '']));
      const failures = batch.flatMap((item) => {
        const code = reported.get(item.asff.Id ?? '');
        return code === undefined
          ? []
          : [{ item, code: code || 'UnknownError', permanent: PERMANENT_CODES.has(code) }];
      });
      if (failures.length < failedCount) {
        // More failures than named: which ones is unknown. Importing again only updates, so retry them all.
        return {
          delivered: 0,
          failures: batch.map((item) => ({ item, code: 'UnreportedFailure', permanent: false })),
        };
      }
      return { delivered: batch.length - failures.length, failures };
    } catch (error) {
      // A whole-call failure: transient ones (throttling) are retried with the rest, others fail the batch now.
      const code = errorName(error);
      const permanent = PERMANENT_CODES.has(code) || !isTransientError(error);
      return { delivered: 0, failures: batch.map((item) => ({ item, code, permanent })) };
    }
  }

  private failure(
    failed: readonly { findingId: string; code: string }[],
    exported: number,
    accountId: string,
    report: PublishReport,
  ): PublishError {
    const productArn = defaultProductArn(this.options.region, accountId);
    const errorCodes = countCodes(failed.map((item) => item.code));
    const hints: string[] = [];
    if (errorCodes.InvalidAccessException) {
      hints.push(
        `InvalidAccessException: Security Hub is not enabled in ${this.options.region} for this account ` +
          `(aws securityhub enable-security-hub --region ${this.options.region}), or turn securityHubExport off`,
      );
    }
    if (errorCodes.AccessDeniedException) {
      hints.push(`AccessDeniedException: the role needs securityhub:BatchImportFindings on ${productArn}`);
    }
    return new PublishError(
      `Security Hub: ${failed.length} of ${exported} findings not imported into ${productArn} after up to ` +
        `${this.retry.maxAttempts} attempts: ${describeErrorCodes(errorCodes)}` +
        (hints.length > 0 ? ` (${hints.join('; ')})` : ''),
      {
        publisher: SECURITY_HUB_PUBLISHER,
        failedCount: failed.length,
        errorCodes,
        findingIds: failed.map((item) => item.findingId),
      },
      { partialReports: [report] },
    );
  }
}

/** The publisher for `region` (the function's) with its client, created once per container. */
export function createSecurityHubPublisher(region: string): SecurityHubFindingPublisher {
  return new SecurityHubFindingPublisher(securityHubImporter(region), { region });
}
