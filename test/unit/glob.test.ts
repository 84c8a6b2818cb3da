import { globMatches, IAM_GLOB, STAR_GLOB } from '../../lambdas/core/glob';

describe('globMatches', () => {
  it.each([
    ['', '', true],
    ['', 'a', false],
    ['*', '', true],
    ['**', 'abc', true],
    ['a*', 'a', true],
    ['*a', 'ba', true],
    ['*a', 'ab', false],
    ['a*b*c', 'aXbYbZc', true],
    ['a*b*c', 'aXbYc-', false],
    ['a*bc*bd', 'abcbcbd', true],
    ['ab*ba', 'aba', false],
    ['?', '', false],
    ['?', 'x', true],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['*?x', 'x', false],
    ['*?x', 'yx', true],
    // Everything else is literal, a RegExp's metacharacters and IAM's `${...}` included.
    ['a.b', 'aXb', false],
    ['(x)+[y]|^$', '(x)+[y]|^$', true],
    ['${aws:username}', '${aws:username}', true],
    ['${aws:username}', 'alice', false],
    ['a\\*', 'a\\bc', true],
    // Case-sensitive; a line terminator is a character like any other.
    ['ABC', 'abc', false],
    ['a*b', 'a\nb', true],
    ['a?b', 'a\u2028b', true],
    // A character is a UTF-16 code unit: an astral character is two of them.
    ['??', '\u{1F600}', true],
    ['?', '\u{1F600}', false],
  ])('with ? a wildcard, %j against %j is %s', (pattern, value, expected) => {
    expect(globMatches(value, pattern, IAM_GLOB)).toBe(expected);
  });

  it.each([
    ['arn:aws:iam::*:role/legacy-?', 'arn:aws:iam::1:role/legacy-?', true],
    ['arn:aws:iam::*:role/legacy-?', 'arn:aws:iam::1:role/legacy-x', false],
    ['arn:aws:iam::*:role/legacy-*', 'arn:aws:iam::1:role/legacy-x/y', true],
  ])('with ? literal (suppressions), %j against %j is %s', (pattern, value, expected) => {
    expect(globMatches(value, pattern, STAR_GLOB)).toBe(expected);
  });
});
