import { ConfigError, loadConfig, MAX_SUPPRESSIONS_JSON_BYTES } from '../../lib/config/config';
import { synth } from './helpers';

function problemsOf(context: Record<string, unknown>): string {
  try {
    loadConfig(context);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected an invalid configuration');
}

const SUPPRESSION = { checkId: 'tmc.token.stale', expires: '2030-01-31', reason: 'rotation moved to vault' };

describe('lifecycle keys: defaults and accepted forms', () => {
  test('defaults: reminder after 24 h, gone after 3 runs, storm above 10, no suppressions, no remediation', () => {
    expect(loadConfig({})).toMatchObject({
      reminderHours: 24,
      goneAfterRuns: 3,
      stormThreshold: 10,
      suppressions: [],
      autoRemediation: false,
    });
  });

  test('-c strings: numbers, booleans and suppressions as a JSON string', () => {
    expect(
      loadConfig({
        reminderHours: '0.5',
        goneAfterRuns: '1000',
        stormThreshold: '1',
        suppressions: JSON.stringify([SUPPRESSION]),
        autoRemediation: 'TRUE',
      }),
    ).toMatchObject({
      reminderHours: 0.5,
      goneAfterRuns: 1000,
      stormThreshold: 1,
      suppressions: [SUPPRESSION],
      autoRemediation: true,
    });
  });

  test('cdk.json: suppressions as a JSON array, date-times with offsets and globs accepted', () => {
    const suppressions = [
      SUPPRESSION,
      { credentialName: 'dev-eks', expires: '2030-01-31T18:00:00+01:00', reason: 'migration' },
      { roleArnPattern: 'arn:aws:iam::*:role/legacy-*', expires: '2030-01-31T18:00:00Z', reason: 'legacy' },
    ];
    expect(loadConfig({ suppressions, reminderHours: 8760 }).suppressions).toEqual(suppressions);
  });

  test('the stack synthesizes with the lifecycle keys at their limits', () => {
    expect(() =>
      synth({ reminderHours: 1, goneAfterRuns: 1, stormThreshold: 10_000, autoRemediation: true }),
    ).not.toThrow();
  });
});

describe('lifecycle keys: every invalid value names the key and the fix', () => {
  test.each<[string, Record<string, unknown>, RegExp]>([
    [
      'zero reminderHours',
      { reminderHours: 0 },
      /reminderHours: must be a positive number of hours, at most 8760 \(a year\) \(got 0\)\. Set it in cdk\.json "context" or pass -c reminderHours=24\./,
    ],
    [
      'reminderHours over a year',
      { reminderHours: '8761' },
      /reminderHours: must be a positive number of hours/,
    ],
    ['non-numeric reminderHours', { reminderHours: 'daily' }, /reminderHours: .*\(got "daily"\)/],
    [
      'fractional goneAfterRuns',
      { goneAfterRuns: 1.5 },
      /goneAfterRuns: must be a whole number of runs from 1 to 1000 \(got 1\.5\)\. .*-c goneAfterRuns=3\./,
    ],
    [
      'zero goneAfterRuns',
      { goneAfterRuns: '0' },
      /goneAfterRuns: must be a whole number of runs from 1 to 1000/,
    ],
    ['goneAfterRuns too large', { goneAfterRuns: 1001 }, /goneAfterRuns: must be a whole number of runs/],
    [
      'zero stormThreshold',
      { stormThreshold: 0 },
      /stormThreshold: must be a whole number from 1 to 10000 \(got 0\)\. .*-c stormThreshold=10\./,
    ],
    [
      'stormThreshold too large',
      { stormThreshold: 10_001 },
      /stormThreshold: must be a whole number from 1 to 10000/,
    ],
    [
      'autoRemediation not a boolean',
      { autoRemediation: 'yes' },
      /autoRemediation: must be true or false \(got "yes"\)\. .*-c autoRemediation=false\./,
    ],
    [
      'suppressions not JSON',
      { suppressions: 'tmc.token.stale' },
      /suppressions: must be a JSON array of suppressions, e\.g\. \[\{"checkId":"tmc\.token\.stale"/,
    ],
    [
      'suppressions an object',
      { suppressions: SUPPRESSION },
      /suppressions: must be a JSON array of suppressions/,
    ],
    [
      'suppression without expires',
      { suppressions: [{ checkId: 'tmc.token.stale', reason: 'rotation' }] },
      /suppressions: item 0: expires must be a date \(2030-01-31, muted through that day, UTC\) or a date-time/,
    ],
    [
      'suppression with a bad date',
      { suppressions: [SUPPRESSION, { ...SUPPRESSION, expires: '31/01/2030' }] },
      /suppressions: item 1: expires must be a date/,
    ],
    [
      'suppression with an unknown check',
      { suppressions: [{ ...SUPPRESSION, checkId: 'tmc.token.old' }] },
      /suppressions: item 0: checkId must be a check id from docs\/checks\.md/,
    ],
    [
      'suppression without a reason',
      { suppressions: [{ ...SUPPRESSION, reason: '' }] },
      /suppressions: item 0: reason must say why the findings are muted/,
    ],
    [
      'suppression with an unknown field',
      { suppressions: [{ ...SUPPRESSION, until: '2030-01-01' }] },
      /suppressions: item 0: unknown field\(s\) until/,
    ],
    [
      'suppression not an object',
      { suppressions: '["tmc.token.stale"]' },
      /suppressions: item 0: must be an object/,
    ],
  ])('%s', (_name, context, expected) => {
    expect(problemsOf(context)).toMatch(expected);
  });

  test('a suppressions problem shows a -c fix that survives the shell (single quotes around JSON)', () => {
    expect(problemsOf({ suppressions: 'x' })).toContain(
      `pass -c 'suppressions=[{"checkId":"tmc.token.stale","credentialName":"prod-eks","expires":"2030-01-31","reason":"rotation moved to vault"}]'.`,
    );
  });

  test('too many suppressions for the Lambda environment fail synth, and the echoed value is cut short', () => {
    const many = Array.from({ length: 40 }, (_, index) => ({
      credentialName: `credential-${index}`,
      expires: '2030-01-31',
      reason: 'waiting for the TMC team to rotate the token',
    }));
    expect(JSON.stringify(many).length).toBeGreaterThan(MAX_SUPPRESSIONS_JSON_BYTES);
    const message = problemsOf({ suppressions: many });
    expect(message).toMatch(
      /suppressions: too many suppressions: 40 take \d+ bytes of JSON, over the 2048-byte budget/,
    );
    expect(message).toMatch(/4 KB/);
    expect(message).toMatch(/\.\.\. \(\d+ characters\)\)/);
    expect(message.length).toBeLessThan(1200);
  });

  test('every problem is reported at once, each under its key', () => {
    const message = problemsOf({
      reminderHours: -1,
      goneAfterRuns: 0,
      stormThreshold: 'many',
      suppressions: [{ reason: 'x' }],
      autoRemediation: 'maybe',
    });
    expect(message).toMatch(/^Invalid configuration \(5 problems\):/);
    for (const key of [
      'reminderHours',
      'goneAfterRuns',
      'stormThreshold',
      'suppressions',
      'autoRemediation',
    ]) {
      expect(message).toContain(`  - ${key}: `);
    }
  });
});
