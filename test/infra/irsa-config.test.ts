import { ConfigError, irsaPageBudgetProblem, loadConfig } from '../../lib/config/config';

function problemsOf(context: Record<string, unknown>): string {
  try {
    loadConfig(context);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected an invalid configuration');
}

describe('IRSA keys: accepted forms', () => {
  test('-c strings: booleans, lists, numbers; lists are de-duplicated', () => {
    expect(
      loadConfig({
        irsaEnabled: 'FALSE',
        irsaRegions: 'eu-west-1, us-east-1,eu-west-1',
        irsaSchedule: 'rate(1 hour)',
        irsaLookbackMinutes: '1440',
        irsaOverlapMinutes: '0',
        irsaMaxPagesPerRegion: '90',
        irsaCriticalCount: '5',
        irsaRoleNamePatterns: '["eks/*","AccessEC2role"]',
      }),
    ).toMatchObject({
      irsaEnabled: false,
      irsaRegions: ['eu-west-1', 'us-east-1'],
      irsaSchedule: 'rate(1 hour)',
      irsaLookbackMinutes: 1440,
      irsaOverlapMinutes: 0,
      irsaMaxPagesPerRegion: 90,
      irsaCriticalCount: 5,
      irsaRoleNamePatterns: ['eks/*', 'AccessEC2role'],
    });
    expect(loadConfig({ irsaEnabled: true }).irsaEnabled).toBe(true);
    expect(loadConfig({ irsaEnabled: 'true' }).irsaEnabled).toBe(true);
  });

  test.each(['*', 'AccessEC2role', 'eks/*', 'eks/prod/app-*', 'team-?-irsa', 'svc+role=a,b.c@d_e-f'])(
    'accepts the role name pattern %s',
    (pattern) => {
      expect(loadConfig({ irsaRoleNamePatterns: [pattern] }).irsaRoleNamePatterns).toEqual([pattern]);
    },
  );
});

describe('IRSA keys: every invalid value fails, naming the key and the fix', () => {
  test.each<[string, Record<string, unknown>, RegExp]>([
    ['irsaEnabled not a boolean', { irsaEnabled: 'yes' }, /irsaEnabled: must be true or false \(got "yes"\)/],
    ['irsaEnabled a number', { irsaEnabled: 1 }, /irsaEnabled: must be true or false/],
    [
      'unknown irsaRegions',
      { irsaRegions: 'eu-west-1,moon-1' },
      /irsaRegions: "moon-1" is not a known AWS region/,
    ],
    [
      'irsaRegions across partitions',
      { irsaRegions: 'us-east-1,cn-north-1' },
      /irsaRegions: all regions must be in the same AWS partition/,
    ],
    [
      'bad irsaSchedule',
      { irsaSchedule: 'every 15 minutes' },
      /irsaSchedule: must be an EventBridge Scheduler expression.*pass -c "irsaSchedule=rate\(15 minutes\)"/,
    ],
    [
      'irsaSchedule that could overlap',
      { irsaSchedule: 'rate(5 minutes)' },
      /irsaSchedule: runs every 5 minute\(s\), but runs must be at least 6 minutes apart/,
    ],
    [
      'irsaSchedule cron with 5 fields',
      { irsaSchedule: 'cron(0 * * * ?)' },
      /irsaSchedule: cron\(\) needs 6 fields/,
    ],
    [
      'zero irsaLookbackMinutes',
      { irsaLookbackMinutes: 0 },
      /irsaLookbackMinutes: must be a whole number of minutes from 1 to 10080/,
    ],
    [
      'negative irsaLookbackMinutes',
      { irsaLookbackMinutes: '-60' },
      /irsaLookbackMinutes: must be a whole number .*\(got "-60"\)\. .*-c irsaLookbackMinutes=60\./,
    ],
    ['irsaLookbackMinutes beyond 7 days', { irsaLookbackMinutes: 10081 }, /irsaLookbackMinutes: must be/],
    [
      'negative irsaOverlapMinutes',
      { irsaOverlapMinutes: -1 },
      /irsaOverlapMinutes: must be a whole number of minutes from 0 to 1440/,
    ],
    [
      'fractional irsaOverlapMinutes',
      { irsaOverlapMinutes: 2.5 },
      /irsaOverlapMinutes: must be a whole number/,
    ],
    [
      'zero irsaMaxPagesPerRegion',
      { irsaMaxPagesPerRegion: 0 },
      /irsaMaxPagesPerRegion: must be a whole number from 1 to 10000/,
    ],
    [
      'non-numeric irsaMaxPagesPerRegion',
      { irsaMaxPagesPerRegion: 'lots' },
      /irsaMaxPagesPerRegion: must be a whole number from 1 to 10000 \(got "lots"\)/,
    ],
    ['zero irsaCriticalCount', { irsaCriticalCount: '0' }, /irsaCriticalCount: must be a positive integer/],
    [
      'negative irsaCriticalCount',
      { irsaCriticalCount: -100 },
      /irsaCriticalCount: must be a positive integer/,
    ],
    [
      'role pattern given as an ARN',
      { irsaRoleNamePatterns: 'arn:aws:iam::123456789012:role/x' },
      /irsaRoleNamePatterns: "arn:aws:iam::123456789012:role\/x" is an ARN: give only the role name or path\/name/,
    ],
    [
      'role pattern with a leading slash',
      { irsaRoleNamePatterns: '/eks/*' },
      /irsaRoleNamePatterns: "\/eks\/\*" starts with "\/": write the path without it \(e\.g\. eks\/\*\)/,
    ],
    [
      'role pattern with a space',
      { irsaRoleNamePatterns: ['my role'] },
      /irsaRoleNamePatterns: "my role" is not an IAM role name pattern/,
    ],
    [
      'role pattern with an empty path segment',
      { irsaRoleNamePatterns: 'eks//app' },
      /irsaRoleNamePatterns: "eks\/\/app" is not an IAM role name pattern/,
    ],
    [
      'role pattern with a trailing slash',
      { irsaRoleNamePatterns: 'eks/' },
      /irsaRoleNamePatterns: "eks\/" is not an IAM role name pattern/,
    ],
    [
      'empty role pattern list',
      { irsaRoleNamePatterns: '' },
      /irsaRoleNamePatterns: must list at least one role name pattern \(use \* for every role\)/,
    ],
    [
      'unknown key irsaRegion',
      { irsaRegion: 'eu-west-1' },
      /irsaRegion: unknown configuration key\. Did you mean "irsaRegions"\?/,
    ],
    [
      'unknown key irsaEnable',
      { irsaEnable: 'false' },
      /irsaEnable: unknown configuration key\. Did you mean "irsaEnabled"\?/,
    ],
    [
      'wrongly cased irsaschedule',
      { irsaschedule: 'rate(1 hour)' },
      /irsaschedule: unknown configuration key\. Did you mean "irsaSchedule"\?/,
    ],
  ])('%s', (_name, context, expected) => {
    expect(problemsOf(context)).toMatch(expected);
  });
});

describe('IRSA page budget: regions × pages at 2 requests/s must fit in 60% of the 5-minute timeout', () => {
  test('the defaults fit (2 regions × 50 pages = 50 s of 180 s)', () => {
    expect(
      irsaPageBudgetProblem({ irsaEnabled: true, irsaRegions: [], irsaMaxPagesPerRegion: 50 }),
    ).toBeUndefined();
  });

  test('the limit is exact: 180 s passes, one page more fails', () => {
    expect(() => loadConfig({ irsaMaxPagesPerRegion: 180 })).not.toThrow();
    expect(problemsOf({ irsaMaxPagesPerRegion: 181 })).toMatch(
      /^Invalid configuration: irsaMaxPagesPerRegion: 2 region\(s\) × 181 pages at 2 LookupEvents requests\/s take 181 s, more than the 180 s allowed \(60% of the IRSA function's 300-second timeout\)\. Lower irsaMaxPagesPerRegion to at most 180 for the default irsaRegions \(2\), or list fewer irsaRegions/,
    );
  });

  test('a budget too large for the configured regions names both keys and the largest value that fits', () => {
    const message = problemsOf({
      irsaRegions: 'eu-west-1,eu-central-1,us-east-1,us-west-2',
      irsaMaxPagesPerRegion: 100,
    });
    expect(message).toContain('irsaMaxPagesPerRegion: 4 region(s) × 100 pages');
    expect(message).toContain('take 200 s');
    expect(message).toContain(
      'Lower irsaMaxPagesPerRegion to at most 90 for irsaRegions, or list fewer irsaRegions',
    );
    expect(message).toContain('(got 100). Set it in cdk.json "context" or pass -c irsaMaxPagesPerRegion=50.');
  });

  test('many regions at the default page budget fail too, saying the budget was not set', () => {
    const regions = [
      'eu-west-1',
      'eu-west-2',
      'eu-west-3',
      'eu-central-1',
      'eu-north-1',
      'us-east-1',
      'us-east-2',
      'us-west-2',
    ];
    const message = problemsOf({ irsaRegions: regions });
    expect(message).toContain('8 region(s) × 50 pages at 2 LookupEvents requests/s take 200 s');
    expect(message).toContain('at most 45 for irsaRegions');
    expect(message).toContain('(not set: the default)');
  });

  test('the budget is not enforced when the IRSA check is disabled', () => {
    expect(() => loadConfig({ irsaEnabled: 'false', irsaMaxPagesPerRegion: 5000 })).not.toThrow();
  });

  test('IRSA problems are reported with the others, all at once', () => {
    const message = problemsOf({
      irsaRegion: 'eu-west-1',
      irsaSchedule: 'rate(1 minute)',
      irsaCriticalCount: 0,
      irsaRoleNamePatterns: '/x',
      errorThreshold: 0,
    });
    expect(message).toMatch(/^Invalid configuration \(5 problems\):/);
    for (const key of [
      'irsaRegion:',
      'irsaSchedule:',
      'irsaCriticalCount:',
      'irsaRoleNamePatterns:',
      'errorThreshold:',
    ]) {
      expect(message).toContain(`  - ${key}`);
    }
  });
});
