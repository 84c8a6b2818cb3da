/**
 * The hub's heartbeat per member account and check family (docs/organizations.md): when the member last
 * reported, and what its last run found. The fleet intake writes one per run report (lambdas/adapters/fleet/
 * heartbeat-store.ts), the fleet watch reads them all and turns silence into `fleet.member.silent` findings
 * (evaluate-fleet.ts). Plain data only.
 */
import type { ReportedFamily, RunReport } from './run-report-types';

/** What the hub knows about one member's checker of one family. */
export interface MemberHeartbeat {
  readonly accountId: string;
  readonly family: ReportedFamily;
  /** The last report's `finishedAt` (the member's clock), ISO-8601 in UTC. */
  readonly lastReportAt: string;
  readonly runId: string;
  /** Every region that run examined. */
  readonly regions: readonly string[];
  /** FAIL findings of that run (the parts received so far, when it was split). */
  readonly failing: number;
  /** ERROR findings of that run. */
  readonly errored: number;
  /** Every finding of that run, PASS included. */
  readonly findingCount: number;
  /** Parts the run was split into (1 unless split by region), and how many of them reached the hub. */
  readonly parts: number;
  readonly partsReceived: number;
}

/** A stored heartbeat that could not be read back: skipped by the watch, reported as ERROR, never as silence. */
export interface UnreadableHeartbeat {
  /** As stored (the table's keys are always strings, though not necessarily a valid account or family). */
  readonly accountId: string;
  readonly family: string;
  readonly reason: string;
}

/** One report part's contribution to its member's heartbeat. */
export interface HeartbeatUpdate {
  readonly accountId: string;
  readonly family: ReportedFamily;
  /** `finishedAt` normalised to `toISOString()`, so stored values compare in time order as strings. */
  readonly reportedAt: string;
  readonly runId: string;
  readonly regions: readonly string[];
  readonly part: number;
  readonly parts: number;
  readonly failing: number;
  readonly errored: number;
  readonly findingCount: number;
}

/** The heartbeat a report part writes; throws RangeError for a `finishedAt` that is not a date. */
export function heartbeatUpdateOf(report: RunReport): HeartbeatUpdate {
  const finished = new Date(report.finishedAt);
  if (Number.isNaN(finished.getTime())) {
    throw new RangeError(`run report ${report.runId}: finishedAt is not a date: ${report.finishedAt}`);
  }
  return {
    accountId: report.accountId,
    family: report.family,
    reportedAt: finished.toISOString(),
    runId: report.runId,
    regions: report.regions,
    part: report.part,
    parts: report.parts,
    failing: report.findings.filter((finding) => finding.status === 'FAIL').length,
    errored: report.findings.filter((finding) => finding.status === 'ERROR').length,
    findingCount: report.findings.length,
  };
}
