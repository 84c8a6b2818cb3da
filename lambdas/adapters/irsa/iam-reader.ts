import {
  GetOpenIDConnectProviderCommand,
  GetRoleCommand,
  ListOpenIDConnectProvidersCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import type { ApiFailure, Observed } from '../../core/inventory';
import type { OidcProvider, PolicyDocument, RoleTrust } from '../../core/irsa/types';
import { toApiFailure } from '../aws-error';
import { NO_DEADLINE, type RunDeadline } from '../deadline';
import { mapWithConcurrency } from '../gather-concurrency';
import { MalformedResponseError, requiredList } from '../pagination';

/** IAM is global; failures are reported under this pseudo-region like the console does. */
export const IAM_REGION = 'global';
/** IAM's read quotas are account-wide and shared with everything else in the account: stay gentle. */
const PROVIDER_CONCURRENCY = 4;

export class MalformedTrustPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedTrustPolicy';
  }
}

/**
 * IAM reads for one run, cached: each role is read once however many denial groups name it, and the OIDC
 * providers are listed once. Create one per run so a warm container never serves a stale trust policy.
 */
export class IamReader {
  private readonly roles = new Map<string, Promise<Observed<RoleTrust>>>();
  private providers: Promise<Observed<readonly OidcProvider[]>> | undefined;
  private readonly failureList: ApiFailure[] = [];
  private readonly succeeded = new Set<string>();

  constructor(
    private readonly client: IAMClient,
    private readonly accountId: string,
    /** Roles and providers asked for after it are not read: DeadlineExceeded failures instead. */
    private readonly deadline: RunDeadline = NO_DEADLINE,
  ) {}

  get failures(): readonly ApiFailure[] {
    return this.failureList;
  }

  get succeededOperations(): readonly string[] {
    return [...this.succeeded].sort();
  }

  role(roleArn: string): Promise<Observed<RoleTrust>> {
    let cached = this.roles.get(roleArn);
    if (cached === undefined) {
      cached = this.readRole(roleArn);
      this.roles.set(roleArn, cached);
    }
    return cached;
  }

  /** Whether `oidcProviders()` was asked for (its answer, or failure, is cached). */
  get providersListed(): boolean {
    return this.providers !== undefined;
  }

  oidcProviders(): Promise<Observed<readonly OidcProvider[]>> {
    this.providers ??= this.readProviders();
    return this.providers;
  }

  private async readRole(roleArn: string): Promise<Observed<RoleTrust>> {
    const name = roleNameInAccount(roleArn, this.accountId);
    if (typeof name !== 'string') return this.fail(name, 'GetRole', roleArn);
    let document: string | undefined;
    try {
      this.deadline.check(`iam:GetRole of ${roleArn}`);
      const output = await this.client.send(new GetRoleCommand({ RoleName: name }));
      this.succeeded.add('iam:GetRole');
      document = output.Role?.AssumeRolePolicyDocument;
    } catch (error) {
      if (error instanceof Error && error.name === 'NoSuchEntityException') {
        this.succeeded.add('iam:GetRole');
        return { ok: true, value: { roleArn, exists: false } };
      }
      return this.fail(error, 'GetRole', roleArn);
    }
    try {
      return { ok: true, value: { roleArn, exists: true, trustPolicy: decodeTrustPolicy(document) } };
    } catch (error) {
      return this.fail(error, 'GetRole', roleArn);
    }
  }

