/**
 * OIDC provider identities. CloudTrail logs `userIdentity.identityProvider` either as the issuer (host and
 * path, sometimes with its `https://` scheme) or as the IAM OIDC provider ARN; trust policies name the ARN in
 * `Federated` and the issuer in condition keys (`<issuer>:sub`). Everything is compared in one normal form.
 */

export interface ProviderRef {
  /** Issuer host and path without scheme or trailing slash, e.g. `oidc.eks.us-west-2.amazonaws.com/id/ABC`. */
  readonly issuer: string;
  /** `arn:<partition>:iam::<account>:oidc-provider/<issuer>`. */
  readonly arn: string;
}

export interface ParsedArn {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly account: string;
  readonly resource: string;
}

export function parseArn(arn: string): ParsedArn | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  const [, partition = '', service = '', region = '', account = ''] = parts;
  return { partition, service, region, account, resource: parts.slice(5).join(':') };
}

const PROVIDER_PREFIX = 'oidc-provider/';

/** Strips the scheme and trailing slashes; the host is case-insensitive, the path (the cluster id) is not. */
export function normaliseIssuer(issuerOrUrl: string): string {
  const withoutScheme = issuerOrUrl.trim().replace(/^https?:\/\//i, '');
  const slash = withoutScheme.indexOf('/');
  const host = slash === -1 ? withoutScheme : withoutScheme.slice(0, slash);
  const path = slash === -1 ? '' : withoutScheme.slice(slash);
  return `${host.toLowerCase()}${path}`.replace(/\/+$/, '');
}

/** The issuer an OIDC provider ARN names, or undefined when it is not one. */
export function issuerOfProviderArn(arn: string): string | undefined {
  const parsed = parseArn(arn);
  if (!parsed || parsed.service !== 'iam' || !parsed.resource.startsWith(PROVIDER_PREFIX)) return undefined;
  const issuer = normaliseIssuer(parsed.resource.slice(PROVIDER_PREFIX.length));
  return issuer === '' ? undefined : issuer;
}

export function providerArnFor(issuer: string, partition: string, account: string): string {
  return `arn:${partition}:iam::${account}:${PROVIDER_PREFIX}${normaliseIssuer(issuer)}`;
}

/**
 * The provider a denied call came from. An ARN is kept (normalised); an issuer gets the partition and account
 * of the role it tried to assume, because IRSA requires the provider to be registered in the role's account.
 */
export function normaliseProvider(
  identityProvider: string | undefined,
  roleArn: string,
): ProviderRef | undefined {
  const raw = identityProvider?.trim();
  if (!raw) return undefined;
  if (raw.startsWith('arn:')) {
    const issuer = issuerOfProviderArn(raw);
    const parsed = parseArn(raw);
    return issuer && parsed
      ? { issuer, arn: providerArnFor(issuer, parsed.partition, parsed.account) }
      : undefined;
  }
  const issuer = normaliseIssuer(raw);
  const role = parseArn(roleArn);
  if (issuer === '' || !role) return undefined;
  return { issuer, arn: providerArnFor(issuer, role.partition, role.account) };
}

/** The role's name: the last segment of its resource (roles may have a path: `role/team/app`). */
export function roleNameOf(roleArn: string): string {
  const resource = parseArn(roleArn)?.resource ?? roleArn;
  return resource.split('/').pop() || roleArn;
}

/** `system:serviceaccount:<namespace>:<name>` split; undefined for any other subject shape. */
export function serviceAccountOf(
  subject: string | undefined,
): { namespace: string; name: string } | undefined {
  const match = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(subject ?? '');
  return match ? { namespace: match[1] as string, name: match[2] as string } : undefined;
}
