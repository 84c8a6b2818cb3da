/**
 * Attack: backtracking globs. A stranger holding any token of an OIDC provider registered in the account calls
 * AssumeRoleWithWebIdentity with a long `sub` or on a long role ARN; CloudTrail logs both, and the checker
 * matches them against trust-policy StringLike conditions (`system:serviceaccount:*-*-*-*x`) and suppression
 * globs (`arn:aws:iam::*:role/*-*-*-*-x`). Built as RegExps, those globs backtracked polynomially in the value
 * (minutes for a 512-character `sub`), in the pure evaluation, which no run deadline covers: the run never got
 * to publish and commit, and the next one read the same events again.
 *
 * Asserted: the matcher stays within 10 ms (median) on adversarial values up to 10,000 characters; the same
 * attacks through a LookupEvents record (the diagnosis of the denial; a suppression from the lifecycle's
 * configuration) stay within 50 ms a run (the record's `sub` is cut to 512 characters and its role ARN to 2048
 * where it is parsed, so the longest rungs also cover those caps); and the matcher agrees with a reference
 * matcher written here on generated cases.
 *
 * Sizes climb in a fine ladder (each rung asserted before the next), so a backtracking matcher fails at the
 * first rung it is slow on, within about a second, instead of running for hours at 10,000 characters: a jest
 * timeout cannot interrupt a synchronous RegExp (it is only checked once the test returns), so the ladder is what
 * makes the old code fail fast: in about 8 s for the whole file, against 132 s for one 512-character `sub`.
 */
import fc from 'fast-check';
import type { Finding } from '../../lambdas/core/finding';
import { evaluateCondition, likeMatches } from '../../lambdas/core/irsa/condition-evaluator';
import { evaluateIrsa } from '../../lambdas/core/irsa/evaluate-irsa';
import { parseTrailEvent } from '../../lambdas/core/irsa/parse-event';
import { DEFAULT_IRSA_SETTINGS } from '../../lambdas/core/irsa/settings';
import type { WebIdentityDenial } from '../../lambdas/core/irsa/types';
import { prepareRun } from '../../lambdas/core/lifecycle/prepare';
import { lifecycleSettingsFromEnvironment } from '../../lambdas/core/lifecycle/settings';
import { matchingSuppression, type Suppression } from '../../lambdas/core/lifecycle/suppressions';
import {
  ACCOUNT,
  ISSUER,
  REGION,
  ROLE_ARN,
  irsaSnapshot,
  policy,
  rawEvent,
  role,
  scan,
  webIdentityStatement,
} from '../fixtures/irsa';

const MATCHER_BOUND_MS = 10;
/** A whole evaluation (parse, group, diagnose, build the finding; plan the lifecycle) on a loaded 2-core machine. */
const END_TO_END_BOUND_MS = 50;
/**
 * Value lengths from 8 to 10,000 characters, each a quarter longer than the one before: a matcher that
 * backtracks in O(length^stars) is still fast on one rung and at most 1.25^stars times slower on the next,
 * so it fails there (about ten times the bound for ten stars) rather than on a rung that would run for hours.
 */
const LADDER: readonly number[] = (() => {
  const lengths: number[] = [];
  for (let length = 8; length < 10_000; length = Math.ceil(length * 1.25)) lengths.push(length);
  return [...lengths, 10_000];
})();
const RUNS = 7;

/**
 * Median and worst of several runs, after one warm-up run (JIT), in milliseconds. A run slower than ten times
 * the bound ends the measurement at once (a backtracking matcher is slow on every run: no need to wait for 7).
 */
