/** Plain-text layout helpers shared by the table and the explain renderer. Inputs carry no ANSI codes. */

/**
 * Splits one paragraph into lines of at most `width` characters (`firstWidth` for the first line), breaking long
 * words when needed.
 */
export function wrapText(text: string, width: number, firstWidth = width): string[] {
  const rest = Math.max(1, width);
  const first = Math.max(1, firstWidth);
  const lines: string[] = [];
  const maxNow = () => (lines.length === 0 ? first : rest);
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter((w) => w !== '')) {
      let remaining = word;
      for (;;) {
        if (line !== '' && [...line].length + 1 + [...remaining].length <= maxNow()) {
          line = `${line} ${remaining}`;
          break;
        }
        if (line !== '') {
          lines.push(line);
          line = '';
        }
        if ([...remaining].length <= maxNow()) {
          line = remaining;
          break;
        }
        // A word longer than the column (an ARN, a URL): hard-break it.
        const chars = [...remaining];
        const cut = breakPoint(chars, maxNow());
        lines.push(chars.slice(0, cut).join(''));
        remaining = chars.slice(cut).join('');
        if (remaining === '') break;
      }
    }
    lines.push(line);
  }
  return lines;
}

/** Where to hard-break a word too long for the column: after a separator (`=,/:-.`) in its second half. */
function breakPoint(chars: readonly string[], max: number): number {
  for (let index = max - 1; index >= Math.floor(max / 2); index -= 1) {
    if ('=,/:-.'.includes(chars[index]!)) return index + 1;
  }
  return max;
}

/** Shortens to `width` characters, ending with `…`-style `...` when something was cut. */
export function truncate(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  if (width <= 3) return chars.slice(0, width).join('');
  return `${chars.slice(0, width - 3).join('')}...`;
}

export function padEnd(text: string, width: number): string {
  const length = [...text].length;
  return length >= width ? text : text + ' '.repeat(width - length);
}

/** Wraps `text` to `width` with every line indented; the first line may use a different prefix (a bullet). */
export function indentWrap(text: string, width: number, indent: string, firstPrefix = indent): string[] {
  const lines = wrapText(text, width - indent.length);
  return lines.map((line, index) => `${index === 0 ? firstPrefix : indent}${line}`.trimEnd());
}

/**
 * A paragraph that embeds values from AWS data, with a hanging indent: its first line at `indent`, the lines it
 * wraps onto two columns further in. Wherever a value's spaces make the text wrap, no wrapped line starts at a
 * column where the report's own lines (a heading, `Runbook:`) do, so a value cannot pass for one of them.
 */
export function hangingWrap(text: string, width: number, indent = ''): string[] {
  const lines = wrapText(text, width - indent.length - HANG.length, width - indent.length);
  return lines.map((line, index) => `${index === 0 ? indent : indent + HANG}${line}`.trimEnd());
}

const HANG = '  ';
