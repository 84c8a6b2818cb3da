/** Plain-text layout helpers shared by the table and the explain renderer. Inputs carry no ANSI codes. */

/**
 * A break opportunity inside a word, placed by the renderers where a value is a list or a `key=value` pair
 * (after `key=`, after each list comma): wrapText may break there and always removes it. It never comes from
 * data: every value shown has been through the sanitizer (display.ts), which turns U+200B into a visible escape.
 */
export const SOFT_BREAK = '\u200b';

/**
 * A space that never breaks (U+00A0), placed by the renderers inside one value (`2026-11-22 11:55Z`,
 * `rate(5 minutes)`): wrapText keeps the words it joins on one line and prints it as a plain space.
 */
export const NO_BREAK = '\u00a0';

/**
 * Splits one paragraph into lines of at most `width` characters (`firstWidth` for the first line), breaking only
 * at whitespace and, for a word too long for a line of its own, at the SOFT_BREAK hints a renderer placed between
 * its tokens (`taggedFunctions=` / `acme-prod-data-sync,` / ...; a short `throttles=0` always moves whole). A token
 * is never broken: a role name, an ARN, a check id, a number or a timestamp stays whole on one line, and one
 * longer than the line runs past its end (overflows) on a line of its own.
 */
export function wrapText(text: string, width: number, firstWidth = width): string[] {
  const rest = Math.max(1, width);
  const first = Math.max(1, firstWidth);
  const lines: string[] = [];
  const maxNow = () => (lines.length === 0 ? first : rest);
  for (const paragraph of text.split('\n')) {
    let line = '';
    let length = 0;
    /** Appends `piece` after `separator` (a space between words, nothing inside one), or starts a new line. */
    const place = (piece: string, separator: string) => {
      const size = [...piece].length;
      if (line !== '' && length + separator.length + size <= maxNow()) {
        line += separator + piece;
        length += separator.length + size;
        return;
      }
      if (line !== '') lines.push(line);
      line = piece;
      length = size;
    };
    for (const word of paragraph.split(BREAKING_SPACE).filter((w) => w !== '')) {
      const pieces = word.split(SOFT_BREAK).filter((piece) => piece !== '');
      const whole = pieces.join('');
      const size = [...whole].length;
      // Whole when it fits here or on a line of its own; only a longer word is cut, at its hints.
      if ((line === '' ? 0 : length + 1) + size <= maxNow() || size <= rest || pieces.length < 2) {
        place(whole, ' ');
        continue;
      }
      pieces.forEach((piece, index) => place(piece, index === 0 ? ' ' : ''));
    }
    lines.push(line);
  }
  return lines.map((line) => line.replaceAll(NO_BREAK, ' '));
}

/** Whitespace wrapText may break at: any but NO_BREAK. */
const BREAKING_SPACE = /[^\S\u00a0]+/;

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
  const lines = wrapText(text, width - indent.length, width - firstPrefix.length);
  return lines.map((line, index) => `${index === 0 ? firstPrefix : indent}${line}`.trimEnd());
}

/**
 * A paragraph that embeds values from AWS data, with a hanging indent: its first line at `indent`, the lines it
 * wraps onto `hang` columns further in (two unless given). Wherever a value's spaces make the text wrap, no
 * wrapped line starts at a column where the report's own lines (a heading, `Runbook:`) do, so a value cannot pass
 * for one of them.
 */
export function hangingWrap(text: string, width: number, indent = '', hang = HANG): string[] {
  const lines = wrapText(text, width - indent.length - hang.length, width - indent.length);
  return lines.map((line, index) => `${index === 0 ? indent : indent + hang}${line}`.trimEnd());
}

const HANG = '  ';
