/** Plain-text helpers shared by the SNS run summary and the lifecycle digest (email bodies, subjects, sizes). */
import { cleanLine } from './untrusted-text';

/** `key:` padded so values line up; a very long key is not allowed to push every value across the page. */
export function alignedLines(pairs: readonly (readonly [string, string])[]): string[] {
  const width = Math.min(28, Math.max(0, ...pairs.map(([key]) => key.length + 1)));
  return pairs.map(([key, value]) => {
    const label = `${cleanLine(key)}:`.padEnd(width);
    const [firstLine = '', ...rest] = value.split('\n');
    return [`${label} ${firstLine}`, ...rest.map((line) => `${' '.repeat(width + 1)}${line}`)].join('\n');
  });
}

/**
 * Untrusted text for email, from the one sanitizer (untrusted-text.ts): `cleanLine` for a value that must stay
 * on one line, `cleanText` for multi-line text the checker wrote (a remediation).
 */
export { cleanLine, cleanText } from './untrusted-text';

export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let kept = text.slice(0, Math.max(0, max - 3));
  // Never leave half of a surrogate pair behind: it would become a replacement character downstream.
  if (/[\uD800-\uDBFF]$/.test(kept)) kept = kept.slice(0, -1);
  return `${kept.trimEnd()}...`;
}

export function plural(count: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : pluralNoun}`;
}

export function distinct<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

/** Regions in the run's configured order, unknown ones after, alphabetically. */
export function orderRegions(regions: readonly string[], configured: readonly string[]): string[] {
  const rank = (region: string): number => {
    const index = configured.indexOf(region);
    return index === -1 ? configured.length : index;
  };
  return distinct(regions).sort((a, b) => rank(a) - rank(b) || compare(a, b));
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Bytes the text takes inside the JSON message SNS receives: escaping of quotes and newlines included. */
export function escapedBytes(text: string): number {
  return utf8Bytes(JSON.stringify(text)) - 2;
}

export function banner(title: string): string {
  const rule = '='.repeat(72);
  return `\n${rule}\n${title}\n${rule}\n`;
}

/** A block of an email body and how many items (findings, changes) it shows. */
export interface TextSection {
  readonly text: string;
  readonly items: number;
}

/**
 * Adds whole sections between header and footer until the byte budget (JSON-escaped, as SNS will see it) runs
 * out, keeping room for the line that says how many items were left out.
 */
export function fitSections(input: {
  readonly header: string;
  readonly footer: string;
  readonly sections: readonly TextSection[];
  readonly totalItems: number;
  readonly omissionLine: (count: number) => string;
  readonly budgetBytes: number;
}): { text: string; omitted: number } {
  let used = escapedBytes(input.header) + escapedBytes(input.footer);
  const reserve = escapedBytes(input.omissionLine(input.totalItems));
  const parts = [input.header];
  let shown = 0;
  for (const [index, section] of input.sections.entries()) {
    const isLast = index === input.sections.length - 1;
    const cost = escapedBytes(section.text);
    if (used + cost + (isLast ? 0 : reserve) > input.budgetBytes) break;
    parts.push(section.text);
    used += cost;
    shown += section.items;
  }
  const omitted = input.totalItems - shown;
  if (omitted > 0) parts.push(input.omissionLine(omitted));
  parts.push(input.footer);
  return { text: parts.join(''), omitted };
}

/**
 * At most `maxChars` characters of a multi-line block: cut at the last line break that keeps at least half of it
 * (else inside the line), then `note` on a line of its own. For a section built from untrusted fields, so that one
 * oversized field cannot crowd everything else out of a message.
 */
export function capText(text: string, maxChars: number, note: string): string {
  if (text.length <= maxChars) return text;
  const room = Math.max(0, maxChars - note.length - 1);
  const head = text.slice(0, room);
  const lineEnd = head.lastIndexOf('\n');
  const kept = lineEnd >= room / 2 ? head.slice(0, lineEnd) : truncate(head, room);
  return `${kept}\n${note}`;
}
