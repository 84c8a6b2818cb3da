import {
  SECURITY_HUB_EXPORT_VARIABLE,
  securityHubSettingsFromEnvironment,
  securityHubSettingsToEnvironment,
  SettingsError,
} from '../../lambdas/core/security-hub/settings';

describe('Security Hub settings (TMC_HEALTH_SECURITY_HUB_EXPORT)', () => {
  it.each<[string, string | undefined, boolean]>([
    ['absent: off', undefined, false],
    ['empty: off', '', false],
    ['false', 'false', false],
    ['true', 'true', true],
  ])('%s', (_name, value, expected) => {
    expect(securityHubSettingsFromEnvironment({ [SECURITY_HUB_EXPORT_VARIABLE]: value })).toEqual({
      securityHubExport: expected,
    });
  });

  it.each(['TRUE', 'yes', '1', ' true'])('%j is refused, naming the variable', (value) => {
    expect(() => securityHubSettingsFromEnvironment({ [SECURITY_HUB_EXPORT_VARIABLE]: value })).toThrow(
      SettingsError,
    );
    expect(() => securityHubSettingsFromEnvironment({ [SECURITY_HUB_EXPORT_VARIABLE]: value })).toThrow(
      /^Invalid Security Hub settings: TMC_HEALTH_SECURITY_HUB_EXPORT: must be true or false/,
    );
  });

  it('the stack writes what the function reads, and nothing when the export is off', () => {
    for (const securityHubExport of [true, false]) {
      const env = securityHubSettingsToEnvironment({ securityHubExport });
      expect(securityHubSettingsFromEnvironment(env)).toEqual({ securityHubExport });
    }
    expect(securityHubSettingsToEnvironment({ securityHubExport: false })).toEqual({});
    expect(securityHubSettingsToEnvironment({ securityHubExport: true })).toEqual({
      TMC_HEALTH_SECURITY_HUB_EXPORT: 'true',
    });
  });
});
