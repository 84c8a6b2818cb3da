/**
 * The two findings of one Pod Identity association: its role (`pod-identity.role-invalid`) and its target role
 * (`pod-identity.target-role-invalid`). Both are keyed by the association's ARN, so changing the role an
 * association names keeps the finding; their resource is the role to fix.
 */
import { describeFailure } from '../credential-view';
import type { Evidence, Finding, FindingResource, Status } from '../finding';
import { buildFinding } from '../finding-factory';
import type { ApiFailure, Observed } from '../inventory';
import { roleNameOf } from '../irsa/provider';
import type { RoleTrust } from '../irsa/types';
import type { PodIdentityCheckId } from './check-ids';
import type { EvaluationContext } from './evaluation-context';
import {
  accountOfArn,
  associationRoleHop,
  targetRoleHop,
  type AssociationRequest,
  type HopContext,
} from './request-context';
import { POD_IDENTITY_TRUST_POLICY } from './documented-trust';
import { evaluateHopTrust, type TrustVerdict } from './trust';
import type { AssociationDetails, PodIdentityAssociation, PodIdentityCluster } from './types';

/** Trust policies are at most 2,048 characters by default (4,096 with a raised quota); longer is cut. */
const MAX_POLICY_CHARS = 4_096;

interface Result {
  readonly status: Status;
  readonly title: string;
  readonly message: string;
  readonly resource: FindingResource;
  readonly evidence?: Evidence;
  readonly severity?: Finding['severity'];
}

function associationName(cluster: PodIdentityCluster, association: PodIdentityAssociation): string {
  return `${cluster.name}/${association.namespace}/${association.serviceAccount}`;
}

function associationResource(
  cluster: PodIdentityCluster,
  association: PodIdentityAssociation,
): FindingResource {
  return {
    type: 'AWS::EKS::PodIdentityAssociation',
    arn: association.associationArn,
    name: associationName(cluster, association),
  };
}

function roleResource(roleArn: string, exists = true): FindingResource {
  return { type: 'AWS::IAM::Role', ...(exists ? { arn: roleArn } : {}), name: roleNameOf(roleArn) };
}

function baseEvidence(cluster: PodIdentityCluster, association: PodIdentityAssociation): Evidence {
  const details = association.details.ok ? association.details.value : undefined;
  return {
    clusterName: cluster.name,
    clusterArn: cluster.arn,
    namespace: association.namespace,
    serviceAccount: association.serviceAccount,
    associationId: association.associationId,
    associationArn: association.associationArn,
    ownerArn: association.ownerArn ?? null,
    roleArn: details?.roleArn ?? null,
    targetRoleArn: details?.targetRoleArn ?? null,
    disableSessionTags: details?.disableSessionTags ?? null,
  };
}

function finding(
  checkId: PodIdentityCheckId,
  cluster: PodIdentityCluster,
  association: PodIdentityAssociation,
  context: EvaluationContext,
  result: Result,
): Finding {
  return buildFinding(context.scope, {
    checkId,
    status: result.status,
    ...(result.severity ? { severity: result.severity } : {}),
    title: result.title,
    message: result.message,
    resource: result.resource,
    resourceKey: association.associationArn,
    evidence: { ...baseEvidence(cluster, association), ...result.evidence },
  });
}

function where(cluster: PodIdentityCluster, association: PodIdentityAssociation, region: string): string {
  return `the Pod Identity association of ${association.namespace}/${association.serviceAccount} on cluster ${cluster.name} (${region})`;
}

/** The association could not be described: its roles are unknown. */
function undescribed(
  checkId: PodIdentityCheckId,
  cluster: PodIdentityCluster,
  association: PodIdentityAssociation,
  context: EvaluationContext,
  failure: ApiFailure,
): Finding {
  const error = describeFailure(failure);
  return finding(checkId, cluster, association, context, {
    status: 'ERROR',
    title: `${associationName(cluster, association)}: association could not be read`,
    message: `Could not describe ${where(cluster, association, context.scope.region)}: ${error}. Its roles are unknown, so not reported as healthy.`,
    resource: associationResource(cluster, association),
    evidence: { error },
  });
}

function requestOf(
  cluster: PodIdentityCluster,
  association: PodIdentityAssociation,
  details: AssociationDetails,
  roleArn: string,
  context: EvaluationContext,
): AssociationRequest {
  return {
    accountId: context.snapshot.accountId,
    clusterName: cluster.name,
    clusterArn: cluster.arn,
    namespace: association.namespace,
    serviceAccount: association.serviceAccount,
    disableSessionTags: details.disableSessionTags,
    roleArn,
    ...(details.externalId === undefined ? {} : { externalId: details.externalId }),
  };
}