function timed(run: () => unknown, boundMs: number): { median: number; worst: number } {
  const once = () => {
    const start = process.hrtime.bigint();
    run();
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  const warmUp = once();
  if (warmUp > boundMs * 10) return { median: warmUp, worst: warmUp };
  const times: number[] = [];
  for (let index = 0; index < RUNS; index += 1) {
    const time = once();
    if (time > boundMs * 10) return { median: time, worst: time };
    times.push(time);
  }
  times.sort((a, b) => a - b);
  return {
    median: times[Math.floor(times.length / 2)] ?? Infinity,
    worst: times[times.length - 1] ?? Infinity,
  };
}

function expectWithin(label: string, run: () => unknown, boundMs: number): void {
  const { median, worst } = timed(run, boundMs);
  // The median is the bound (stable on a shared machine); the worst run may pay for a GC pause, not for a
  // backtracking matcher, which is slow on every run.
  if (median > boundMs || worst > boundMs * 10) {
    throw new Error(
      `${label}: median ${median.toFixed(1)} ms, worst ${worst.toFixed(1)} ms (bound: a median of ${boundMs} ms)`,
    );
  }
}

const SA_PREFIX = 'system:serviceaccount:';
const ROLE_PREFIX = `arn:aws:iam::${ACCOUNT}:role/`;
const subOf = (length: number) => `${SA_PREFIX}${'-'.repeat(Math.max(0, length - SA_PREFIX.length))}`;
const roleArnOf = (length: number) => `${ROLE_PREFIX}${'-'.repeat(Math.max(0, length - ROLE_PREFIX.length))}`;

const NOW = new Date('2026-11-22T12:00:00.000Z');
const mute = (roleArnPattern: string): Suppression => ({
  roleArnPattern,
  expires: '2030-01-31',
  reason: 'legacy roles',
});

/** A finding about a role, as the IRSA check builds it (only the resource ARN matters to a roleArnPattern). */
function roleFinding(arn: string): Finding {
  return { resource: { type: 'AWS::IAM::Role', arn } } as unknown as Finding;
}

describe('the glob matcher on adversarial values', () => {
  const iamAttacks: readonly { pattern: string; value: (length: number) => string }[] = [
    { pattern: `${SA_PREFIX}*-*-*-*x`, value: subOf },
    { pattern: `${SA_PREFIX}*-?-*-?-*-?x`, value: subOf },
    { pattern: '*a*a*a*a*a*a*a*a*a*a*b', value: (length) => 'a'.repeat(length) },
    { pattern: '*?-*?-*?-*?x*', value: (length) => '-'.repeat(length) },
    // The linear matcher's own worst case, O(value × pattern): after the last star, a run the value nearly
    // matches at every position, failing only at its end. Only the pattern (trusted) can offer that (a run of
    // `?` or of one repeated character); 16 of them cost 10,000 × 17 steps.
    { pattern: `*${'?'.repeat(16)}x*`, value: (length) => '-'.repeat(length) },
    { pattern: `*${'-'.repeat(16)}x`, value: (length) => '-'.repeat(length) },
  ];

  it.each(iamAttacks)('StringLike $pattern', ({ pattern, value }) => {
    for (const length of LADDER) {
      const subject = value(length);
      expect(likeMatches(subject, pattern)).toBe(false);
      expectWithin(
        `${pattern} on ${length} characters`,
        () => likeMatches(subject, pattern),
        MATCHER_BOUND_MS,
      );
    }
  });

  it('a suppression arn:aws:iam::*:role/*-*-*-*-x', () => {
    const suppressions = [mute('arn:aws:iam::*:role/*-*-*-*-x')];
    for (const length of LADDER) {
      const finding = roleFinding(roleArnOf(length));
      expect(matchingSuppression(finding, suppressions, NOW)).toBeUndefined();
      expectWithin(
        `suppression on ${length} characters`,
        () => matchingSuppression(finding, suppressions, NOW),
        MATCHER_BOUND_MS,
      );
    }
    // The same glob still mutes the ARNs it describes.
    expect(matchingSuppression(roleFinding(`${roleArnOf(400)}x`), suppressions, NOW)).toBeDefined();
  });
});

describe('the attacks through a CloudTrail record', () => {
  const settings = { criticalCount: DEFAULT_IRSA_SETTINGS.criticalCount, runbookBaseUrl: 'docs/checks.md' };

  function denialFrom(options: { subject?: string; roleArn?: string }): WebIdentityDenial {
    const parsed = parseTrailEvent(rawEvent({ ...options, identityProvider: ISSUER }), REGION);
    if (parsed.kind !== 'denial') throw new Error(`not a denial: ${JSON.stringify(parsed)}`);
    return parsed.denial;
  }

  it("a stranger's long sub against a StringLike trust condition: the denial is diagnosed at once", () => {
    const trust = role(
      policy(webIdentityStatement({ subject: `${SA_PREFIX}*-*-*-*x`, operator: 'StringLike' })),
    );
    for (const length of LADDER) {
      const denial = denialFrom({ subject: subOf(length) });
      const snapshot = irsaSnapshot({
        scans: [{ ok: true, value: scan([denial]) }],
        roles: new Map([[ROLE_ARN, trust]]),
      });
      const evaluate = () => evaluateIrsa(snapshot, settings);
      const finding = evaluate().find((item) => item.checkId === 'irsa.assume-role.denied');
      expect(finding).toMatchObject({ status: 'FAIL', evidence: { cause: 'sub-mismatch' } });
      expectWithin(`diagnosis of a ${length}-character sub`, evaluate, END_TO_END_BOUND_MS);
    }
  });

  it('a long role ARN from CloudTrail against a configured suppression: the lifecycle plans at once', () => {
    const { suppressions, ...lifecycle } = lifecycleSettingsFromEnvironment({
      TMC_HEALTH_LEDGER_TABLE: 'ledger',
      TMC_HEALTH_SUPPRESSIONS: JSON.stringify([mute('arn:aws:iam::*:role/*-*-*-*-x')]),
    });
    for (const length of LADDER) {
      const denial = denialFrom({ roleArn: roleArnOf(length) });
      const findings = evaluateIrsa(
        irsaSnapshot({
          scans: [{ ok: true, value: scan([denial]) }],
          roles: new Map([[denial.roleArn, { ok: true, value: { roleArn: denial.roleArn, exists: false } }]]),
        }),
        settings,
      );
      const plan = () =>
        prepareRun({
          findings,
          ledger: new Map(),
          now: NOW,
          settings: lifecycle,
          suppressions,
          coveredRegions: [REGION],
        });
      const prepared = plan();
      expect(prepared.events.some((event) => event.resource.arn === denial.roleArn)).toBe(true);
      expect(prepared.suppressedIds.size).toBe(0);
      expectWithin(`lifecycle of a ${length}-character role ARN`, plan, END_TO_END_BOUND_MS);
    }
  });
});

/**
 * The reference: the definition of a glob as a memoised recursion over (value position, pattern position),
 * O(value × pattern) and obviously right, too slow for production only by its memo table.
 */
function referenceMatches(value: string, pattern: string, questionMarkIsWildcard: boolean): boolean {
  const memo = new Map<number, boolean>();
  const from = (i: number, j: number): boolean => {
    const key = i * (pattern.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (j === pattern.length) result = i === value.length;
    else if (pattern[j] === '*') result = from(i, j + 1) || (i < value.length && from(i + 1, j));
    else
      result =
        i < value.length &&
        ((questionMarkIsWildcard && pattern[j] === '?') || pattern[j] === value[i]) &&
        from(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return from(0, 0);
}

describe('the matcher agrees with the reference', () => {
  // Few letters, so that generated values often match; `*`, `?`, `$`, `{` and `}` also appear in values.
  const letter = fc.constantFrom('a', 'b', '-', ':', '\n');
  const patternChar = fc.oneof(letter, fc.constantFrom('*', '*', '?', '$', '{', '}'));
  const valueChar = fc.oneof(letter, letter, fc.constantFrom('*', '?', '$'));
  const pattern = fc.array(patternChar, { maxLength: 10 }).map((chars) => chars.join(''));
  const randomValue = fc.array(valueChar, { maxLength: 14 }).map((chars) => chars.join(''));
  /** A value built from the pattern (each `*` and `?` replaced by generated text), so matches are common. */
  const instanceOf = (glob: string) =>
    fc
      .array(fc.array(valueChar, { maxLength: 4 }), { minLength: glob.length, maxLength: glob.length })
      .map((fills) =>
        [...glob]
          .map((char, index) =>
            char === '*'
              ? (fills[index] ?? []).join('')
              : char === '?'
                ? ((fills[index] ?? [])[0] ?? 'a')
                : char,
          )
          .join(''),
      );
  const cases = pattern.chain((glob) =>
    fc.record({ glob: fc.constant(glob), value: fc.oneof(randomValue, instanceOf(glob)) }),
  );
  const KEY = `${ISSUER}:sub`;

  it('StringLike and StringNotLike in a trust-policy condition (`*` and `?` wildcards)', () => {
    const outcomes = new Set<boolean>();
    fc.assert(
      fc.property(cases, ({ glob, value }) => {
        const expected = referenceMatches(value, glob, true);
        outcomes.add(expected);
        expect(evaluateCondition({ StringLike: { [KEY]: glob } }, { [KEY]: value }).matches).toBe(expected);
        expect(evaluateCondition({ StringNotLike: { [KEY]: glob } }, { [KEY]: value }).matches).toBe(
          !expected,
        );
      }),
      { numRuns: 3000 },
    );
    expect([...outcomes].sort()).toEqual([false, true]);
  });

  it('a suppression roleArnPattern (`*` only; `?` is literal)', () => {
    const outcomes = new Set<boolean>();
    fc.assert(
      fc.property(cases, ({ glob, value }) => {
        fc.pre(glob !== '');
        const expected = referenceMatches(value, glob, false);
        outcomes.add(expected);
        expect(matchingSuppression(roleFinding(value), [mute(glob)], NOW) !== undefined).toBe(expected);
      }),
      { numRuns: 3000 },
    );
    expect([...outcomes].sort()).toEqual([false, true]);
  });
});
