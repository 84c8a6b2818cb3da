import { ConfigError, loadConfig, memberSilentAfterMinutes } from '../../lib/config/config';

const HUB_CONTEXT: Readonly<Record<string, unknown>> = {
  mode: 'hub',
  organizationId: 'o-a1b2c3d4e5',
  memberOrganizationalUnitIds: 'ou-ab12-34cd56ef',
  memberRegions: 'eu-west-1',
};

function problemsOf(context: Record<string, unknown>): ConfigError {
  try {
    loadConfig(context);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected an invalid configuration');
}

describe('mode and the organization keys: accepted forms', () => {
  test('single is the default, with no organization keys', () => {
    expect(loadConfig({})).toMatchObject({
      mode: 'single',
      memberOrganizationalUnitIds: [],
      memberRegions: [],
    });
    expect(loadConfig({}).organizationId).toBeUndefined();
    expect(loadConfig({}).hubEventBusArn).toBeUndefined();
  });

  test('a hub from -c strings: OU and root ids, regions, de-duplicated', () => {
    const config = loadConfig({
      ...HUB_CONTEXT,
      memberOrganizationalUnitIds: 'ou-ab12-34cd56ef, r-ab12,ou-ab12-34cd56ef',
      memberRegions: '["eu-west-1","us-east-1"]',
      memberSilentAfterMinutes: '90',
    });
    expect(config).toMatchObject({
      mode: 'hub',
      organizationId: 'o-a1b2c3d4e5',
      memberOrganizationalUnitIds: ['ou-ab12-34cd56ef', 'r-ab12'],
      memberRegions: ['eu-west-1', 'us-east-1'],
      memberSilentAfterMinutes: 90,
    });
  });

  test('the hub intake: direct by default, queue when asked', () => {
    expect(loadConfig(HUB_CONTEXT).hubIntake).toBe('direct');
    expect(loadConfig({ ...HUB_CONTEXT, hubIntake: 'queue' }).hubIntake).toBe('queue');
    expect(loadConfig({ ...HUB_CONTEXT, hubIntake: 'direct' }).hubIntake).toBe('direct');
  });

  test('a member, with or without the hub bus', () => {
    expect(loadConfig({ mode: 'member' }).mode).toBe('member');
    const arn = 'arn:aws:events:eu-west-1:123456789012:event-bus/tmc-health-fleet';
    expect(loadConfig({ mode: 'member', hubEventBusArn: arn }).hubEventBusArn).toBe(arn);
  });

  test.each<[string, Record<string, unknown>, number]>([
    ['the default schedules', {}, 45],
    ['an hourly credential check', { schedule: 'rate(1 hour)' }, 180],
    ['a slower IRSA check', { schedule: 'rate(15 minutes)', irsaSchedule: 'rate(2 hours)' }, 360],
    ['IRSA off: its schedule does not count', { irsaEnabled: 'false', irsaSchedule: 'rate(2 hours)' }, 45],
    ['weekdays only: the weekend gap', { schedule: 'cron(0 8 ? * MON-FRI *)' }, 3 * 3 * 24 * 60],
    ['set explicitly', { memberSilentAfterMinutes: 20 }, 20],
  ])('memberSilentAfterMinutes, %s: %i minutes', (_name, context, expected) => {
    expect(memberSilentAfterMinutes(loadConfig({ ...HUB_CONTEXT, ...context }))).toBe(expected);
  });
});

describe('mode and the organization keys: every problem names the key and the fix', () => {
  test('a hub without its keys: each required key named, all at once', () => {
    const error = problemsOf({ mode: 'hub' });
    expect(error.problems).toHaveLength(3);
    expect(error.message).toContain(
      "organizationId: is required with mode=hub: the hub bus accepts run reports only from this organization's " +
        'accounts (aws organizations describe-organization --query Organization.Id) (not set). Set it in ' +
        'cdk.json "context" or pass -c organizationId=o-a1b2c3d4e5.',
    );
    expect(error.message).toContain('memberOrganizationalUnitIds: is required with mode=hub');
    expect(error.message).toContain('-c memberOrganizationalUnitIds=ou-ab12-34cd56ef');
    expect(error.message).toContain('memberRegions: is required with mode=hub');
    expect(error.message).toContain('-c memberRegions=eu-west-1,us-east-1');
  });

  test.each<[string, Record<string, unknown>, string]>([
    [
      'organizationId in single mode',
      { organizationId: 'o-a1b2c3d4e5' },
      'organizationId: is only used with mode=hub',
    ],
    [
      'memberRegions in member mode',
      { mode: 'member', memberRegions: 'eu-west-1' },
      'memberRegions: is only used with mode=hub (the mode is member): add -c mode=hub, or remove the key',
    ],
    [
      'hubIntake in member mode',
      { mode: 'member', hubIntake: 'queue' },
      'hubIntake: is only used with mode=hub (the mode is member): add -c mode=hub, or remove the key',
    ],
    ['hubIntake in single mode', { hubIntake: 'direct' }, 'hubIntake: is only used with mode=hub'],
    [
      'hubEventBusArn in hub mode',
      { ...HUB_CONTEXT, hubEventBusArn: 'arn:aws:events:eu-west-1:123456789012:event-bus/x' },
      'hubEventBusArn: is only used with mode=member: the hub passes its own bus to the StackSet',
    ],
    [
      'eventBusName in hub mode',
      { ...HUB_CONTEXT, eventBusName: 'central' },
      'eventBusName: is not used with mode=hub: the hub puts its finding events on its own bus, tmc-health-fleet',
    ],
    [
      'autoRemediation in hub mode',
      { ...HUB_CONTEXT, autoRemediation: 'false' },
      'autoRemediation: is not used with mode=hub',
    ],
    [
      'notificationEmails in member mode',
      { mode: 'member', notificationEmails: 'ops@example.com' },
      "notificationEmails: is not used with mode=member: a member has no topic: subscribe to the hub's",
    ],
    [
      'suppressions in member mode',
      { mode: 'member', suppressions: '[]' },
      'suppressions: is not used with mode=member: the finding lifecycle runs in the hub',
    ],
  ])('%s: an error, whose fix is to remove the key', (_name, context, expected) => {
    const error = problemsOf(context);
    expect(error.problems).toHaveLength(1);
    expect(error.message).toContain(expected);
    expect(error.message).toContain('Fix or remove it in cdk.json "context" or in your -c flags.');
  });

  test('a silence shorter than a schedule period would flag every member', () => {
    const error = problemsOf({ ...HUB_CONTEXT, schedule: 'rate(1 hour)', memberSilentAfterMinutes: 60 });
    expect(error.message).toContain(
      'memberSilentAfterMinutes: must be longer than the longest gap between two member runs (60 minutes, from ' +
        'schedule and irsaSchedule)',
    );
    expect(error.message).toContain('180 (3 periods, the default)');
    expect(error.message).toContain('(got 60)');
  });

  test('a schedule whose longest gap is unknown needs memberSilentAfterMinutes', () => {
    const context = { ...HUB_CONTEXT, schedule: 'cron(0 12 L * ? *)' };
    expect(problemsOf(context).message).toContain(
      'memberSilentAfterMinutes: must be set when the longest gap between two member runs cannot be determined',
    );
    expect(() => loadConfig({ ...context, memberSilentAfterMinutes: 50_000 })).toThrow(/from 1 to 43200/);
    expect(memberSilentAfterMinutes(loadConfig({ ...context, memberSilentAfterMinutes: 43_200 }))).toBe(
      43_200,
    );
  });

  test('an unknown mode lists the modes', () => {
    expect(problemsOf({ mode: 'Hub' }).message).toBe(
      'Invalid configuration: mode: must be one of single, hub, member (got "Hub"). Set it in cdk.json ' +
        '"context" or pass -c mode=hub.',
    );
  });

  test('a typo in an organization key is suggested', () => {
    expect(problemsOf({ memberRegion: 'eu-west-1' }).message).toContain('Did you mean "memberRegions"?');
    expect(problemsOf({ organisationId: 'o-a1b2c3d4e5' }).message).toContain(
      'Did you mean "organizationId"?',
    );
  });
});
