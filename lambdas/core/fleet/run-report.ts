/**
 * Building and splitting the run report a member account sends the hub (docs/organizations.md); the hub parses it
 * with run-report-parse.ts, kept apart so a member's checker bundles none of the parsing schemas.
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
import type { CheckId, Finding } from '../finding';
import { buildFinding, resourceKeyOf } from '../finding-factory';
import { GLOBAL_REGION } from '../inventory';
import type { RunInfo } from '../publishing';
import { MAX_REPORT_REGIONS, REPORTED_FAMILIES, REPORT_TEXT_LIMITS } from './run-report-limits';
import {
  RUN_REPORT_MAX_DECODED_BYTES,
  RUN_REPORT_MAX_DETAIL_BYTES,
  RUN_REPORT_MAX_FINDING_BYTES,
  RUN_REPORT_MAX_FINDINGS,
  RUN_REPORT_SCHEMA_VERSION,
  type EncodedRunReportDetail,
  type ReportCodec,
  type ReportedFamily,
} from './run-report-types';

export { MAX_REPORT_REGIONS, REPORT_TEXT_LIMITS, REPORTED_FAMILIES };

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
