import { remediationText, CATALOGUE } from './catalogue';
import { CHECK_READS, type CheckRead } from './check-reads';
import { describeFailure } from './credential-view';
import type { Finding } from './finding';
import { carryResourceKey } from './finding-factory';
import { GLOBAL_REGION, type ApiFailure } from './inventory';

/** What the run's reads came to: every failed call, and who owns the resources the calls were about. */
export interface ReadOutcome {
  readonly failures: readonly ApiFailure[];
  /** The credential a resource ARN belongs to, when the inventory knows it. */
  readonly ownerOf?: (arn: string) => string | undefined;
}

/**
 * No PASS without proof: a PASS finding whose check rests on a read (CHECK_READS) that failed in this run, for
 * this finding's region, credential or resource, becomes ERROR naming the failed call. Checks compute their
 * status from what they saw; this rule holds for all of them, including ones written later, so a check can
 * never report "healthy" from data that is only partly there. Only PASS is touched: a FAIL is already a
 * problem someone must look at, and an ERROR already says the checker could not look.
 */
export function requireProof(findings: readonly Finding[], outcome: ReadOutcome): Finding[] {
  if (outcome.failures.length === 0) return [...findings];
  return findings.map((finding) => {
    if (finding.status !== 'PASS') return finding;
    const voiding = CHECK_READS[finding.checkId].flatMap((read) =>
      outcome.failures.filter((failure) => voids(read, failure, finding, outcome)),
    );
    return voiding.length === 0 ? finding : unconfirmed(finding, voiding);
  });
}

function operationOf(failure: ApiFailure): string {
  return `${failure.service}:${failure.operation}`;
}

function failureArns(failure: ApiFailure): readonly string[] {
  return failure.resourceArn !== undefined ? [failure.resourceArn] : (failure.resourceArns ?? []);
}

function voids(read: CheckRead, failure: ApiFailure, finding: Finding, outcome: ReadOutcome): boolean {
  if (operationOf(failure) !== read.operation) return false;
  if (failure.region !== finding.region && failure.region !== GLOBAL_REGION) return false;
  const arns = failureArns(failure);
  // A call about no particular resource (a listing, a batch that named none) concerns everything it covers.
  if (read.scope === 'region' || arns.length === 0) return true;
  if (read.scope === 'resource' && finding.resource.arn !== undefined) {
    return arns.includes(finding.resource.arn);
  }
  const credential = finding.tmc?.credentialName;
  if (credential === undefined) return true;
  // A resource whose owner is unknown might be this credential's: unknown is never healthy.
  return arns.some((arn) => {
    const owner = outcome.ownerOf?.(arn);
    return owner === undefined || owner === credential;
  });
}

function unconfirmed(finding: Finding, failures: readonly ApiFailure[]): Finding {
  const first = failures[0] as ApiFailure;
  const error = describeFailure(first);
  const operations = [...new Set(failures.map(operationOf))];
  return carryResourceKey(finding, {
    ...finding,
    status: 'ERROR',
    severity: CATALOGUE[finding.checkId].defaultSeverity,
    title: `${finding.title} (unconfirmed)`,
    message: `Not confirmed, so not reported as healthy: ${error}, and this check rests on that read. The other reads showed: ${finding.message}`,
    evidence: { ...finding.evidence, error, unconfirmedBy: operations },
    remediation: { ...finding.remediation, text: remediationText(finding.checkId) },
  });
}
