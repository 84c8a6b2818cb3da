import { severityRank, type Finding } from '../finding';
import type { LedgerEntry, LifecycleFinding, LifecycleState, PlannedTransition, Transition } from './types';

const HOUR_MS = 3_600_000;

export interface LifecycleSettings {
  /** A finding still open this long after its last notification is sent again as a REMINDER. */
  readonly reminderHours: number;
  /** An open finding absent from this many consecutive covering runs has lost its resource: RESOLVED. */
  readonly goneAfterRuns: number;
}

export const DEFAULT_LIFECYCLE_SETTINGS: LifecycleSettings = { reminderHours: 24, goneAfterRuns: 3 };

export interface LifecycleInput {
  readonly findings: readonly Finding[];
  /** Ledger items for the findings of this run and every still-open finding. */
  readonly ledger: ReadonlyMap<string, LedgerEntry>;
  readonly now: Date;
  readonly settings: LifecycleSettings;
  /**
   * Whether this run looked where an open finding lives (its check family ran in its region and discovery
   * succeeded). Only then does the finding's absence count towards "gone": a run that could not look says
   * nothing about it.
   */
  readonly covers: (entry: LedgerEntry) => boolean;
}

export interface LifecyclePlan {
  /** Transitions to publish, most severe first. */
  readonly transitions: readonly PlannedTransition[];
  /** Ledger updates that publish nothing: an open finding seen again, or one absent from a covering run. */
  readonly quietWrites: readonly LedgerEntry[];
}

/**
 * Diffs one run's findings against the ledger: pure, so every transition rule is tested with plain data and an
 * injected clock. A quiet run (nothing opened, escalated, resolved or due a reminder) plans no transition.
 */
export function planTransitions(input: LifecycleInput): LifecyclePlan {
  const transitions: PlannedTransition[] = [];
  const quietWrites: LedgerEntry[] = [];
  const seen = new Set<string>();
  const nowIso = input.now.toISOString();

  for (const finding of input.findings) {
    seen.add(finding.findingId);
    const entry = input.ledger.get(finding.findingId);
    const problem = finding.status !== 'PASS';
    if (problem && !entry?.open) {
      transitions.push(opened(finding, entry, nowIso));
    } else if (problem && entry) {
      const continued: LedgerEntry = {
        ...entry,
        status: finding.status,
        severity: finding.severity,
        lastObservedAt: finding.observedAt,
        occurrenceCount: entry.occurrenceCount + 1,
        absentRuns: 0,
        finding,
      };
      if (severityRank(finding.severity) < severityRank(entry.severity)) {
        transitions.push(planned('ESCALATED', 'ONGOING', continued, entry, nowIso));
      } else if (reminderDue(entry, input.now, input.settings.reminderHours)) {
        transitions.push(planned('REMINDER', 'ONGOING', continued, entry, nowIso));
      } else {
        quietWrites.push(continued);
      }
    } else if (!problem && entry?.open) {
      const resolved: LedgerEntry = {
        ...entry,
        open: false,
        status: 'PASS',
        severity: finding.severity,
        lastObservedAt: finding.observedAt,
        absentRuns: 0,
        finding,
      };
      transitions.push(planned('RESOLVED', 'RESOLVED', resolved, entry, nowIso));
    }
  }

  for (const entry of input.ledger.values()) {
    if (!entry.open || seen.has(entry.findingId) || !input.covers(entry)) continue;
    const absentRuns = entry.absentRuns + 1;
    if (absentRuns < input.settings.goneAfterRuns) {
      quietWrites.push({ ...entry, absentRuns });
      continue;
    }
    const gone: Finding = {
      ...entry.finding,
      status: 'PASS',
      severity: 'INFORMATIONAL',
      message: `No longer reported: ${entry.finding.resource.name} was absent from ${absentRuns} consecutive runs, so its resource is gone. Last problem: ${entry.finding.message}`,
      remediation: { ...entry.finding.remediation, text: 'No action needed.' },
      observedAt: nowIso,
    };
    const resolved: LedgerEntry = { ...entry, open: false, status: 'PASS', absentRuns, finding: gone };
    transitions.push(planned('RESOLVED', 'RESOLVED', resolved, entry, nowIso));
  }

  transitions.sort(
    (a, b) =>
      severityRank(a.event.severity) - severityRank(b.event.severity) ||
      a.event.findingId.localeCompare(b.event.findingId),
  );
  return { transitions, quietWrites };
}

function reminderDue(entry: LedgerEntry, now: Date, reminderHours: number): boolean {
  const since = Date.parse(entry.lastNotifiedAt ?? entry.firstObservedAt);
  return now.getTime() - since >= reminderHours * HOUR_MS;
}

function opened(finding: Finding, previous: LedgerEntry | undefined, nowIso: string): PlannedTransition {
  // A relapse after a resolution is a new episode: counts restart, the sequence keeps growing.
  const entry: LedgerEntry = {
    findingId: finding.findingId,
    open: true,
    status: finding.status,
    severity: finding.severity,
    firstObservedAt: finding.observedAt,
    lastObservedAt: finding.observedAt,
    occurrenceCount: 1,
    sequence: previous?.sequence ?? 0,
    absentRuns: 0,
    finding,
  };
  return planned('OPENED', 'NEW', entry, previous, nowIso);
}

function planned(
  transition: Transition,
  state: LifecycleState,
  next: LedgerEntry,
  previous: LedgerEntry | undefined,
  nowIso: string,
): PlannedTransition {
  const sequence = (previous?.sequence ?? 0) + 1;
  const nextEntry: LedgerEntry = { ...next, sequence, lastNotifiedAt: nowIso };
  const event: LifecycleFinding = {
    ...next.finding,
    state,
    transition,
    firstObservedAt: nextEntry.firstObservedAt,
    lastObservedAt: nextEntry.lastObservedAt,
    occurrenceCount: nextEntry.occurrenceCount,
    sequence,
    idempotencyKey: `${next.findingId}#${sequence}`,
  };
  return { transition, event, nextEntry, previousSequence: previous?.sequence };
}
