import {
  HUB_EVENT_BUS_VARIABLE,
  memberSettingsFromEnvironment,
  memberSettingsToEnvironment,
  SettingsError,
} from '../../lambdas/core/fleet/member-settings';

const ARN = 'arn:aws:events:eu-central-1:999988887777:event-bus/tmc-health-fleet';

describe('member settings (TMC_HEALTH_HUB_EVENT_BUS)', () => {
  it.each<[string, Record<string, string | undefined>, object]>([
    ['absent: not a member', {}, {}],
    ['empty: not a member', { [HUB_EVENT_BUS_VARIABLE]: '' }, {}],
    ['a bus ARN', { [HUB_EVENT_BUS_VARIABLE]: ARN }, { hubEventBusArn: ARN }],
    [
      'a GovCloud bus ARN with a path-like name',
      {
        [HUB_EVENT_BUS_VARIABLE]:
          'arn:aws-us-gov:events:us-gov-west-1:123456789012:event-bus/org/tmc_health.v1',
      },
      { hubEventBusArn: 'arn:aws-us-gov:events:us-gov-west-1:123456789012:event-bus/org/tmc_health.v1' },
    ],
  ])('%s', (_name, env, expected) => {
    expect(memberSettingsFromEnvironment(env)).toEqual(expected);
  });

  it.each([
    ['a bus name', 'tmc-health-fleet'],
    ['a rule ARN', 'arn:aws:events:eu-central-1:999988887777:rule/tmc-health-fleet'],
    ['an 11-digit account', 'arn:aws:events:eu-central-1:99998888777:event-bus/fleet'],
    ['no region', 'arn:aws:events::999988887777:event-bus/fleet'],
    ['an SNS topic', 'arn:aws:sns:eu-central-1:999988887777:fleet'],
  ])('%s is refused, naming the variable', (_name, value) => {
    expect(() => memberSettingsFromEnvironment({ [HUB_EVENT_BUS_VARIABLE]: value })).toThrow(SettingsError);
    expect(() => memberSettingsFromEnvironment({ [HUB_EVENT_BUS_VARIABLE]: value })).toThrow(
      /^Invalid member settings: TMC_HEALTH_HUB_EVENT_BUS: must be an event bus ARN/,
    );
  });

  it('the stack writes what the function reads', () => {
    expect(memberSettingsToEnvironment({ hubEventBusArn: ARN })).toEqual({ [HUB_EVENT_BUS_VARIABLE]: ARN });
    expect(memberSettingsToEnvironment({})).toEqual({});
    expect(memberSettingsFromEnvironment(memberSettingsToEnvironment({ hubEventBusArn: ARN }))).toEqual({
      hubEventBusArn: ARN,
    });
  });
});
