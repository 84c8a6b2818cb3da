import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { errorMessage, errorName } from './aws-error';
import { type ClientOptions } from './client-config';
import { createRegionClients, type RegionClients } from './clients';

/**
 * Reading another account through a role it lends: STS AssumeRole with the caller's own credentials (the SDK's
 * default chain: profile, SSO, environment), then the checker's usual clients signed with the role's temporary
 * credentials. Used by `tmc-health check --accounts` (lambdas/cli/run-fleet.ts).
 */

/** The role session's lifetime: one hour, the most every role allows without raising its MaxSessionDuration. */
export const DEFAULT_SESSION_SECONDS = 3_600;

/**
 * Credentials are fetched again this long before they expire. Longer than the SDK clients' own 5-minute refresh
 * window: a client that asks for new credentials 5 minutes before expiry gets new ones, not the same again.
 */
export const REFRESH_BEFORE_EXPIRY_MS = 10 * 60_000;

export interface AssumeRoleTarget {
  /** `arn:<partition>:iam::<account>:role/<name>`. */
  readonly roleArn: string;
  readonly sessionName: string;
  /** Sent as `ExternalId` when the role's trust policy requires one (`sts:ExternalId` condition). */
  readonly externalId?: string;
  /** @default DEFAULT_SESSION_SECONDS */
  readonly durationSeconds?: number;
}

/** AssumeRole failed: names the role and carries STS's own error name and message. */
export class AssumeRoleError extends Error {
  /** STS's error name, e.g. `AccessDenied`, `RegionDisabledException`, `ExpiredTokenException`. */
  readonly stsErrorName: string;
  /** STS's message, on one line. */
  readonly stsMessage: string;

  constructor(
    readonly roleArn: string,
    error: unknown,
  ) {
    const name = errorName(error);
    const message = errorMessage(error);
    super(`sts:AssumeRole on ${roleArn} failed (${name}: ${message})`, { cause: error });
    this.name = 'AssumeRoleError';
    this.stsErrorName = name;
    this.stsMessage = message;
  }
}

export interface AssumeRoleProviderOptions {
  /** Injectable clock for tests. */
  readonly now?: () => Date;
  /** @default REFRESH_BEFORE_EXPIRY_MS */
  readonly refreshBeforeExpiryMs?: number;
}

/**
 * A credentials provider for the SDK clients (their `credentials` option) that assumes `target.roleArn` through
 * `sts` on first use and again when the credentials are within `refreshBeforeExpiryMs` of their `expiration`.
 * One provider serves every client of an account, so concurrent first calls share one AssumeRole request. A
 * failure is thrown as an AssumeRoleError and not remembered: the next call tries again.
 */
export function assumeRoleCredentials(
  sts: STSClient,
  target: AssumeRoleTarget,
  options: AssumeRoleProviderOptions = {},
): AwsCredentialIdentityProvider {
  const now = options.now ?? (() => new Date());
  const refreshBefore = options.refreshBeforeExpiryMs ?? REFRESH_BEFORE_EXPIRY_MS;
  let current: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;

  const usable = (credentials: AwsCredentialIdentity): boolean =>
    credentials.expiration === undefined ||
    credentials.expiration.getTime() - now().getTime() > refreshBefore;

  const fetch = async (): Promise<AwsCredentialIdentity> => {
    let answer;
    try {
      answer = await sts.send(
        new AssumeRoleCommand({
          RoleArn: target.roleArn,
          RoleSessionName: target.sessionName,
          DurationSeconds: target.durationSeconds ?? DEFAULT_SESSION_SECONDS,
          ...(target.externalId === undefined ? {} : { ExternalId: target.externalId }),
        }),
      );
    } catch (error) {
      throw new AssumeRoleError(target.roleArn, error);
    }
    const credentials = answer.Credentials;
    if (!credentials?.AccessKeyId || !credentials.SecretAccessKey || !credentials.SessionToken) {
      throw new AssumeRoleError(
        target.roleArn,
        Object.assign(new Error('the AssumeRole answer carried no complete credentials'), {
          name: 'MalformedResponse',
        }),
      );
    }
    return {
      accessKeyId: credentials.AccessKeyId,
      secretAccessKey: credentials.SecretAccessKey,
      sessionToken: credentials.SessionToken,
      ...(credentials.Expiration ? { expiration: credentials.Expiration } : {}),
    };
  };

  return () => {
    if (current !== undefined && usable(current)) return Promise.resolve(current);
    pending ??= fetch()
      .then((credentials) => {
        current = credentials;
        return credentials;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}

/**
 * The checker's region clients (createRegionClients) signed with `credentials` instead of the default chain. The
 * IRSA check's are createAssumedIrsaClients (./irsa/clients.ts), apart so the CLI loads them only for IRSA.
 */
export function createAssumedRegionClients(
  region: string,
  credentials: AwsCredentialIdentityProvider,
  options: ClientOptions = {},
): RegionClients {
  return createRegionClients(region, { ...options, credentials });
}
