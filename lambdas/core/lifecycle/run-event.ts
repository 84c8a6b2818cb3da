import { CHECK_IDS, SEVERITIES, STATUSES, type CheckId, type Finding } from '../finding';
import type { RunInfo } from '../publishing';
import * as z from '../zod';
import { CHECK_FAMILIES, TRANSITIONS, type CheckFamily, type LifecycleFinding } from './types';

/**
 * The run summary event: one per run, whatever happened, so it doubles as a heartbeat that
 * downstream monitoring can alarm on when it stops arriving. Pure: the publisher puts it on EventBridge.
 */

/** Bumped on any breaking change to the run summary detail. */
export const RUN_SUMMARY_SCHEMA_VERSION = '1.0';
/** Same source as the finding events (adapters' EVENT_SOURCE; core does not import adapters). */
export const RUN_SUMMARY_SOURCE = 'tmc-health';
export const RUN_SUMMARY_DETAIL_TYPE = 'TMC Health Check Run';
/** The check families (types.ts CHECK_FAMILIES): the run summary names which one ran. */
export const RUN_CHECKS = CHECK_FAMILIES;
export type RunCheck = CheckFamily;

const count = z.int().check(z.nonnegative());
const nonEmpty = () => z.string().check(z.minLength(1));
const countsBy = <const T extends readonly [string, ...string[]]>(keys: T) =>
  z.strictObject(Object.fromEntries(keys.map((key) => [key, count])) as Record<T[number], typeof count>);

export const runSummaryDetailSchema = z.strictObject({
  schemaVersion: z.literal(RUN_SUMMARY_SCHEMA_VERSION),
  runId: nonEmpty(),
  check: z.enum(RUN_CHECKS),
  accountId: z.string().check(z.regex(/^\d{12}$/)),
  regions: z.array(nonEmpty()),
  startedAt: z.iso.datetime({ offset: true }),
  finishedAt: z.iso.datetime({ offset: true }),
  durationMs: count,
  apiCalls: count,
  /** Every finding of the run, PASS included. */
  findings: count,
  byStatus: countsBy(STATUSES),
  /** Severities of problems (FAIL and ERROR) only. */
  problemsBySeverity: countsBy(SEVERITIES),
  /** Transitions this run planned, by kind (all zero for a quiet run). */
  transitions: countsBy(TRANSITIONS),
  checksThatCouldNotRun: z.strictObject({
    /** `region service:Operation` calls that failed, as the run summary names them. */
    failedOperations: z.array(nonEmpty()),
    /** Checks that produced at least one ERROR finding. */
    errorCheckIds: z.array(z.enum(CHECK_IDS)),
  }),
  heartbeat: z.literal(true),
});

export type RunSummaryDetail = z.infer<typeof runSummaryDetailSchema>;

export interface RunSummaryEventInput {
  readonly run: RunInfo;
  readonly check: RunCheck;
  readonly findings: readonly Finding[];
  readonly transitions: readonly LifecycleFinding[];
  readonly failedOperations: readonly string[];
  readonly durationMs: number;
  readonly apiCalls: number;
  readonly finishedAt: string;
}

export interface RunSummaryEvent {
  readonly source: typeof RUN_SUMMARY_SOURCE;
  readonly detailType: typeof RUN_SUMMARY_DETAIL_TYPE;
  readonly detail: RunSummaryDetail;
}

/** Always returns an event, even for a run with no findings and no transitions: that is the heartbeat. */
export function buildRunSummaryEvent(input: RunSummaryEventInput): RunSummaryEvent {
  const byStatus = zeroCounts(STATUSES);
  const problemsBySeverity = zeroCounts(SEVERITIES);
  for (const finding of input.findings) {
    byStatus[finding.status] += 1;
    if (finding.status !== 'PASS') problemsBySeverity[finding.severity] += 1;
  }
  const transitions = zeroCounts(TRANSITIONS);
  for (const event of input.transitions) transitions[event.transition] += 1;

  const errorCheckIds = new Set<CheckId>(
    input.findings.filter((finding) => finding.status === 'ERROR').map((finding) => finding.checkId),
  );
  const detail: RunSummaryDetail = {
    schemaVersion: RUN_SUMMARY_SCHEMA_VERSION,
    runId: input.run.runId,
    check: input.check,
    accountId: input.run.accountId,
    regions: [...input.run.regions],
    startedAt: input.run.startedAt,
    finishedAt: input.finishedAt,
    // Timers may give fractions (performance.now) or, with clock skew, a negative difference.
    durationMs: toCount(input.durationMs),
    apiCalls: toCount(input.apiCalls),
    findings: input.findings.length,
    byStatus,
    problemsBySeverity,
    transitions,
    checksThatCouldNotRun: {
      failedOperations: [...new Set(input.failedOperations)].sort(),
      errorCheckIds: CHECK_IDS.filter((checkId) => errorCheckIds.has(checkId)),
    },
    heartbeat: true,
  };
  return { source: RUN_SUMMARY_SOURCE, detailType: RUN_SUMMARY_DETAIL_TYPE, detail };
}

function zeroCounts<T extends string>(keys: readonly T[]): Record<T, number> {
  return Object.fromEntries(keys.map((key) => [key, 0])) as Record<T, number>;
}

function toCount(value: number): number {
  return Number.isFinite(value) ? Math.max(0, Math.round(value)) : 0;
}
