/**
 * The agent's two findings for one cluster that has associations: the `eks-pod-identity-agent` add-on is there
 * (`pod-identity.agent-not-installed`, EKS Auto Mode clusters excepted: they run the agent themselves) and ACTIVE
 * (`pod-identity.agent-unhealthy`). Keyed by the cluster's ARN. A cluster without associations needs no agent and
 * gets neither.
 */
import { describeFailure } from '../credential-view';
import type { Evidence, Finding, Severity, Status } from '../finding';
import { buildFinding } from '../finding-factory';
import type { PodIdentityCheckId } from './check-ids';
import type { EvaluationContext } from './evaluation-context';
import { POD_IDENTITY_AGENT_ADDON, type AgentAddon, type PodIdentityCluster } from './types';

/** Still being created or updated: EKS is at work, so a lower severity than a failed state. */
const IN_PROGRESS: readonly string[] = ['CREATING', 'UPDATING'];
/**
 * The message quotes the first few issues, shortly: it is a sentence for a person (and a run report caps it at
 * 16,384 characters); the evidence keeps every kept issue whole.
 */
const ISSUES_IN_MESSAGE = 3;
const ISSUE_CHARS_IN_MESSAGE = 200;

interface Result {
  readonly status: Status;
  readonly severity?: Severity;
  readonly title: string;
  readonly message: string;
  readonly evidence?: Evidence;
}

function finding(
  checkId: PodIdentityCheckId,
  cluster: PodIdentityCluster,
  context: EvaluationContext,
  result: Result,
): Finding {
  return buildFinding(context.scope, {
    checkId,
    status: result.status,
    ...(result.severity ? { severity: result.severity } : {}),
    title: result.title,
    message: result.message,
    resource: { type: 'AWS::EKS::Cluster', arn: cluster.arn, name: cluster.name },
    resourceKey: cluster.arn,
    evidence: {
      clusterName: cluster.name,
      clusterArn: cluster.arn,
      addonName: POD_IDENTITY_AGENT_ADDON,
      associationCount: cluster.associations.length,
      ...result.evidence,
    },
  });
}

function addonEvidence(agent: Extract<AgentAddon, { installed: true }>): Evidence {
  return {
    addonStatus: agent.status,
    addonVersion: agent.version ?? null,
    addonArn: agent.arn ?? null,
    healthIssues: agent.issues.map(
      (issue) =>
        `${issue.code}: ${issue.message}${issue.resourceIds.length > 0 ? ` (${issue.resourceIds.join(', ')})` : ''}`,
    ),
    healthIssueCount: agent.issueCount,
  };
}

export function agentFindings(cluster: PodIdentityCluster, context: EvaluationContext): Finding[] {
  if (cluster.associations.length === 0) return [];
  const agent = cluster.agent;
  const on = `cluster ${cluster.name} (${context.scope.region})`;
  const count = `${cluster.associations.length} Pod Identity association(s)`;
  if (agent === undefined || !agent.ok) {
    const error = agent === undefined ? 'the add-on was not read' : describeFailure(agent.failure);
    const unread = (checkId: PodIdentityCheckId) =>
      finding(checkId, cluster, context, {
        status: 'ERROR',
        title: `${cluster.name}: ${POD_IDENTITY_AGENT_ADDON} could not be read`,
        message: `Could not read the ${POD_IDENTITY_AGENT_ADDON} add-on of ${on}, which has ${count}: ${error}. Not reported as healthy.`,
        evidence: { error },
      });
    return [unread('pod-identity.agent-not-installed'), unread('pod-identity.agent-unhealthy')];
  }
  const addon = agent.value;
  if (!addon.installed) return notInstalled(cluster, context, addon.autoMode, on, count);
  return [
    finding('pod-identity.agent-not-installed', cluster, context, {
      status: 'PASS',
      title: `${cluster.name}: ${POD_IDENTITY_AGENT_ADDON} installed`,
      message: `The ${POD_IDENTITY_AGENT_ADDON} add-on is installed on ${on} (${addon.status}).`,
      evidence: addonEvidence(addon),
    }),
    healthFinding(cluster, context, addon, on, count),
  ];
}

