import { SettingsError } from '../env-codec';

export { SettingsError };

/**
 * The Security Hub export (docs/security-hub.md): with `TMC_HEALTH_SECURITY_HUB_EXPORT=true` both
 * checkers also import their FAIL findings into Security Hub (the function's region, the account's default
 * product). The stack validates the `securityHubExport` context key (lib/config/security-hub-config-schema.ts)
 * and writes the variable with `securityHubSettingsToEnvironment`; absent or `false`, nothing is exported.
 */
export const SECURITY_HUB_EXPORT_VARIABLE = 'TMC_HEALTH_SECURITY_HUB_EXPORT';

export interface SecurityHubSettings {
  readonly securityHubExport: boolean;
}

/** Throws SettingsError naming the variable when it is set to anything but `true` or `false`; empty is absent. */
export function securityHubSettingsFromEnvironment(
  env: Readonly<Record<string, string | undefined>>,
): SecurityHubSettings {
  const value = env[SECURITY_HUB_EXPORT_VARIABLE];
  if (value === undefined || value === '' || value === 'false') return { securityHubExport: false };
  if (value === 'true') return { securityHubExport: true };
  throw new SettingsError(
    `Invalid Security Hub settings: ${SECURITY_HUB_EXPORT_VARIABLE}: must be true or false (got ${JSON.stringify(value.slice(0, 40))})`,
  );
}

/**
 * The inverse, for the stack: the variable only when the export is on, so a stack without it keeps the
 * functions' environment (and its 4 KB budget) exactly as before.
 */
export function securityHubSettingsToEnvironment(settings: SecurityHubSettings): Record<string, string> {
  return settings.securityHubExport ? { [SECURITY_HUB_EXPORT_VARIABLE]: 'true' } : {};
}
