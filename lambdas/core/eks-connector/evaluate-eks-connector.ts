/**
 * The EKS Connector checks: clusters registered with EKS through the EKS Connector, as TMC-attached
 * clusters often are. Pure: the snapshot (lambdas/adapters/gather-eks-connector.ts) and the settings come in,
 * findings go out. Four findings per registered cluster and region, each about one way the registration can be
 * stuck (docs/checks.md):
 *
 * - `eks.connector.pending`: PENDING for longer than the grace period since registration, activation still valid.
 *   Registering and starting the agent takes minutes, so a PENDING cluster younger than the grace is PASS with
 *   `evidence.withinGracePeriod: true`; one whose activation expired is reported by the next check instead.
 * - `eks.connector.activation-expired`: still PENDING with `connectorConfig.activationExpiry` in the past: only
 *   deregistering and registering again helps.
 * - `eks.connector.failed`: status FAILED.
 * - `eks.connector.role-invalid`: the connector role (`connectorConfig.roleArn`) is missing or does not let
 *   `ssm.amazonaws.com` call `sts:AssumeRole`. Its resource is the role, the thing to fix.
 *
 * A field a check needs that DescribeCluster did not return makes that check ERROR (unknown is never healthy);
 * a failed read makes the checks that rest on it ERROR (requireProof, lambdas/core/check-reads.ts).
 */
import { checkerFindings } from '../checks/checker-findings';
import { describeFailure } from '../credential-view';
import type { CheckId, Evidence, Finding, FindingResource, Status } from '../finding';
import { buildFinding, type FindingScope } from '../finding-factory';
import { roleNameOf } from '../irsa/provider';
import { requireProof } from '../proof';
import type { CheckerSettings } from '../settings';
import { CONNECTOR_TRUST_POLICY, evaluateConnectorTrust } from './trust';
import type { EksConnectorRegion, EksConnectorSnapshot, RegisteredCluster } from './types';

export const EKS_CONNECTOR_CHECK_IDS = [
  'eks.connector.pending',
  'eks.connector.activation-expired',
  'eks.connector.failed',
  'eks.connector.role-invalid',
] as const satisfies readonly CheckId[];
export type EksConnectorCheckId = (typeof EKS_CONNECTOR_CHECK_IDS)[number];

export type EksConnectorEvaluationSettings = Pick<
  CheckerSettings,
  'eksConnectorPendingGraceMinutes' | 'runbookBaseUrl'
>;

const MINUTE_MS = 60_000;
/** Trust policies are at most 2,048 characters by default (4,096 with a raised quota); longer is cut. */
const MAX_POLICY_CHARS = 4_096;

export function evaluateEksConnector(
  snapshot: EksConnectorSnapshot,
  settings: EksConnectorEvaluationSettings,
): Finding[] {
  const grace = settings.eksConnectorPendingGraceMinutes;
  if (!(Number.isFinite(grace) && grace > 0)) {
    throw new RangeError(`eksConnectorPendingGraceMinutes must be a positive number, got ${grace}`);
  }
  const nowMs = Date.parse(snapshot.observedAt);
  if (Number.isNaN(nowMs)) throw new RangeError(`observedAt is not a date: ${snapshot.observedAt}`);
  return snapshot.regions.flatMap((region) => {
    const scope: FindingScope = {
      accountId: snapshot.accountId,
      region: region.region,
      observedAt: snapshot.observedAt,
      runbookBaseUrl: settings.runbookBaseUrl,
    };
    const context: Context = { scope, nowMs, graceMinutes: grace, snapshot, region };
    return evaluateRegion(region, context);
  });
}

interface Context {
  readonly scope: FindingScope;
  readonly nowMs: number;
  readonly graceMinutes: number;
  readonly snapshot: EksConnectorSnapshot;
  readonly region: EksConnectorRegion;
}

function evaluateRegion(region: EksConnectorRegion, context: Context): Finding[] {
  // A region whose listing failed has no cluster to report: only its checker.error says it could not look (and the
  // run does not count the region as covered, so no open finding there resolves for being absent).
  const clusters = region.listing.ok
    ? [...region.clusters].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    : [];
  const findings = clusters.flatMap((cluster) => [
    pendingFinding(cluster, context),
    expiredFinding(cluster, context),
    failedFinding(cluster, context),
    roleFinding(cluster, context),
  ]);
  return requireProof([...findings, ...checkerFindings(context.scope, region)], {
    failures: region.failures,
  });
}