function notInstalled(
  cluster: PodIdentityCluster,
  context: EvaluationContext,
  autoMode: Extract<AgentAddon, { installed: false }>['autoMode'],
  on: string,
  count: string,
): Finding[] {
  const superseded = (reason: string, evidence: Evidence) =>
    finding('pod-identity.agent-unhealthy', cluster, context, {
      status: 'PASS',
      title: `${cluster.name}: no ${POD_IDENTITY_AGENT_ADDON} add-on to be unhealthy`,
      message: `${on} has no ${POD_IDENTITY_AGENT_ADDON} add-on: ${reason}`,
      evidence,
    });
  if (!autoMode.ok) {
    const error = describeFailure(autoMode.failure);
    return [
      finding('pod-identity.agent-not-installed', cluster, context, {
        status: 'ERROR',
        title: `${cluster.name}: ${POD_IDENTITY_AGENT_ADDON} not installed, EKS Auto Mode unknown`,
        message: `${on} has ${count} and no ${POD_IDENTITY_AGENT_ADDON} add-on, and whether it is an EKS Auto Mode cluster (which runs the agent itself) could not be read: ${error}. Not reported as healthy.`,
        evidence: { addonInstalled: false, error },
      }),
      superseded('pod-identity.agent-not-installed reports it.', {
        addonInstalled: false,
        supersededBy: 'pod-identity.agent-not-installed',
      }),
    ];
  }
  if (autoMode.value) {
    return [
      finding('pod-identity.agent-not-installed', cluster, context, {
        status: 'PASS',
        title: `${cluster.name}: EKS Auto Mode runs the agent`,
        message: `${on} has no ${POD_IDENTITY_AGENT_ADDON} add-on, and needs none: it is an EKS Auto Mode cluster, which runs the Pod Identity agent itself.`,
        evidence: { addonInstalled: false, autoMode: true },
      }),
      superseded('EKS Auto Mode runs the agent itself.', { addonInstalled: false, autoMode: true }),
    ];
  }
  return [
    finding('pod-identity.agent-not-installed', cluster, context, {
      status: 'FAIL',
      title: `${cluster.name}: ${POD_IDENTITY_AGENT_ADDON} not installed, ${count} unusable`,
      message: `${on} has ${count} but no ${POD_IDENTITY_AGENT_ADDON} add-on (DescribeAddon: ResourceNotFoundException) and is not an EKS Auto Mode cluster: no pod on it gets credentials from its association. Install the add-on.`,
      evidence: { addonInstalled: false, autoMode: false },
    }),
    superseded('pod-identity.agent-not-installed reports it.', {
      addonInstalled: false,
      supersededBy: 'pod-identity.agent-not-installed',
    }),
  ];
}

function healthFinding(
  cluster: PodIdentityCluster,
  context: EvaluationContext,
  addon: Extract<AgentAddon, { installed: true }>,
  on: string,
  count: string,
): Finding {
  const evidence = addonEvidence(addon);
  if (addon.status === 'ACTIVE') {
    return finding('pod-identity.agent-unhealthy', cluster, context, {
      status: 'PASS',
      title: `${cluster.name}: ${POD_IDENTITY_AGENT_ADDON} ACTIVE`,
      message: `The ${POD_IDENTITY_AGENT_ADDON} add-on of ${on} is ACTIVE.`,
      evidence,
    });
  }
  const quoted = addon.issues
    .slice(0, ISSUES_IN_MESSAGE)
    .map((issue) => `${issue.code}: ${cut(issue.message, ISSUE_CHARS_IN_MESSAGE)}`);
  const issues =
    addon.issueCount === 0
      ? ''
      : ` Health issues (${addon.issueCount}): ${sentence(`${quoted.join('; ')}${addon.issueCount > quoted.length ? '; ...' : ''}`)}`;
  const inProgress = IN_PROGRESS.includes(addon.status);
  return finding('pod-identity.agent-unhealthy', cluster, context, {
    status: 'FAIL',
    ...(inProgress ? { severity: 'LOW' as const } : {}),
    title: `${cluster.name}: ${POD_IDENTITY_AGENT_ADDON} is ${addon.status}`,
    message: inProgress
      ? `The ${POD_IDENTITY_AGENT_ADDON} add-on of ${on} is ${addon.status}, not yet ACTIVE: until it is, pods of its ${count} may get no credentials.${issues}`
      : `The ${POD_IDENTITY_AGENT_ADDON} add-on of ${on} is ${addon.status}, not ACTIVE: pods of its ${count} may get no credentials.${issues}`,
    evidence,
  });
}

/** The text with one full stop at its end, whether or not the quoted issue brought its own. */
function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}
