import { CHECK_IDS, COMPONENTS, type Finding } from '../core/finding';
import { cleanLine } from '../core/untrusted-text';
import { forDisplay } from './display';
import { correctedStatementLines, irsaWhere, orderIrsaFindings, renderIrsaSection } from './render-irsa';
import type { IrsaOutcome } from './run-check';
import { createStyle, type Style } from './style';
import {
  GAP,
  headerLine,
  renderRow,
  SEVERITY_STYLE,
  severityLabel,
  STATUS_STYLE,
  type Column,
} from './table-layout';
import type { CliSummary } from './summary';
import { hangingWrap, indentWrap, truncate, wrapText } from './text';

export interface TableOptions {
  /** Terminal width in columns; every line printed fits in it. */
  readonly width: number;
  readonly style: Style;
  /** When the IRSA check ran: its findings (also among the findings rendered) get their own section. */
  readonly irsa?: IrsaOutcome;
  /** Only FAIL and ERROR rows in the credential tables (`--failing`); a table with none says how many passed. */
  readonly failingOnly?: boolean;
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

/**
 * `key=value` pairs, skipping empty values: a glimpse of the figures behind the verdict. Each value on one line
 * (a multi-line one, such as a corrected statement, would otherwise wrap into lines of its own).
 */
export function formatEvidence(evidence: Finding['evidence']): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(evidence)) {
    if (value === null || value === '') continue;
    if (Array.isArray(value)) {
      if (value.length === 0) continue;
      parts.push(
        `${cleanLine(key)}=${(value as readonly string[]).map((item) => cleanLine(shortValue(item))).join(',')}`,
      );
    } else {
      const text = typeof value === 'string' ? shortValue(value) : String(value);
      parts.push(`${cleanLine(key)}=${cleanLine(text)}`);
    }
  }
  return parts.join(' ');
}

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

/** Below this width the table would squeeze its columns unreadably: each finding is stacked instead. */
export const TABLE_MIN_WIDTH = 76;

function layoutColumns(findings: readonly Finding[], width: number, wholeEvidence?: boolean): Column[] {
  const fit = (header: string, values: string[], cap: number) =>
    Math.min(cap, Math.max(header.length, ...values.map((v) => [...v].length)));
  const component = fit('COMPONENT', findings.map(componentLabel), 18);
  const status = fit(
    'STATUS',
    findings.map((f) => f.status),
    6,
  );
  const severity = fit(
    'SEVERITY',
    findings.map((f) => severityLabel(f.severity)),
    8,
  );
  let check = fit(
    'CHECK',
    findings.map((f) => f.checkId),
    28,
  );
  const fixed = () => component + check + status + severity + GAP.length * 4;
  // The evidence column takes what is left; when short of room the check id wraps before evidence vanishes.
  if (width - fixed() < MIN_EVIDENCE_WIDTH)
    check = Math.max(20, check - (MIN_EVIDENCE_WIDTH - (width - fixed())));
  const evidence = Math.max(MIN_EVIDENCE_WIDTH, width - fixed());
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
      cell: (f) => formatEvidence(f.evidence) || '-',
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
  const evidence = hangingWrap(`evidence: ${formatEvidence(finding.evidence) || '-'}`, width, '    ');
  const max = evidenceLines(finding, wholeEvidence);
  if (max !== undefined && evidence.length > max) {
    evidence.length = max;
    evidence[max - 1] = truncate(`${evidence[max - 1]!} ...`, width);
  }
  lines.push(...evidence);
  return lines;
}

function groupTitle(group: Group, accountId: string, style: Style): string {
  const who =
    group.credentialName === undefined
      ? `Account ${accountId}`
      : `Credential ${style.paint(group.credentialName, 'bold')}`;
  return `${who}  ${style.paint(`${group.region}`, 'cyan')}`;
}

