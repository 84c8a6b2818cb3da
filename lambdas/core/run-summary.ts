import { SEVERITIES, STATUSES, type Finding, type Severity, type Status } from './finding';
import type { ApiFailure, InventorySnapshot, SkippedRecord } from './inventory';

export interface RunSummary {
  readonly accountId: string;
  readonly regions: readonly string[];
  readonly credentials: number;
  readonly findings: number;
  readonly byStatus: Readonly<Record<Status, number>>;
  /** Severities of problems (FAIL and ERROR) only. */
  readonly problemsBySeverity: Readonly<Record<Severity, number>>;
  /** Malformed API records counted and skipped. */
  readonly skippedRecords: number;
  /** `service:Operation` names that failed, by region. */
  readonly failedOperations: readonly string[];
  /**
   * Present when this run did not read the CloudWatch metrics (once per `metricsIntervalMinutes`): the first run
   * after this time (ISO-8601) reads them; until then the invocation, error and throttle checks are not run.
   */
  readonly metricsNextReadAfter?: string;
}

export function summarizeRun(snapshot: InventorySnapshot, findings: readonly Finding[]): RunSummary {
  const byStatus = Object.fromEntries(STATUSES.map((status) => [status, 0])) as Record<Status, number>;
  const problemsBySeverity = Object.fromEntries(SEVERITIES.map((severity) => [severity, 0])) as Record<
    Severity,
    number
  >;
  for (const finding of findings) {
    byStatus[finding.status] += 1;
    if (finding.status !== 'PASS') problemsBySeverity[finding.severity] += 1;
  }
  const credentials = new Set(
    findings.flatMap((finding) => (finding.tmc ? [`${finding.region}/${finding.tmc.credentialName}`] : [])),
  );
  return {
    accountId: snapshot.accountId,
    regions: snapshot.regions.map((region) => region.region),
    credentials: credentials.size,
    findings: findings.length,
    byStatus,
    problemsBySeverity,
    skippedRecords: snapshot.regions.reduce((sum, region) => sum + region.skipped.length, 0),
    failedOperations: [
      ...new Set(
        snapshot.regions.flatMap((region) =>
          region.failures.map((f) => `${region.region} ${f.service}:${f.operation}`),
        ),
      ),
    ],
  };
}

/** One region's reads of a family that runs inside the credential check (the EKS Connector, Pod Identity). */
export interface FamilyRegionCalls {
  readonly region: string;
  readonly failures: readonly ApiFailure[];
  readonly skipped: readonly SkippedRecord[];
}

/**
 * The run summary with a family's reads added: their skipped records and their failed operations
 * (`<region> service:Operation`, as summarizeRun lists the inventory's), each once.
 */
export function withFamilyCalls(summary: RunSummary, regions: readonly FamilyRegionCalls[]): RunSummary {
  const failed = regions.flatMap((region) =>
    region.failures.map((failure) => `${region.region} ${failure.service}:${failure.operation}`),
  );
  return {
    ...summary,
    skippedRecords: summary.skippedRecords + regions.reduce((sum, region) => sum + region.skipped.length, 0),
    failedOperations: [...new Set([...summary.failedOperations, ...failed])],
  };
}
