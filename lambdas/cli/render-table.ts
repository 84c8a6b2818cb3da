import { CHECK_IDS, COMPONENTS, severityRank, type Finding } from '../core/finding';
import { cleanLine } from '../core/untrusted-text';
import { forDisplay } from './display';
import {
  correctionLines,
  irsaCleanRegionText,
  irsaFailedReadsLines,
  irsaPassedReadsLines,
  irsaReads,
  irsaRegionNeedsSection,
  irsaRegionViews,
  irsaWhere,
  readsPhrase,
  renderIrsaRegion,
} from './render-irsa';
import type { IrsaOutcome } from './run-check';
import { createStyle, type Style } from './style';
import {
  GAP,
  headerLine,
  renderRow,
  SEVERITY_STYLE,
  severityLabel,
  STATUS_STYLE,
  wrapCut,
  type Column,
} from './table-layout';
import type { CliSummary } from './summary';
import { hangingWrap, indentWrap, NO_BREAK, padEnd, SOFT_BREAK } from './text';

export interface TableOptions {
  /** Terminal width in columns; every line printed fits in it, but for a single token wider than its line. */
  readonly width: number;
  readonly style: Style;
  /** When the IRSA check ran: its findings (also among the findings rendered) get their own sections. */
  readonly irsa?: IrsaOutcome;
  /** Only FAIL and ERROR (`--failing`): the sections with problems, nothing of what passed. */
  readonly failingOnly?: boolean;
  /** Every row (`--all`), PASS included, instead of one "passed" line per credential, region and IRSA scan. */
  readonly all?: boolean;
  /**
   * Evidence wrapped whole instead of cut to a few lines: for output that is piped or redirected, where nobody
   * scrolls and a cut value is lost. The width is still respected.
   */
  readonly wholeEvidence?: boolean;
}

/** On a terminal, problems get room for their evidence and a PASS row stays one line so the problems stand out. */
const EVIDENCE_MAX_LINES = { problem: 3, pass: 1 } as const;
const evidenceLines = (finding: Finding, whole: boolean | undefined): number | undefined =>
  whole ? undefined : finding.status === 'PASS' ? EVIDENCE_MAX_LINES.pass : EVIDENCE_MAX_LINES.problem;
const MIN_EVIDENCE_WIDTH = 16;

function componentLabel(finding: Finding): string {
  if (finding.tmc?.component) return finding.tmc.component;
  return finding.checkId === 'checker.error' ? 'checker' : 'credential';
}

/** Shortens ARNs to their resource part (`function:name`): the full ARN is in the finding and in --json. */
function shortValue(value: string): string {
  return /^arn:[^:]*:[^:]*:[^:]*:[^:]*:.+/.test(value) ? value.split(':').slice(5).join(':') : value;
}

/** Evidence as `key` and its values (one for a scalar), skipping empty ones, each value cleaned to one line. */
function evidencePairs(evidence: Finding['evidence']): { key: string; values: string[] }[] {
  const pairs: { key: string; values: string[] }[] = [];
  for (const [key, value] of Object.entries(evidence)) {
    if (value === null || value === '') continue;
    if (Array.isArray(value)) {
      if (value.length === 0) continue;
      pairs.push({
        key: cleanLine(key),
        values: (value as readonly string[]).map((item) => cleanLine(shortValue(item))),
      });
    } else {
      const text = typeof value === 'string' ? shortValue(value) : String(value);
      pairs.push({ key: cleanLine(key), values: [cleanLine(text)] });
    }
  }
  return pairs;
}

/**
 * `key=value` pairs, skipping empty values: a glimpse of the figures behind the verdict. Each value on one line
 * (a multi-line one, such as a corrected statement, would otherwise wrap into lines of its own).
 */
export function formatEvidence(evidence: Finding['evidence']): string {
  return evidencePairs(evidence)
    .map(({ key, values }) => `${key}=${values.join(',')}`)
    .join(' ');
}

/**
 * formatEvidence with the places a line may break between tokens marked (text.ts SOFT_BREAK): after `key=` and
 * after each comma of a list. Never inside a value: a function name, an ARN, a number or a timestamp stays whole.
 */
