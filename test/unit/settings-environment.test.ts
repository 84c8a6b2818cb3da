import { irsaSettingsFromEnvironment, irsaSettingsToEnvironment } from '../../lambdas/core/irsa/settings';
import { SettingsError, settingsFromEnvironment, settingsToEnvironment } from '../../lambdas/core/settings';

describe('settings <-> environment', () => {
  it('round-trips the credential check settings, lists and numbers included', () => {
    const env = settingsToEnvironment({
      regions: ['us-west-2', 'eu-west-1'],
      credentialNames: ['prod-eks'],
      tokenMaxAgeHours: 168,
      topicArn: 'arn:aws:sns:us-west-2:111122223333:tmc',
    });
    expect(env).toMatchObject({
      TMC_HEALTH_REGIONS: 'us-west-2,eu-west-1',
      TMC_HEALTH_TOKEN_MAX_AGE_HOURS: '168',
    });
    expect(settingsFromEnvironment(env)).toMatchObject({
      regions: ['us-west-2', 'eu-west-1'],
      credentialNames: ['prod-eks'],
      tokenMaxAgeHours: 168,
      metricsWindowMinutes: 30,
      eventBusName: 'default',
    });
  });

  it('round-trips the IRSA settings and leaves empty lists out', () => {
    const env = irsaSettingsToEnvironment({ regions: [], maxPagesPerRegion: 10, watermarkTableName: 'wm' });
    expect(env).not.toHaveProperty('TMC_HEALTH_IRSA_REGIONS');
    expect(irsaSettingsFromEnvironment(env)).toMatchObject({
      regions: [],
      maxPagesPerRegion: 10,
      watermarkTableName: 'wm',
      lookbackMinutes: 60,
    });
  });

  it('trims list items and ignores empty ones', () => {
    expect(settingsFromEnvironment({ TMC_HEALTH_REGIONS: ' us-west-2 , ,eu-west-1 ' }).regions).toEqual([
      'us-west-2',
      'eu-west-1',
    ]);
  });

  it.each([
    [{ TMC_HEALTH_TOKEN_MAX_AGE_HOURS: '-1' }, 'TMC_HEALTH_TOKEN_MAX_AGE_HOURS'],
    [{ TMC_HEALTH_ERROR_THRESHOLD: 'many' }, 'TMC_HEALTH_ERROR_THRESHOLD'],
    [{ TMC_HEALTH_DATA_SYNC_PATTERN: '(' }, 'TMC_HEALTH_DATA_SYNC_PATTERN'],
  ])('names the bad variable: %j', (env, variable) => {
    expect(() => settingsFromEnvironment(env)).toThrow(SettingsError);
    expect(() => settingsFromEnvironment(env)).toThrow(variable);
  });

  it('names the bad IRSA variable', () => {
    expect(() => irsaSettingsFromEnvironment({ TMC_HEALTH_IRSA_MAX_PAGES_PER_REGION: '0' })).toThrow(
      /Invalid IRSA check settings: TMC_HEALTH_IRSA_MAX_PAGES_PER_REGION/,
    );
  });
});