function renderProblems(findings: readonly Finding[], width: number, style: Style): string[] {
  const problems = findings.filter((f) => f.status !== 'PASS');
  if (problems.length === 0) return [];
  const lines: string[] = [style.paint(`Problems and remediation (${problems.length})`, 'bold'), ''];
  const explained = new Set<string>();
  problems.forEach((finding, index) => {
    const where = (
      finding.irsa
        ? irsaWhere(finding)
        : [finding.region, finding.tmc?.credentialName, finding.tmc?.component]
    )
      .filter((part) => part !== undefined)
      .join(' / ');
    const head = `${index + 1}. ${finding.status} ${severityLabel(finding.severity)} ${finding.checkId} (${where})`;
    lines.push(
      ...hangingWrap(head, width).map((line) =>
        style.paint(line, ...STATUS_STYLE[finding.status].filter((s) => s !== 'bold'), 'bold'),
      ),
    );
    const indent = '   ';
    lines.push(...hangingWrap(`${finding.title}: ${finding.message}`, width, indent));
    // Per finding, never "as above": each denied pair has its own statement to paste.
    lines.push(...correctedStatementLines(finding, width, indent));
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

export function summaryLine(summary: CliSummary, style: Style): string {
  const { FAIL, ERROR, PASS } = summary.byStatus;
  const counts = [
    style.paint(`${FAIL} FAIL`, ...(FAIL > 0 ? STATUS_STYLE.FAIL : [])),
    style.paint(`${ERROR} ERROR`, ...(ERROR > 0 ? STATUS_STYLE.ERROR : [])),
    style.paint(`${PASS} PASS`, ...(PASS > 0 ? STATUS_STYLE.PASS : [])),
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

/**
 * One row for all the API operations that succeeded (one PASS `checker.error` finding each in the data): they
 * matter to machines correlating resolutions, but a row apiece would bury the problems. --json has them all.
 */
function collapseCheckerPasses(findings: readonly Finding[]): Finding[] {
  const passes = findings.filter((f) => f.checkId === 'checker.error' && f.status === 'PASS');
  if (passes.length < 2) return [...findings];
  const operations = passes.map((f) => String(f.evidence.operation ?? f.resource.name));
  const merged: Finding = { ...passes[0]!, evidence: { operationsSucceeded: operations } };
  return [...findings.filter((f) => !passes.includes(f)), merged];
}

/**
 * The human report: a table per credential, the remediation of each problem, then a one-line summary. Every
 * string of the findings and summaries is cleaned first (display.ts): no value reaches the terminal raw.
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
  const out = renderReportBody(findings, summary, options);
  const plain = summaryLine(summary, createStyle(false));
  // Coloured when it fits on one line; wrapped plain otherwise (wrapping must not split escape codes).
  out.push(...([...plain].length <= width ? [summaryLine(summary, style)] : wrapText(plain, width)));
  if (findings.some((f) => f.status !== 'PASS')) out.push(...explainHint(width));
  return `${out.join('\n')}\n`;
}

export const explainHint = (width: number): string[] =>
  wrapText('More on any check: tmc-health explain <checkId>', width);

/**
 * One account's report without its summary line: the tables per credential, the IRSA section, the remediation
 * of each problem. `check` prints one; `check --accounts` one per account (render-fleet.ts). Its inputs have been
 * through forDisplay (display.ts) in renderTable or renderFleetTable.
 */
export function renderReportBody(
  findings: readonly Finding[],
  summary: CliSummary,
  options: TableOptions,
): string[] {
  const { width, style } = options;
  const irsaFindings = new Set(options.irsa?.findings ?? []);
  const credentialFindings = findings.filter((finding) => !irsaFindings.has(finding));
  const out: string[] = [];
  for (const group of groupFindings(credentialFindings, summary.regions)) {
    out.push(groupTitle(group, summary.accountId, style));
    const all = collapseCheckerPasses(group.findings);
    const rows = options.failingOnly ? all.filter((finding) => finding.status !== 'PASS') : all;
    if (rows.length === 0) {
      const passed = group.findings.filter((finding) => finding.status === 'PASS').length;
      out.push(`  no FAIL or ERROR (${passed} passed)`, '');
      continue;
    }
    if (width < TABLE_MIN_WIDTH) {
      for (const finding of rows) out.push(...renderStacked(finding, width, style, options.wholeEvidence));
      out.push('');
      continue;
    }
    const columns = layoutColumns(rows, width, options.wholeEvidence);
    out.push(headerLine(columns, style));
    for (const finding of rows) out.push(...renderRow(columns, finding, style));
    out.push('');
  }
  if (options.irsa) out.push(...renderIrsaSection(options.irsa, width, style));
  if (findings.length === 0 && !options.irsa) out.push('No findings: nothing was checked.', '');
  // Problems in the order of the tables: the credentials', then IRSA's.
  out.push(
    ...renderProblems(
      [...credentialFindings, ...(options.irsa ? orderIrsaFindings(options.irsa) : [])],
      width,
      style,
    ),
  );
  return out;
}
