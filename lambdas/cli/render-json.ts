import type { Finding } from '../core/finding';
import type { FleetOutcome, FleetSummary } from './fleet';
import type { CliSummary } from './summary';

export interface JsonReport {
  /** Exactly as the Lambda publishes them (docs/finding-schema.json). */
  readonly findings: readonly Finding[];
  /** The credential summary's shape (counts over every finding), plus `irsa` when the IRSA check ran. */
  readonly summary: CliSummary;
}

/** The whole of stdout under --json: one document, so `tmc-health check --json | jq` always parses. */
export function renderJson(findings: readonly Finding[], summary: CliSummary): string {
  const report: JsonReport = { findings, summary };
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** `check --accounts --json`: every account's findings (each with its `accountId`) and the fleet summary. */
export interface FleetJsonReport {
  readonly findings: readonly Finding[];
  readonly summary: FleetSummary;
}

export function renderFleetJson(fleet: FleetOutcome): string {
  const report: FleetJsonReport = { findings: fleet.findings, summary: fleet.summary };
  return `${JSON.stringify(report, null, 2)}\n`;
}
