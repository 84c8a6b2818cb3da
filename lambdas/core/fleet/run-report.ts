/**
 * Building, splitting and parsing the run report a member account sends the hub (docs/organizations.md).
 * Pure: compression comes in as a `ReportCodec` (node:zlib lives in the adapters), nothing here calls AWS.
 *
 * Splitting. One detail per run when the encoded detail fits `maxDetailBytes`; otherwise one part per region,
 * each a complete unit for the hub's ledger: that region's findings, `coveredRegions` reduced to that region (when
 * the run covered it), the failed operations named in that region. Every region of the run gets a part, findings
 * or not, so a covered region with nothing left to report still resolves its open findings at the hub.
 *
 * The global pseudo-region (`GLOBAL_REGION`, e.g. IRSA's IAM reads) is a part of its own. It is never a covered
 * region (the lifecycle's `regionCoverage` never lists it, so its findings resolve only by a PASS), hence its part
 * claims no coverage and moving it elsewhere would change nothing at the hub. A failed operation named without a
 * region travels with it.
 *
 * A region too big even alone is not dropped silently: its part is replaced by one that carries a single ERROR
 * finding (`checker.error` on `events:PutEvents`) saying so, claims no coverage (so nothing resolves there at the
 * hub) and lists `<region> events:PutEvents` as failed; the result is `ok: false` naming the findings that did not
 * travel, and the caller fails the run once the other parts are delivered.
 */
import { CHECK_IDS, makeFindingId, type CheckId, type Finding } from '../finding';
import { buildFinding, resourceKeyOf } from '../finding-factory';
import { GLOBAL_REGION } from '../inventory';
import type { RunInfo } from '../publishing';
import * as z from '../zod';
import { region, reportedFindingSchema, position, text, timestamp } from './reported-finding';
import { scanJsonArray } from '../json-shape';
import { MAX_REPORT_REGIONS, REPORTED_FAMILIES, REPORT_TEXT_LIMITS } from './run-report-limits';
import {
  CLOCK_SKEW_TOLERANCE_MINUTES,
  CLOCK_SKEW_TOLERANCE_MS,
  RUN_REPORT_MAX_DECODED_BYTES,
  RUN_REPORT_MAX_DECODED_DEPTH,
  RUN_REPORT_MAX_DECODED_ITEMS,
  RUN_REPORT_MAX_DETAIL_BYTES,
  RUN_REPORT_MAX_FINDING_BYTES,
  RUN_REPORT_MAX_FINDINGS,
  RUN_REPORT_SCHEMA_VERSION,
  type EncodedRunReportDetail,
  type ParsedRunReport,
  type ReportCodec,
  type ReportedFamily,
  type RunReport,
} from './run-report-types';

export { MAX_REPORT_REGIONS, REPORT_TEXT_LIMITS, REPORTED_FAMILIES, reportedFindingSchema };

/** What the lifecycle stage would receive for the run (`LifecycleRunInput`), plus when the run finished. */
export interface RunReportInput {
  readonly family: ReportedFamily;
  readonly run: RunInfo;
  /** Every finding of the run, PASS included. */
  readonly findings: readonly Finding[];
  readonly coveredRegions: readonly string[];
  /** `region service:Operation`. */
  readonly failedOperations: readonly string[];
  /** Checks the run did not look at (LifecycleRunInput.unreadChecks): every part carries them. */
  readonly unreadChecks?: readonly CheckId[];
  readonly apiCalls: number;
  /** ISO-8601. */
  readonly finishedAt: string;
  /** Base of the runbook link of the ERROR finding that replaces a region too big to send; docs/checks.md. */
  readonly runbookBaseUrl?: string;
}

/** A region whose findings could not travel, even in a part of their own. */
export interface OversizedRegion {
  readonly region: string;
  readonly findingCount: number;
  /** The encoded detail's size for that region alone, in UTF-8 bytes. */
  readonly detailBytes: number;
  /** Its findings' JSON, as the hub decodes it, in UTF-8 bytes. */
  readonly decodedBytes: number;
  /** The findings that did not reach the hub (the ERROR finding travelled in their place). */
  readonly findingIds: readonly string[];
}

/**
 * `ok: true`: every finding travels in `details`. `ok: false`: `details` are still to be sent (the parts that fit,
 * and for each oversized region a part with the ERROR finding in place of its findings); the caller then fails
 * the run with `problem`, since `oversized` findings did not reach the hub.
 */
export type RunReportBuild = RunReportParts &
  (
    | { readonly ok: true }
    | { readonly ok: false; readonly oversized: readonly OversizedRegion[]; readonly problem: string }
  );

