import { STSClient } from '@aws-sdk/client-sts';
import { AssumeRoleError, assumeRoleCredentials } from '../adapters/assume-role';
import { errorMessage, errorName } from '../adapters/aws-error';
import { clientConfig } from '../adapters/client-config';
import { partitionOf } from '../core/aws-names';
import { reportUnexpectedAnswers } from '../adapters/unexpected-answer';
import { resolveCallerIdentity } from './account';
import { CliError, EXIT } from './exit-codes';
import {
  accountNotCheckedFinding,
  combineFleet,
  mapBounded,
  notCheckedOutcome,
  type AccountFailure,
  type AccountResult,
  type FleetOutcome,
} from './fleet';
import { roleArnFor, type FleetTarget } from './fleet-options';
import {
  checkedFirstRegion,
  runAccountCheck,
  type AwsRunCheckOptions,
  type CheckRequest,
  type ProgressEvent,
} from './run-check';

/** Accounts checked at the same time: each runs its regions concurrently already (up to 8 for TMC). */
export const FLEET_CONCURRENCY = 4;

/** `check --accounts`: the check request of one account (read-only: never publishes), and the accounts. */
export interface FleetRequest extends Omit<CheckRequest, 'publish' | 'publishAll' | 'onProgress'> {
  readonly target: FleetTarget;
  readonly onProgress?: (event: ProgressEvent) => void;
}

/** The seam `check --accounts` is tested through: the real one talks to AWS, tests may inject a fake. */
export type RunFleetCheck = (request: FleetRequest) => Promise<FleetOutcome>;

export interface AwsRunFleetCheckOptions extends AwsRunCheckOptions {
  /** @default FLEET_CONCURRENCY */
  readonly concurrency?: number;
  /** Injectable clock (findings' observedAt). */
  readonly now?: () => Date;
}

/**
 * The real RunFleetCheck: the caller's identity (GetCallerIdentity: missing or refused credentials are a usage
 * error before any account), then per account, at most `concurrency` at a time: AssumeRole on
 * `arn:<partition>:iam::<id>:role/<roleName>` with the caller's credentials, and the same checks as `check`
 * (runAccountCheck) with every client signed by that role, refreshed before it expires. An account whose role
 * cannot be assumed, or whose run fails, gives one ERROR finding and never stops the others.
 */
export function createAwsRunFleetCheck(options: AwsRunFleetCheckOptions = {}): RunFleetCheck {
  return async (request) => {
    const { target, onProgress } = request;
    const firstRegion = checkedFirstRegion(request);
    const partition = partitionOf(firstRegion);
    if (partition === undefined)
      throw new CliError(EXIT.USAGE, `--region: no AWS partition is known for ${firstRegion}`);
    onProgress?.({ kind: 'account' });
    const caller = await resolveCallerIdentity(firstRegion, options.maxAttempts);
    const now = options.now ?? (() => new Date());
    // One STS client for every account: AssumeRole is signed with the caller's own credentials (default chain).
    const sts = new STSClient(clientConfig(firstRegion, { maxAttempts: options.maxAttempts }));
    reportUnexpectedAnswers(sts);

    const running = new Set<string>();
    let done = 0;
    const report = () =>
      onProgress?.({ kind: 'fleet', done, total: target.accountIds.length, running: [...running] });

    const checkAccount = async (accountId: string): Promise<AccountResult> => {
      const roleArn = roleArnFor(partition, accountId, target.roleName);
      const notChecked = (failure: AccountFailure): AccountResult => ({
        accountId,
        roleArn,
        failure,
        outcome: notCheckedOutcome(
          accountNotCheckedFinding({
            accountId,
            region: firstRegion,
            roleArn,
            caller,
            externalIdGiven: target.externalId !== undefined,
            failure,
            observedAt: now().toISOString(),
            runbookBaseUrl: request.settings.runbookBaseUrl,
          }),
        ),
      });
      const credentials = assumeRoleCredentials(sts, {
        roleArn,
        sessionName: target.sessionName,
        ...(target.externalId === undefined ? {} : { externalId: target.externalId }),
      });
      try {
        // Assumed once up front: a refusal is this account's finding, not a failed call in every region.
        await credentials();
      } catch (error) {
        if (!(error instanceof AssumeRoleError)) throw error;
        return notChecked({ stage: 'assume', errorName: error.stsErrorName, message: error.stsMessage });
      }
      try {
        // Per-region progress of several accounts at once would flicker: the fleet line says what runs.
        const outcome = await runAccountCheck(
          {
            settings: request.settings,
            ...(request.families ? { families: request.families } : {}),
            ...(request.irsaSettings ? { irsaSettings: request.irsaSettings } : {}),
            publish: false,
          },
          options,
          { accountId, credentials },
        );
        return { accountId, roleArn, outcome };
      } catch (error) {
        // A usage error applies to every account alike: stop. Anything else is this account's alone.
        if (error instanceof CliError && error.exitCode === EXIT.USAGE) throw error;
        return notChecked({ stage: 'check', errorName: errorName(error), message: errorMessage(error) });
      }
    };

    try {
      const accounts = await mapBounded(
        target.accountIds,
        options.concurrency ?? FLEET_CONCURRENCY,
        async (id) => {
          running.add(id);
          report();
          try {
            return await checkAccount(id);
          } finally {
            running.delete(id);
            done += 1;
            report();
          }
        },
      );
      return combineFleet(target, caller, accounts);
    } finally {
      sts.destroy();
    }
  };
}
