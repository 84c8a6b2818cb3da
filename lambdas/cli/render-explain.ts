import { CHECK_DESCRIPTIONS } from '../core/check-descriptions';
import { explainCheck } from '../core/explain';
import { CAUSE_CATALOGUE, explainCause } from '../core/irsa/cause-catalogue';
import { IRSA_CHECK_ID } from '../core/irsa/evaluate-irsa';
import { DIAGNOSIS_CAUSES, type DiagnosisCause } from '../core/irsa/types';
import { CHECK_IDS, type CheckId } from '../core/finding';
import type { Style } from './style';
import { indentWrap, wrapText } from './text';

/**
 * Renders the catalogue's Markdown (the very text docs/checks.md is generated from) for a terminal: headings
 * and `**bold**` become bold, paragraphs and numbered steps are wrapped to the width with hanging indents, and a
 * table becomes one block per row (a five-column table never fits a terminal).
 */
export function renderExplain(checkId: CheckId, width: number, style: Style): string {
  return renderMarkdown(explainCheck(checkId), width, style);
}

/** One cause of the IRSA check (`tmc-health explain sub-mismatch`). */
export function renderExplainCause(cause: DiagnosisCause, width: number, style: Style): string {
  return renderMarkdown(explainCause(cause), width, style);
}

function renderMarkdown(markdown: string, width: number, style: Style): string {
  const out: string[] = [];
  const lines = markdown.split('\n');
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index]!;
    if (line.startsWith('|')) {
      const table: string[] = [];
      while (index < lines.length && lines[index]!.startsWith('|')) table.push(lines[index++]!);
      index -= 1;
      out.push(...renderTable(table, width, style));
      continue;
    }
    const heading = /^#+\s+(.*)$/.exec(line);
    if (heading) {
      out.push(style.paint(heading[1]!, 'bold'));
      continue;
    }
    if (line.trim() === '') {
      out.push('');
      continue;
    }
    const step = /^(\d+\.\s+)(.*)$/.exec(line);
    const bullet = step ? `  ${step[1]!}` : '';
    const body = step ? step[2]! : line;
    out.push(
      ...paragraph(body, width, style, step ? { first: bullet, rest: ' '.repeat(bullet.length) } : undefined),
    );
  }
  return `${out.join('\n')}\n`;
}

/** Wraps one paragraph; bold runs are styled after wrapping so escape codes never count towards the width. */
function paragraph(
  body: string,
  width: number,
  style: Style,
  indent?: { readonly first: string; readonly rest: string },
): string[] {
  const plain = body.replace(/\*\*(.+?)\*\*/g, '$1');
  const lines = indent ? indentWrap(plain, width, indent.rest, indent.first) : wrapText(plain, width);
  const bolds = [...body.matchAll(/\*\*(.+?)\*\*/g)].map((match) => match[1]!);
  return lines.map((text) => bolds.reduce((acc, b) => acc.replace(b, style.paint(b, 'bold')), text));
}

function tableCells(row: string): string[] {
  return row
    .slice(1, row.endsWith('|') ? -1 : undefined)
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim().replace(/\\\|/g, '|'));
}

/** A Markdown table as blocks: the first cell as a bold title, every other cell under its column's name. */
function renderTable(rows: readonly string[], width: number, style: Style): string[] {
  const [header, , ...body] = rows.map(tableCells);
  const out: string[] = [];
  for (const cells of body) {
    out.push(style.paint(cells[0]!.replace(/`/g, ''), 'bold'));
    cells.slice(1).forEach((text, column) => {
      out.push(
        ...paragraph(`**${header?.[column + 1] ?? ''}:** ${text}`, width, style, {
          first: '  ',
          rest: '    ',
        }),
      );
    });
    out.push('');
  }
  return out;
}

const EXPLAINABLE: readonly string[] = [...CHECK_IDS, ...Object.keys(CAUSE_CATALOGUE)];

/** Closest check ids or IRSA causes to an unknown one: substring matches first, then by edit distance. */
export function suggestCheckIds(input: string, limit = 3): string[] {
  const needle = input.toLowerCase();
  const contains = EXPLAINABLE.filter(
    (id) => needle !== '' && (id.includes(needle) || id.split('.').slice(1).join('.').includes(needle)),
  );
  if (contains.length > 0) return contains.slice(0, limit);
  return [...EXPLAINABLE]
    .map((id) => ({ id, distance: editDistance(needle, id) }))
    .filter(({ id, distance }) => distance <= Math.max(4, Math.floor(id.length / 3)))
    .sort((a, b) => a.distance - b.distance)
    .slice(0, limit)
    .map(({ id }) => id);
}

export function renderCheckList(width: number): string {
  const idWidth = Math.max(...CHECK_IDS.map((id) => id.length));
  const lines = CHECK_IDS.flatMap((id) =>
    indentWrap(CHECK_DESCRIPTIONS[id].name, width, ' '.repeat(idWidth + 4), `  ${id.padEnd(idWidth)}  `),
  );
  return `${[
    'Checks (tmc-health explain <checkId>):',
    ...lines,
    '',
    `Causes of ${IRSA_CHECK_ID} (tmc-health explain <cause>):`,
    ...indentWrap(DIAGNOSIS_CAUSES.join(', '), width, '  '),
  ].join('\n')}\n`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}
