import {
  HUB_ENV,
  hubSettingsFromEnvironment,
  hubSettingsToEnvironment,
  hubWatchSettingsFromEnvironment,
} from '../../lambdas/core/fleet/hub-settings';
import { SettingsError } from '../../lambdas/core/settings';

const BUS = 'tmc-health-fleet';
const TOPIC = 'arn:aws:sns:eu-west-1:999999999999:tmc-health-hub';

describe('fleet hub settings <-> environment', () => {
  it('round-trips everything the stack writes', () => {
    const env = hubSettingsToEnvironment({
      fleetTableName: 'fleet-heartbeats',
      eventBusName: BUS,
      topicArn: TOPIC,
      memberSilentAfterMinutes: 45,
      runbookBaseUrl: 'https://wiki.example.com/tmc',
    });
    expect(env).toEqual({
      TMC_HEALTH_FLEET_TABLE: 'fleet-heartbeats',
      TMC_HEALTH_EVENT_BUS: BUS,
      TMC_HEALTH_TOPIC_ARN: TOPIC,
      TMC_HEALTH_RUNBOOK_BASE_URL: 'https://wiki.example.com/tmc',
      TMC_HEALTH_MEMBER_SILENT_AFTER_MINUTES: '45',
    });
    expect(hubWatchSettingsFromEnvironment(env)).toEqual({
      fleetTableName: 'fleet-heartbeats',
      eventBusName: BUS,
      topicArn: TOPIC,
      runbookBaseUrl: 'https://wiki.example.com/tmc',
      memberSilentAfterMinutes: 45,
    });
  });

  it('the intake needs no silence threshold, nor a topic; the runbook defaults to docs/checks.md', () => {
    const env = hubSettingsToEnvironment({ fleetTableName: 't', eventBusName: BUS });
    expect(env).toEqual({
      TMC_HEALTH_FLEET_TABLE: 't',
      TMC_HEALTH_EVENT_BUS: BUS,
      TMC_HEALTH_RUNBOOK_BASE_URL: 'docs/checks.md',
    });
    expect(hubSettingsFromEnvironment(env)).toEqual({
      fleetTableName: 't',
      eventBusName: BUS,
      runbookBaseUrl: 'docs/checks.md',
    });
  });

  it('the watch refuses to start without its threshold', () => {
    const env = { TMC_HEALTH_FLEET_TABLE: 't', TMC_HEALTH_EVENT_BUS: BUS };
    expect(() => hubWatchSettingsFromEnvironment(env)).toThrow(SettingsError);
    expect(() => hubWatchSettingsFromEnvironment(env)).toThrow(HUB_ENV.memberSilentAfterMinutes);
  });

  it.each([
    [{ TMC_HEALTH_EVENT_BUS: BUS }, 'TMC_HEALTH_FLEET_TABLE'],
    [{ TMC_HEALTH_FLEET_TABLE: 't' }, 'TMC_HEALTH_EVENT_BUS'],
    [
      { TMC_HEALTH_FLEET_TABLE: 't', TMC_HEALTH_EVENT_BUS: BUS, TMC_HEALTH_MEMBER_SILENT_AFTER_MINUTES: '0' },
      'TMC_HEALTH_MEMBER_SILENT_AFTER_MINUTES',
    ],
    [
      {
        TMC_HEALTH_FLEET_TABLE: 't',
        TMC_HEALTH_EVENT_BUS: BUS,
        TMC_HEALTH_MEMBER_SILENT_AFTER_MINUTES: '2.5',
      },
      'TMC_HEALTH_MEMBER_SILENT_AFTER_MINUTES',
    ],
    [
      {
        TMC_HEALTH_FLEET_TABLE: 't',
        TMC_HEALTH_EVENT_BUS: BUS,
        TMC_HEALTH_MEMBER_SILENT_AFTER_MINUTES: 'soon',
      },
      'TMC_HEALTH_MEMBER_SILENT_AFTER_MINUTES',
    ],
  ])('names the bad variable: %j', (env, variable) => {
    expect(() => hubSettingsFromEnvironment(env)).toThrow(SettingsError);
    expect(() => hubSettingsFromEnvironment(env)).toThrow(variable);
  });

  it('toEnvironment validates, so a bad value fails at synth', () => {
    expect(() =>
      hubSettingsToEnvironment({ fleetTableName: 't', eventBusName: BUS, memberSilentAfterMinutes: -1 }),
    ).toThrow(/Invalid fleet hub settings: memberSilentAfterMinutes/);
  });
});
