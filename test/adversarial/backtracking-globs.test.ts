/**
 * Attack: backtracking globs. A stranger holding any token of an OIDC provider registered in the account calls
 * AssumeRoleWithWebIdentity with a long `sub` or on a long role ARN; CloudTrail logs both, and the checker
 * matches them against trust-policy StringLike conditions (`system:serviceaccount:*-*-*-*x`) and suppression
 * globs (`arn:aws:iam::*:role/*-*-*-*-x`). Built as RegExps, those globs backtracked polynomially in the value
 * (minutes for a 512-character `sub`), in the pure evaluation, which no run deadline covers: the run never got
 * to publish and commit, and the next one read the same events again.
 *
 * Asserted: the matcher stays within 10 ms on adversarial values up to 10,000 characters, the same attacks
 * through a LookupEvents record (the diagnosis of the denial; a suppression from the lifecycle's configuration)
 * stay far below a second, and the matcher agrees with a reference matcher written here on generated cases.
 *
 * Sizes climb in a ladder (each rung asserted before the next), so a backtracking matcher fails at the first
 * rung it is slow on, within about a second, instead of running for minutes at 10,000 characters: a jest
 * timeout cannot interrupt a synchronous RegExp.
 */
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import {
  GetOpenIDConnectProviderCommand,
  GetRoleCommand,
  IAMClient,
  ListOpenIDConnectProvidersCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { runIrsaCheck } from '../../lambdas/app/irsa-check';
import { TokenBucket } from '../../lambdas/adapters/irsa/rate-limiter';
import type { LoadResult, SaveResult, WatermarkStore } from '../../lambdas/adapters/irsa/watermark-store';
import type { Finding } from '../../lambdas/core/finding';
import { evaluateCondition, likeMatches } from '../../lambdas/core/irsa/condition-evaluator';
import { evaluateIrsa } from '../../lambdas/core/irsa/evaluate-irsa';
import { parseTrailEvent } from '../../lambdas/core/irsa/parse-event';
import { DEFAULT_IRSA_SETTINGS, irsaSettingsSchema } from '../../lambdas/core/irsa/settings';
import type { WebIdentityDenial } from '../../lambdas/core/irsa/types';
import type { Watermark } from '../../lambdas/core/irsa/watermark';
import { prepareRun } from '../../lambdas/core/lifecycle/prepare';
import { lifecycleSettingsFromEnvironment } from '../../lambdas/core/lifecycle/settings';
import { matchingSuppression, type Suppression } from '../../lambdas/core/lifecycle/suppressions';
import {
  ACCOUNT,
  ISSUER,
  PROVIDER_ARN,
  acceptingPublisher,
  instantLimiterClock,
  lookupEvent,
  REGION,
  ROLE_ARN,
  irsaSnapshot,
  policy,
  rawEvent,
  role,
  scan,
  webIdentityStatement,
} from '../fixtures/irsa';

jest.setTimeout(20_000);

const MATCHER_BOUND_MS = 10;
/** A whole evaluation (parse, group, diagnose, build the finding; plan the lifecycle) on a loaded 2-core machine. */
const END_TO_END_BOUND_MS = 250;
const LADDER = [16, 32, 64, 128, 256, 512, 1024, 4096, 10_000];
const RUNS = 7;

const elapsedMs = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

/**
 * Runs `run` several times and asserts that the median run took at most `boundMs` (stable on a shared machine;
 * the worst run, which may pay for a GC pause, gets ten times that). A first run already over ten times the
 * bound fails at once, so a backtracking matcher is not run again. Returns the first run's result.
 */
function expectWithin<T>(label: string, run: () => T, boundMs: number): T {
  let start = process.hrtime.bigint();
  const result = run();
  const first = elapsedMs(start);
  if (first > boundMs * 10)
    throw new Error(`${label}: the first run took ${first.toFixed(1)} ms (bound ${boundMs} ms)`);
  const times: number[] = [];
  for (let index = 0; index < RUNS; index += 1) {
    start = process.hrtime.bigint();
    run();
    times.push(elapsedMs(start));
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] ?? Infinity;
  const worst = times[times.length - 1] ?? Infinity;
  if (median > boundMs)
    throw new Error(
      `${label}: median ${median.toFixed(1)} ms, worst ${worst.toFixed(1)} ms (bound ${boundMs} ms)`,
    );
  expect(worst).toBeLessThan(boundMs * 10);
  return result;
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
    { pattern: '*a*a*a*a*a*a*b', value: (length) => 'a'.repeat(length) },
    { pattern: '*?-*?-*?-*?x*', value: (length) => '-'.repeat(length) },
    { pattern: `*${'?'.repeat(40)}x*`, value: (length) => '-'.repeat(length) },
  ];

  it.each(iamAttacks)('StringLike $pattern', ({ pattern, value }) => {
    for (const length of LADDER) {
      const subject = value(length);
      const matched = expectWithin(
        `${pattern} on ${length} characters`,
        () => likeMatches(subject, pattern),
        MATCHER_BOUND_MS,
      );
      expect(matched).toBe(false);
    }
  });

  it('a suppression arn:aws:iam::*:role/*-*-*-*-x', () => {
    const suppressions = [mute('arn:aws:iam::*:role/*-*-*-*-x')];
    for (const length of LADDER) {
      const finding = roleFinding(roleArnOf(length));
      const matched = expectWithin(
        `suppression on ${length} characters`,
        () => matchingSuppression(finding, suppressions, NOW),
        MATCHER_BOUND_MS,
      );
      expect(matched).toBeUndefined();
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
      const findings = expectWithin(`diagnosis of a ${length}-character sub`, evaluate, END_TO_END_BOUND_MS);
      const finding = findings.find((item) => item.checkId === 'irsa.assume-role.denied');
      expect(finding).toMatchObject({ status: 'FAIL', evidence: { cause: 'sub-mismatch' } });
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
      const prepared = expectWithin(`lifecycle of a ${length}-character role ARN`, plan, END_TO_END_BOUND_MS);
      expect(prepared.events.some((event) => event.resource.arn === denial.roleArn)).toBe(true);
      expect(prepared.suppressedIds.size).toBe(0);
    }
  });
});