function evidenceCell(evidence: Finding['evidence']): string {
  const text = evidencePairs(evidence)
    .map(({ key, values }) => `${key}=${SOFT_BREAK}${values.map(glued).join(`,${SOFT_BREAK}`)}`)
    .join(' ');
  return text === '' ? '-' : text;
}

/** A short value with spaces (`rate(5 minutes)`) is one token: never broken at its spaces. Longer is prose. */
const GLUED_VALUE_MAX = 24;
const glued = (value: string) =>
  [...value].length <= GLUED_VALUE_MAX ? value.replaceAll(' ', NO_BREAK) : value;

interface Group {
  readonly region: string;
  /** Undefined for account-level and checker findings. */
  readonly credentialName: string | undefined;
  readonly findings: Finding[];
}

function sortKey(finding: Finding): [number, number] {
  const component = finding.tmc?.component;
  return [component ? COMPONENTS.indexOf(component) : COMPONENTS.length, CHECK_IDS.indexOf(finding.checkId)];
}

/** One group per credential and region, in region order, credentials by name, account-level findings last. */
export function groupFindings(findings: readonly Finding[], regions: readonly string[]): Group[] {
  const groups = new Map<string, Group>();
  for (const finding of findings) {
    const credentialName = finding.tmc?.credentialName;
    const key = `${finding.region}\u0000${credentialName ?? ''}`;
    let group = groups.get(key);
    if (group === undefined) {
      group = { region: finding.region, credentialName, findings: [] };
      groups.set(key, group);
    }
    group.findings.push(finding);
  }
  const regionIndex = (region: string) => {
    const index = regions.indexOf(region);
    return index === -1 ? regions.length : index;
  };
  const sorted = [...groups.values()].sort(
    (a, b) =>
      regionIndex(a.region) - regionIndex(b.region) ||
      a.region.localeCompare(b.region) ||
      Number(a.credentialName === undefined) - Number(b.credentialName === undefined) ||
      (a.credentialName ?? '').localeCompare(b.credentialName ?? ''),
  );
  for (const group of sorted) {
    group.findings.sort((a, b) => {
      const [ca, ia] = sortKey(a);
      const [cb, ib] = sortKey(b);
      return ca - cb || ia - ib;
    });
  }
  return sorted;
}

/**
 * How pressing a finding is, lower first: by severity, a FAIL (a confirmed problem) before an ERROR (unknown) of
 * the same severity, and every PASS last.
 */
function concern(finding: Finding): number {
  if (finding.status === 'PASS') return LAST;
  return severityRank(finding.severity) * 2 + (finding.status === 'ERROR' ? 1 : 0);
}
const LAST = 1_000;

/** Problems first, most pressing first (in component order when equal), then what passed. */
function problemsFirst(findings: readonly Finding[]): Finding[] {
  const order = new Map(findings.map((finding, index) => [finding, index]));
  return [...findings].sort((a, b) => concern(a) - concern(b) || order.get(a)! - order.get(b)!);
}

/** Below this width the table would squeeze its columns unreadably: each finding is stacked instead. */
export const TABLE_MIN_WIDTH = 76;

/**
 * The credential table's columns, or undefined when they do not fit: the identifier columns (component, check
 * id, status, severity) are as wide as their longest value, never wrapped, and the evidence takes the rest; when
 * that leaves it less than MIN_EVIDENCE_WIDTH, the rows are stacked instead.
 */
function layoutColumns(
  findings: readonly Finding[],
  width: number,
  wholeEvidence?: boolean,
): Column[] | undefined {
  const fit = (header: string, values: string[]) =>
    Math.max(header.length, ...values.map((v) => [...v].length));
  const component = fit('COMPONENT', findings.map(componentLabel));
  const check = fit(
    'CHECK',
    findings.map((f) => f.checkId),
  );
  const status = fit(
    'STATUS',
    findings.map((f) => f.status),
  );
  const severity = fit(
    'SEVERITY',
    findings.map((f) => severityLabel(f.severity)),
  );
  const evidence = width - (component + check + status + severity + GAP.length * 4);
  if (width < TABLE_MIN_WIDTH || evidence < MIN_EVIDENCE_WIDTH) return undefined;
  return [
    { header: 'COMPONENT', width: component, cell: componentLabel },
    { header: 'CHECK', width: check, cell: (f) => f.checkId },
    { header: 'STATUS', width: status, cell: (f) => f.status, style: (f) => STATUS_STYLE[f.status] },
    {
      header: 'SEVERITY',
      width: severity,
      cell: (f) => severityLabel(f.severity),
      style: (f) => (f.status === 'PASS' ? ['dim'] : SEVERITY_STYLE[f.severity]),
    },
    {
      header: 'EVIDENCE',
      width: evidence,
      cell: (f) => evidenceCell(f.evidence),
      wraps: true,
      maxLines: (f) => evidenceLines(f, wholeEvidence),
    },
  ];
}

