import type { Finding, Severity, Status } from '../core/finding';
import type { Style, StyleName } from './style';
import { hangingWrap, padEnd } from './text';

/**
 * The pieces every table of the CLI is laid out with (the credential tables and the IRSA table), in a module of
 * their own so the two renderers share them without importing each other.
 */

export const GAP = '  ';
export const STATUS_STYLE: Record<Status, StyleName[]> = {
  FAIL: ['red', 'bold'],
  ERROR: ['yellow', 'bold'],
  PASS: ['green'],
};

export const SEVERITY_STYLE: Record<Severity, StyleName[]> = {
  CRITICAL: ['red', 'bold'],
  HIGH: ['red'],
  MEDIUM: ['yellow'],
  LOW: ['cyan'],
  INFORMATIONAL: ['dim'],
};

/** INFORMATIONAL is what every PASS carries: shortened so the column stays narrow. */
export const severityLabel = (severity: Severity) => (severity === 'INFORMATIONAL' ? 'INFO' : severity);

/**
 * Where a table cell moves when one of its tokens does not fit its column: under the row, across the whole width.
 * Six columns in: not a column where the report's own lines start (0, 3 and 4), so a value cannot pass for one.
 */
export const BELOW_ROW_INDENT = '      ';

export interface Column {
  readonly header: string;
  readonly width: number;
  readonly cell: (finding: Finding) => string;
  readonly style?: (finding: Finding) => StyleName[];
  /** Colours a cell's (padded) text itself, for a cell of several parts; wins over `style`. */
  readonly paint?: (finding: Finding, text: string, style: Style) => string;
  readonly align?: 'left' | 'right';
  /**
   * Free text (`key=value` pairs): wrapped at its spaces and break hints. Without it the column holds one
   * identifier and is never wrapped: the layout makes it as wide as its longest value.
   */
  readonly wraps?: boolean;
  /** For a `wraps` column: cut to this many lines (undefined: whole). */
  readonly maxLines?: (finding: Finding) => number | undefined;
}

/**
 * `text` wrapped with a hanging indent and cut to `maxLines`: the last line kept ends with ` ...` after a whole
 * token (`windowMinutes=3 ...` would read as 3 when the value is 30), or is `...` alone when no token boundary
 * leaves room for it. A token is never cut.
 */
export function wrapCut(text: string, width: number, indent = '', maxLines?: number): string[] {
  const lines = hangingWrap(text, width, indent);
  if (maxLines === undefined || lines.length <= maxLines) return lines;
  const kept = lines.slice(0, maxLines);
  const last = kept[kept.length - 1]!;
  const lead = /^ */.exec(last)![0];
  let words = last.slice(lead.length);
  // A key whose value was cut says so right after its `=` (`taggedFunctions=...`): no half value is shown.
  const ellipsis = () => (/(^| )[A-Za-z][A-Za-z0-9]*=$/.test(words) ? '...' : ' ...');
  const size = () => [...lead].length + [...words].length + ellipsis().length;
  while (size() > width && words.includes(' ')) words = words.slice(0, words.lastIndexOf(' '));
  kept[kept.length - 1] = size() <= width ? `${lead}${words}${ellipsis()}` : `${lead}...`;
  return kept;
}

/**
 * One finding's row: every identifier on the row's first line; a free-text cell wrapped inside its column, or,
 * when one of its tokens is wider than the column, moved under the row at BELOW_ROW_INDENT and wrapped to
 * `tableWidth` there (a token wider still runs past the end: it is never broken).
 */
export function renderRow(
  columns: readonly Column[],
  finding: Finding,
  style: Style,
  tableWidth?: number,
): string[] {
  let below: string[] = [];
  const cells = columns.map((column) => {
    const text = column.cell(finding);
    if (!column.wraps) return [text];
    const maxLines = column.maxLines?.(finding);
    // Hanging, like every paragraph that embeds data (text.ts): a value cannot start a line at the column edge.
    const inside = hangingWrap(text, column.width);
    if (tableWidth !== undefined && inside.some((line) => [...line].length > column.width)) {
      below = wrapCut(text, tableWidth, BELOW_ROW_INDENT, maxLines);
      return [];
    }
    return wrapCut(text, column.width, '', maxLines);
  });
  const height = Math.max(1, ...cells.map((lines) => lines.length));
  const rows: string[] = [];
  for (let line = 0; line < height; line += 1) {
    const parts = columns.map((column, index) => {
      const text = cells[index]![line] ?? '';
      const last = index === columns.length - 1;
      const aligned = column.align === 'right' && text !== '' ? text.padStart(column.width) : text;
      const padded = last ? aligned : padEnd(aligned, column.width);
      if (text === '') return padded;
      if (column.paint) return column.paint(finding, padded, style);
      return column.style ? style.paint(padded, ...column.style(finding)) : padded;
    });
    rows.push(parts.join(GAP).trimEnd());
  }
  return [...rows, ...below];
}

/** The header row of a table: bold, every column but the last padded to its width. */
export function headerLine(columns: readonly Column[], style: Style): string {
  return style.paint(
    columns
      .map((column, index) => {
        const header = column.align === 'right' ? column.header.padStart(column.width) : column.header;
        return index === columns.length - 1 ? header : padEnd(header, column.width);
      })
      .join(GAP),
    'bold',
  );
}