/** A time from the snapshot in epoch ms, NaN when absent or unreadable. */
function timeOf(value: string | undefined): number {
  return value === undefined ? Number.NaN : Date.parse(value);
}

function minutesBetween(fromMs: number, toMs: number): number {
  return Math.floor(Math.max(0, toMs - fromMs) / MINUTE_MS);
}

function clusterResource(cluster: RegisteredCluster): FindingResource {
  return { type: 'AWS::EKS::Cluster', arn: cluster.arn, name: cluster.name };
}

function clusterEvidence(cluster: RegisteredCluster): Evidence {
  const config = cluster.connectorConfig;
  return {
    clusterName: cluster.name,
    clusterArn: cluster.arn,
    status: cluster.status,
    createdAt: cluster.createdAt ?? null,
    provider: config.provider ?? null,
    roleArn: config.roleArn ?? null,
    activationId: config.activationId ?? null,
    activationExpiry: config.activationExpiry ?? null,
  };
}

interface Result {
  readonly status: Status;
  readonly title: string;
  readonly message: string;
  readonly evidence?: Evidence;
  readonly resource?: FindingResource;
}

function finding(checkId: EksConnectorCheckId, cluster: RegisteredCluster, context: Context, result: Result) {
  return buildFinding(context.scope, {
    checkId,
    status: result.status,
    title: result.title,
    message: result.message,
    resource: result.resource ?? clusterResource(cluster),
    // The cluster ARN names the registration: registering again under the same name keeps the finding.
    resourceKey: cluster.arn,
    evidence: { ...clusterEvidence(cluster), ...result.evidence },
  });
}

function where(cluster: RegisteredCluster, context: Context): string {
  return `Registered cluster ${cluster.name} (${context.scope.region})`;
}

function pendingFinding(cluster: RegisteredCluster, context: Context): Finding {
  const check = 'eks.connector.pending' as const;
  const name = where(cluster, context);
  const graceMinutes = context.graceMinutes;
  if (cluster.status !== 'PENDING') {
    return finding(check, cluster, context, {
      status: 'PASS',
      title: `${cluster.name}: not pending`,
      message: `${name} is ${cluster.status}, not PENDING.`,
      evidence: { graceMinutes },
    });
  }
  const expiryMs = timeOf(cluster.connectorConfig.activationExpiry);
  if (expiryMs <= context.nowMs) {
    return finding(check, cluster, context, {
      status: 'PASS',
      title: `${cluster.name}: activation expired (reported by eks.connector.activation-expired)`,
      message: `${name} is PENDING, but its activation expired at ${cluster.connectorConfig.activationExpiry}: connecting the agent can no longer help, so eks.connector.activation-expired reports it instead.`,
      evidence: { graceMinutes, supersededBy: 'eks.connector.activation-expired' },
    });
  }
  const createdMs = timeOf(cluster.createdAt);
  if (Number.isNaN(createdMs)) {
    return finding(check, cluster, context, {
      status: 'ERROR',
      title: `${cluster.name}: pending since an unknown time`,
      message: `${name} is PENDING, but DescribeCluster returned no readable createdAt (${cluster.createdAt ?? 'none'}), so whether it is still within the ${graceMinutes}-minute grace period cannot be told. Not reported as healthy.`,
      evidence: { graceMinutes, reason: 'createdAt missing or unreadable' },
    });
  }
  const pendingMinutes = minutesBetween(createdMs, context.nowMs);
  const minutesUntilExpiry = Number.isNaN(expiryMs) ? null : minutesBetween(context.nowMs, expiryMs);
  const within = context.nowMs - createdMs <= graceMinutes * MINUTE_MS;
  const evidence = { pendingMinutes, graceMinutes, withinGracePeriod: within, minutesUntilExpiry };
  const expiryText =
    minutesUntilExpiry === null
      ? ''
      : ` Its activation expires at ${cluster.connectorConfig.activationExpiry} (in ${minutesUntilExpiry} minutes); after that it must be registered again.`;
  if (within) {
    return finding(check, cluster, context, {
      status: 'PASS',
      title: `${cluster.name}: registered ${pendingMinutes} minutes ago, still connecting`,
      message: `${name} was registered ${pendingMinutes} minutes ago and is PENDING: within the ${graceMinutes}-minute grace period (eksConnectorPendingGraceMinutes) for the connector agent to connect, so not a failure yet. Reported as FAIL if still PENDING after that.${expiryText}`,
      evidence,
    });
  }
  return finding(check, cluster, context, {
    status: 'FAIL',
    title: `${cluster.name}: PENDING for ${pendingMinutes} minutes, the connector agent never connected`,
    message: `${name} has been PENDING for ${pendingMinutes} minutes since it was registered (grace ${graceMinutes} minutes): the EKS Connector agent in the Kubernetes cluster has not connected to AWS. Apply the connector manifest to the cluster, or fix the eks-connector pods.${expiryText}`,
    evidence,
  });
}

