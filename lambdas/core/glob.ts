/**
 * The one glob matcher of the checker: trust-policy `StringLike` conditions and IAM action patterns
 * (irsa/condition-evaluator.ts) and suppressions' `roleArnPattern` (lifecycle/suppressions.ts).
 *
 * Why not a RegExp built from the glob: the values are untrusted (a token's `sub` and a role ARN come from
 * CloudTrail, written by whoever called STS), and a glob's `*` becomes `.*`, which backtracks: `a*-*-*-*x`
 * against a run of `-` tries every way to place the stars, O(n^stars) — minutes for a 512-character `sub`.
 *
 * How instead: the pattern is split at its stars into segments, S0*S1*...*Sk. The value must start with S0 and
 * end with Sk; each middle segment is taken at its leftmost occurrence after the previous one. Leftmost is
 * always right: a later occurrence only leaves less room for the segments after it, and a star absorbs whatever
 * lies between. Each segment is searched once, from where the previous one ended, so the cost is
 * O(value × pattern) at worst (a segment with `?` is compared at every position), O(value) for a segment
 * without `?` (String.prototype.indexOf), and never exponential.
 *
 * Semantics, the same as the RegExps this replaced: the whole value must match; `*` matches any run of
 * characters, none included; `?` (where enabled) matches exactly one; every other character, `$`, `{`, `}` and
 * `\` included, matches only itself, case-sensitively. A character is a UTF-16 code unit (like `.` in a RegExp
 * without the `u` flag), and line terminators are characters like any other.
 */

export interface GlobSyntax {
  /** `?` matches any one character (IAM's StringLike and action patterns), or only a literal `?` (suppressions). */
  readonly singleCharacterWildcard: boolean;
}

/** IAM's `StringLike` and action-pattern syntax: `*` and `?`. */
export const IAM_GLOB: GlobSyntax = { singleCharacterWildcard: true };
/** Suppressions' `roleArnPattern` syntax: `*` only (a `?` in an ARN pattern is literal). */
export const STAR_GLOB: GlobSyntax = { singleCharacterWildcard: false };

/** Whether `value` as a whole matches `pattern`. */
export function globMatches(value: string, pattern: string, syntax: GlobSyntax): boolean {
  const anyOne = syntax.singleCharacterWildcard;
  const segments = pattern.split('*');
  const first = segments[0] ?? '';
  if (segments.length === 1) return value.length === first.length && segmentAt(value, 0, first, anyOne);
  const last = segments[segments.length - 1] ?? '';
  // The middle segments must fit between the first and the last.
  const end = value.length - last.length;
  if (end < first.length) return false;
  if (!segmentAt(value, 0, first, anyOne) || !segmentAt(value, end, last, anyOne)) return false;
  let position = first.length;
  for (let index = 1; index < segments.length - 1; index += 1) {
    const segment = segments[index] ?? '';
    if (segment === '') continue;
    const found = leftmost(value, segment, position, end, anyOne);
    if (found < 0) return false;
    position = found + segment.length;
  }
  return true;
}

/** Whether `segment` matches `value` at `start` (the caller has checked that it fits). */
function segmentAt(value: string, start: number, segment: string, anyOne: boolean): boolean {
  for (let offset = 0; offset < segment.length; offset += 1) {
    const wanted = segment.charCodeAt(offset);
    if (wanted !== QUESTION_MARK || !anyOne) {
      if (value.charCodeAt(start + offset) !== wanted) return false;
    }
  }
  return true;
}

const QUESTION_MARK = '?'.charCodeAt(0);

/** The first index ≥ `from` where `segment` matches and ends by `end`; -1 if none. */
function leftmost(value: string, segment: string, from: number, end: number, anyOne: boolean): number {
  const lastStart = end - segment.length;
  if (!anyOne || !segment.includes('?')) {
    const found = value.indexOf(segment, from);
    return found >= 0 && found <= lastStart ? found : -1;
  }
  for (let start = from; start <= lastStart; start += 1) {
    if (segmentAt(value, start, segment, anyOne)) return start;
  }
  return -1;
}
