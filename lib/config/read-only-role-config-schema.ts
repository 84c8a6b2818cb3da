import { namedPrincipalArn } from './aws-names';
import { list } from './config-fields';

/**
 * The read-only role's configuration key (docs/organizations.md, "Without the hub"): the role
 * `tmc-health check --accounts` assumes, `TmcHealthReadOnly`, deployed with the checkers when the key names who
 * may assume it. Off by default: a role another account may assume is a door, opened only on request.
 */
export const readOnlyRoleConfigShape = {
  readOnlyRoleTrustedPrincipals: list(namedPrincipalArn).optional(),
};

export type ReadOnlyRoleConfigKey = keyof typeof readOnlyRoleConfigShape;

/** A valid example for the key, for the "how to fix" part of error messages. */
export const READ_ONLY_ROLE_EXAMPLES = {
  readOnlyRoleTrustedPrincipals: 'arn:aws:iam::111122223333:role/platform-audit',
} as const satisfies Record<ReadOnlyRoleConfigKey, string>;
