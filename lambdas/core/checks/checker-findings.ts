import type { Finding } from '../finding';
import { buildFinding, type FindingScope } from '../finding-factory';
import type { ApiFailure } from '../inventory';

/** What the checker called in one region: a RegionInventory, or the IRSA check's calls attributed to a region. */
export interface RegionCalls {
  readonly region: string;
  readonly failures: readonly ApiFailure[];
  /** `service:Operation` names that were called and succeeded at least once. */
  readonly succeededOperations: readonly string[];
}

/** The message of a failing operation's checker.error finding. */
export function checkerErrorMessage(
  operation: string,
  region: string,
  first: Pick<ApiFailure, 'errorName' | 'message'>,
  failedCalls: number,
): string {
  return `The checker could not call ${operation} in ${region} (${first.errorName}: ${first.message}); ${failedCalls} call(s) failed, so the checks that depend on it are unknown.`;
}

/**
 * One `checker.error` per failing `service:Operation` in the region (many failed calls of one kind are one
 * problem), and a PASS for each operation that only succeeded, so a resolved failure is visible.
 */
export function checkerFindings(scope: FindingScope, region: RegionCalls): Finding[] {
  const byOperation = new Map<string, ApiFailure[]>();
  for (const failure of region.failures) {
    const key = `${failure.service}:${failure.operation}`;
    byOperation.set(key, [...(byOperation.get(key) ?? []), failure]);
  }
  const failed = [...byOperation.entries()].map(([operation, failures]) => {
    const first = failures[0] as ApiFailure;
    const errorNames = [...new Set(failures.map((failure) => failure.errorName))];
    const resources = [
      ...new Set(failures.flatMap((failure) => (failure.resourceArn ? [failure.resourceArn] : []))),
    ];
    return buildFinding(scope, {
      checkId: 'checker.error',
      status: 'ERROR',
      title: `${operation} failed`,
      message: checkerErrorMessage(operation, scope.region, first, failures.length),
      resource: { type: 'AWS::API::Operation', name: operation },
      resourceKey: operation,
      evidence: {
        service: first.service,
        operation: first.operation,
        errorNames,
        message: first.message,
        failedCalls: failures.length,
        resources: resources.slice(0, 10),
      },
    });
  });
  const passed = region.succeededOperations
    .filter((operation) => !byOperation.has(operation))
    .map((operation) =>
      buildFinding(scope, {
        checkId: 'checker.error',
        status: 'PASS',
        title: `${operation} succeeded`,
        message: `The checker called ${operation} in ${scope.region} without errors.`,
        resource: { type: 'AWS::API::Operation', name: operation },
        resourceKey: operation,
        evidence: { operation },
      }),
    );
  return [...failed, ...passed];
}