function expiredFinding(cluster: RegisteredCluster, context: Context): Finding {
  const check = 'eks.connector.activation-expired' as const;
  const name = where(cluster, context);
  if (cluster.status !== 'PENDING') {
    return finding(check, cluster, context, {
      status: 'PASS',
      title: `${cluster.name}: not waiting for activation`,
      message: `${name} is ${cluster.status}: it is not waiting for its connector to activate.`,
    });
  }
  const expiry = cluster.connectorConfig.activationExpiry;
  const expiryMs = timeOf(expiry);
  if (Number.isNaN(expiryMs)) {
    return finding(check, cluster, context, {
      status: 'ERROR',
      title: `${cluster.name}: activation expiry unknown`,
      message: `${name} is PENDING, but DescribeCluster returned no readable connectorConfig.activationExpiry (${expiry ?? 'none'}), so whether its activation is still valid cannot be told. Not reported as healthy.`,
      evidence: { reason: 'connectorConfig.activationExpiry missing or unreadable' },
    });
  }
  if (expiryMs <= context.nowMs) {
    const expiredMinutesAgo = minutesBetween(expiryMs, context.nowMs);
    return finding(check, cluster, context, {
      status: 'FAIL',
      title: `${cluster.name}: activation expired before the connector connected`,
      message: `${name} is still PENDING and its activation expired at ${expiry} (${expiredMinutesAgo} minutes ago): the EKS Connector must be activated within 3 days of registration, so applying the manifest can no longer connect it (connector-init fails with InvalidActivation). Deregister the cluster and register it again, then apply the new manifest.`,
      evidence: { activationExpired: true, expiredMinutesAgo },
    });
  }
  const minutesUntilExpiry = minutesBetween(context.nowMs, expiryMs);
  return finding(check, cluster, context, {
    status: 'PASS',
    title: `${cluster.name}: activation valid for ${minutesUntilExpiry} more minutes`,
    message: `${name} is PENDING; its activation is valid until ${expiry} (${minutesUntilExpiry} minutes).`,
    evidence: { activationExpired: false, minutesUntilExpiry },
  });
}

function failedFinding(cluster: RegisteredCluster, context: Context): Finding {
  const check = 'eks.connector.failed' as const;
  const name = where(cluster, context);
  if (cluster.status !== 'FAILED') {
    return finding(check, cluster, context, {
      status: 'PASS',
      title: `${cluster.name}: not failed`,
      message: `${name} is ${cluster.status}.`,
    });
  }
  const expiryMs = timeOf(cluster.connectorConfig.activationExpiry);
  const activationExpired = Number.isNaN(expiryMs) ? null : expiryMs <= context.nowMs;
  const hint = activationExpired
    ? ` Its activation expired at ${cluster.connectorConfig.activationExpiry}: deregister the cluster and register it again.`
    : ' Read the connector logs in the Kubernetes cluster; if it cannot be repaired, deregister the cluster and register it again.';
  return finding(check, cluster, context, {
    status: 'FAIL',
    title: `${cluster.name}: registration FAILED`,
    message: `${name} is FAILED: EKS cannot reach the cluster through the EKS Connector.${hint}`,
    evidence: { activationExpired },
  });
}

