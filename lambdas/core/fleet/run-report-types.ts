/**
 * The run report: the one event a member account's checker sends to the hub per run and check family
 * (docs/organizations.md). It carries what the hub's lifecycle stage needs to diff the run against that account's
 * ledger, exactly the fields of `LifecycleRunInput`, so the hub decides what changed, not the member.
 */
import type { CheckId, Finding } from '../finding';
import type { CheckFamily } from '../lifecycle/types';

export const RUN_REPORT_SOURCE = 'tmc-health';
export const RUN_REPORT_DETAIL_TYPE = 'TMC Health Run Report';
/** Bumped on any breaking change to the detail. */
export const RUN_REPORT_SCHEMA_VERSION = '1.0';
/** EventBridge refuses entries over 256 KB: a detail is split by region before it passes this. */
export const RUN_REPORT_MAX_DETAIL_BYTES = 200_000;

/**
 * Most a detail's `findings` may inflate to (JSON text, UTF-8 bytes), enforced while inflating. Honest findings
 * compress about 25x, so a 200 KB detail stays under it; a member splits by region before passing it. Any
 * principal of the organization may put a report on the hub bus: this bounds what one report can make the hub
 * hold, whatever it compresses like.
 */
export const RUN_REPORT_MAX_DECODED_BYTES = 4 * 1024 * 1024;
/** Most findings one report part may carry (`findingCount`): checked before decoding. */
export const RUN_REPORT_MAX_FINDINGS = 5_000;
/**
 * Most JSON items (objects, arrays, and members or elements after a container's first) the decoded findings may
 * hold, counted before JSON.parse: what bounds the objects parsing allocates. Honest findings average about 38
 * bytes per item; 16 bytes per item of the decoded limit leaves room for terse ones.
 */
export const RUN_REPORT_MAX_DECODED_ITEMS = RUN_REPORT_MAX_DECODED_BYTES / 16;
/**
 * Deepest nesting of the decoded findings: the array is 1, a finding 2, its evidence 3, an evidence list 4; an
 * IRSA correction 3, its trust policy 4, `Statement` 5, a statement 6, its `Condition` 7, an operator 8, a key's
 * list of values 9 (the deepest IAM's policy grammar goes; lambdas/core/irsa/correction.ts builds none deeper).
 */
export const RUN_REPORT_MAX_DECODED_DEPTH = 9;
/**
 * Most UTF-8 bytes one finding may take in the decoded JSON: the hub puts it on its bus again as one event (256 KB
 * an entry), with its lifecycle fields and the envelope; a bigger one could never be delivered and would be
 * retried until it reached the dead-letter queue.
 */
export const RUN_REPORT_MAX_FINDING_BYTES = 200 * 1024;

/**
 * How far ahead of the hub's clock a member's report may be dated (clocks drift a little). A report dated further
 * ahead is rejected at the intake (never clamped: a clamped date would say the member ran at a time it did not),
 * and a last report dated further ahead is clock skew to the fleet watch.
 */
export const CLOCK_SKEW_TOLERANCE_MINUTES = 5;
export const CLOCK_SKEW_TOLERANCE_MS = CLOCK_SKEW_TOLERANCE_MINUTES * 60_000;

/** The member families: the hub's own `fleet` family never travels in a report. */
export type ReportedFamily = Extract<CheckFamily, 'credentials' | 'irsa'>;

/** A run (or one region of it, when split), decoded. */
export interface RunReport {
  readonly family: ReportedFamily;
  readonly accountId: string;
  readonly runId: string;
  /** Every region the run examined. */
  readonly regions: readonly string[];
  /** Regions of this part examined completely: only there may a finding's absence resolve it. */
  readonly coveredRegions: readonly string[];
  /** `region service:Operation` calls that failed while gathering. */
  readonly failedOperations: readonly string[];
  /**
   * Checks this run did not look at anywhere (the metric checks between two metric reads): their open findings
   * are left as they are, never counted absent. Absent from a member older than the field: every check looked.
   */
  readonly unreadChecks?: readonly CheckId[];
  readonly apiCalls: number;
  /** ISO-8601. */
  readonly startedAt: string;
  readonly finishedAt: string;
  /** 1-based; `parts` is 1 unless the report was split by region. */
  readonly part: number;
  readonly parts: number;
  /** Every finding of this part, PASS included (the hub resolves from them). */
  readonly findings: readonly Finding[];
}

/** The event detail as sent: the findings as gzip-compressed JSON in base64. */
export interface EncodedRunReportDetail extends Omit<RunReport, 'findings'> {
  readonly schemaVersion: typeof RUN_REPORT_SCHEMA_VERSION;
  readonly findingCount: number;
  readonly encoding: 'gzip+base64';
  readonly findings: string;
}

/** Compression is I/O-free but lives in the adapters (node:zlib); the core takes it as functions. */
export interface ReportCodec {
  /** JSON text → gzip → base64. */
  readonly encode: (json: string) => string;
  /** base64 → gunzip → JSON text; throws on bad input. */
  readonly decode: (encoded: string) => string;
}

export type ParsedRunReport =
  | {
      readonly ok: true;
      readonly report: RunReport;
      /** The decoded findings' JSON length, in characters: what holding the report costs, for memory budgets. */
      readonly decodedChars: number;
    }
  | { readonly ok: false; readonly problem: string };
