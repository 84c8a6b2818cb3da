/**
 * What EKS Pod Identity sends when it assumes a role for an association, as far as the checker can know it before a
 * pod asks: who the caller is and the condition keys of the request. Everything here comes from the association
 * and the cluster (checker-read data); keys the checker cannot know are reported as unknown (trust.ts).
 *
 * - The association's role: EKS (`pods.eks.amazonaws.com`) calls sts:AssumeRole and sts:TagSession with
 *   `aws:SourceAccount` (the cluster's account) and `aws:SourceArn` (the cluster's ARN), and, unless the association
 *   disables them, six session tags: `eks-cluster-arn`, `eks-cluster-name`, `kubernetes-namespace`,
 *   `kubernetes-service-account`, `kubernetes-pod-name` and `kubernetes-pod-uid` (`aws:RequestTag/<key>`,
 *   `aws:TagKeys`). The last two are a pod's own: unknown here.
 * - The target role (role chaining): a session of the association's role calls sts:AssumeRole and sts:TagSession,
 *   with `sts:ExternalId` = the association's `externalId`; `aws:PrincipalArn` is the association's role, and the
 *   first session's tags are its `aws:PrincipalTag/<key>`.
 */
import type { RequestContext } from '../irsa/condition-evaluator';
import { POD_IDENTITY_SERVICE_PRINCIPAL } from './documented-trust';

export const SESSION_TAG_KEYS = [
  'eks-cluster-arn',
  'eks-cluster-name',
  'kubernetes-namespace',
  'kubernetes-service-account',
  'kubernetes-pod-name',
  'kubernetes-pod-uid',
] as const;
/** Their values are a pod's: no association tells them. */
const PER_POD_TAG_KEYS: readonly string[] = ['kubernetes-pod-name', 'kubernetes-pod-uid'];

/** One hop of the chain: the caller, the request's known condition keys, and which keys the checker knows. */
export interface HopContext {
  /** Whether a statement's Principal (or NotPrincipal) element names the caller. */
  readonly principalNamed: (principal: unknown) => boolean;
  readonly context: RequestContext;
  /** Whether the key's value (or its absence) is known: any other key cannot be evaluated. */
  readonly isKnownKey: (key: string) => boolean;
}

export interface AssociationRequest {
  readonly accountId: string;
  readonly clusterName: string;
  readonly clusterArn: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly disableSessionTags: boolean;
  readonly roleArn: string;
  readonly externalId?: string;
}

function asList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function principalTypes(principal: unknown): Record<string, unknown> | undefined {
  return typeof principal === 'object' && principal !== null
    ? (principal as Record<string, unknown>)
    : undefined;
}

/** `"*"`, `{"AWS": "*"}`, or the service principal among `Service`. */
function servicePrincipalNamed(principal: unknown): boolean {
  if (principal === '*') return true;
  const byType = principalTypes(principal);
  if (byType === undefined) return false;
  if (asList(byType.AWS).includes('*')) return true;
  return asList(byType.Service).some((name) => name.toLowerCase() === POD_IDENTITY_SERVICE_PRINCIPAL);
}

/**
 * The association's role as an AWS principal: its ARN, its account (`arn:...:root` or the bare id: the account
 * delegates to its own IAM policies), or everyone. A role that was deleted and recreated is shown in older trust
 * policies by its old unique id (`AROA...`): that names no current role, so it does not match.
 */
function roleSessionNamed(roleArn: string): (principal: unknown) => boolean {
  const account = accountOfArn(roleArn);
  const partition = roleArn.split(':')[1] ?? 'aws';
  const names = new Set([roleArn, `arn:${partition}:iam::${account}:root`, account]);
  return (principal) => {
    if (principal === '*') return true;
    const byType = principalTypes(principal);
    return byType !== undefined && asList(byType.AWS).some((name) => name === '*' || names.has(name));
  };
}

export function accountOfArn(arn: string): string {
  return arn.split(':')[4] ?? '';
}

function sessionTags(request: AssociationRequest): Record<string, string> {
  return {
    'eks-cluster-arn': request.clusterArn,
    'eks-cluster-name': request.clusterName,
    'kubernetes-namespace': request.namespace,
    'kubernetes-service-account': request.serviceAccount,
  };
}

function prefixed(prefix: string, tags: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).map(([key, value]) => [`${prefix}${key}`, value]));
}

/** The tag keys under `prefix` whose value (or absence) is known: all of them when EKS sends none. */
function knownTagKeys(prefix: string, disabled: boolean): string[] {
  return SESSION_TAG_KEYS.filter((key) => disabled || !PER_POD_TAG_KEYS.includes(key)).map((key) =>
    `${prefix}${key}`.toLowerCase(),
  );
}

function knownKeys(keys: readonly string[]): (key: string) => boolean {
  const known = new Set(keys.map((key) => key.toLowerCase()));
  return (key) => known.has(key.toLowerCase());
}

/** EKS assuming the association's role. */
export function associationRoleHop(request: AssociationRequest): HopContext {
  const tags = request.disableSessionTags ? {} : sessionTags(request);
  return {
    principalNamed: servicePrincipalNamed,
    context: {
      'aws:SourceAccount': request.accountId,
      'aws:SourceArn': request.clusterArn,
      ...prefixed('aws:RequestTag/', tags),
      ...(request.disableSessionTags ? {} : { 'aws:TagKeys': [...SESSION_TAG_KEYS] }),
    },
    isKnownKey: knownKeys([
      'aws:SourceAccount',
      'aws:SourceArn',
      'aws:TagKeys',
      ...knownTagKeys('aws:RequestTag/', request.disableSessionTags),
    ]),
  };
}

/** A session of the association's role assuming the target role. */
export function targetRoleHop(request: AssociationRequest): HopContext {
  const tags = request.disableSessionTags ? {} : sessionTags(request);
  return {
    principalNamed: roleSessionNamed(request.roleArn),
    context: {
      ...(request.externalId === undefined ? {} : { 'sts:ExternalId': request.externalId }),
      'aws:PrincipalArn': request.roleArn,
      'aws:PrincipalAccount': accountOfArn(request.roleArn),
      ...prefixed('aws:PrincipalTag/', tags),
    },
    isKnownKey: knownKeys([
      'sts:ExternalId',
      'aws:PrincipalArn',
      'aws:PrincipalAccount',
      ...knownTagKeys('aws:PrincipalTag/', request.disableSessionTags),
    ]),
  };
}