/** The role as this region read it: the region's own failure first (the deadline can cut it here only). */
function readRole(roleArn: string, context: EvaluationContext): Observed<RoleTrust> | { missingRead: true } {
  const failure = context.region.failures.find(
    (item) => item.service === 'iam' && item.operation === 'GetRole' && item.resourceArn === roleArn,
  );
  if (failure !== undefined) return { ok: false, failure };
  return context.snapshot.roles[roleArn] ?? { missingRead: true };
}

function trustEvidence(verdict: TrustVerdict | undefined, policyText: string | null): Evidence {
  return {
    cause: verdict === undefined ? 'not-trusted' : (verdict.cause ?? null),
    trustPolicy: policyText,
    allowingStatements: [...(verdict?.allowing ?? [])],
    denyingStatements: [...(verdict?.denying ?? [])],
    conditionMismatches: [...(verdict?.mismatches ?? [])],
    unevaluatedConditions: [...(verdict?.unevaluated ?? [])],
  };
}

const WHY: Readonly<Record<NonNullable<TrustVerdict['cause']>, (caller: string) => string>> = {
  'not-trusted': (caller) => `no Allow statement lets ${caller} call sts:AssumeRole`,
  'tag-session-not-allowed': (caller) =>
    `${caller} may call sts:AssumeRole but no Allow statement lets it call sts:TagSession, which EKS Pod Identity always needs`,
  'explicit-deny': (caller) => `a Deny statement applies to ${caller}`,
  'condition-mismatch': () => "the statements' conditions exclude this association",
};

interface HopCheck {
  readonly checkId: PodIdentityCheckId;
  readonly roleArn: string;
  /** `pods.eks.amazonaws.com`, or the association's role. */
  readonly caller: string;
  /** How the role is named in messages: `the role`, `the target role`. */
  readonly label: string;
  readonly hop: HopContext;
  readonly expectedTrustPolicy?: string;
  /** What a broken hop means for the pods. */
  readonly consequence: string;
  /** Evidence every finding of the hop carries. */
  readonly evidence?: Evidence;
}

