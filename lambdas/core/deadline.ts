import type { Finding } from './finding';

/** The error name of a call the checker did not start because the run's deadline had passed. */
export const DEADLINE_ERROR_NAME = 'DeadlineExceeded';

/**
 * Whether an ERROR finding was caused by the run deadline: its failure (checker.error's `errorNames`, a check's
 * `error` or `roleLookupError` text, as built by describeFailure) is a DeadlineExceeded one.
 */
export function isDeadlineFinding(finding: Finding): boolean {
  if (finding.status !== 'ERROR') return false;
  const { evidence } = finding;
  if (Array.isArray(evidence.errorNames) && evidence.errorNames.includes(DEADLINE_ERROR_NAME)) return true;
  return [evidence.error, evidence.roleLookupError].some(
    (text) => typeof text === 'string' && text.includes(`with ${DEADLINE_ERROR_NAME}:`),
  );
}

/** How many findings the deadline left ERROR: what `uncheckedAtDeadline` reports. */
export function countUncheckedAtDeadline(findings: readonly Finding[]): number {
  return findings.filter(isDeadlineFinding).length;
}
