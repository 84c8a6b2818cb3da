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
import { hangingWrap, indentWrap, wrapText } from './text';

/** Below this width the IRSA table's seven columns would be unreadable: each denial is stacked instead. */
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

/** `2026-11-22T11:58:07.000Z` -> `2026-11-22 11:58Z` (UTC, to the minute). */
export function shortTime(iso: string | undefined): string {
  if (iso === undefined) return '-';
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return match ? `${match[1]!} ${match[2]!}Z` : iso;
}

const causeOf = (finding: Finding) => String(finding.evidence.cause ?? '-');

/** `2026-11-22T11:58:07.000Z` -> `11-22 11:58Z`: the table's form (the scan line above it has the year). */
export function tableTime(iso: string | undefined): string {
  if (iso === undefined) return '-';
  const match = /^\d{4}-(\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return match ? `${match[1]!} ${match[2]!}Z` : iso;
}

/**
 * Sizes the free-text columns to the room left: each starts at its minimum (its header, or less for ROLE, whose
 * names wrap), then the widest remaining wish gets the next column.
 */
function fitFlexible(wishes: readonly number[], minimums: readonly number[], room: number): number[] {
  const widths = wishes.map((wish, index) => Math.min(wish, minimums[index]!));
  let left = room - widths.reduce((sum, w) => sum + w, 0);
  while (left > 0) {
    let best = -1;
    for (let index = 0; index < wishes.length; index += 1) {
      const deficit = wishes[index]! - widths[index]!;
      if (deficit > 0 && (best === -1 || deficit > wishes[best]! - widths[best]!)) best = index;
    }
    if (best === -1) break;
    widths[best]! += 1;
    left -= 1;
  }
  return widths;
}

function denialColumns(denials: readonly Finding[], width: number): Column[] {
  const fit = (header: string, values: readonly string[]) =>
    Math.max(header.length, ...values.map((value) => [...value].length));
  const count = fit(
    'COUNT',
    denials.map((f) => String(f.irsa?.count ?? '')),
  );
  const lastSeen = fit(
    'LAST SEEN',
    denials.map((f) => tableTime(f.irsa?.lastSeen)),
  );
  const status = fit(
    'STATUS',
    denials.map((f) => f.status),
  );
  const severity = fit(
    'SEVERITY',
    denials.map((f) => severityLabel(f.severity)),
  );
  const fixed = count + lastSeen + status + severity + GAP.length * 6;
  const [role, account, cause] = fitFlexible(
    [
      fit(
        'ROLE',
        denials.map((f) => f.resource.name),
      ),
      fit('SERVICE ACCOUNT', denials.map(serviceAccountLabel)),
      fit('CAUSE', denials.map(causeOf)),
    ],
    [10, 'SERVICE ACCOUNT'.length, 12],
    width - fixed,
  ) as [number, number, number];
  return [
    { header: 'ROLE', width: role, cell: (f) => f.resource.name },
    { header: 'SERVICE ACCOUNT', width: account, cell: serviceAccountLabel },
    { header: 'CAUSE', width: cause, cell: causeOf },
    { header: 'COUNT', width: count, cell: (f) => String(f.irsa?.count ?? '-').padStart(count) },
    { header: 'LAST SEEN', width: lastSeen, cell: (f) => tableTime(f.irsa?.lastSeen) },
    { header: 'STATUS', width: status, cell: (f) => f.status, style: (f) => STATUS_STYLE[f.status] },
    {
      header: 'SEVERITY',
      width: severity,
      cell: (f) => severityLabel(f.severity),
      style: (f) => SEVERITY_STYLE[f.severity],
    },
  ];
}

/** The narrow-terminal form of a denial row. */
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
    `CloudTrail ${shortTime(window.from)} to ${shortTime(window.to)}`,
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

/** IRSA findings in the order the section shows them: by scanned region, then most concerning first. */
export function orderIrsaFindings(irsa: IrsaOutcome): Finding[] {
  const order = irsa.summary.regions.map((region) => region.region);
  const rank = (finding: Finding) => {
    const index = order.indexOf(finding.region);
    return index === -1 ? order.length : index;
  };
  return [...irsa.findings].sort((a, b) => rank(a) - rank(b) || byConcern(a, b));
}

/**
 * The IRSA part of the human report: per scanned region, what was read and a table of the denied (role,
 * service account) pairs; then one line on the checker's own AWS calls (their failures are among the problems).
 */
export function renderIrsaSection(irsa: IrsaOutcome, width: number, style: Style): string[] {
  const out: string[] = [];
  const denials = irsa.findings.filter((f) => f.checkId === IRSA_CHECK_ID);
  const regions: { readonly region: string; readonly scan?: IrsaRegionSummary }[] = [
    ...irsa.summary.regions.map((scan) => ({ region: scan.region, scan })),
    // Denials in a region the summary does not list (not expected): shown rather than lost.
    ...[...new Set(denials.map((f) => f.region))]
      .filter((region) => !irsa.summary.regions.some((r) => r.region === region))
      .map((region) => ({ region })),
  ];
  for (const { region, scan } of regions) {
    out.push(`IRSA  ${style.paint(region, 'cyan')}`);
    if (scan) out.push(...wrapText(scanLine(scan), width).map((line) => style.paint(line, 'dim')));
    const rows = denials.filter((f) => f.region === region).sort(byConcern);
    if (rows.length === 0) {
      if (scan?.progress !== 'failed')
        out.push(...wrapText('No denied AssumeRoleWithWebIdentity calls.', width));
    } else if (width < IRSA_TABLE_MIN_WIDTH) {
      for (const finding of rows) out.push(...renderStackedDenial(finding, width, style));
    } else {
      const columns = denialColumns(rows, width);
      out.push(headerLine(columns, style));
      for (const finding of rows) out.push(...renderRow(columns, finding, style));
    }
    out.push('');
  }
  const checker = irsa.findings.filter((f) => f.checkId === 'checker.error');
  const succeeded = [
    ...new Set(checker.filter((f) => f.status === 'PASS').map((f) => f.resource.name)),
  ].sort();
  const failed = checker.filter((f) => f.status !== 'PASS').map((f) => `${f.region} ${f.resource.name}`);
  if (checker.length > 0) {
    const parts = [
      ...(succeeded.length > 0 ? [`succeeded: ${succeeded.join(', ')}`] : []),
      ...(failed.length > 0 ? [`failed: ${failed.join(', ')} (see the problems below)`] : []),
    ];
    out.push(...wrapText(`IRSA checker calls ${parts.join('; ')}.`, width), '');
  }
  return out;
}

/**
 * How a statement is introduced, by `evidence.correctedStatementBasis`: the statement is shown only under a basis
 * listed here, so a finding that does not say where its statement comes from shows none.
 */
const STATEMENT_HEADING: Readonly<Record<string, string>> = {
  'claimed-service-account':
    'Trust policy statement for the service account the caller claims (UNVERIFIED: confirm it is yours before use):',
  template: 'Trust policy statement template (fill in the <placeholders> from your cluster):',
};

/**
 * The trust statement part of an IRSA problem: `evidence.correctedStatementNote` (how far to trust the statement,
 * or why there is none and what to check), then `evidence.correctedStatement` (a JSON string) pretty-printed
 * under its heading, every line within `width`. A line too long is first split after its key (still valid
 * JSON: whitespace between tokens), and only a single value longer than the width is broken, with a note that
 * --json has the exact text.
 */
export function correctedStatementLines(finding: Finding, width: number, indent: string): string[] {
  const note = finding.evidence.correctedStatementNote;
  const basis = finding.evidence.correctedStatementBasis;
  const heading =
    typeof basis === 'string' && Object.hasOwn(STATEMENT_HEADING, basis)
      ? STATEMENT_HEADING[basis]
      : undefined;
  const raw = finding.evidence.correctedStatement;
  const lines = typeof note === 'string' && note.trim() !== '' ? indentWrap(note, width, indent) : [];
  if (heading === undefined || typeof raw !== 'string' || raw.trim() === '') return lines;
  let pretty: string;
  try {
    pretty = JSON.stringify(JSON.parse(raw), null, 2);
  } catch {
    pretty = raw;
  }
  const inner = `${indent}  `;
  lines.push(...indentWrap(heading, width, indent));
  let broken = false;
  const fits = (line: string) => [...line].length <= width;
  // Each line cleaned again: parsing turns a value's `\u202e` escape back into the character itself.
  for (const jsonLine of pretty.split('\n').map((line) => cleanLine(line))) {
    const line = `${inner}${jsonLine}`;
    if (fits(line)) {
      lines.push(line);
      continue;
    }
    const keyed = /^(\s*)("(?:[^"\\]|\\.)*":)\s(.*)$/.exec(jsonLine);
    const pieces = keyed
      ? [`${inner}${keyed[1]!}${keyed[2]!}`, `${inner}${keyed[1]!}  ${keyed[3]!}`]
      : [line];
    for (const piece of pieces) {
      if (fits(piece)) lines.push(piece);
      else {
        broken = true;
        const chars = [...piece];
        for (let start = 0; start < chars.length; start += width) {
          lines.push(chars.slice(start, start + width).join(''));
        }
      }
    }
  }
  if (broken) {
    lines.push(
      ...indentWrap(
        `(Values longer than ${width} columns were broken: the exact statement is evidence.correctedStatement in --json.)`,
        width,
        indent,
      ),
    );
  }
  return lines;
}
