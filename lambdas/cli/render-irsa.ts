import type { IrsaRegionSummary } from '../app/irsa-check';
import { severityRank, type Finding } from '../core/finding';
import { IRSA_CHECK_ID } from '../core/irsa/evaluate-irsa';
import { cleanLine } from '../core/untrusted-text';
import {
  GAP,
  headerLine,
  renderRow,
  SEVERITY_STYLE,
  severityLabel,
  STATUS_STYLE,
  type Column,
} from './table-layout';
import type { IrsaOutcome } from './run-check';
import type { Style } from './style';
import { hangingWrap, indentWrap, NO_BREAK } from './text';

/** Below this width the IRSA table's six columns would be unreadable: each denial is stacked instead. */
export const IRSA_TABLE_MIN_WIDTH = 80;

/** `system:serviceaccount:<namespace>:<name>` -> `<namespace>/<name>`; anything else as logged. */
export function serviceAccountLabel(finding: Finding): string {
  const subject = finding.irsa?.serviceAccount ?? '';
  const match = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(subject);
  return match ? `${match[1]!}/${match[2]!}` : subject || '-';
}

/** Where an IRSA problem is: region / role / service account. */
export function irsaWhere(finding: Finding): string[] {
  return [finding.region, finding.resource.name, serviceAccountLabel(finding)];
}

/**
 * `2026-11-22T11:58:07.000Z` -> `2026-11-22 11:58Z` (UTC, to the minute), its space one that never breaks
 * (NO_BREAK): a wrapped line never separates the date from the time.
 */
export function shortTime(iso: string | undefined): string {
  if (iso === undefined) return '-';
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return match ? `${match[1]!}${NO_BREAK}${match[2]!}Z` : iso;
}

/** `2026-11-22 11:00Z to 12:00Z`: the end's date only when it is another day. */
export function windowText(from: string, to: string): string {
  const start = shortTime(from);
  const end = shortTime(to);
  const [startDay] = start.split(NO_BREAK);
  const [endDay, endTime] = end.split(NO_BREAK);
  return `${start} to ${endTime !== undefined && startDay === endDay ? endTime : end}`;
}

const causeOf = (finding: Finding) => String(finding.evidence.cause ?? '-');

