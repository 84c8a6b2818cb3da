/**
 * The one glob matcher of the checker: trust-policy `StringLike` conditions and IAM action patterns
 * (irsa/condition-evaluator.ts) and suppressions' `roleArnPattern` (lifecycle/suppressions.ts).
 *
 * Why not a RegExp built from the glob: the values are untrusted (a token's `sub` and a role ARN come from
 * CloudTrail, written by whoever called STS), and a glob's `*` becomes `.*`, which backtracks: `a*-*-*-*x`
 * against a run of `-` tries every way to place the stars, O(value^stars): minutes for a 512-character `sub`.
 *
 * How instead: two pointers, one in the value and one in the pattern, and on a mismatch a return to the LAST
 * star seen, which then absorbs one more character. Earlier stars never need to be revisited: the text
 * between two stars has a fixed length, so its leftmost match is always the best one (a later one only leaves
 * less room for what follows, and the next star absorbs whatever lies between). The value pointer's restart
 * point only moves forward, so the cost is O(value × pattern) at worst, never exponential in the stars.
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

const STAR = '*'.charCodeAt(0);
const QUESTION_MARK = '?'.charCodeAt(0);

/** Whether `value` as a whole matches `pattern`. */
export function globMatches(value: string, pattern: string, syntax: GlobSyntax): boolean {
  const anyOne = syntax.singleCharacterWildcard;
  let at = 0; // in value
  let next = 0; // in pattern
  // The last star seen (its index in the pattern), and where in the value what follows it was last tried.
  let star = -1;
  let resume = 0;
  while (at < value.length) {
    const wanted = next < pattern.length ? pattern.charCodeAt(next) : -1;
    if (wanted === STAR) {
      star = next;
      resume = at;
      next += 1;
    } else if (wanted >= 0 && (wanted === value.charCodeAt(at) || (anyOne && wanted === QUESTION_MARK))) {
      at += 1;
      next += 1;
    } else if (star >= 0) {
      // What follows the last star does not match here: the star takes one more character, and it is retried.
      resume += 1;
      at = resume;
      next = star + 1;
    } else {
      return false;
    }
  }
  // The value is used up: only stars (matching nothing) may remain of the pattern.
  while (next < pattern.length && pattern.charCodeAt(next) === STAR) next += 1;
  return next === pattern.length;
}
