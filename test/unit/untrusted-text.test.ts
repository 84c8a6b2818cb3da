import fc from 'fast-check';
import {
  cleanDeep,
  cleanLine,
  cleanText,
  escapeJsonText,
  hasUnsafeCharacters,
  MAX_UNTRUSTED_CHARS,
  quoteUntrusted,
} from '../../lambdas/core/untrusted-text';

/** Listed by code point here, independently of the sanitizer's Unicode property classes. */
const FORBIDDEN =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]|\udb40[\udc00-\udc7f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const SPECIALS = [
  '\u001b',
  '\u0007',
  '\n',
  '\r',
  '\t',
  '\u0000',
  '\u007f',
  '\u0085',
  '\u009b',
  '\u009d',
  '\u00ad',
  '\u061c',
  '\u200b',
  '\u200d',
  '\u200e',
  '\u2028',
  '\u2029',
  '\u202a',
  '\u202e',
  '\u2060',
  '\u2066',
  '\u2069',
  '\ufeff',
  '\ud800',
  '\udfff',
  '\udb40\udc41',
  'é',
  '😀',
  '"',
  '\\',
  'a',
  ' ',
];
const hostile = fc
  .array(fc.oneof(fc.constantFrom(...SPECIALS), fc.string({ maxLength: 4, unit: 'binary' })), {
    maxLength: 40,
  })
  .map((parts) => parts.join(''));

describe('cleanLine', () => {
  it('escapes the terminal sequences, C1, DEL, bidi and format characters and lone surrogates visibly', () => {
    expect(cleanLine('a\u001b[2Jb\u009b2J\u007f\u202ec\u2066d\u200be\ufefff\ud800\n')).toBe(
      'a\\u001b[2Jb\\u009b2J\\u007f\\u202ec\\u2066d\\u200be\\ufefff\\ud800\\n',
    );
    expect(cleanLine('repo:x\r\nRESOLVED')).toBe('repo:x\\r\\nRESOLVED');
    expect(cleanLine('café 😀 "q"')).toBe('café 😀 "q"');
  });

  it('never returns an unsafe character, stays within its bound, and is idempotent', () => {
    fc.assert(
      fc.property(hostile, fc.integer({ min: 0, max: 60 }), (text, max) => {
        const out = cleanLine(text, max);
        expect(out).not.toMatch(FORBIDDEN);
        expect(hasUnsafeCharacters(out)).toBe(false);
        expect(out.length).toBeLessThanOrEqual(max);
        expect(cleanLine(out, max)).toBe(out);
      }),
    );
  });

  it('is bounded and linear on a huge input', () => {
    const huge = '\u001b\u202e'.repeat(2_000_000);
    const started = performance.now();
    const out = cleanLine(huge);
    expect(performance.now() - started).toBeLessThan(500);
    expect(out.length).toBeLessThanOrEqual(MAX_UNTRUSTED_CHARS);
    expect(out.endsWith('...')).toBe(true);
  });
});

describe('cleanText', () => {
  it('keeps line breaks (CRLF and CR as LF) and escapes everything else', () => {
    expect(cleanText('step 1\r\nstep 2\rstep 3\u0007\u202e')).toBe('step 1\nstep 2\nstep 3\\u0007\\u202e');
  });
});

describe('escapeJsonText and quoteUntrusted', () => {
  it('leave no unsafe character in JSON text, which parses back to the same value', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const json = escapeJsonText(JSON.stringify({ value: text, list: [text] }, null, 2));
        expect(json.replace(/[\n ]/g, '')).not.toMatch(FORBIDDEN);
        expect(JSON.parse(json)).toEqual({ value: text, list: [text] });
        const quoted = quoteUntrusted(text);
        expect(quoted).not.toMatch(FORBIDDEN);
        expect(JSON.parse(quoted)).toBe(text);
      }),
    );
  });
});

describe('cleanDeep', () => {
  it('cleans every string and key, keeps line breaks only where told, and keeps sharing', () => {
    const shared = { name: 'a\u001bb', remediation: { text: '1.\n2.\u0007' } };
    const cleaned = cleanDeep(
      { list: [shared], again: shared, n: 3, nil: null, ['k\u202e']: ['x\ny'] },
      { keepLineBreaksAt: new Set(['remediation.text']) },
    );
    expect(cleaned.list[0]).toBe(cleaned.again);
    expect(cleaned.again).toEqual({ name: 'a\\u001bb', remediation: { text: '1.\n2.\\u0007' } });
    expect(cleaned).toMatchObject({ n: 3, nil: null, ['k\\u202e']: ['x\\ny'] });
  });
});
