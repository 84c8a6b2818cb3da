import { runbookUrl } from '../core/catalogue';
import { SEVERITIES, STATUSES, type Finding, type Severity, type Status } from '../core/finding';
import { buildFinding } from '../core/finding-factory';
import type { CallerIdentity } from './account';
import type { FleetTarget } from './fleet-options';
import type { CheckOutcome } from './run-check';
import { combineSummaries, type CliSummary } from './summary';

/** The pure part of `check --accounts`: the finding of an account that could not be read, and the summary. */

/** Why an account's checks did not run. */
export interface AccountFailure {
  /** `assume`: sts:AssumeRole was refused; `check`: the role was assumed but the run itself failed. */
  readonly stage: 'assume' | 'check';
  readonly errorName: string;
  readonly message: string;
}

export interface AccountResult {
  readonly accountId: string;
  readonly roleArn: string;
  /** Present when the account's checks did not run: `outcome` then holds the one ERROR finding saying why. */
  readonly failure?: AccountFailure;
  readonly outcome: CheckOutcome;
}

export interface AccountSummary {
  readonly accountId: string;
  readonly roleArn: string;
  /** Whether the role was assumed and the checks ran. */
  readonly checked: boolean;
  readonly failure?: AccountFailure;
  /** The account's own summary, as `check` prints it for one account. */
  readonly summary: CliSummary;
}

/**
 * The `summary` of `check --accounts --json`: totals over every account's findings (they agree with `findings`
 * and with the exit code), and each account's own summary in the order given.
 */
export interface FleetSummary {
  readonly roleName: string;
  /** Who assumed the roles (GetCallerIdentity of the caller's own credentials). */
  readonly caller: CallerIdentity;
  readonly findings: number;
  readonly byStatus: Readonly<Record<Status, number>>;
  readonly problemsBySeverity: Readonly<Record<Severity, number>>;
  /** Accounts whose checks did not run (an ERROR finding each). */
  readonly notChecked: readonly string[];
  readonly accounts: readonly AccountSummary[];
}

export interface FleetOutcome {
  readonly target: FleetTarget;
  readonly caller: CallerIdentity;
  /** In the order of `--accounts`. */
  readonly accounts: readonly AccountResult[];
  /** Every account's findings, account after account; each carries its `accountId`. */
  readonly findings: readonly Finding[];
  readonly summary: FleetSummary;
}

export interface NotCheckedInput {
  readonly accountId: string;
  /** Where STS was called: the first checked region. */
  readonly region: string;
  readonly roleArn: string;
  readonly caller: CallerIdentity;
  readonly externalIdGiven: boolean;
  readonly failure: AccountFailure;
  readonly observedAt: string;
  readonly runbookBaseUrl: string;
}

/** What most likely went wrong, from STS's error name, before the general steps. */
function likelyCause(input: NotCheckedInput): string {
  const { errorName } = input.failure;
  if (/^AccessDenied/.test(errorName)) {
    return (
      `STS refused: either the role ${input.roleArn} does not exist, or its trust policy does not let ` +
      `${input.caller.arn || `account ${input.caller.account}`} assume it` +
      (input.externalIdGiven ? ' with this external id' : '') +
      ', or your own permissions (or a service control policy) deny sts:AssumeRole on it.'
    );
  }
  if (errorName === 'RegionDisabledException') {
    return `STS is not activated in ${input.region} for your account: activate it (IAM > Account settings > Security Token Service (STS)) or run with a --region whose STS endpoint is active.`;
  }
  if (/ExpiredToken|InvalidClientTokenId|SignatureDoesNotMatch/.test(errorName)) {
    return 'Your own credentials were refused or have expired: renew them (e.g. `aws sso login`) and run again.';
  }
  return `STS answered ${errorName}; the steps below cover the usual causes.`;
}

/**
 * The ERROR finding of an account whose checks did not run (check id `checker.error`): unknown is never healthy,
 * and one account's refusal never hides the others'. Its remediation is the role's, not the checker role's.
 */
