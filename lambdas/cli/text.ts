/** Plain-text layout helpers shared by the table and the explain renderer. Inputs carry no ANSI codes. */

/** Splits one paragraph into lines of at most `width` characters, breaking long words when needed. */
export function wrapText(text: string, width: number): string[] {
  const max = Math.max(1, width);
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter((w) => w !== '')) {
      let rest = word;
      while ([...rest].length > max) {
        // A word longer than the column (an ARN, a URL): flush the line, then hard-break the word.
        if (line !== '') {
          lines.push(line);
          line = '';
        }
        const chars = [...rest];
        const cut = breakPoint(chars, max);
        lines.push(chars.slice(0, cut).join(''));
        rest = chars.slice(cut).join('');
      }
      if (rest === '') continue;
      if (line === '') line = rest;
      else if ([...line].length + 1 + [...rest].length <= max) line = `${line} ${rest}`;
      else {
        lines.push(line);
        line = rest;
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
