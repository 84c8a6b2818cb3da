import { boolean } from './config-fields';
import type { DeploymentMode } from './org-config-schema';

/**
 * The Security Hub export's configuration key (docs/security-hub.md): `securityHubExport` imports both
 * checkers' FAIL findings into Security Hub (the stack's region, the account's default product). Off by default:
 * Security Hub must be enabled in the region, and every import is a billed finding ingestion.
 */
export const securityHubConfigShape = {
  securityHubExport: boolean().default(false),
};

export type SecurityHubConfigKey = keyof typeof securityHubConfigShape;

/** A valid example for the key, for the "how to fix" part of error messages. */
export const SECURITY_HUB_EXAMPLES = {
  securityHubExport: 'true',
} as const satisfies Record<SecurityHubConfigKey, string>;

/** Why the export cannot be turned on in a mode of an organization. */
const NOT_IN_MODE: Readonly<Record<Exclude<DeploymentMode, 'single'>, string>> = {
  hub:
    'BatchImportFindings with the default product accepts only findings of the calling account, and the hub ' +
    "holds its members' findings: aggregate Security Hub across the organization instead (a delegated " +
    'administrator), docs/security-hub.md',
  member:
    "a member publishes nothing itself, its run reports go to the hub's bus (docs/organizations.md), so there " +
    'is nothing to export from it',
};

/** Cross-key rule, run on the parsed configuration like the modes' rules: only a single-account stack exports. */
export function securityHubModeProblems(config: {
  readonly mode: DeploymentMode;
  readonly securityHubExport: boolean;
}): { readonly key: string; readonly message: string; readonly remove: true }[] {
  if (!config.securityHubExport || config.mode === 'single') return [];
  return [
    {
      key: 'securityHubExport',
      message: `is not supported with mode=${config.mode}: ${NOT_IN_MODE[config.mode]}`,
      remove: true,
    },
  ];
}