function roleFinding(cluster: RegisteredCluster, context: Context): Finding {
  const check = 'eks.connector.role-invalid' as const;
  const name = where(cluster, context);
  const roleArn = cluster.connectorConfig.roleArn;
  if (roleArn === undefined) {
    return finding(check, cluster, context, {
      status: 'ERROR',
      title: `${cluster.name}: connector role unknown`,
      message: `${name} has a connectorConfig without a roleArn, so its connector role cannot be checked. Not reported as healthy.`,
      evidence: { reason: 'connectorConfig.roleArn missing' },
    });
  }
  const roleName = roleNameOf(roleArn);
  const role = { type: 'AWS::IAM::Role' as const, arn: roleArn, name: roleName };
  const observed = context.snapshot.roles[roleArn];
  // The region's own record of the read (the deadline can cut it here although another region read the role).
  const failure =
    context.region.failures.find(
      (item) => item.service === 'iam' && item.operation === 'GetRole' && item.resourceArn === roleArn,
    ) ?? (observed !== undefined && !observed.ok ? observed.failure : undefined);
  if (failure !== undefined || observed === undefined || !observed.ok) {
    const error = failure === undefined ? 'the role was not read' : describeFailure(failure);
    return finding(check, cluster, context, {
      status: 'ERROR',
      title: `${cluster.name}: connector role ${roleName} could not be read`,
      message: `Could not read the connector role ${roleArn} of ${name}: ${error}. Not reported as healthy.`,
      resource: role,
      evidence: { error },
    });
  }
  const expected = JSON.stringify(CONNECTOR_TRUST_POLICY);
  if (!observed.value.exists) {
    return finding(check, cluster, context, {
      status: 'FAIL',
      title: `${cluster.name}: connector role ${roleName} does not exist`,
      message: `The connector role ${roleArn} of ${name} does not exist (iam:GetRole: NoSuchEntity): Systems Manager cannot give the EKS Connector agent credentials, so the cluster cannot connect. Recreate the role trusting ssm.amazonaws.com, or register the cluster again with an existing role.`,
      resource: { type: 'AWS::IAM::Role', name: roleName },
      evidence: { cause: 'role-missing', expectedTrustPolicy: expected },
    });
  }
  const policy = observed.value.trustPolicy;
  const trustPolicy = policy === undefined ? null : JSON.stringify(policy).slice(0, MAX_POLICY_CHARS);
  const evaluation = policy === undefined ? undefined : evaluateConnectorTrust(policy);
  const trust = evaluation?.trust ?? 'ssm-not-trusted';
  const evidence = {
    cause: trust === 'trusted' ? null : trust,
    trustPolicy,
    allowingStatements: [...(evaluation?.allowing ?? [])],
    denyingStatements: [...(evaluation?.denying ?? [])],
    conditionalStatements: [...(evaluation?.conditional ?? [])],
  };
  if (trust === 'trusted') {
    return finding(check, cluster, context, {
      status: 'PASS',
      title: `${cluster.name}: connector role ${roleName} trusts Systems Manager`,
      message: `The connector role ${roleArn} of ${name} exists and lets ssm.amazonaws.com call sts:AssumeRole.`,
      resource: role,
      evidence,
    });
  }
  const why =
    trust === 'ssm-denied'
      ? `a Deny statement (${evidence.denyingStatements.join(', ')}) refuses ssm.amazonaws.com sts:AssumeRole`
      : 'no Allow statement lets ssm.amazonaws.com call sts:AssumeRole';
  return finding(check, cluster, context, {
    status: 'FAIL',
    title: `${cluster.name}: connector role ${roleName} does not trust Systems Manager`,
    message: `The trust policy of the connector role ${roleArn} of ${name} is wrong: ${why}. Systems Manager cannot give the EKS Connector agent credentials, so the cluster cannot connect (or stay connected). Restore the trust policy with aws iam update-assume-role-policy.`,
    resource: role,
    evidence: { ...evidence, expectedTrustPolicy: expected },
  });
}
