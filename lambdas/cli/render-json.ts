import type { Finding } from '../core/finding';
import type { RunSummary } from '../core/run-summary';

export interface JsonReport {
  /** Exactly as the Lambda publishes them (docs/finding-schema.json). */
  readonly findings: readonly Finding[];
  readonly summary: RunSummary;
}

/** The whole of stdout under --json: one document, so `tmc-health check --json | jq` always parses. */
export function renderJson(findings: readonly Finding[], summary: RunSummary): string {
  const report: JsonReport = { findings, summary };
  return `${JSON.stringify(report, null, 2)}\n`;
}
