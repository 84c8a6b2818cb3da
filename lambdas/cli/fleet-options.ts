/**
 * `tmc-health check --accounts`: the flags that name the accounts and the role lent in each. The default role
 * name is core's (core/fleet/read-only-role.ts), shared with the FleetReadOnlyRole construct.
 */
import { DEFAULT_READ_ONLY_ROLE_NAME } from '../core/fleet/read-only-role';
import { usageError } from './exit-codes';
import { Problems } from './usage-problems';

export { DEFAULT_READ_ONLY_ROLE_NAME };

/** The session name without `--role-session-name`: CloudTrail in each account shows it on every call. */
export const DEFAULT_ROLE_SESSION_NAME = 'tmc-health-cli';

/** What commander hands over for the fleet flags, unvalidated. */
export interface FleetFlags {
  readonly accounts?: string[];
  readonly roleName?: string;
  readonly externalId?: string;
  readonly roleSessionName?: string;
}

/** Validated: at least one account, the role and session names IAM and STS accept. */
export interface FleetTarget {
  /** 12-digit ids, in the order given, each once. */
  readonly accountIds: readonly string[];
  /** A role name, optionally with its path (`path/name`), as in `arn:aws:iam::<id>:role/<path/name>`. */
  readonly roleName: string;
  readonly externalId?: string;
  readonly sessionName: string;
}

const ACCOUNT_ID = /^\d{12}$/;
// IAM: names of 1-64 of [\w+=,.@-]; a path is segments of the same characters ending in `/`.
const ROLE_NAME = /^(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;
// STS AssumeRole: ExternalId 2-1224 of [\w+=,.@:/-], RoleSessionName 2-64 of [\w+=,.@-].
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

/** What each fleet flag accepts, worded once for `check --help` and for the error a bad value gets. */
export const FLEET_FORMAT = {
  accounts: '12 digits, e.g. 111122223333; leading zeros count',
  roleName: 'up to 64 letters, digits and +=,.@_-, optionally after a path/',
  externalId: '2 to 1224 letters, digits and +=,.@:/_-',
  sessionName: '2 to 64 letters, digits and +=,.@_-',
} as const;

/**
 * `--accounts` values as commander collects them (one per word after the flag, or repeated flags), each split
 * on commas and whitespace, so `--accounts 111122223333,444455556666`, `--accounts 111122223333 444455556666`
 * and `--accounts "111122223333 444455556666"` all give the same two ids. Every bad id is named in one error.
 */
export function parseAccountIds(values: readonly string[]): string[] {
  const ids = values.flatMap((value) => value.split(/[\s,]+/)).filter((id) => id !== '');
  if (ids.length === 0) throw usageError('--accounts: give at least one 12-digit AWS account id');
  const problems = new Problems();
  const flag = ids.find((id) => id.startsWith('-'));
  if (flag !== undefined) {
    problems.add(`--accounts: give the account ids right after the flag (got the flag ${flag} instead)`);
  }
  const bad = ids.filter((id) => !id.startsWith('-') && !ACCOUNT_ID.test(id));
  if (bad.length > 0) {
    const quoted = bad.map((id) => `'${id}'`).join(', ');
    problems.add(
      `--accounts: ${quoted} ${bad.length === 1 ? 'is not an AWS account id' : 'are not AWS account ids'} (${FLEET_FORMAT.accounts})`,
    );
  }
  problems.throwIfAny();
  return [...new Set(ids)];
}

/**
 * The fleet target, or undefined without `--accounts`; the other fleet flags are refused without it. Every
 * problem with these flags is reported at once.
 */
export function fleetTargetFromFlags(flags: FleetFlags): FleetTarget | undefined {
  const problems = new Problems();
  if (flags.accounts === undefined) {
    for (const [flag, value] of [
      ['--role-name', flags.roleName],
      ['--external-id', flags.externalId],
      ['--role-session-name', flags.roleSessionName],
    ] as const) {
      if (value !== undefined) problems.add(`${flag} only applies with --accounts <ids...>`);
    }
    problems.throwIfAny();
    return undefined;
  }
  const accountIds = problems.attempt(() => parseAccountIds(flags.accounts!));
  const roleName = flags.roleName ?? DEFAULT_READ_ONLY_ROLE_NAME;
  if (roleName.trim() === '') {
    problems.add(
      `--role-name: give the name of the read-only role to assume in each account (default ${DEFAULT_READ_ONLY_ROLE_NAME})`,
    );
  } else if (!ROLE_NAME.test(roleName)) {
    problems.add(`--role-name: '${roleName}' is not an IAM role name (${FLEET_FORMAT.roleName})`);
  }
  if (flags.externalId !== undefined && !EXTERNAL_ID.test(flags.externalId)) {
    problems.add(
      `--external-id: must be ${FLEET_FORMAT.externalId} (as the role trust policy sts:ExternalId condition has it)`,
    );
  }
  const sessionName = flags.roleSessionName ?? DEFAULT_ROLE_SESSION_NAME;
  if (!SESSION_NAME.test(sessionName)) {
    problems.add(
      `--role-session-name: '${sessionName}' must be ${FLEET_FORMAT.sessionName} (an STS role session name)`,
    );
  }
  problems.throwIfAny();
  return {
    accountIds: accountIds!,
    roleName,
    ...(flags.externalId === undefined ? {} : { externalId: flags.externalId }),
    sessionName,
  };
}

/** `arn:<partition>:iam::<account>:role/<name>`: IAM is global, the partition is the checked regions'. */
export function roleArnFor(partition: string, accountId: string, roleName: string): string {
  return `arn:${partition}:iam::${accountId}:role/${roleName}`;
}