/** The narrow-terminal form of a row: status, severity and check on one line, then component and evidence. */
function renderStacked(finding: Finding, width: number, style: Style, wholeEvidence?: boolean): string[] {
  const head = `${finding.status} ${severityLabel(finding.severity)} ${finding.checkId}`;
  const lines = hangingWrap(head, width).map((line, index) =>
    index === 0
      ? line.replace(finding.status, style.paint(finding.status, ...STATUS_STYLE[finding.status]))
      : line,
  );
  lines.push(...hangingWrap(`component: ${componentLabel(finding)}`, width, '    '));
  lines.push(
    ...wrapCut(
      `evidence: ${evidenceCell(finding.evidence)}`,
      width,
      '    ',
      evidenceLines(finding, wholeEvidence),
    ),
  );
  return lines;
}

function groupTitle(group: Group, accountId: string, style: Style): string {
  return `${groupLabel(group, accountId, style)}  ${style.paint(group.region, 'cyan')}`;
}

function groupLabel(group: Group, accountId: string, style: Style): string {
  return group.credentialName === undefined
    ? `Account ${accountId}`
    : `Credential ${style.paint(group.credentialName, 'bold')}`;
}

/** The rows of a credential table (or their stacked form), evidence wrapped at token boundaries only. */
function renderFindingRows(
  rows: readonly Finding[],
  width: number,
  style: Style,
  wholeEvidence?: boolean,
): string[] {
  if (rows.length === 0) return [];
  const columns = layoutColumns(rows, width, wholeEvidence);
  if (columns === undefined)
    return rows.flatMap((finding) => renderStacked(finding, width, style, wholeEvidence));
  return [
    headerLine(columns, style),
    ...rows.flatMap((finding) => renderRow(columns, finding, style, width)),
  ];
}

/** One line of the Passed block: who, where, and how many checks passed there. */
interface FoldLine {
  readonly label: string;
  readonly region: string;
  /** The PASS findings this line stands for (undefined: a line that folds no finding, e.g. a clean IRSA region). */
  readonly passed?: number;
  readonly text: string;
}

/**
 * A part of the report: a credential (or the account's own checks) in a region, an IRSA region, the IRSA reads.
 * Its problems are listed where it is shown, its PASS findings (unless --all) on one line of the Passed block.
 */
interface Section {
  /** The FAIL and ERROR findings it shows, in its order: the remediation list numbers them so. */
  readonly problems: readonly Finding[];
  /** The most severe of what makes it a problem section (lower is more severe), undefined for none. */
  readonly rank?: number;
  /** Shown as a section even without problems (an IRSA scan that failed or ran out of pages). */
  readonly notable?: boolean;
  /** Its lines: problems only, or (`all`) everything. */
  render(all: boolean): string[];
  readonly fold?: FoldLine;
}

const worstRank = (findings: readonly Finding[]) =>
  findings.length === 0 ? undefined : Math.min(...findings.map(concern));
const checksPassed = (count: number) => `${count} check${count === 1 ? '' : 's'} passed`;
const isCheckerPass = (finding: Finding) => finding.checkId === 'checker.error' && finding.status === 'PASS';

/** The AWS reads of the credential check in a region that succeeded, in one line (`--all`). */
function readsLine(passes: readonly Finding[], someFailed: boolean, width: number): string[] {
  const names = passes.map((f) => String(f.evidence.operation ?? f.resource.name));
  return hangingWrap(`${capitalise(readsPhrase(passes.length, someFailed))}: ${names.join(', ')}.`, width);
}
const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

