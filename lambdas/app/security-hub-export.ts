import type { Finding } from '../core/finding';
import type { LifecycleFinding } from '../core/lifecycle/types';
import type { FindingPublisher, PublishReport, RunInfo } from '../core/publishing';
import { exportStateOf } from '../core/security-hub/asff';
import { parseFindingEvent, type SkippedEventReason } from '../core/security-hub/finding-event';

/**
 * The Security Hub export (docs/security-hub.md): the finding events the checkers put on the findings bus, as an
 * EventBridge rule hands them to the exporter function, imported into this account's Security Hub. The same ASFF
 * as when the checkers imported themselves (lambdas/core/security-hub/asff.ts): a FAIL (stateless, or a lifecycle
 * OPENED, ESCALATED or REMINDER) active, a lifecycle RESOLVED archived under the same Id, never a PASS or an
 * ERROR. The lifecycle already decided which findings changed: the exporter imports each event it is given.
 *
 * A malformed event, or one of another account, is counted and skipped: it would fail the same way again. A
 * failed import throws (the publisher's PublishError), so the invocation fails and Lambda's retries and the
 * function's failure queue see it; nothing is silenced.
 */

export interface SecurityHubExportInput {
  /** The EventBridge events of this invocation (a rule hands one). */
  readonly events: readonly unknown[];
  /** The function's account: the only one whose events and findings are imported. */
  readonly accountId: string;
  /** The function's region (Security Hub's and the product ARN's). */
  readonly region: string;
  /** Names the import in the publisher's report and errors: the invocation's request id. */
  readonly invocationId: string;
  readonly now: Date;
}

export interface SecurityHubExportReport {
  readonly received: number;
  /** Findings handed to Security Hub (FAIL active, RESOLVED archived). */
  readonly exported: number;
  /** Valid findings Security Hub does not take: PASS, ERROR (see the module comment). */
  readonly notExported: number;
  readonly skipped: Readonly<Record<SkippedEventReason, number>>;
  /** The first reason of each kind, for the log (bounded, checker-owned text). */
  readonly skippedExamples: readonly string[];
  readonly publishReport?: PublishReport;
}

export async function exportFindingEvents(
  input: SecurityHubExportInput,
  securityHub: FindingPublisher,
): Promise<SecurityHubExportReport> {
  const skipped: Record<SkippedEventReason, number> = {
    'not-a-finding-event': 0,
    'foreign-account': 0,
    malformed: 0,
  };
  const examples = new Map<SkippedEventReason, string>();
  const findings: (Finding | LifecycleFinding)[] = [];
  for (const event of input.events) {
    const parsed = parseFindingEvent(event, input.accountId);
    if (parsed.kind === 'finding') {
      findings.push(parsed.finding);
      continue;
    }
    skipped[parsed.reason] += 1;
    if (!examples.has(parsed.reason)) examples.set(parsed.reason, `${parsed.reason}: ${parsed.detail}`);
  }
  const exported = findings.filter((finding) => exportStateOf(finding) !== undefined).length;
  const base = {
    received: input.events.length,
    exported,
    notExported: findings.length - exported,
    skipped,
    skippedExamples: [...examples.values()],
  };
  if (exported === 0) return base;
  const run: RunInfo = {
    runId: input.invocationId,
    accountId: input.accountId,
    regions: [input.region],
    startedAt: input.now.toISOString(),
  };
  // Throws a PublishError naming each finding not imported: the invocation fails.
  const publishReport = await securityHub.publish(findings, run);
  return { ...base, publishReport };
}
