import { CATALOGUE } from '../core/catalogue';
import { explainCheck } from '../core/explain';
import { CHECK_IDS, type CheckId } from '../core/finding';
import type { Style } from './style';
import { indentWrap, wrapText } from './text';

/**
 * Renders the catalogue's Markdown (the very text docs/checks.md is generated from) for a terminal: headings
 * and `**bold**` become bold, paragraphs and numbered steps are wrapped to the width with hanging indents.
 */
export function renderExplain(checkId: CheckId, width: number, style: Style): string {
  const out: string[] = [];
  for (const line of explainCheck(checkId).split('\n')) {
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
    // Bold runs are styled after wrapping so escape codes never count towards the width.
    const plain = body.replace(/\*\*(.+?)\*\*/g, '$1');
    const lines = step ? indentWrap(plain, width, ' '.repeat(bullet.length), bullet) : wrapText(plain, width);
    const bolds = [...body.matchAll(/\*\*(.+?)\*\*/g)].map((match) => match[1]!);
    out.push(...lines.map((text) => bolds.reduce((acc, b) => acc.replace(b, style.paint(b, 'bold')), text)));
  }
  return `${out.join('\n')}\n`;
}

/** Closest check ids to an unknown one: substring matches first, then by edit distance. */
export function suggestCheckIds(input: string, limit = 3): CheckId[] {
  const needle = input.toLowerCase();
  const contains = CHECK_IDS.filter(
    (id) => needle !== '' && (id.includes(needle) || id.split('.').slice(1).join('.').includes(needle)),
  );
  if (contains.length > 0) return contains.slice(0, limit);
  return [...CHECK_IDS]
    .map((id) => ({ id, distance: editDistance(needle, id) }))
    .filter(({ id, distance }) => distance <= Math.max(4, Math.floor(id.length / 3)))
    .sort((a, b) => a.distance - b.distance)
    .slice(0, limit)
    .map(({ id }) => id);
}

export function renderCheckList(width: number): string {
  const idWidth = Math.max(...CHECK_IDS.map((id) => id.length));
  const lines = CHECK_IDS.flatMap((id) =>
    indentWrap(CATALOGUE[id].name, width, ' '.repeat(idWidth + 4), `  ${id.padEnd(idWidth)}  `),
  );
  return `${['Checks (tmc-health explain <checkId>):', ...lines].join('\n')}\n`;
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