export interface RunReportParts {
  /** The event details to send, in part order. */
  readonly details: readonly EncodedRunReportDetail[];
  /** The ids of the findings each detail carries, index for index: what a failed part did not deliver. */
  readonly partFindingIds: readonly (readonly string[])[];
}

/** The operation named for a report region that could not be sent. */
export const OVERSIZED_OPERATION = 'events:PutEvents';
const DEFAULT_RUNBOOK_BASE_URL = 'docs/checks.md';

/** The region of a `region service:Operation` name; one without a region counts as global. */
export function regionOfOperation(operation: string): string {
  const space = operation.indexOf(' ');
  return space > 0 ? operation.slice(0, space) : GLOBAL_REGION;
}

/** The size EventBridge counts for a detail: its JSON text in UTF-8 bytes. */
export function detailBytes(detail: EncodedRunReportDetail): number {
  return new TextEncoder().encode(JSON.stringify(detail)).length;
}

/**
 * A finding as it travels in a report: with the resource key it was built with (`resourceKey`), from which the
 * hub recomputes its id against the account that sent it. Omitted when unknown: the hub then rejects the part,
 * naming the finding, rather than take an id it cannot verify.
 */
export type TravellingFinding = Finding & { readonly resourceKey?: string };

function travelling(finding: Finding): TravellingFinding {
  const resourceKey = resourceKeyOf(finding);
  return resourceKey === undefined ? finding : { ...finding, resourceKey };
}

/** The JSON a part's findings are encoded from. */
const findingsJson = (findings: readonly Finding[]): string => JSON.stringify(findings.map(travelling));

/** The size the hub decodes a part's findings to: their JSON text in UTF-8 bytes. */
function decodedBytes(findings: readonly Finding[]): number {
  return utf8Bytes(findingsJson(findings));
}

const utf8Bytes = (text: string): number => new TextEncoder().encode(text).length;

/**
 * Whether the hub takes the part: its detail within `maxDetailBytes`, and within the limits parseRunReportDetail
 * applies to the decoded findings (their count, their size, one finding's length). Findings can compress far
 * better than 8x, so the encoded size alone does not bound the decoded one.
 */
function fits(findings: readonly Finding[], detail: EncodedRunReportDetail, maxDetailBytes: number): boolean {
  return (
    findings.length <= RUN_REPORT_MAX_FINDINGS &&
    detailBytes(detail) <= maxDetailBytes &&
    decodedBytes(findings) <= RUN_REPORT_MAX_DECODED_BYTES &&
    findings.every(
      (finding) => utf8Bytes(JSON.stringify(travelling(finding))) <= RUN_REPORT_MAX_FINDING_BYTES,
    )
  );
}

/** The limits a region too big alone exceeds, in words. */
function overLimits(lost: OversizedRegion, maxDetailBytes: number): string {
  return (
    [
      lost.detailBytes > maxDetailBytes
        ? `${lost.detailBytes} bytes over the ${maxDetailBytes}-byte limit`
        : '',
      lost.decodedBytes > RUN_REPORT_MAX_DECODED_BYTES
        ? `${lost.decodedBytes} bytes decoded, over the ${RUN_REPORT_MAX_DECODED_BYTES}-byte limit`
        : '',
      lost.findingCount > RUN_REPORT_MAX_FINDINGS ? `over the ${RUN_REPORT_MAX_FINDINGS}-finding limit` : '',
    ]
      .filter(Boolean)
      .join(', ') || `a finding over the ${RUN_REPORT_MAX_FINDING_BYTES}-byte limit`
  );
}

