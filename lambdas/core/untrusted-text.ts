/**
 * The one sanitizer for text the checker did not write: every string from CloudTrail (a caller's `sub`, a role ARN
 * as requested, a User-Agent), tags, member reports and other accounts, before it is shown to a person (a terminal,
 * an email) or written into JSON output. Pure and linear: one pass over the code points, stopping at the bound.
 *
 * What it removes from view, by Unicode general category, so that nothing in a value can act on the terminal or
 * the mail client instead of being read:
 * - Cc: C0 controls (ESC starts CSI/OSC sequences: erase, window title, OSC 52 clipboard, OSC 8 links; CR and
 *   LF forge lines), DEL and C1 controls (U+009B and U+009D are CSI and OSC on their own in many terminals);
 * - Cf: format characters, among them the bidi embeddings, overrides and isolates (U+202A-U+202E,
 *   U+2066-U+2069, U+061C, U+200E/U+200F) that reorder what follows, zero-width characters (U+200B-U+200D,
 *   U+2060), the byte order mark (U+FEFF) and the invisible tag characters (U+E0000-U+E007F);
 * - Zl and Zp: U+2028 and U+2029, which some clients break lines on;
 * - Cs: lone surrogates (not text; they become replacement characters or break encoders).
 *
 * Each is replaced by a visible escape in JSON's notation (`\n`, `\u001b`, `\u202e`, astral characters as their
 * surrogate pair `\udb40\udc41`), so a reader sees that the value held something odd, and can search for it.
 */

// The class is built from Unicode properties, so it covers every such character, not a hand-kept list.
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
const UNSAFE_GLOBAL = new RegExp(UNSAFE.source, 'gu');

/** Longest text a clean function returns unless told otherwise: far above any real name, ARN or message. */
export const MAX_UNTRUSTED_CHARS = 16_384;

const ELLIPSIS = '...';
const JSON_WHITESPACE: ReadonlySet<string> = new Set(['\t', '\n', '\r']);
const SHORT_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Whether the text holds any character `cleanLine` would escape. */
export function hasUnsafeCharacters(text: string): boolean {
  return UNSAFE.test(text);
}

/** `\u202e`; a character outside the BMP as its UTF-16 pair, as JSON writes it. */
function escapeOf(char: string): string {
  const short = SHORT_ESCAPES[char];
  if (short !== undefined) return short;
  let out = '';
  for (let index = 0; index < char.length; index += 1) {
    out += `\\u${char.charCodeAt(index).toString(16).padStart(4, '0')}`;
  }
  return out;
}

/**
 * The text on one line: every unsafe character, line breaks included, as a visible escape; at most `maxChars`
 * characters (cut ones end with `...`, never inside an escape or a surrogate pair). For any untrusted value
 * shown on its own or inside a sentence.
 */
export function cleanLine(text: string, maxChars = MAX_UNTRUSTED_CHARS): string {
  return clean(text, maxChars, false);
}

/**
 * Like `cleanLine`, but line breaks (LF, CRLF, CR) stay as LF: for multi-line text the checker wrote itself (a
 * remediation) or whose lines are laid out by the caller. Never for a value that must stay on one line.
 */
export function cleanText(text: string, maxChars = MAX_UNTRUSTED_CHARS): string {
  return clean(text.replace(/\r\n?/g, '\n'), maxChars, true);
}

function clean(text: string, maxChars: number, keepLineBreaks: boolean): string {
  const max = Math.max(0, Math.floor(maxChars));
  if (text.length <= max && !UNSAFE.test(text)) return text;
  const room = Math.max(0, max - ELLIPSIS.length);
  let out = '';
  // What fits before the ellipsis, kept in case the whole does not fit: the loop stops once past `max`.
  let cut: string | undefined;
  for (const char of text) {
    const piece = (keepLineBreaks && char === '\n') || !UNSAFE.test(char) ? char : escapeOf(char);
    if (cut === undefined && out.length + piece.length > room) cut = out;
    out += piece;
    if (out.length > max) return `${cut ?? ''}${ELLIPSIS.slice(0, max - (cut ?? '').length)}`;
  }
  return out;
}

/**
 * A JSON text with every unsafe character still in it (JSON.stringify escapes C0 controls and lone surrogates
 * but leaves DEL, C1 controls, bidi and other format characters raw) written as a `\u` escape. Outside strings
 * JSON has only ASCII punctuation and whitespace, so this changes string contents only, and parses back to the
 * same value: machine readers get the data exactly, a terminal never sees the characters.
 */
export function escapeJsonText(json: string): string {
  // A raw TAB, LF or CR in JSON text is whitespace between tokens (strings have them escaped): kept.
  return json.replace(UNSAFE_GLOBAL, (char) => (JSON_WHITESPACE.has(char) ? char : escapeOf(char)));
}

/** An untrusted value as a quoted string literal on one line (JSON's), delimited as data wherever it is shown. */
export function quoteUntrusted(text: string, maxChars = MAX_UNTRUSTED_CHARS): string {
  return escapeJsonText(JSON.stringify(cut(text, maxChars)));
}

/** At most `maxChars` characters of the raw text, ending `...` when cut, never inside a surrogate pair. */
function cut(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let kept = text.slice(0, Math.max(0, maxChars - ELLIPSIS.length));
  if (/[\uD800-\uDBFF]$/.test(kept)) kept = kept.slice(0, -1);
  return `${kept}${ELLIPSIS}`;
}

export interface CleanDeepOptions {
  readonly maxChars?: number;
  /**
   * `parent.key` of the string fields whose line breaks are kept (`cleanText`), e.g. `remediation.text`: only
   * for multi-line text the checker writes and lays out itself. Every other string becomes one line.
   */
  readonly keepLineBreaksAt?: ReadonlySet<string>;
}

/**
 * A JSON-shaped value (objects, arrays, strings, numbers...) with every string and every key cleaned: for data
 * about to be shown, so that no renderer can forget a field. The shape and the non-string values are kept, and so
 * is sharing: an object reached twice (a finding listed in two places) gives one cleaned object, reached twice.
 */
export function cleanDeep<T>(value: T, options: CleanDeepOptions = {}): T {
  const maxChars = options.maxChars ?? MAX_UNTRUSTED_CHARS;
  const multiLine = options.keepLineBreaksAt ?? new Set<string>();
  const seen = new Map<object, unknown>();
  const walk = (item: unknown, parent: string, key: string): unknown => {
    if (typeof item === 'string') {
      return multiLine.has(`${parent}.${key}`) ? cleanText(item, maxChars) : cleanLine(item, maxChars);
    }
    if (item === null || typeof item !== 'object') return item;
    const done = seen.get(item);
    if (done !== undefined) return done;
    if (Array.isArray(item)) {
      const out: unknown[] = [];
      seen.set(item, out);
      for (const element of item as unknown[]) out.push(walk(element, parent, key));
      return out;
    }
    const out: Record<string, unknown> = {};
    seen.set(item, out);
    for (const [name, field] of Object.entries(item)) out[cleanLine(name, maxChars)] = walk(field, key, name);
    return out;
  };
  return walk(value, '', '') as T;
}
