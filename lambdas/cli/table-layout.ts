import type { Finding, Severity, Status } from '../core/finding';
import type { Style, StyleName } from './style';
import { hangingWrap, padEnd, truncate } from './text';

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

export interface Column {
  readonly header: string;
  readonly width: number;
  readonly cell: (finding: Finding) => string;
  readonly style?: (finding: Finding) => StyleName[];
  readonly maxLines?: (finding: Finding) => number | undefined;
}

export function renderRow(columns: readonly Column[], finding: Finding, style: Style): string[] {
  const cells = columns.map((column) => {
    // Hanging, like every paragraph that embeds data (text.ts): a value cannot start a line at the column edge.
    let lines = hangingWrap(column.cell(finding), column.width);
    const maxLines = column.maxLines?.(finding);
    if (maxLines !== undefined && lines.length > maxLines) {
      const kept = lines.slice(0, maxLines);
      // Cut at a word boundary: "windowMinutes=3..." would read as 3 when the value is 30.
      let last = kept[kept.length - 1]!;
      while (last.length + 4 > column.width && last.includes(' '))
        last = last.slice(0, last.lastIndexOf(' '));
      kept[kept.length - 1] = truncate(`${last} ...`, column.width);
      lines = kept;
    }
    return lines;
  });
  const height = Math.max(...cells.map((lines) => lines.length));
  const rows: string[] = [];
  for (let line = 0; line < height; line += 1) {
    const parts = columns.map((column, index) => {
      const text = cells[index]![line] ?? '';
      const last = index === columns.length - 1;
      const padded = last ? text : padEnd(text, column.width);
      return column.style && text !== '' ? style.paint(padded, ...column.style(finding)) : padded;
    });
    rows.push(parts.join(GAP).trimEnd());
  }
  return rows;
}

/** The header row of a table: bold, every column but the last padded to its width. */
export function headerLine(columns: readonly Column[], style: Style): string {
  return style.paint(
    columns
      .map((column, index) =>
        index === columns.length - 1 ? column.header : padEnd(column.header, column.width),
      )
      .join(GAP),
    'bold',
  );
}