export function accountNotCheckedFinding(input: NotCheckedInput): Finding {
  const { accountId, region, roleArn, failure } = input;
  const roleName = roleArn.slice(roleArn.indexOf(':role/') + ':role/'.length);
  const assume = failure.stage === 'assume';
  const finding = buildFinding(
    { accountId, region, observedAt: input.observedAt, runbookBaseUrl: input.runbookBaseUrl },
    {
      checkId: 'checker.error',
      status: 'ERROR',
      title: assume
        ? `sts:AssumeRole failed for account ${accountId}`
        : `The check of account ${accountId} failed`,
      message: assume
        ? `The checker could not assume ${roleArn} in account ${accountId} (sts:AssumeRole ${failure.errorName}: ${failure.message}), so none of that account's checks ran: its state is unknown.`
        : `The checker assumed ${roleArn} but the check of account ${accountId} failed (${failure.errorName}: ${failure.message}), so its state is unknown.`,
      resource: { type: 'AWS::IAM::Role', arn: roleArn, name: roleName },
      resourceKey: `${assume ? 'sts:AssumeRole' : 'check'} ${roleArn}`,
      evidence: {
        operation: assume ? 'sts:AssumeRole' : 'check',
        roleArn,
        errorName: failure.errorName,
        caller: input.caller.arn,
        externalId: input.externalIdGiven,
        message: failure.message,
      },
    },
  );
  if (!assume) return finding;
  return {
    ...finding,
    remediation: {
      text: [
        likelyCause(input),
        `1. If account ${accountId} has no role ${roleName}: deploy the read-only role there (the FleetReadOnlyRole construct, lib/constructs/fleet-read-only-role.ts), or pass --role-name with the read-only role that account has.`,
        `2. If the role exists: fix its trust policy so that it allows sts:AssumeRole for ${input.caller.arn ? `your principal ${input.caller.arn} or ` : ''}your account ${input.caller.account}` +
          (input.externalIdGiven
            ? ', with the same sts:ExternalId condition value you passed with --external-id.'
            : ' (if the policy requires an sts:ExternalId, pass it with --external-id).'),
        `3. Your own identity needs sts:AssumeRole on ${roleArn}; check your permission sets and any service control policy.`,
        `4. RegionDisabledException: activate STS in ${region} for your account, or run with another --region.`,
      ].join('\n'),
      whoCanFix: `The administrators of account ${accountId} (the read-only role and its trust policy), and yours (or your administrator) for your own sts:AssumeRole permission.`,
      runbookUrl: runbookUrl(input.runbookBaseUrl, 'checker.error'),
    },
  };
}

/** The outcome of an account that was not checked: its one ERROR finding, summarised as `check` would. */
export function notCheckedOutcome(finding: Finding): CheckOutcome {
  return {
    accountId: finding.accountId,
    findings: [finding],
    summary: combineSummaries({ accountId: finding.accountId, findings: [finding] }),
  };
}

/** The fleet's outcome: every account's findings in order, the totals and each account's summary. */
export function combineFleet(
  target: FleetTarget,
  caller: CallerIdentity,
  accounts: readonly AccountResult[],
): FleetOutcome {
  const findings = accounts.flatMap((account) => account.outcome.findings);
  const byStatus = Object.fromEntries(STATUSES.map((status) => [status, 0])) as Record<Status, number>;
  const problemsBySeverity = Object.fromEntries(SEVERITIES.map((severity) => [severity, 0])) as Record<
    Severity,
    number
  >;
  for (const finding of findings) {
    byStatus[finding.status] += 1;
    if (finding.status !== 'PASS') problemsBySeverity[finding.severity] += 1;
  }
  return {
    target,
    caller,
    accounts,
    findings,
    summary: {
      roleName: target.roleName,
      caller,
      findings: findings.length,
      byStatus,
      problemsBySeverity,
      notChecked: accounts.filter((account) => account.failure).map((account) => account.accountId),
      accounts: accounts.map((account) => ({
        accountId: account.accountId,
        roleArn: account.roleArn,
        checked: account.failure === undefined,
        ...(account.failure ? { failure: account.failure } : {}),
        summary: account.outcome.summary,
      })),
    },
  };
}

/** Runs `task` on every item, at most `limit` at a time, and keeps the items' order in the results. */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
