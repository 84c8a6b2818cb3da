import fc from 'fast-check';
import { globMatches, IAM_GLOB, STAR_GLOB } from '../../lambdas/core/glob';

describe('globMatches', () => {
  it.each<[string, string, boolean]>([
    ['', '', true],
    ['a', '', false],
    ['', '*', true],
    ['anything at all', '*', true],
    ['', '**', true],
    ['abc', 'abc', true],
    ['abc', 'ab', false],
    ['ab', 'abc', false],
    ['abc', 'a*', true],
    ['abc', '*c', true],
    ['abc', 'a*c', true],
    ['ac', 'a*c', true],
    ['c', 'a*c', false],
    ['abcabc', '*bc*bc', true],
    ['abc', '*bc*bc', false],
    // First and last segments must not overlap.
    ['aba', 'ab*ba', false],
    ['abba', 'ab*ba', true],
    ['abc', 'a?c', true],
    ['ac', 'a?c', false],
    ['abc', '???', true],
    ['abc', '????', false],
    ['abcd', '*?d', true],
    ['d', '*?d', false],
    ['system:serviceaccount:prod:web', 'system:serviceaccount:*:web', true],
    ['system:serviceaccount:prod:api', 'system:serviceaccount:*:web', false],
    // Case-sensitive; regex and policy-variable syntax is literal.
    ['ABC', 'abc', false],
    ['a.c', 'a.c', true],
    ['abc', 'a.c', false],
    ['${aws:username}', '${aws:username}', true],
    ['alice', '${aws:username}', false],
    ['a\\b', 'a\\b', true],
    ['(a)+[b]', '(a)+[b]', true],
    // Line terminators are characters like any other.
    ['a\nb', 'a*b', true],
    ['a\u2028b', 'a?b', true],
    // A character is a UTF-16 code unit: an astral character is two.
    ['\u{1F600}', '??', true],
    ['\u{1F600}', '?', false],
  ])('%j against %j (IAM syntax) is %s', (value, pattern, expected) => {
    expect(globMatches(value, pattern, IAM_GLOB)).toBe(expected);
  });

  it('treats ? literally in the star-only syntax of suppressions', () => {
    expect(globMatches('arn:aws:iam::1:role/a?b', 'arn:aws:iam::*:role/a?b', STAR_GLOB)).toBe(true);
    expect(globMatches('arn:aws:iam::1:role/axb', 'arn:aws:iam::*:role/a?b', STAR_GLOB)).toBe(false);
    expect(globMatches('arn:aws:iam::1:role/axb', 'arn:aws:iam::*:role/a?b', IAM_GLOB)).toBe(true);
  });

  /** The translation the evaluator used before (a RegExp with the `s` flag), kept here as an oracle. */
  function regexpLike(value: string, pattern: string): boolean {
    const source = pattern.replace(/[.+^${}()|[\]\\*?]/g, (char) =>
      char === '*' ? '.*' : char === '?' ? '.' : `\\${char}`,
    );
    return new RegExp(`^${source}$`, 's').test(value);
  }

  it('decides as the RegExp translation it replaced on short strings', () => {
    const char = fc.constantFrom('a', 'b', '*', '?', '.', '$', '{', '}', '\\', '\n', '[', '(');
    const text = (maxLength: number) => fc.array(char, { maxLength }).map((chars) => chars.join(''));
    fc.assert(
      fc.property(text(12), text(8), (value, pattern) => {
        expect(globMatches(value, pattern, IAM_GLOB)).toBe(regexpLike(value, pattern));
      }),
      { numRuns: 2000 },
    );
  });
});
