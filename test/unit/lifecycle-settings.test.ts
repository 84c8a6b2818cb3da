import {
  DEFAULT_LIFECYCLE_CONFIG,
  lifecycleSettingsFromEnvironment,
  lifecycleSettingsToEnvironment,
} from '../../lambdas/core/lifecycle/settings';

describe('lifecycle settings from the environment', () => {
  it('defaults everything, and has no ledger (so no lifecycle) when the table is not set', () => {
    expect(lifecycleSettingsFromEnvironment({})).toEqual({ ...DEFAULT_LIFECYCLE_CONFIG, suppressions: [] });
  });

  it('round-trips what the stack writes', () => {
    const settings = {
      ledgerTableName: 'ledger',
      reminderHours: 6,
      goneAfterRuns: 2,
      stormThreshold: 20,
      sameCheckThreshold: 4,
      suppressions: [
        { checkId: 'tmc.token.stale' as const, expires: '2027-01-01', reason: 'rotation INC-7' },
      ],
      autoRemediation: true,
    };
    expect(lifecycleSettingsFromEnvironment(lifecycleSettingsToEnvironment(settings))).toEqual(settings);
  });

  it.each([
    [{ TMC_HEALTH_AUTO_REMEDIATION: 'yes' }, /TMC_HEALTH_AUTO_REMEDIATION: must be true or false/],
    [{ TMC_HEALTH_SUPPRESSIONS: '[{' }, /TMC_HEALTH_SUPPRESSIONS: must be a JSON array of suppressions/],
    [{ TMC_HEALTH_SUPPRESSIONS: '[{"reason":"no expiry"}]' }, /TMC_HEALTH_SUPPRESSIONS: .*\(at 0\.expires\)/],
    [{ TMC_HEALTH_REMINDER_HOURS: 'soon' }, /TMC_HEALTH_REMINDER_HOURS/],
    [{ TMC_HEALTH_GONE_AFTER_RUNS: '0' }, /TMC_HEALTH_GONE_AFTER_RUNS/],
    [{ TMC_HEALTH_STORM_THRESHOLD: '2.5' }, /TMC_HEALTH_STORM_THRESHOLD/],
  ])('names the variable when it is wrong: %j', (env, message) => {
    expect(() => lifecycleSettingsFromEnvironment(env)).toThrow(message);
  });
});