function credentialSection(group: Group, accountId: string, options: TableOptions): Section {
  const { width, style, wholeEvidence } = options;
  const ordered = problemsFirst(group.findings);
  const problems = ordered.filter((f) => f.status !== 'PASS');
  const passes = ordered.filter((f) => f.status === 'PASS');
  const readsPassed = passes.filter(isCheckerPass);
  const readsFailed = problems.some((f) => f.checkId === 'checker.error');
  const otherPasses = passes.filter((f) => !isCheckerPass(f));
  // The account's own checks say what passed (few, and each says something different); a credential's count.
  const titles = [...new Set(otherPasses.map((f) => f.title))];
  const detail =
    group.credentialName === undefined
      ? [
          ...(titles.length <= 2 ? titles : []),
          ...(readsPassed.length > 0 ? [readsPhrase(readsPassed.length, readsFailed)] : []),
        ]
      : [];
  return {
    problems,
    rank: worstRank(problems),
    render: (all) => {
      const rows = all ? ordered.filter((f) => !isCheckerPass(f)) : problems;
      return [
        groupTitle(group, accountId, style),
        ...renderFindingRows(rows, width, style, wholeEvidence),
        ...(all && readsPassed.length > 0 ? readsLine(readsPassed, readsFailed, width) : []),
      ];
    },
    ...(passes.length > 0
      ? {
          fold: {
            // A credential by its name alone (`acme-prod  us-west-2  15 checks passed`), the account's own
            // checks as `Account`: the block stays narrow enough for its counts and what they were.
            label: group.credentialName ?? 'Account',
            region: group.region,
            passed: passes.length,
            text: `${checksPassed(passes.length)}${detail.length > 0 ? `: ${detail.join('; ')}` : ''}`,
          },
        }
      : {}),
  };
}

function irsaSections(irsa: IrsaOutcome, options: TableOptions): Section[] {
  const { width, style } = options;
  const reads = irsaReads(irsa);
  const regions = irsaRegionViews(irsa).map((view): Section => {
    const needed = irsaRegionNeedsSection(view);
    const failedHere = reads.failed.filter((f) => f.region === view.region);
    return {
      problems: view.denials,
      rank: worstRank([...view.denials, ...failedHere]),
      notable: needed,
      render: () => renderIrsaRegion(view, width, style),
      ...(needed ? {} : { fold: { label: 'IRSA', region: view.region, text: irsaCleanRegionText(view) } }),
    };
  });
  const { passed, failed } = reads;
  const readsSection: Section = {
    problems: failed,
    rank: worstRank(failed),
    render: (all) => [
      ...(failed.length > 0 ? irsaFailedReadsLines(failed, width) : []),
      ...(all && passed.length > 0 ? irsaPassedReadsLines(passed, failed.length > 0, width) : []),
    ],
    ...(passed.length > 0
      ? {
          fold: {
            label: 'IRSA scan',
            region: '',
            passed: passed.length,
            text: `${checksPassed(passed.length)}: ${readsPhrase(passed.length, failed.length > 0)}`,
          },
        }
      : {}),
  };
  return [...regions, readsSection];
}

/**
 * The Passed block: one line per credential, region and IRSA scan, its label and region aligned in columns; a
 * text too long for its line wraps under itself (hanging), never back to the label's column.
 */
function renderPassed(folds: readonly FoldLine[], width: number, style: Style): string[] {
  if (folds.length === 0) return [];
  const labelWidth = Math.max(...folds.map((fold) => [...fold.label].length));
  const regionWidth = Math.max(...folds.map((fold) => [...fold.region].length));
  const digits = Math.max(...folds.map((fold) => String(fold.passed ?? '').length));
  const lines = [`${style.paint('Passed', 'bold')} (--all lists every check)`];
  for (const fold of folds) {
    const region = regionWidth > 0 ? `${padEnd(fold.region, regionWidth)}${GAP}` : '';
    const prefix = `  ${padEnd(fold.label, labelWidth)}${GAP}${region}`;
    // Counts right-aligned, so the column of numbers reads down.
    const pad = ' '.repeat(fold.passed === undefined ? 0 : digits - String(fold.passed).length);
    const room = width - [...prefix].length - pad.length;
    if (room >= MIN_EVIDENCE_WIDTH) {
      const [first = '', ...rest] = hangingWrap(fold.text, room);
      const under = ' '.repeat([...prefix].length + pad.length);
      lines.push(`${prefix}${pad}${first}`, ...rest.map((line) => `${under}${line}`));
    } else lines.push(...hangingWrap(`${fold.label}  ${fold.region}  ${fold.text}`, width, '  ', '    '));
  }
  return lines;
}

