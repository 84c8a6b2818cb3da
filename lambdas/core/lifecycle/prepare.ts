import type { CheckId, Finding } from '../finding';
import { buildFinding, type FindingScope } from '../finding-factory';
import { planTransitions, type LifecyclePlan, type LifecycleSettings } from './plan-transitions';
import { detectStorm, type Storm, type StormSettings } from './storm';
import { matchingSuppression, type Suppression } from './suppressions';
import type { LedgerEntry, LifecycleFinding } from './types';

/**
 * The pure half of a lifecycle run: plan the transitions, mark the suppressed ones, detect a storm. The app layer
 * (lambdas/app/lifecycle-stage.ts) loads the ledger before and publishes and commits after.
 */

export interface PrepareInput {
  readonly findings: readonly Finding[];
  readonly ledger: ReadonlyMap<string, LedgerEntry>;
  readonly now: Date;
  readonly settings: LifecycleSettings & StormSettings;
  readonly suppressions: readonly Suppression[];
  /** Regions this run looked at completely (see `regionCoverage`). */
  readonly coveredRegions: readonly string[];
  /** Checks this run did not look at anywhere (see `regionCoverage`). */
  readonly unreadChecks?: readonly CheckId[];
}

export interface PreparedRun {
  readonly plan: LifecyclePlan;
  /** Every transition's event, in plan order, suppressed ones marked SUPPRESSED: all go to EventBridge. */
  readonly events: readonly LifecycleFinding[];
  /** Kept out of SNS. */
  readonly suppressedIds: ReadonlySet<string>;
  /** Detected over the non-suppressed transitions only: a muted problem does not make an incident. */
  readonly storm?: Storm;
}

export function prepareRun(input: PrepareInput): PreparedRun {
  const plan = planTransitions({
    findings: input.findings,
    ledger: input.ledger,
    now: input.now,
    settings: input.settings,
    covers: regionCoverage(input.coveredRegions, input.unreadChecks),
  });
  const suppressedIds = new Set<string>();
  const events = plan.transitions.map((planned): LifecycleFinding => {
    const suppression = matchingSuppression(planned.event, input.suppressions, input.now);
    if (!suppression) return planned.event;
    suppressedIds.add(planned.event.findingId);
    return {
      ...planned.event,
      suppression: { state: 'SUPPRESSED', reason: suppression.reason, expires: suppression.expires },
    };
  });
  const storm = detectStorm(
    events.filter((event) => !suppressedIds.has(event.findingId)),
    input.settings,
  );
  return { plan, events, suppressedIds, ...(storm ? { storm } : {}) };
}

/**
 * Whether a run looked where an open finding lives: its region was examined completely (credential discovery
 * succeeded there; the IRSA scan there was complete). Only then can the finding's absence mean its resource is
 * gone. Pseudo-regions such as IRSA's `global` are never listed, so their findings resolve only by a PASS. A
 * check the run did not look at (`unreadChecks`: the metric checks between two metric reads) is covered nowhere:
 * not reading it says nothing about it, so its open findings stay open and their absent count stays put.
 */
export function regionCoverage(
  regions: readonly string[],
  unreadChecks: readonly CheckId[] = [],
): (entry: LedgerEntry) => boolean {
  const covered = new Set(regions);
  const unread = new Set<string>(unreadChecks);
  return (entry) => covered.has(entry.finding.region) && !unread.has(entry.finding.checkId);
}

export interface LedgerFailure {
  /** e.g. `dynamodb:BatchGetItem`. */
  readonly operation: string;
  readonly tableName: string;
  readonly errorName: string;
  readonly message: string;
}

/**
 * The ERROR finding of a run whose ledger could not be read: what changed is unknown, so the run falls back to
 * publishing every problem and says why with this finding.
 */
export function ledgerFailureFinding(scope: FindingScope, failure: LedgerFailure): Finding {
  return buildFinding(scope, {
    checkId: 'checker.error',
    status: 'ERROR',
    title: `${failure.operation} failed on the findings ledger`,
    message:
      `The checker could not read its findings ledger ${failure.tableName} (${failure.errorName}: ${failure.message}), ` +
      'so it cannot tell new problems from known ones: every current problem is published again this run, without ' +
      'lifecycle fields, and the run is reported as failed.',
    resource: { type: 'AWS::API::Operation', name: failure.operation },
    resourceKey: failure.operation,
    evidence: {
      service: failure.operation.split(':')[0] ?? failure.operation,
      operation: failure.operation.split(':')[1] ?? failure.operation,
      errorNames: [failure.errorName],
      message: failure.message,
      tableName: failure.tableName,
    },
  });
}
