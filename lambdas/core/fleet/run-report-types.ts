/**
 * The run report: the one event a member account's checker sends to the hub per run and check family (issue 13,
 * docs/organizations.md). It carries what the hub's lifecycle stage needs to diff the run against that account's
 * ledger, exactly the fields of `LifecycleRunInput`, so the hub decides what changed, not the member.
 */
import type { Finding } from '../finding';
import type { CheckFamily } from '../lifecycle/types';

export const RUN_REPORT_SOURCE = 'tmc-health';
export const RUN_REPORT_DETAIL_TYPE = 'TMC Health Run Report';
/** Bumped on any breaking change to the detail. */
export const RUN_REPORT_SCHEMA_VERSION = '1.0';
/** EventBridge refuses entries over 256 KB: a detail is split by region before it passes this. */
export const RUN_REPORT_MAX_DETAIL_BYTES = 200_000;

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
  { readonly ok: true; readonly report: RunReport } | { readonly ok: false; readonly problem: string };