/** Builds the report's event details: one when it fits `maxDetailBytes` (and the hub's limits), else one per region. */
export function buildRunReports(
  input: RunReportInput,
  codec: ReportCodec,
  maxDetailBytes: number = RUN_REPORT_MAX_DETAIL_BYTES,
): RunReportBuild {
  const whole = encode(input, input.findings, input.coveredRegions, input.failedOperations, 1, 1, codec);
  if (fits(input.findings, whole, maxDetailBytes)) {
    return { ok: true, details: [whole], partFindingIds: [idsOf(input.findings)] };
  }

  const regions = reportRegions(input);
  const parts = regions.length;
  const oversized: OversizedRegion[] = [];
  const partFindingIds: string[][] = [];
  const details = regions.map((region, index) => {
    const findings = input.findings.filter((finding) => finding.region === region);
    const coveredRegions = input.coveredRegions.includes(region) ? [region] : [];
    const failedOperations = input.failedOperations.filter(
      (operation) => regionOfOperation(operation) === region,
    );
    const detail = encode(input, findings, coveredRegions, failedOperations, index + 1, parts, codec);
    if (fits(findings, detail, maxDetailBytes)) {
      partFindingIds.push(idsOf(findings));
      return detail;
    }
    const lost: OversizedRegion = {
      region,
      findingCount: findings.length,
      detailBytes: detailBytes(detail),
      decodedBytes: decodedBytes(findings),
      findingIds: idsOf(findings),
    };
    oversized.push(lost);
    const replacement = oversizedFinding(input, lost, findings, maxDetailBytes);
    partFindingIds.push([replacement.findingId]);
    return encode(
      input,
      [replacement],
      [],
      [...failedOperations, `${region} ${OVERSIZED_OPERATION}`],
      index + 1,
      parts,
      codec,
    );
  });
  if (oversized.length === 0) return { ok: true, details, partFindingIds };
  return {
    ok: false,
    details,
    partFindingIds,
    oversized,
    problem:
      `${input.family} run report: ${oversized
        .map(
          (region) =>
            `${region.region} (${region.findingCount} findings, ${overLimits(region, maxDetailBytes)})`,
        )
        .join(', ')} even alone; ` +
      `${oversized.reduce((sum, region) => sum + region.findingCount, 0)} findings not sent to the hub, ` +
      'an ERROR finding sent in their place',
  };
}

const idsOf = (findings: readonly Finding[]): string[] => findings.map((finding) => finding.findingId);

/** The run's regions in its order, then any other region a finding, coverage or failure names, sorted. */
function reportRegions(input: RunReportInput): string[] {
  const others = new Set<string>([
    ...input.findings.map((finding) => finding.region),
    ...input.coveredRegions,
    ...input.failedOperations.map(regionOfOperation),
  ]);
  for (const region of input.run.regions) others.delete(region);
  return [...new Set(input.run.regions), ...[...others].sort()];
}

function encode(
  input: RunReportInput,
  findings: readonly Finding[],
  coveredRegions: readonly string[],
  failedOperations: readonly string[],
  part: number,
  parts: number,
  codec: ReportCodec,
): EncodedRunReportDetail {
  return {
    schemaVersion: RUN_REPORT_SCHEMA_VERSION,
    family: input.family,
    accountId: input.run.accountId,
    runId: input.run.runId,
    regions: [...input.run.regions],
    coveredRegions: [...coveredRegions],
    failedOperations: [...failedOperations],
    ...(input.unreadChecks && input.unreadChecks.length > 0 ? { unreadChecks: [...input.unreadChecks] } : {}),
    apiCalls: input.apiCalls,
    startedAt: input.run.startedAt,
    finishedAt: input.finishedAt,
    part,
    parts,
    findingCount: findings.length,
    encoding: 'gzip+base64',
    findings: codec.encode(findingsJson(findings)),
  };
}

function oversizedFinding(
  input: RunReportInput,
  lost: OversizedRegion,
  findings: readonly Finding[],
  maxDetailBytes: number,
): Finding {
  const failing = findings.filter((finding) => finding.status === 'FAIL').length;
  const erroring = findings.filter((finding) => finding.status === 'ERROR').length;
  return buildFinding(
    {
      accountId: input.run.accountId,
      region: lost.region,
      observedAt: input.finishedAt,
      runbookBaseUrl: input.runbookBaseUrl ?? DEFAULT_RUNBOOK_BASE_URL,
    },
    {
      checkId: 'checker.error',
      status: 'ERROR',
      title: `The ${input.family} run report for ${lost.region} is too large to send to the hub`,
      message:
        `The ${input.family} check found ${lost.findingCount} findings in ${lost.region} (${failing} FAIL, ` +
        `${erroring} ERROR): ${overLimits(lost, maxDetailBytes)} of one run report event (compressed ` +
        `${lost.detailBytes} bytes, decoded ${lost.decodedBytes}), so they were not sent. Until a run of this ` +
        'region fits, the hub keeps ' +
        'its previous view of it (nothing there resolves) and the member run fails; look at the findings in ' +
        "the member function's log.",
      resource: { type: 'AWS::API::Operation', name: OVERSIZED_OPERATION },
      resourceKey: `fleet-run-report/${input.family}`,
      evidence: {
        service: 'events',
        operation: 'PutEvents',
        family: input.family,
        findingCount: lost.findingCount,
        failing,
        erroring,
        detailBytes: lost.detailBytes,
        maxDetailBytes,
        decodedBytes: lost.decodedBytes,
        maxDecodedBytes: RUN_REPORT_MAX_DECODED_BYTES,
      },
    },
  );
}