/** `2026-11-22T11:58:07.000Z` -> `11-22 11:58Z`: the table's form (the scan line above it has the year). */
export function tableTime(iso: string | undefined): string {
  if (iso === undefined) return '-';
  const match = /^\d{4}-(\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return match ? `${match[1]!} ${match[2]!}Z` : iso;
}

/** The STATUS column of the IRSA table: status and severity in one cell (`FAIL HIGH`), to leave room for names. */
const statusCell = (finding: Finding) => `${finding.status} ${severityLabel(finding.severity)}`;

/**
 * The denial table's columns, or undefined when they do not fit in `width`: every column holds one identifier (a
 * role, a service account, a cause, a count, a time), each as wide as its longest value so that none is ever
 * wrapped; when they do not all fit, the rows are stacked instead (renderStackedDenial).
 */
function denialColumns(denials: readonly Finding[], width: number): Column[] | undefined {
  const fit = (header: string, values: readonly string[]) =>
    Math.max(header.length, ...values.map((value) => [...value].length));
  const count = (f: Finding) => String(f.irsa?.count ?? '-');
  const unsized: Column[] = [
    { header: 'ROLE', width: 0, cell: (f) => f.resource.name },
    { header: 'SERVICE ACCOUNT', width: 0, cell: serviceAccountLabel },
    { header: 'CAUSE', width: 0, cell: causeOf },
    { header: 'COUNT', width: 0, cell: count, align: 'right' },
    { header: 'LAST SEEN', width: 0, cell: (f) => tableTime(f.irsa?.lastSeen) },
    {
      header: 'STATUS',
      width: 0,
      cell: statusCell,
      paint: (f, text, style) =>
        text.replace(/^(\S+) (\S+)/, (_all, status: string, severity: string) =>
          [
            style.paint(status, ...STATUS_STYLE[f.status]),
            style.paint(severity, ...SEVERITY_STYLE[f.severity]),
          ].join(' '),
        ),
    },
  ];
  const columns = unsized.map((column) => ({
    ...column,
    width: fit(column.header, denials.map(column.cell)),
  }));
  const total = columns.reduce((sum, column) => sum + column.width, 0) + GAP.length * (columns.length - 1);
  return width >= IRSA_TABLE_MIN_WIDTH && total <= width ? columns : undefined;
}

/** The stacked form of a denial row: each identifier on a line of its own, with its label. */
function renderStackedDenial(finding: Finding, width: number, style: Style): string[] {
  const head = `${finding.status} ${severityLabel(finding.severity)} ${finding.resource.name}`;
  const lines = hangingWrap(head, width).map((line, index) =>
    index === 0
      ? line.replace(finding.status, style.paint(finding.status, ...STATUS_STYLE[finding.status]))
      : line,
  );
  const calls = finding.irsa?.count === 1 ? '1 call' : `${finding.irsa?.count ?? 0} calls`;
  lines.push(...hangingWrap(`service account: ${serviceAccountLabel(finding)}`, width, '    '));
  lines.push(
    ...hangingWrap(
      `cause: ${causeOf(finding)}; ${calls}, last ${shortTime(finding.irsa?.lastSeen)}`,
      width,
      '    ',
    ),
  );
  return lines;
}

/** What was read in a region: the window, how much, and whether the scan reached the window's start. */
export function scanLine(region: IrsaRegionSummary): string {
  // Why the region was read: a region nobody configured is said to be one, never a silent guess.
  const why = region.why ? ` Read for: ${region.why}.` : '';
  return `${scanOutcome(region)}${why}`;
}

function scanOutcome(region: IrsaRegionSummary): string {
  if (region.progress === 'failed') return 'CloudTrail could not be read: see the problems below.';
  const window = region.covered ?? region.planned;
  const parts = [
    `CloudTrail ${windowText(window.from, window.to)}`,
    `${region.eventsScanned} AssumeRoleWithWebIdentity event${region.eventsScanned === 1 ? '' : 's'} read`,
    `${region.denials} denied`,
  ];
  if (region.skippedRecords > 0) parts.push(`${region.skippedRecords} unreadable record(s) skipped`);
  let line = parts.join(', ');
  if (!region.complete) {
    line +=
      `. Incomplete: the page budget (${region.pages} pages) ran out before ${shortTime(region.planned.from)};` +
      ' shorten --since or raise TMC_HEALTH_IRSA_MAX_PAGES_PER_REGION.';
  } else line += '.';
  return line;
}

function byConcern(a: Finding, b: Finding): number {
  return (
    severityRank(a.severity) - severityRank(b.severity) ||
    (b.irsa?.count ?? 0) - (a.irsa?.count ?? 0) ||
    a.resource.name.localeCompare(b.resource.name) ||
    serviceAccountLabel(a).localeCompare(serviceAccountLabel(b))
  );
}

/** One scanned region of the IRSA check as the report shows it. */
export interface IrsaRegionView {
  readonly region: string;
  /** Absent for a region with denials that the summary does not list (not expected): shown rather than lost. */
  readonly scan?: IrsaRegionSummary;
  /** Its denied (role, service account) pairs, most concerning first. */
  readonly denials: readonly Finding[];
}

/** The regions in the summary's order, each with its denials. */
export function irsaRegionViews(irsa: IrsaOutcome): IrsaRegionView[] {
  const denials = irsa.findings.filter((f) => f.checkId === IRSA_CHECK_ID);
  const regions: { readonly region: string; readonly scan?: IrsaRegionSummary }[] = [
    ...irsa.summary.regions.map((scan) => ({ region: scan.region, scan })),
    ...[...new Set(denials.map((f) => f.region))]
      .filter((region) => !irsa.summary.regions.some((r) => r.region === region))
      .map((region) => ({ region })),
  ];
  return regions.map((view) => ({
    ...view,
    denials: denials.filter((f) => f.region === view.region).sort(byConcern),
  }));
}

/** Whether a region needs its own section: denials, a failed or an incomplete scan. Otherwise it folds. */
export function irsaRegionNeedsSection(view: IrsaRegionView): boolean {
  return (
    view.denials.length > 0 ||
    view.scan === undefined ||
    view.scan.progress === 'failed' ||
    !view.scan.complete
  );
}

/** A region's section: its heading, what was read, then its denials as a table (or stacked when too narrow). */
export function renderIrsaRegion(view: IrsaRegionView, width: number, style: Style): string[] {
  const out = [`IRSA  ${style.paint(view.region, 'cyan')}`];
  if (view.scan) out.push(...hangingWrap(scanLine(view.scan), width).map((line) => style.paint(line, 'dim')));
  if (view.denials.length === 0) {
    if (view.scan?.progress !== 'failed') out.push('No denied AssumeRoleWithWebIdentity calls.');
    return out;
  }
  const columns = denialColumns(view.denials, width);
  if (columns === undefined) {
    for (const finding of view.denials) out.push(...renderStackedDenial(finding, width, style));
  } else {
    out.push(headerLine(columns, style));
    for (const finding of view.denials) out.push(...renderRow(columns, finding, style, width));
  }
  return out;
}

/** A region without denials, folded to one line: what was read, and that nothing was denied. */
export function irsaCleanRegionText(view: IrsaRegionView): string {
  const scan = view.scan;
  if (scan === undefined) return 'no denied calls';
  const window = scan.covered ?? scan.planned;
  const events = `${scan.eventsScanned} AssumeRoleWithWebIdentity event${scan.eventsScanned === 1 ? '' : 's'}`;
  return `no denied call among ${events} read (CloudTrail ${windowText(window.from, window.to)})`;
}

/** The IRSA check's own AWS calls (`checker.error` findings): the reads that succeeded and those that failed. */
export function irsaReads(irsa: IrsaOutcome): { readonly passed: Finding[]; readonly failed: Finding[] } {
  const checker = irsa.findings.filter((f) => f.checkId === 'checker.error');
  return {
    passed: checker.filter((f) => f.status === 'PASS'),
    failed: checker.filter((f) => f.status !== 'PASS'),
  };
}

/** The line naming the IRSA reads that failed (their findings are among the problems). */
export function irsaFailedReadsLines(failed: readonly Finding[], width: number): string[] {
  const names = failed.map((f) => `${f.region} ${f.resource.name}`).join(', ');
  return hangingWrap(`IRSA reads failed: ${names} (see the problems below).`, width);
}

/** `--all`: the IRSA reads that succeeded, by name. */
export function irsaPassedReadsLines(
  passed: readonly Finding[],
  someFailed: boolean,
  width: number,
): string[] {
  const names = [...new Set(passed.map((f) => f.resource.name))].sort();
  return hangingWrap(`IRSA: ${readsPhrase(passed.length, someFailed)}: ${names.join(', ')}.`, width);
}

/** `all 7 AWS reads succeeded`, or `7 other AWS reads succeeded` when some failed (those are problems). */
export function readsPhrase(count: number, someFailed: boolean): string {
  const reads = `AWS read${count === 1 ? '' : 's'} succeeded`;
  if (someFailed) return `${count} other ${reads}`;
  return count === 1 ? `1 ${reads}` : `all ${count} ${reads}`;
}

/**
 * The correction part of an IRSA problem: for the first finding of a role, its note and changes (wrapped like any
 * text), then the whole trust policy as JSON indented by two spaces, one line per JSON line and never wrapped: a
 * line wider than the terminal overflows rather than break inside an ARN, so what is copied off the screen is the
 * document (`--fix-dir` writes it to a file; `--json` has it as an object). Later findings of the same role say
 * "as above": every finding of a role carries the same document. Without a correction, why none is given.
 *
 * `shown` holds the roles whose document was printed already; this adds the finding's.
 */
export function correctionLines(
  finding: Finding,
  width: number,
  indent: string,
  shown: Set<string>,
): string[] {
  const correction = finding.correction;
  if (correction === undefined) {
    const withheld = finding.evidence.correctionWithheld;
    return typeof withheld === 'string' && withheld.trim() !== '' ? indentWrap(withheld, width, indent) : [];
  }
  const role = correction.roleArn;
  if (shown.has(role)) {
    return indentWrap(`Corrected trust policy of role ${correction.roleName}: as above.`, width, indent);
  }
  shown.add(role);
  const lines = indentWrap(correction.note, width, indent);
  lines.push(`${indent}Changes:`);
  for (const change of correction.changes)
    lines.push(...indentWrap(change, width, `${indent}    `, `${indent}  - `));
  if (correction.trustPolicy === undefined) return lines;
  lines.push(
    ...indentWrap(
      `Trust policy of role ${correction.roleName}${correction.placeholders.length > 0 ? ` (fill in ${correction.placeholders.join(', ')})` : ''}:`,
      width,
      indent,
    ),
  );
  lines.push(...trustPolicyLines(correction.trustPolicy, `${indent}  `));
  return lines;
}

/**
 * A trust policy as JSON, two spaces an indent, each line after `indent` and cleaned again (the serialised JSON
 * escapes a control character, but writes a bidi or format character raw). Never wrapped: see correctionLines.
 */
export function trustPolicyLines(
  policy: NonNullable<Finding['correction']>['trustPolicy'],
  indent: string,
): string[] {
  return JSON.stringify(policy, null, 2)
    .split('\n')
    .map((line) => `${indent}${cleanLine(line)}`);
}
