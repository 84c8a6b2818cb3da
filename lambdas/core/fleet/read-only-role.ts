/**
 * The read-only role `tmc-health check --accounts` assumes in each account, named once for both sides: the CLI's
 * default `--role-name` and the name FleetReadOnlyRole (lib/constructs/fleet-read-only-role.ts) gives its role.
 */
export const DEFAULT_READ_ONLY_ROLE_NAME = 'TmcHealthReadOnly';
