/**
 * The shape of a JSON array's text, measured before JSON.parse allocates anything: how many elements, how many
 * items (every object and array, and every member or element after a container's first, i.e. its commas), how
 * deep, and how many UTF-8 bytes its longest element takes. One pass over the characters, constant memory, never
 * throws.
 *
 * JSON.parse of a few megabytes of `{},{},...` builds millions of objects, tens of bytes each: counting first is
 * what keeps untrusted JSON (a member's run report) from costing more heap than its size allows. The scan does not
 * validate the JSON: whatever it lets through, JSON.parse still checks.
 */

export interface JsonArrayLimits {
  /** Most items (see above): each one JSON.parse turns into at least one value. */
  readonly maxItems: number;
  /** The array itself is depth 1. */
  readonly maxDepth: number;
  /** Most UTF-8 bytes one element of the top-level array may take. */
  readonly maxElementBytes: number;
}

export type JsonArrayShape =
  | {
      readonly ok: true;
      readonly elements: number;
      readonly items: number;
      /** The array was closed: false for truncated text (JSON.parse will say where). */
      readonly complete: boolean;
    }
  | { readonly ok: false; readonly problem: string };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

/** UTF-8 bytes of one UTF-16 code unit: a surrogate pair's two units take 4 together. */
function utf8Length(code: number): number {
  if (code < 0x80) return 1;
  if (code < 0x800 || (code >= 0xd800 && code <= 0xdfff)) return 2;
  return 3;
}

export function scanJsonArray(text: string, limits: JsonArrayLimits): JsonArrayShape {
  let depth = 0;
  let items = 0;
  let elements = 0;
  /** Whether a top-level element is being read, and its UTF-8 bytes so far. */
  let inElement = false;
  let elementBytes = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (depth === 0) {
      if (isWhitespace(code)) continue;
      // Past the array's end: trailing text is JSON.parse's to refuse.
      if (items > 0) break;
      if (code !== OPEN_BRACKET) return { ok: false, problem: 'is not an array' };
      depth = 1;
      items = 1;
      continue;
    }
    const separator = !inString && depth === 1 && (code === COMMA || code === CLOSE_BRACKET);
    if (!inElement && depth === 1 && !separator && !isWhitespace(code)) {
      inElement = true;
      elementBytes = 0;
    }
    if (inElement && !separator) {
      elementBytes += utf8Length(code);
      if (elementBytes > limits.maxElementBytes) {
        return {
          ok: false,
          problem: `has an element (index ${elements}) of more than ${limits.maxElementBytes} bytes`,
        };
      }
    }
    if (inString) {
      if (code === BACKSLASH) {
        // The escaped character is ASCII in JSON (`\n`, `\"`, the `u` of `\u00e9`): one byte, never a delimiter.
        index++;
        elementBytes++;
      } else if (code === QUOTE) inString = false;
      continue;
    }
    switch (code) {
      case QUOTE:
        inString = true;
        break;
      case OPEN_BRACE:
      case OPEN_BRACKET:
        depth++;
        items++;
        if (depth > limits.maxDepth) {
          return { ok: false, problem: `is nested deeper than ${limits.maxDepth} levels` };
        }
        break;
      case CLOSE_BRACE:
      case CLOSE_BRACKET:
        depth--;
        if (depth === 0 && inElement) {
          elements++;
          inElement = false;
        }
        break;
      case COMMA:
        items++;
        if (depth === 1 && inElement) {
          elements++;
          inElement = false;
        }
        break;
    }
    if (items > limits.maxItems) return { ok: false, problem: `has more than ${limits.maxItems} items` };
  }
  if (items === 0) return { ok: false, problem: 'is not an array' };
  return { ok: true, elements, items, complete: depth === 0 };
}
