import type { Finding } from '../finding';
import { remediationOf } from '../finding-factory';
import type { RunReport } from './run-report-types';

/**
 * A member's report, its findings' remediation restated from the hub's own catalogue, with the hub's runbook base.
 *
 * A member writes every field of its report, the remediation too. Any principal of the organization that can put
 * a report on the hub bus could otherwise tell the hub's readers what to run ("What to do"), whom to call ("Who can
 * fix it") and where to read up ("Runbook"), in the hub's own digest. The check id is validated and the catalogue
 * is the one place remediation comes from (buildFinding), so the restated text is what an honest member sent.
 */
export function withHubRemediation(report: RunReport, runbookBaseUrl: string): RunReport {
  return { ...report, findings: report.findings.map((finding) => restated(finding, runbookBaseUrl)) };
}

function restated(finding: Finding, runbookBaseUrl: string): Finding {
  return { ...finding, remediation: remediationOf(finding.checkId, finding.status, runbookBaseUrl) };
}