const count = z.int().check(z.nonnegative());
/** A run's failed operations: a few per region and service at most. */
const MAX_FAILED_OPERATIONS = 1_000;
/** The base64 of a detail's findings: EventBridge refuses a detail over 256 KB anyway. */
const MAX_ENCODED_CHARS = 256 * 1024;

/**
 * Checks only the hub itself runs: a member's report carrying one is rejected, so a member cannot speak for the
 * hub's own findings (`fleet.member.silent` is about a member, judged by the hub).
 */
export const HUB_ONLY_CHECK_IDS: readonly CheckId[] = ['fleet.member.silent'];

/** The detail around the encoded findings. Loose: fields added by a later minor version are ignored. */
export const runReportDetailSchema = z
  .looseObject({
    schemaVersion: z.literal(RUN_REPORT_SCHEMA_VERSION),
    family: z.enum(REPORTED_FAMILIES),
    accountId: z.string().check(z.regex(/^\d{12}$/, 'must be a 12-digit account id')),
    runId: text(REPORT_TEXT_LIMITS.runId),
    regions: z.array(region).check(z.minLength(1), z.maxLength(MAX_REPORT_REGIONS)),
    coveredRegions: z.array(region).check(z.maxLength(MAX_REPORT_REGIONS)),
    failedOperations: z
      .array(text(REPORT_TEXT_LIMITS.failedOperation))
      .check(z.maxLength(MAX_FAILED_OPERATIONS)),
    // Optional: a member older than the field sends none. Bounded by the catalogue: each check at most once.
    unreadChecks: z.optional(z.array(z.enum(CHECK_IDS)).check(z.maxLength(CHECK_IDS.length))),
    apiCalls: count,
    startedAt: timestamp,
    finishedAt: timestamp,
    part: position,
    parts: position,
    findingCount: count.check(z.maximum(RUN_REPORT_MAX_FINDINGS)),
    encoding: z.literal('gzip+base64'),
    findings: z.string().check(z.maxLength(MAX_ENCODED_CHARS)),
  })
  .check(
    z.refine((detail) => detail.part <= detail.parts, {
      message: 'part must not be greater than parts',
      path: ['part'],
    }),
    z.refine((detail) => detail.coveredRegions.every((region) => detail.regions.includes(region)), {
      message: 'every covered region must be one of regions',
      path: ['coveredRegions'],
    }),
  );

function describeIssues(issues: readonly z.core.$ZodIssue[], prefix: string, limit = 3): string {
  const shown = issues.slice(0, limit).map((issue) => {
    const path = issue.path.map(String).join('.');
    return `${prefix}${path ? `.${path}` : ''}: ${issue.message}`;
  });
  const more = issues.length - shown.length;
  return shown.join('; ') + (more > 0 ? `; and ${more} more` : '');
}

/**
 * Validates and decodes a run report detail. Never throws: anything malformed is `ok: false` with the reason.
 *
 * Cheapest first, so a hostile report costs the hub no more than its limits: the header (its `findingCount` and
 * lists capped), then decoding (the codec stops inflating at RUN_REPORT_MAX_DECODED_BYTES), then the decoded
 * text's shape counted without parsing (findings, items, depth, one finding's length), and only then JSON.parse
 * and the findings' schema (its length caps included).
 *
 * Every finding must be of the report's account (which the intake checks is the sender's), never of the hub's own
 * check, and its id is recomputed from its check, that account, its region and the `resourceKey` it travels with:
 * an id that is not that one is refused, since any member can compute another member's ids. The resource key is
 * stripped: the findings returned are the published shape.
 */
