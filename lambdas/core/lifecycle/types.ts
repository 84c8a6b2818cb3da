import type { Finding, Severity, Status } from '../finding';

/** What happened to a finding between the previous run and this one; only these are published. */
export const TRANSITIONS = ['OPENED', 'ESCALATED', 'RESOLVED', 'REMINDER'] as const;
export type Transition = (typeof TRANSITIONS)[number];

export const LIFECYCLE_STATES = ['NEW', 'ONGOING', 'RESOLVED'] as const;
export type LifecycleState = (typeof LIFECYCLE_STATES)[number];

/**
 * One ledger item per finding id: what the previous runs established. `finding` is the last problem seen, kept
 * so a RESOLVED event can still describe a resource that has disappeared.
 */
export interface LedgerEntry {
  readonly findingId: string;
  /** OPEN while the problem lasts; RESOLVED afterwards (kept with a TTL so a relapse reopens with history). */
  readonly open: boolean;
  readonly status: Status;
  readonly severity: Severity;
  readonly firstObservedAt: string;
  readonly lastObservedAt: string;
  readonly occurrenceCount: number;
  /** When a transition for this finding was last accepted by the publishers. */
  readonly lastNotifiedAt?: string;
  /** Increases with every published transition: `findingId#sequence` is the idempotency key. */
  readonly sequence: number;
  /** Consecutive runs in which an open finding's resource was not reported at all. */
  readonly absentRuns: number;
  readonly finding: Finding;
}

/** A transition to publish, with the ledger entry to write once the publishers accepted it. */
export interface PlannedTransition {
  readonly transition: Transition;
  readonly event: LifecycleFinding;
  readonly nextEntry: LedgerEntry;
  /** The entry this plan was computed from: the ledger write is conditional on it being unchanged. */
  readonly previousSequence: number | undefined;
}

/** The finding as published once the lifecycle is on: the finding plus where it stands. */
export type LifecycleFinding = Finding & {
  readonly state: LifecycleState;
  readonly transition: Transition;
  readonly firstObservedAt: string;
  readonly lastObservedAt: string;
  readonly occurrenceCount: number;
  readonly sequence: number;
  /** `findingId#sequence`: the same transition re-sent after a crash carries the same key. */
  readonly idempotencyKey: string;
  /** Present while an active suppression matches: kept out of SNS, still on EventBridge, marked here. */
  readonly suppression?: SuppressionMark;
};

/** How a muted finding is marked on EventBridge, so rules can leave it out (`"suppression": {"state": [{"exists": false}]}`: `exists` applies to leaf values only). */
export interface SuppressionMark {
  readonly state: 'SUPPRESSED';
  readonly reason: string;
  /** The suppression's expiry as configured (a date or a date-time). */
  readonly expires: string;
}

/**
 * The checks that keep findings in the ledger; each run plans against its own family's entries only. `fleet` is
 * the Organizations hub's own check (fleet.member.silent, docs/organizations.md): it never runs in a member.
 */
export const CHECK_FAMILIES = ['credentials', 'irsa', 'fleet'] as const;
export type CheckFamily = (typeof CHECK_FAMILIES)[number];
