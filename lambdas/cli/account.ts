import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { errorMessage, errorName } from '../adapters/aws-error';
import { clientConfig } from '../adapters/client-config';
import { reportUnexpectedAnswers } from '../adapters/unexpected-answer';
import { CliError, EXIT } from './exit-codes';

/** Credentials exist but AWS rejects them: the user's configuration to fix (exit 2), not an outage. */
const REJECTED_CREDENTIALS = new Set([
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidAccessKeyId',
  'AuthFailure',
]);

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'TimeoutError',
]);

/** The `code` of a Node network error, possibly wrapped (AggregateError from happy-eyeballs connects). */
function networkCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
  if (error instanceof Error && NETWORK_CODES.has(error.name)) return error.name;
  const nested = (error as { errors?: unknown }).errors;
  if (Array.isArray(nested)) {
    for (const inner of nested) {
      const found = networkCode(inner);
      if (found) return found;
    }
  }
  return networkCode((error as { cause?: unknown }).cause);
}

/** Turns an STS failure into a one-line CliError with the right exit code and a hint. */
export function classifyAccountError(
  error: unknown,
  region: string,
  profile: string | undefined = process.env.AWS_PROFILE,
): CliError {
  const name = errorName(error);
  // The first line only: SDK parse errors put the parser's advice on the lines after it.
  const message =
    (error instanceof Error ? error.message : errorMessage(error)).split('\n')[0]!.trim() || name;
  if (
    name === 'CredentialsProviderError' ||
    /could not load credentials|profile .* could not be found/i.test(message)
  ) {
    const hint = profile
      ? `check that profile '${profile}' exists in ~/.aws/config with credentials, or run \`aws sso login --profile ${profile}\``
      : 'pass --profile or set AWS_PROFILE, or run `aws sso login`';
    return new CliError(EXIT.USAGE, `no usable AWS credentials: ${message} (${hint})`, { cause: error });
  }
  if (REJECTED_CREDENTIALS.has(name)) {
    return new CliError(EXIT.USAGE, `AWS rejected the credentials (${name}): ${message}`, { cause: error });
  }
  const code = networkCode(error);
  if (code) {
    return new CliError(
      EXIT.ERROR,
      `cannot reach AWS STS in ${region} (${code}); check the network, AWS_ENDPOINT_URL and the region`,
      { cause: error },
    );
  }
  return new CliError(EXIT.ERROR, `could not identify the AWS account (${name}): ${message}`, {
    cause: error,
  });
}

/** Who the credentials are: the account and the principal's ARN (an assumed role's session ARN for SSO). */
export interface CallerIdentity {
  readonly account: string;
  readonly arn: string;
}

/** The caller's identity from STS GetCallerIdentity (needs no IAM permission). */
export async function resolveCallerIdentity(region: string, maxAttempts?: number): Promise<CallerIdentity> {
  const sts = new STSClient(clientConfig(region, maxAttempts === undefined ? {} : { maxAttempts }));
  reportUnexpectedAnswers(sts);
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    if (!identity.Account) throw new Error('GetCallerIdentity returned no account id');
    return { account: identity.Account, arn: identity.Arn ?? '' };
  } catch (error) {
    throw classifyAccountError(error, region);
  } finally {
    sts.destroy();
  }
}

/** The account the credentials belong to, from STS GetCallerIdentity (needs no IAM permission). */
export async function resolveAccountId(region: string, maxAttempts?: number): Promise<string> {
  return (await resolveCallerIdentity(region, maxAttempts)).account;
}