/** One role of the chain: read, exists, trusts its caller. */
function hopFinding(
  check: HopCheck,
  cluster: PodIdentityCluster,
  association: PodIdentityAssociation,
  context: EvaluationContext,
): Finding {
  const emit = (result: Result) =>
    finding(check.checkId, cluster, association, context, {
      ...result,
      evidence: { ...check.evidence, ...result.evidence },
    });
  const name = where(cluster, association, context.scope.region);
  const roleName = roleNameOf(check.roleArn);
  const subject = associationName(cluster, association);
  const read = readRole(check.roleArn, context);
  if ('missingRead' in read || !read.ok) {
    const error = 'missingRead' in read ? 'the role was not read' : describeFailure(read.failure);
    return emit({
      status: 'ERROR',
      title: `${subject}: ${check.label} ${roleName} could not be read`,
      message: `Could not read ${check.label} ${check.roleArn} of ${name}: ${error}. Not reported as healthy.`,
      resource: roleResource(check.roleArn),
      evidence: { error },
    });
  }
  const expected: Evidence =
    check.expectedTrustPolicy === undefined ? {} : { expectedTrustPolicy: check.expectedTrustPolicy };
  if (!read.value.exists) {
    return emit({
      status: 'FAIL',
      title: `${subject}: ${check.label} ${roleName} does not exist`,
      message: `${capitalized(check.label)} ${check.roleArn} of ${name} does not exist (iam:GetRole: NoSuchEntity): ${check.consequence}.`,
      resource: roleResource(check.roleArn, false),
      evidence: {
        cause: check.checkId === 'pod-identity.role-invalid' ? 'role-missing' : 'target-missing',
        ...expected,
      },
    });
  }
  const policy = read.value.trustPolicy;
  const policyText = policy === undefined ? null : JSON.stringify(policy).slice(0, MAX_POLICY_CHARS);
  const verdict = policy === undefined ? undefined : evaluateHopTrust(policy, check.hop);
  const evidence = trustEvidence(verdict, policyText);
  if (verdict?.trusted) {
    return emit({
      status: 'PASS',
      title: `${subject}: ${check.label} ${roleName} trusts ${check.caller}`,
      message: `${capitalized(check.label)} ${check.roleArn} of ${name} exists and lets ${check.caller} call sts:AssumeRole and sts:TagSession for this association.`,
      resource: roleResource(check.roleArn),
      evidence,
    });
  }
  if (verdict?.undetermined) {
    return emit({
      status: 'ERROR',
      title: `${subject}: whether ${check.label} ${roleName} trusts ${check.caller} cannot be told`,
      message: `The trust policy of ${check.label} ${check.roleArn} of ${name} rests on conditions the checker cannot evaluate before a pod asks (${verdict.unevaluated.join(', ')}). Not reported as healthy: confirm them by hand.`,
      resource: roleResource(check.roleArn),
      evidence: { ...evidence, cause: 'conditions-not-evaluated' },
    });
  }
  const why = WHY[verdict?.cause ?? 'not-trusted'](check.caller);
  const detail = verdict?.mismatches.length ? ` (${verdict.mismatches[0]})` : '';
  return emit({
    status: 'FAIL',
    title: `${subject}: ${check.label} ${roleName} does not trust ${check.caller}`,
    message: `The trust policy of ${check.label} ${check.roleArn} of ${name} is wrong: ${why}${detail}. ${capitalized(check.consequence)}.`,
    resource: roleResource(check.roleArn),
    evidence: { ...evidence, ...expected },
  });
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A role the association names in another account: GetRole by name would read this account's role. */
function otherAccount(
  checkId: PodIdentityCheckId,
  cluster: PodIdentityCluster,
  association: PodIdentityAssociation,
  context: EvaluationContext,
  roleArn: string,
  label: string,
): Finding {
  const account = accountOfArn(roleArn);
  return finding(checkId, cluster, association, context, {
    status: 'ERROR',
    title: `${associationName(cluster, association)}: ${label} ${roleNameOf(roleArn)} in account ${account} not verified`,
    message: `${capitalized(label)} ${roleArn} of ${where(cluster, association, context.scope.region)} is in account ${account}, whose roles the checker cannot read from account ${context.snapshot.accountId}: whether it exists and trusts the association is not verified, so not reported as healthy.`,
    resource: roleResource(roleArn),
    evidence: { cause: 'other-account', roleAccountId: account },
  });
}

export function roleFinding(
  cluster: PodIdentityCluster,
  association: PodIdentityAssociation,
  context: EvaluationContext,
): Finding {
  const check = 'pod-identity.role-invalid' as const;
  if (!association.details.ok)
    return undescribed(check, cluster, association, context, association.details.failure);
  const details = association.details.value;
  const roleArn = details.roleArn;
  if (roleArn === undefined) {
    return finding(check, cluster, association, context, {
      status: 'ERROR',
      title: `${associationName(cluster, association)}: role unknown`,
      message: `DescribePodIdentityAssociation returned no readable roleArn for ${where(cluster, association, context.scope.region)}, so its role cannot be checked. Not reported as healthy.`,
      resource: associationResource(cluster, association),
      evidence: { reason: 'roleArn missing' },
    });
  }
  if (accountOfArn(roleArn) !== context.snapshot.accountId) {
    return otherAccount(check, cluster, association, context, roleArn, 'the role');
  }
  return hopFinding(
    {
      checkId: check,
      roleArn,
      caller: 'pods.eks.amazonaws.com',
      label: 'the role',
      hop: associationRoleHop(requestOf(cluster, association, details, roleArn, context)),
      expectedTrustPolicy: JSON.stringify(POD_IDENTITY_TRUST_POLICY),
      consequence: 'EKS Pod Identity cannot give the pods of this service account credentials',
    },
    cluster,
    association,
    context,
  );
}

export function targetRoleFinding(
  cluster: PodIdentityCluster,
  association: PodIdentityAssociation,
  context: EvaluationContext,
): Finding {
  const check = 'pod-identity.target-role-invalid' as const;
  if (!association.details.ok)
    return undescribed(check, cluster, association, context, association.details.failure);
  const details = association.details.value;
  const target = details.targetRoleArn;
  const subject = associationName(cluster, association);
  const name = where(cluster, association, context.scope.region);
  if (details.targetRoleUnreadable) {
    return finding(check, cluster, association, context, {
      status: 'ERROR',
      title: `${subject}: target role unreadable`,
      message: `DescribePodIdentityAssociation named a target role for ${name} that is not a role ARN, so it cannot be checked. Not reported as healthy.`,
      resource: associationResource(cluster, association),
      evidence: { reason: 'targetRoleArn malformed' },
    });
  }
  if (target === undefined) {
    return finding(check, cluster, association, context, {
      status: 'PASS',
      title: `${subject}: no target role`,
      message: `${capitalized(name)} has no target role: there is no second role to assume.`,
      resource: associationResource(cluster, association),
    });
  }
  const evidence = { externalId: details.externalId ?? null };
  if (details.roleArn === undefined) {
    return finding(check, cluster, association, context, {
      status: 'ERROR',
      title: `${subject}: target role ${roleNameOf(target)} not checked, the association's role is unknown`,
      message: `DescribePodIdentityAssociation returned no roleArn for ${name}, so whether its target role ${target} trusts it cannot be checked. Not reported as healthy.`,
      resource: roleResource(target),
      evidence: { ...evidence, reason: 'roleArn missing' },
    });
  }
  if (accountOfArn(target) !== context.snapshot.accountId) {
    return otherAccount(check, cluster, association, context, target, 'the target role');
  }
  return hopFinding(
    {
      checkId: check,
      roleArn: target,
      caller: `the association's role ${details.roleArn}`,
      label: 'the target role',
      hop: targetRoleHop(requestOf(cluster, association, details, details.roleArn, context)),
      consequence: 'the pods of this service account get no credentials for the target role',
      evidence,
    },
    cluster,
    association,
    context,
  );
}
