import type { IrsaRunSummary } from '../app/irsa-check';
import { SEVERITIES, STATUSES, type Finding, type Severity, type Status } from '../core/finding';
import type { RunSummary } from '../core/run-summary';

/**
 * The `summary` of `--json`: the credential check's RunSummary shape, unchanged for existing consumers, plus an
 * `irsa` key when the IRSA check ran. `findings`, `byStatus` and `problemsBySeverity` count every finding in the
 * document (so they agree with `findings` and with the exit code); `skippedRecords` and `failedOperations` cover
 * both checks too. `credentials` and `regions` are the credential check's (0 and [] when it did not run); the
 * regions IRSA scanned are in `irsa.regions`.
 */
export interface CliSummary extends RunSummary {
  readonly irsa?: IrsaRunSummary;
}

export interface SummaryParts {
  readonly accountId: string;
  /** Every finding of the run, all families. */
  readonly findings: readonly Finding[];
  readonly tmc?: RunSummary;
  readonly irsa?: IrsaRunSummary;
}

export function combineSummaries(parts: SummaryParts): CliSummary {
  const byStatus = Object.fromEntries(STATUSES.map((status) => [status, 0])) as Record<Status, number>;
  const problemsBySeverity = Object.fromEntries(SEVERITIES.map((severity) => [severity, 0])) as Record<
    Severity,
    number
  >;
  for (const finding of parts.findings) {
    byStatus[finding.status] += 1;
    if (finding.status !== 'PASS') problemsBySeverity[finding.severity] += 1;
  }
  return {
    accountId: parts.accountId,
    regions: parts.tmc?.regions ?? [],
    credentials: parts.tmc?.credentials ?? 0,
    findings: parts.findings.length,
    byStatus,
    problemsBySeverity,
    skippedRecords: (parts.tmc?.skippedRecords ?? 0) + (parts.irsa?.skippedRecords ?? 0),
    failedOperations: [
      ...new Set([...(parts.tmc?.failedOperations ?? []), ...(parts.irsa?.failedOperations ?? [])]),
    ],
    ...(parts.irsa ? { irsa: parts.irsa } : {}),
  };
}