function renderProblems(problems: readonly Finding[], width: number, style: Style): string[] {
  if (problems.length === 0) return [];
  const lines: string[] = [style.paint(`Problems and remediation (${problems.length})`, 'bold'), ''];
  const explained = new Set<string>();
  const corrected = new Set<string>();
  problems.forEach((finding, index) => {
    const where = (
      finding.irsa
        ? irsaWhere(finding)
        : [finding.region, finding.tmc?.credentialName, finding.tmc?.component]
    )
      .filter((part) => part !== undefined)
      .join(' / ');
    const number = `${index + 1}. `;
    const head = `${number}${finding.status} ${severityLabel(finding.severity)} ${finding.checkId} (${where})`;
    // Hanging under the heading's text, two further in than its number: never at 0, 3 or 4, where the report's
    // own lines start.
    lines.push(
      ...hangingWrap(head, width, '', ' '.repeat(number.length + 2)).map((line) =>
        style.paint(line, ...STATUS_STYLE[finding.status].filter((s) => s !== 'bold'), 'bold'),
      ),
    );
    const indent = '   ';
    lines.push(...hangingWrap(`${finding.title}: ${finding.message}`, width, indent));
    // Once per role: every finding of a role carries the same document.
    lines.push(...correctionLines(finding, width, indent, corrected));
    if (explained.has(finding.checkId)) {
      lines.push(...indentWrap(`Remediation: as for ${finding.checkId} above.`, width, indent));
    } else {
      explained.add(finding.checkId);
      lines.push(...indentWrap(`Who can fix it: ${finding.remediation.whoCanFix}`, width, indent));
      lines.push(`${indent}What to do:`);
      for (const step of finding.remediation.text.split('\n').filter((s) => s.trim() !== '')) {
        const numbered = /^(\d+\.\s+)(.*)$/.exec(step);
        if (numbered) {
          const bullet = `${indent}  ${numbered[1]!}`;
          lines.push(...indentWrap(numbered[2]!, width, ' '.repeat(bullet.length), bullet));
        } else lines.push(...indentWrap(step, width, `${indent}  `));
      }
      lines.push(...indentWrap(`Runbook: ${finding.remediation.runbookUrl}`, width, indent));
    }
    lines.push('');
  });
  return lines;
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** How the report showed the PASS findings, for the summary line to say so. */
export type PassDisplay =
  | { readonly mode: 'folded'; readonly lines: number }
  | { readonly mode: 'failing' }
  | { readonly mode: 'all' };

function passNote(display: PassDisplay | undefined, passed: number): string {
  if (display === undefined || passed === 0 || display.mode === 'all') return '';
  if (display.mode === 'failing') return ' (not listed: --failing)';
  return ` (folded into ${plural(display.lines, 'line')} above)`;
}

export function summaryLine(summary: CliSummary, style: Style, display?: PassDisplay): string {
  const { FAIL, ERROR, PASS } = summary.byStatus;
  const counts = [
    style.paint(`${FAIL} FAIL`, ...(FAIL > 0 ? STATUS_STYLE.FAIL : [])),
    style.paint(`${ERROR} ERROR`, ...(ERROR > 0 ? STATUS_STYLE.ERROR : [])),
    style.paint(`${PASS} PASS`, ...(PASS > 0 ? STATUS_STYLE.PASS : [])) + passNote(display, PASS),
  ].join(', ');
  const credentials = `${plural(summary.credentials, 'credential')} in ${summary.regions.join(', ')}`;
  if (summary.irsa === undefined) return `Summary: ${counts}. ${credentials}, account ${summary.accountId}.`;
  // With IRSA: the credential part only when that check ran (it always has a region), then IRSA's.
  const irsa =
    `IRSA: ${plural(summary.irsa.denialGroups, 'denied role/service account pair')} in ` +
    summary.irsa.regions.map((region) => region.region).join(', ');
  const parts = [...(summary.regions.length > 0 ? [credentials] : []), irsa];
  return `Summary: ${counts}. ${parts.join('; ')}; account ${summary.accountId}.`;
}

/** A line that may be coloured: coloured when its plain text fits the width, else wrapped plain with a hang. */
export function fittedLine(plain: string, coloured: string, width: number): string[] {
  return [...plain].length <= width ? [coloured] : hangingWrap(plain, width);
}

/**
 * The human report: the sections with problems (most severe first), one line per credential, region and IRSA
 * scan for what passed, the remediation of each problem, then a one-line summary. Every string of the findings
 * and summaries is cleaned first (display.ts): no value reaches the terminal raw.
 */
export function renderTable(
  rawFindings: readonly Finding[],
  rawSummary: CliSummary,
  rawOptions: TableOptions,
): string {
  // One pass over everything shown, so the IRSA outcome's findings stay the very objects listed in `findings`.
  const shown = forDisplay({ findings: rawFindings, summary: rawSummary, irsa: rawOptions.irsa });
  const { findings, summary } = shown;
  const options: TableOptions = { ...rawOptions, ...(shown.irsa ? { irsa: shown.irsa } : {}) };
  const { width, style } = options;
  const body = renderReportBody(findings, summary, options);
  const out = [...body.lines];
  out.push(
    ...fittedLine(
      summaryLine(summary, createStyle(false), body.passes),
      summaryLine(summary, style, body.passes),
      width,
    ),
  );
  if (findings.some((f) => f.status !== 'PASS')) out.push(...explainHint(width));
  return `${out.join('\n')}\n`;
}

export const explainHint = (width: number): string[] =>
  hangingWrap('More on any check: tmc-health explain <checkId>', width);

export interface ReportBody {
  readonly lines: string[];
  /** How the PASS findings were shown (for the summary line). */
  readonly passes: PassDisplay;
}

/**
 * One account's report without its summary line. `check` prints one; `check --accounts` one per account
 * (render-fleet.ts). Its inputs have been through forDisplay (display.ts) in renderTable or renderFleetTable.
 *
 * 1. The sections with a FAIL or ERROR (a credential in a region, the account's own checks, an IRSA region, the
 *    IRSA reads), the most severe first, each listing its problems, most severe first.
 * 2. Passed: one line per credential, region and IRSA scan with how many of its checks passed (`--all` lists
 *    every row in the sections instead, `--failing` leaves this out).
 * 3. The remediation of each problem, in the order they were listed.
 */
export function renderReportBody(
  findings: readonly Finding[],
  summary: CliSummary,
  options: TableOptions,
): ReportBody {
  const { width, style } = options;
  const irsaFindings = new Set(options.irsa?.findings ?? []);
  const credentialFindings = findings.filter((finding) => !irsaFindings.has(finding));
  const sections: Section[] = [
    ...groupFindings(credentialFindings, summary.regions).map((group) =>
      credentialSection(group, summary.accountId, options),
    ),
    ...(options.irsa ? irsaSections(options.irsa, options) : []),
  ];
  const all = options.all === true && options.failingOnly !== true;
  const passes: PassDisplay = all
    ? { mode: 'all' }
    : options.failingOnly
      ? { mode: 'failing' }
      : { mode: 'folded', lines: 0 };
  const withProblems = sections
    .filter((section) => section.problems.length > 0 || section.notable === true)
    .map((section, index) => ({ section, index }))
    .sort((a, b) => (a.section.rank ?? LAST) - (b.section.rank ?? LAST) || a.index - b.index)
    .map(({ section }) => section);
  const shown = all
    ? [...withProblems, ...sections.filter((section) => !withProblems.includes(section))]
    : withProblems;
  const out: string[] = [];
  for (const section of shown) {
    const lines = section.render(all);
    if (lines.length > 0) out.push(...lines, '');
  }
  if (findings.length === 0 && !options.irsa) out.push('No findings: nothing was checked.', '');
  else if (!all && withProblems.length === 0) out.push('No FAIL or ERROR.', '');
  let folded = 0;
  if (passes.mode === 'folded') {
    const folds = sections.flatMap((section) => (section.fold ? [section.fold] : []));
    folded = folds.filter((fold) => fold.passed !== undefined).length;
    const block = renderPassed(folds, width, style);
    if (block.length > 0) out.push(...block, '');
  }
  out.push(
    ...renderProblems(
      shown.flatMap((section) => section.problems),
      width,
      style,
    ),
  );
  return { lines: out, passes: passes.mode === 'folded' ? { mode: 'folded', lines: folded } : passes };
}
