import type { CheckId, Component, Severity } from './finding';

/**
 * One check's catalogue entry (lambdas/core/catalogue.ts), what its findings are built from: kept apart so each
 * family's entries can live with it.
 */
export interface CheckDefinition {
  readonly id: CheckId;
  readonly component?: Component;
  /** Severity of a FAIL unless the evaluation has a reason to raise or lower it for one resource. */
  readonly defaultSeverity: Severity;
  readonly whoCanFix: string;
  readonly steps: readonly string[];
}

/** One check in words (lambdas/core/check-descriptions.ts), for docs/checks.md, `tmc-health explain` and chat messages. */
export interface CheckDescription {
  readonly name: string;
  readonly verifies: string;
  /** What a failure means for the credential (its TMC phase) or for the checker. */
  readonly meaning: string;
}
