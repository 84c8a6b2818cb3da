import type { Finding } from '../core/finding';
import { escapeJsonText } from '../core/untrusted-text';
import type { FleetOutcome, FleetSummary } from './fleet';
import type { CliSummary } from './summary';

export interface JsonReport {
  /** Exactly as the Lambda publishes them (docs/finding-schema.json). */
  readonly findings: readonly Finding[];
  /** The credential summary's shape (counts over every finding), plus `irsa` when the IRSA check ran. */
  readonly summary: CliSummary;
}

/**
 * The whole of stdout under --json: one document, so `tmc-health check --json | jq` always parses. Values are
 * exactly as published; the control, bidi and format characters a value may hold (from CloudTrail, tags) are
 * written as `\u` escapes, which JSON.stringify leaves raw for all but C0: the same value for `jq`, nothing
 * for the terminal to act on.
 */
export function renderJson(findings: readonly Finding[], summary: CliSummary): string {
  const report: JsonReport = { findings, summary };
  return `${escapeJsonText(JSON.stringify(report, null, 2))}\n`;
}

/** `check --accounts --json`: every account's findings (each with its `accountId`) and the fleet summary. */
export interface FleetJsonReport {
  readonly findings: readonly Finding[];
  readonly summary: FleetSummary;
}

export function renderFleetJson(fleet: FleetOutcome): string {
  const report: FleetJsonReport = { findings: fleet.findings, summary: fleet.summary };
  return `${escapeJsonText(JSON.stringify(report, null, 2))}\n`;
}