  private async readProviders(): Promise<Observed<readonly OidcProvider[]>> {
    try {
      this.deadline.check('iam:ListOpenIDConnectProviders');
      const listed = await this.client.send(new ListOpenIDConnectProvidersCommand({}));
      this.succeeded.add('iam:ListOpenIDConnectProviders');
      // Without the list, "no provider registered" would be a false diagnosis (oidc-provider-missing).
      const arns = requiredList(
        'ListOpenIDConnectProviders',
        'OpenIDConnectProviderList',
        listed.OpenIDConnectProviderList,
      ).flatMap((entry) => (entry.Arn ? [entry.Arn] : []));
      const providers = await mapWithConcurrency(arns, PROVIDER_CONCURRENCY, async (arn) => {
        try {
          const output = await this.client.send(
            new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }),
          );
          // IAM always lists the client ids (an empty element when there are none); without them every
          // audience would look unregistered (a false aud-mismatch).
          if (output.ClientIDList === undefined) {
            throw new MalformedResponseError('GetOpenIDConnectProvider', `no ClientIDList for ${arn}`);
          }
          return {
            arn,
            url: stripScheme(output.Url ?? issuerFromArn(arn)),
            clientIds: output.ClientIDList,
          };
        } catch (error) {
          throw new ProviderReadError(arn, error);
        }
      });
      this.succeeded.add('iam:GetOpenIDConnectProvider');
      return { ok: true, value: providers };
    } catch (error) {
      // One unreadable provider fails the whole list: "not registered" would otherwise be a false diagnosis.
      if (error instanceof ProviderReadError)
        return this.fail(error.cause, 'GetOpenIDConnectProvider', error.arn);
      return this.fail(error, 'ListOpenIDConnectProviders');
    }
  }

  private fail(error: unknown, operation: string, resourceArn?: string): { ok: false; failure: ApiFailure } {
    const failure = toApiFailure(error, {
      service: 'iam',
      operation,
      region: IAM_REGION,
      ...(resourceArn === undefined ? {} : { resourceArn }),
    });
    this.failureList.push(failure);
    return { ok: false, failure };
  }
}

class ProviderReadError extends Error {
  constructor(
    readonly arn: string,
    override readonly cause: unknown,
  ) {
    super(`GetOpenIDConnectProvider ${arn} failed`);
  }
}

/**
 * The role name GetRole needs, or why there is none. A role of another account cannot be read with our
 * credentials, and GetRole by name would silently return our own role of the same name.
 */
export function roleNameInAccount(roleArn: string, accountId: string): string | Error {
  const match = /^arn:aws[\w-]*:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(roleArn);
  if (match === null) return named('InvalidRoleArn', `not an IAM role ARN: ${roleArn}`);
  if (match[1] !== accountId) {
    return named('OtherAccountRole', `role ${roleArn} belongs to account ${match[1]}, not ${accountId}`);
  }
  return match[2] as string;
}

function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/**
 * GetRole returns the trust policy URL-encoded (RFC 3986). Some emulators return it plain; a plain JSON document
 * with a literal `%` would not decode, so that case is parsed as is.
 */
export function decodeTrustPolicy(document: string | undefined): PolicyDocument {
  if (document === undefined || document === '') {
    throw new MalformedTrustPolicyError('GetRole returned no AssumeRolePolicyDocument');
  }
  let text: string;
  try {
    text = decodeURIComponent(document);
  } catch {
    text = document;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new MalformedTrustPolicyError(`trust policy is not JSON: ${(error as Error).message}`);
  }
  if (!isPolicyDocument(parsed)) {
    throw new MalformedTrustPolicyError('trust policy has no Statement object or array');
  }
  return parsed;
}

function isPolicyDocument(value: unknown): value is PolicyDocument {
  if (typeof value !== 'object' || value === null || !('Statement' in value)) return false;
  const statements: unknown[] = Array.isArray(value.Statement) ? value.Statement : [value.Statement];
  return statements.every(
    (statement) =>
      typeof statement === 'object' &&
      statement !== null &&
      'Effect' in statement &&
      (statement.Effect === 'Allow' || statement.Effect === 'Deny'),
  );
}

function stripScheme(url: string): string {
  return url.replace(/^https?:\/\//, '');
}

/** `arn:aws:iam::<account>:oidc-provider/<issuer>` -> `<issuer>`, when GetOpenIDConnectProvider omits Url. */
function issuerFromArn(arn: string): string {
  const index = arn.indexOf(':oidc-provider/');
  return index === -1 ? '' : arn.slice(index + ':oidc-provider/'.length);
}