/** What a run saves: the watermark is committed only after publishing, so a stalled run commits nothing. */
class MemoryWatermarks implements WatermarkStore {
  readonly saved = new Map<string, Watermark>();

  load(region: string): Promise<LoadResult> {
    return Promise.resolve({ ok: true, value: { region, version: 0 } });
  }

  save(region: string, watermark: Watermark): Promise<SaveResult> {
    this.saved.set(region, watermark);
    return Promise.resolve({ region, status: 'saved', version: 1 });
  }
}

describe('a whole IRSA run on LookupEvents answers carrying the attack', () => {
  const cloudtrail = new CloudTrailClient({ region: REGION, maxAttempts: 1 });
  const iam = new IAMClient({ region: 'us-east-1', maxAttempts: 1 });
  const trailMock = mockClient(cloudtrail);
  const iamMock = mockClient(iam);
  const trust = JSON.stringify(
    policy(webIdentityStatement({ subject: `${SA_PREFIX}*-*-*-*x`, operator: 'StringLike' })),
  );
  const RUN_BOUND_MS = 1000;

  afterAll(() => {
    trailMock.restore();
    iamMock.restore();
  });

  it('publishes and commits its watermark at once, however long the subjects', async () => {
    iamMock.on(GetRoleCommand).resolves({
      Role: {
        RoleName: 'AccessEC2role',
        Arn: ROLE_ARN,
        Path: '/',
        RoleId: 'AROAEXAMPLE',
        CreateDate: new Date(NOW),
        AssumeRolePolicyDocument: encodeURIComponent(trust),
      },
    });
    iamMock
      .on(ListOpenIDConnectProvidersCommand)
      .resolves({ OpenIDConnectProviderList: [{ Arn: PROVIDER_ARN }] });
    iamMock
      .on(GetOpenIDConnectProviderCommand)
      .resolves({ Url: ISSUER, ClientIDList: ['sts.amazonaws.com'] });
    const settings = irsaSettingsSchema.parse({ regions: [REGION], watermarkTableName: 'wm' });
    // The last rung: a flood of distinct long subjects, one denial group (and one diagnosis) each.
    const rungs = [...LADDER.map((length) => [length]), Array.from({ length: 50 }, () => 10_000)];
    for (const lengths of rungs) {
      trailMock.on(LookupEventsCommand).resolves({
        Events: lengths.map((length, index) =>
          lookupEvent({
            subject: `${SA_PREFIX}${index}${subOf(length).slice(SA_PREFIX.length + String(index).length)}`,
            identityProvider: ISSUER,
            eventTime: '2026-11-22T11:30:00Z',
          }),
        ),
      });
      const watermarks = new MemoryWatermarks();
      const start = process.hrtime.bigint();
      const result = await runIrsaCheck(
        { accountId: ACCOUNT, settings, defaultRegion: REGION },
        {
          clients: {
            cloudTrailFor: () => cloudtrail,
            iam,
            watermarkStore: watermarks,
            limiterFor: () => new TokenBucket({ clock: instantLimiterClock() }),
            retry: { sleep: () => Promise.resolve() },
          },
          publisher: acceptingPublisher,
          now: () => NOW,
        },
      );
      const took = elapsedMs(start);
      const label = `a run with ${lengths.length} subject(s) of ${lengths[0] ?? 0} characters`;
      if (took > RUN_BOUND_MS)
        throw new Error(`${label} took ${took.toFixed(0)} ms (bound ${RUN_BOUND_MS} ms)`);
      const denied = result.findings.filter((finding) => finding.checkId === 'irsa.assume-role.denied');
      expect(denied).toHaveLength(lengths.length);
      for (const finding of denied) expect(finding.evidence).toMatchObject({ cause: 'sub-mismatch' });
      expect(result.watermarkCommits).toEqual([{ region: REGION, status: 'saved', version: 1 }]);
      expect(watermarks.saved.get(REGION)).toMatchObject({ highWater: NOW.toISOString() });
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
