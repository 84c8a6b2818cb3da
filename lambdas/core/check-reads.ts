import { CHECK_IDS, type CheckId } from './finding';

/**
 * What a read failure voids, relative to the finding:
 * - `region`: every finding of the check in the region (a call that answers for the whole region, like
 *   discovery or a CloudTrail scan);
 * - `credential`: the findings of the credential the failed call was about (or all of them when the call was
 *   not about one resource);
 * - `resource`: the findings about the resource the failed call was about (or all of them when the call was
 *   not about one resource, e.g. a batch).
 */
export type ReadScope = 'region' | 'credential' | 'resource';

export interface CheckRead {
  /** `service:Operation`, as the adapters name failed calls, e.g. `lambda:GetFunctionConfiguration`. */
  readonly operation: string;
  readonly scope: ReadScope;
}

const read = (operation: string, scope: ReadScope): CheckRead => ({ operation, scope });

const DISCOVERY = read('tagging:GetResources', 'region');
/** Tagging can list a function for a while after it was deleted: only Lambda itself confirms it exists. */
const FUNCTION_CONFIRMED = read('lambda:GetFunctionConfiguration', 'resource');
const FUNCTION_METRICS = read('cloudwatch:GetMetricData', 'resource');
const RULE_DESCRIBED = read('events:DescribeRule', 'resource');
/**
 * A rule that lost its tag (or that the tagging API does not list, as in emulators) is found through the
 * credential's functions; the lookup is only made when no tagged rule exists.
 */
const RULE_FOUND_BY_TARGET = read('events:ListRuleNamesByTarget', 'credential');
const PARAMETER_DESCRIBED = read('ssm:DescribeParameters', 'resource');
/** Every cluster of the region, registered ones included (`include=all`). */
const CLUSTERS_LISTED = read('eks:ListClusters', 'region');
/** Only DescribeCluster tells a registered cluster (it has a connectorConfig) and its status. */
const CLUSTER_DESCRIBED = read('eks:DescribeCluster', 'resource');
const EKS_CONNECTOR_READS = [CLUSTERS_LISTED, CLUSTER_DESCRIBED];
/**
 * EKS Pod Identity: the clusters, each one's associations (a failed listing is about its cluster), and each
 * association's description (only it names the roles).
 */
const ASSOCIATIONS_LISTED = read('eks:ListPodIdentityAssociations', 'resource');
const POD_IDENTITY_ASSOCIATION_READS = [
  CLUSTERS_LISTED,
  ASSOCIATIONS_LISTED,
  read('eks:DescribePodIdentityAssociation', 'resource'),
  // The finding's resource is the role checked (the association's, or its target): a failed GetRole of it voids
  // exactly the findings about that role.
  read('iam:GetRole', 'resource'),
];
/** The agent is looked for only on clusters that have associations. */
const POD_IDENTITY_AGENT_READS = [
  CLUSTERS_LISTED,
  ASSOCIATIONS_LISTED,
  read('eks:DescribeAddon', 'resource'),
];

/**
 * The AWS reads each check's PASS rests on. The core turns a PASS into ERROR when one of them failed in the run
 * (lambdas/core/proof.ts), the fault-injection test is generated from this table, and docs/checks.md lists it,
 * so a new check declares its reads here once and is covered everywhere.
 */
export const CHECK_READS: Readonly<Record<CheckId, readonly CheckRead[]>> = {
  'tmc.credential.not-found': [DISCOVERY],
  'tmc.lambda.missing': [DISCOVERY, FUNCTION_CONFIRMED],
  'tmc.lambda.unhealthy': [DISCOVERY, FUNCTION_CONFIRMED],
  // Metrics of a function Lambda could not confirm may belong to one deleted since: not proof it is healthy.
  'tmc.lambda.not-invoked': [DISCOVERY, FUNCTION_CONFIRMED, FUNCTION_METRICS],
  'tmc.lambda.errors': [DISCOVERY, FUNCTION_CONFIRMED, FUNCTION_METRICS],
  'tmc.lambda.throttled': [DISCOVERY, FUNCTION_CONFIRMED, FUNCTION_METRICS],
  'tmc.event-rule.missing': [DISCOVERY, RULE_DESCRIBED, RULE_FOUND_BY_TARGET],
  'tmc.event-rule.disabled': [DISCOVERY, RULE_DESCRIBED, RULE_FOUND_BY_TARGET],
  // "Targets the data-sync Lambda" needs the targets and a data-sync function Lambda confirmed.
  'tmc.event-rule.wrong-target': [
    DISCOVERY,
    RULE_DESCRIBED,
    RULE_FOUND_BY_TARGET,
    read('events:ListTargetsByRule', 'resource'),
    read('lambda:GetFunctionConfiguration', 'credential'),
  ],
  'tmc.token.missing': [DISCOVERY, PARAMETER_DESCRIBED],
  'tmc.token.stale': [DISCOVERY, PARAMETER_DESCRIBED],
  'irsa.assume-role.denied': [
    read('cloudtrail:LookupEvents', 'region'),
    read('iam:GetRole', 'resource'),
    read('iam:ListOpenIDConnectProviders', 'region'),
    read('iam:GetOpenIDConnectProvider', 'region'),
  ],
  'eks.connector.pending': EKS_CONNECTOR_READS,
  'eks.connector.activation-expired': EKS_CONNECTOR_READS,
  'eks.connector.failed': EKS_CONNECTOR_READS,
  // The finding's resource is the connector role: a failed GetRole of it (attributed to the regions whose
  // clusters use the role) voids exactly the findings of those clusters.
  'eks.connector.role-invalid': [...EKS_CONNECTOR_READS, read('iam:GetRole', 'resource')],
  'pod-identity.role-invalid': POD_IDENTITY_ASSOCIATION_READS,
  'pod-identity.target-role-invalid': POD_IDENTITY_ASSOCIATION_READS,
  // Without the add-on, only DescribeCluster tells an EKS Auto Mode cluster, which runs the agent itself.
  'pod-identity.agent-not-installed': [...POD_IDENTITY_AGENT_READS, CLUSTER_DESCRIBED],
  'pod-identity.agent-unhealthy': POD_IDENTITY_AGENT_READS,
  // The hub's heartbeat table (one item per member account and family): a silent member is only known from it.
  'fleet.member.silent': [read('dynamodb:Scan', 'region')],
  // Its findings are about the calls themselves: one per operation, ERROR exactly when that operation failed.
  'checker.error': [],
};

/** The checks whose PASS rests on the operation. */
export function checksReading(operation: string): CheckId[] {
  return CHECK_IDS.filter((checkId) => CHECK_READS[checkId].some((item) => item.operation === operation));
}

/** Every operation some check declares it reads, each once, in declaration order. */
export function declaredReadOperations(): string[] {
  return [...new Set(CHECK_IDS.flatMap((checkId) => CHECK_READS[checkId].map((item) => item.operation)))];
}