export function parseRunReportDetail(detail: unknown, codec: ReportCodec): ParsedRunReport {
  const header = runReportDetailSchema.safeParse(detail);
  if (!header.success) return { ok: false, problem: describeIssues(header.error.issues, 'detail') };
  const value = header.data;

  let text: string;
  try {
    text = codec.decode(value.findings);
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { ok: false, problem: `detail.findings: not ${value.encoding} JSON (${reason})` };
  }
  const shape = scanJsonArray(text, {
    maxItems: RUN_REPORT_MAX_DECODED_ITEMS,
    maxDepth: RUN_REPORT_MAX_DECODED_DEPTH,
    maxElementBytes: RUN_REPORT_MAX_FINDING_BYTES,
  });
  if (!shape.ok) return { ok: false, problem: `detail.findings: the decoded JSON ${shape.problem}` };
  if (shape.complete && shape.elements !== value.findingCount) {
    return {
      ok: false,
      problem: `detail.findingCount: says ${value.findingCount}, findings holds ${shape.elements}`,
    };
  }
  let decoded: unknown;
  try {
    decoded = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { ok: false, problem: `detail.findings: not ${value.encoding} JSON (${reason})` };
  }
  if (!Array.isArray(decoded))
    return { ok: false, problem: 'detail.findings: decodes to JSON, not an array' };
  if (decoded.length !== value.findingCount) {
    return {
      ok: false,
      problem: `detail.findingCount: says ${value.findingCount}, findings holds ${decoded.length}`,
    };
  }
  const seen = new Set<string>();
  const findings: Finding[] = [];
  for (const [index, item] of decoded.entries()) {
    const finding = reportedFindingSchema.safeParse(item);
    if (!finding.success) {
      return { ok: false, problem: describeIssues(finding.error.issues, `detail.findings[${index}]`) };
    }
    const where = `detail.findings[${index}]`;
    if (HUB_ONLY_CHECK_IDS.includes(finding.data.checkId)) {
      return {
        ok: false,
        problem: `${where}.checkId: ${finding.data.checkId} is the hub's own check, never a member's`,
      };
    }
    if (finding.data.accountId !== value.accountId) {
      return {
        ok: false,
        problem: `${where}: of account ${finding.data.accountId}, the report is of ${value.accountId}`,
      };
    }
    const { resourceKey, ...published } = finding.data;
    if (
      typeof resourceKey !== 'string' ||
      resourceKey === '' ||
      resourceKey.length > REPORT_TEXT_LIMITS.resourceKey
    ) {
      return {
        ok: false,
        problem:
          `${where}.resourceKey: ${typeof resourceKey === 'string' && resourceKey !== '' ? `over ${REPORT_TEXT_LIMITS.resourceKey} characters` : 'missing'}` +
          " (the key the finding's id is computed from; a member older than the hub does not send it)",
      };
    }
    // The id is recomputed, not trusted: any member can compute another's ids (they hash check, account, region
    // and resource), so only the id of this check and resource in the sending account is taken.
    const expected = makeFindingId(finding.data.checkId, value.accountId, finding.data.region, resourceKey);
    if (finding.data.findingId !== expected) {
      return {
        ok: false,
        problem:
          `${where}.findingId: ${finding.data.findingId} is not the id of ${finding.data.checkId} on that ` +
          `resource in ${finding.data.region} of account ${value.accountId} (${expected})`,
      };
    }
    if (seen.has(finding.data.findingId)) {
      return { ok: false, problem: `${where}: finding ${finding.data.findingId} twice` };
    }
    seen.add(finding.data.findingId);
    // Validated above, field by field; the loose schema kept every other field as sent.
    findings.push(published);
  }

  const report: RunReport = {
    family: value.family,
    accountId: value.accountId,
    runId: value.runId,
    regions: value.regions,
    coveredRegions: value.coveredRegions,
    failedOperations: value.failedOperations,
    ...(value.unreadChecks && value.unreadChecks.length > 0
      ? { unreadChecks: [...new Set(value.unreadChecks)] }
      : {}),
    apiCalls: value.apiCalls,
    startedAt: value.startedAt,
    finishedAt: value.finishedAt,
    part: value.part,
    parts: value.parts,
    findings,
  };
  return { ok: true, report, decodedChars: text.length };
}

/**
 * Whether a report's dates are possible by the hub's clock: neither `startedAt` nor `finishedAt` more than
 * CLOCK_SKEW_TOLERANCE_MINUTES ahead of `now`. A report dated later is rejected, never clamped nor recorded: its
 * date would become the member's heartbeat, and every genuine report dated before it would be taken as stale.
 */
export function reportClockProblem(
  report: Pick<RunReport, 'startedAt' | 'finishedAt'>,
  now: Date,
): string | undefined {
  const latest = now.getTime() + CLOCK_SKEW_TOLERANCE_MS;
  for (const field of ['startedAt', 'finishedAt'] as const) {
    const at = Date.parse(report[field]);
    if (at > latest) {
      return (
        `detail.${field}: ${report[field]} is ${Math.floor((at - now.getTime()) / 60_000)} minutes ahead of the ` +
        `hub's clock (${now.toISOString()}; at most ${CLOCK_SKEW_TOLERANCE_MINUTES} allowed)`
      );
    }
  }
  return undefined;
}
