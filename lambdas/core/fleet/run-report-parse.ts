/**
 * Parsing the run report a member account sends the hub (built by run-report.ts): the hub's intake validates and
 * decodes each detail here. Apart from the building so a member's checkers, which only build and send reports,
 * bundle none of these zod schemas and build none of them at cold start.
 * Pure: decompression comes in as a `ReportCodec` (node:zlib lives in the adapters).
 */
import { CHECK_IDS, makeFindingId, type CheckId, type Finding } from '../finding';
import { scanJsonArray } from '../json-shape';
import * as z from '../zod';
import { region, reportedFindingSchema, position, text, timestamp } from './reported-finding';
import { MAX_REPORT_REGIONS, REPORTED_FAMILIES, REPORT_TEXT_LIMITS } from './run-report-limits';
import {
  CLOCK_SKEW_TOLERANCE_MINUTES,
  CLOCK_SKEW_TOLERANCE_MS,
  RUN_REPORT_MAX_DECODED_DEPTH,
  RUN_REPORT_MAX_DECODED_ITEMS,
  RUN_REPORT_MAX_FINDING_BYTES,
  RUN_REPORT_MAX_FINDINGS,
  RUN_REPORT_SCHEMA_VERSION,
  type ParsedRunReport,
  type ReportCodec,
  type RunReport,
} from './run-report-types';

export { reportedFindingSchema };

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
