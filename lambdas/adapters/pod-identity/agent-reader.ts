import {
  DescribeAddonCommand,
  DescribeClusterCommand,
  type Addon,
  type EKSClient,
} from '@aws-sdk/client-eks';
import type { Observed, SkippedRecord } from '../../core/inventory';
import {
  MAX_ADDON_ISSUE_CHARS,
  MAX_ADDON_ISSUES,
  POD_IDENTITY_AGENT_ADDON,
  type AddonIssue,
  type AgentAddon,
} from '../../core/pod-identity/types';
import { cleanLine } from '../../core/untrusted-text';
import type { CallLog } from '../gather-call-log';
import { MalformedResponseError } from '../pagination';
import { ANY_ARN, shaped, skip } from './answer-shapes';

/** An add-on issue names a few Kubernetes objects; more are cut. */
const MAX_RESOURCE_IDS = 3;
const MAX_SHORT_CHARS = 128;
const SOURCE = 'eks:DescribeAddon';

/**
 * The `eks-pod-identity-agent` add-on of a cluster. ResourceNotFoundException means it is not installed; then
 * DescribeCluster tells whether EKS Auto Mode runs the agent instead. `gone`: the cluster was deleted since it was
 * listed (its associations with it).
 */
export async function describeAgent(
  eks: EKSClient,
  log: CallLog,
  clusterName: string,
  clusterArn: string,
  skipped: SkippedRecord[],
): Promise<Observed<AgentAddon> | 'gone'> {
  const outcome = await log.runFindable(
    'eks',
    'DescribeAddon',
    async () =>
      toAgent(
        (await eks.send(new DescribeAddonCommand({ clusterName, addonName: POD_IDENTITY_AGENT_ADDON })))
          .addon,
        clusterName,
        skipped,
      ),
    { resourceArn: clusterArn },
  );
  if (!outcome.ok) return outcome;
  if (outcome.value !== undefined) return { ok: true, value: outcome.value };
  const autoMode = await describeAutoMode(eks, log, clusterName, clusterArn);
  if (autoMode === 'gone') return 'gone';
  return { ok: true, value: { installed: false, autoMode } };
}

/**
 * The add-on's status and its health issues. The issues' text can quote the cluster (an admission webhook's
 * message, an object's name): each is cleaned to one line and cut, and only the first few are kept.
 */
function toAgent(addon: Addon | undefined, clusterName: string, skipped: SkippedRecord[]): AgentAddon {
  if (addon === undefined || addon === null || typeof addon !== 'object') {
    throw new MalformedResponseError('DescribeAddon', `no addon for ${clusterName}`);
  }
  const status: unknown = addon.status;
  if (typeof status !== 'string' || !/^[A-Z_]{1,32}$/.test(status)) {
    throw new MalformedResponseError('DescribeAddon', `no status for ${clusterName}`);
  }
  const raw: unknown = addon.health?.issues;
  const listed: unknown[] = Array.isArray(raw) ? raw : [];
  const issues = listed.slice(0, MAX_ADDON_ISSUES).flatMap((issue) => toIssue(issue, skipped));
  const arn = shaped(addon.addonArn, ANY_ARN, skipped, SOURCE, 'addonArn');
  const version = typeof addon.addonVersion === 'string' ? cleanLine(addon.addonVersion, 64) : undefined;
  return {
    installed: true,
    status,
    ...(arn === undefined ? {} : { arn }),
    ...(version === undefined ? {} : { version }),
    issues,
    issueCount: listed.length,
  };
}

function toIssue(issue: unknown, skipped: SkippedRecord[]): AddonIssue[] {
  if (typeof issue !== 'object' || issue === null) {
    skip(skipped, SOURCE, 'health issue is not an object');
    return [];
  }
  const record = issue as Record<string, unknown>;
  const ids: unknown[] = Array.isArray(record.resourceIds) ? record.resourceIds : [];
  return [
    {
      code: typeof record.code === 'string' ? cleanLine(record.code, 64) : 'unknown',
      message: typeof record.message === 'string' ? cleanLine(record.message, MAX_ADDON_ISSUE_CHARS) : '',
      resourceIds: ids
        .slice(0, MAX_RESOURCE_IDS)
        .filter((id): id is string => typeof id === 'string')
        .map((id) => cleanLine(id, MAX_SHORT_CHARS)),
    },
  ];
}

/** Whether the cluster is an EKS Auto Mode one (`computeConfig.enabled`); `gone` once deleted. */
async function describeAutoMode(
  eks: EKSClient,
  log: CallLog,
  name: string,
  arn: string,
): Promise<Observed<boolean> | 'gone'> {
  const outcome = await log.runFindable(
    'eks',
    'DescribeCluster',
    async () => {
      const cluster = (await eks.send(new DescribeClusterCommand({ name }))).cluster;
      if (cluster === undefined || cluster === null || typeof cluster !== 'object') {
        throw new MalformedResponseError('DescribeCluster', `no cluster for ${name}`);
      }
      return cluster.computeConfig?.enabled === true;
    },
    { resourceArn: arn },
  );
  if (!outcome.ok) return outcome;
  return outcome.value === undefined ? 'gone' : { ok: true, value: outcome.value };
}
