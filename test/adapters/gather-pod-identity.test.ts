/**
 * The EKS Pod Identity adapter against aws-sdk-client-mock, with answers shaped as the SDK returns them:
 * ListClusters and ListPodIdentityAssociations paginated (the latter bounded), DescribePodIdentityAssociation per
 * association, DescribeAddon only for clusters with associations (DescribeCluster only when the add-on is absent),
 * GetRole once per distinct role of this account; malformed answers counted and skipped; every failure
 * (AccessDenied first) an ERROR naming the call, never a PASS. Then the credential check's run with it on.
 */
import {
  DescribeAddonCommand,
  DescribeClusterCommand,
  DescribePodIdentityAssociationCommand,
  EKSClient,
  ListClustersCommand,
  ListPodIdentityAssociationsCommand,
  ResourceNotFoundException,
  type Addon,
  type PodIdentityAssociation,
  type PodIdentityAssociationSummary,
} from '@aws-sdk/client-eks';
import { GetRoleCommand, IAMClient, NoSuchEntityException } from '@aws-sdk/client-iam';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { runCredentialCheck } from '../../lambdas/app/credential-check';
import { createRegionClients } from '../../lambdas/adapters/clients';
import { RunDeadline } from '../../lambdas/adapters/deadline';
import { createEksConnectorClients } from '../../lambdas/adapters/eks-connector-clients';
import { gatherEksConnector } from '../../lambdas/adapters/gather-eks-connector';
import { gatherPodIdentity } from '../../lambdas/adapters/gather-pod-identity';
import { MAX_ASSOCIATION_PAGES } from '../../lambdas/adapters/pod-identity/association-reader';
import { forwardingSink } from '../../lambdas/app/run-sink';
import type { RunReportForwardInput } from '../../lambdas/adapters/fleet/report-forwarder';
import type { Finding } from '../../lambdas/core/finding';
import { evaluatePodIdentity } from '../../lambdas/core/pod-identity/evaluate-pod-identity';
import { isPodIdentityRegionComplete } from '../../lambdas/core/pod-identity/types';
import { checkerSettingsSchema } from '../../lambdas/core/settings';

const ACCOUNT = '111122223333';
const OTHER_ACCOUNT = '444455556666';
const WEST = 'us-west-2';
const EAST = 'us-east-1';
const NOW = new Date('2026-03-10T12:00:00.000Z');
const roleArn = (name: string, account = ACCOUNT) => `arn:aws:iam::${account}:role/${name}`;
const clusterArnOf = (region: string, name: string) => `arn:aws:eks:${region}:${ACCOUNT}:cluster/${name}`;
const PODS_TRUST = encodeURIComponent(
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'pods.eks.amazonaws.com' },
        Action: ['sts:AssumeRole', 'sts:TagSession'],
      },
    ],
  }),
);

const eks = mockClient(EKSClient);
const iam = mockClient(IAMClient);
const tagging = mockClient(ResourceGroupsTaggingAPIClient);

const awsError = (name: string, message = name) => Object.assign(new Error(message), { name, $metadata: {} });
const eksClientsFor = (region: string) => createEksConnectorClients(region, { maxAttempts: 1 });
type GetClient = () => { config: { region: () => Promise<string> } };
const regionOf = async (getClient: GetClient) => getClient().config.region();

/** One cluster of the fake account: its associations (summary and description) and its add-on. */
interface FakeCluster {
  readonly associations: readonly PodIdentityAssociation[];
  /** Absent: not installed (ResourceNotFoundException). */
  readonly addon?: Addon;
  readonly autoMode?: boolean;
}

function association(
  region: string,
  cluster: string,
  id: string,
  overrides: Partial<PodIdentityAssociation> = {},
): PodIdentityAssociation {
  return {
    clusterName: cluster,
    namespace: 'payments',
    serviceAccount: `sa-${id}`,
    roleArn: roleArn('pods-role'),
    associationArn: `arn:aws:eks:${region}:${ACCOUNT}:podidentityassociation/${cluster}/${id}`,
    associationId: id,
    tags: {},
    createdAt: NOW,
    modifiedAt: NOW,
    disableSessionTags: false,
    ...overrides,
  };
}

const ACTIVE: Addon = {
  addonName: 'eks-pod-identity-agent',
  clusterName: 'x',
  status: 'ACTIVE',
  addonVersion: 'v1.3.4-eksbuild.1',
  health: { issues: [] },
  addonArn: `arn:aws:eks:${WEST}:${ACCOUNT}:addon/x/eks-pod-identity-agent/12c7`,
};

const summaryOf = (item: PodIdentityAssociation): PodIdentityAssociationSummary => ({
  clusterName: item.clusterName,
  namespace: item.namespace,
  serviceAccount: item.serviceAccount,
  associationArn: item.associationArn,
  associationId: item.associationId,
  ...(item.ownerArn ? { ownerArn: item.ownerArn } : {}),
});

/** Installs the account: clusters per region, and the roles GetRole knows (name → trust document). */
function account(
  clusters: Record<string, Record<string, FakeCluster>>,
  roles: Record<string, string> = { 'pods-role': PODS_TRUST },
  pageSize = 100,
): void {
  eks.on(ListClustersCommand).callsFake(async (_input, getClient: GetClient) => ({
    clusters: Object.keys(clusters[await regionOf(getClient)] ?? {}),
  }));
  eks
    .on(ListPodIdentityAssociationsCommand)
    .callsFake(async (input: { clusterName: string; nextToken?: string }, getClient: GetClient) => {
      const all = clusters[await regionOf(getClient)]?.[input.clusterName]?.associations ?? [];
      const start = input.nextToken ? Number(input.nextToken) : 0;
      const next = start + pageSize;
      return {
        associations: all.slice(start, next).map(summaryOf),
        ...(next < all.length ? { nextToken: String(next) } : {}),
      };
    });
  eks
    .on(DescribePodIdentityAssociationCommand)
    .callsFake(async (input: { clusterName: string; associationId: string }, getClient: GetClient) => {
      const found = clusters[await regionOf(getClient)]?.[input.clusterName]?.associations.find(
        (item) => item.associationId === input.associationId,
      );
      if (!found) throw new ResourceNotFoundException({ message: 'No association found', $metadata: {} });
      return { association: found };
    });
  eks.on(DescribeAddonCommand).callsFake(async (input: { clusterName: string }, getClient: GetClient) => {
    const addon = clusters[await regionOf(getClient)]?.[input.clusterName]?.addon;
    if (!addon)
      throw new ResourceNotFoundException({
        message: 'No addon: eks-pod-identity-agent found',
        $metadata: {},
      });
    return { addon: { ...addon, clusterName: input.clusterName } };
  });
  eks.on(DescribeClusterCommand).callsFake(async (input: { name: string }, getClient: GetClient) => {
    const region = await regionOf(getClient);
    const cluster = clusters[region]?.[input.name];
    if (!cluster) throw new ResourceNotFoundException({ message: 'No cluster found', $metadata: {} });
    return {
      cluster: {
        name: input.name,
        arn: clusterArnOf(region, input.name),
        status: 'ACTIVE',
        ...(cluster.autoMode ? { computeConfig: { enabled: true, nodePools: ['general-purpose'] } } : {}),
      },
    };
  });
  iam.on(GetRoleCommand).callsFake((input: { RoleName: string }) => {
    const document = roles[input.RoleName];
    if (document === undefined) {
      throw new NoSuchEntityException({
        message: `The role with name ${input.RoleName} cannot be found.`,
        $metadata: {},
      });
    }
    return {
      Role: {
        RoleName: input.RoleName,
        Arn: roleArn(input.RoleName),
        Path: '/',
        RoleId: 'AROAEXAMPLE',
        CreateDate: NOW,
        AssumeRolePolicyDocument: document,
      },
    };
  });
}

const gather = (regions: readonly string[] = [WEST], deadline?: RunDeadline) =>
  gatherPodIdentity({
    accountId: ACCOUNT,
    regions,
    now: NOW,
    clientsFor: eksClientsFor,
    ...(deadline ? { deadline } : {}),
  });
const evaluate = async (regions: readonly string[] = [WEST]) =>
  evaluatePodIdentity(await gather(regions), { runbookBaseUrl: 'docs/checks.md' });
const line = (finding: Finding) =>
  `${finding.region} ${finding.checkId} ${finding.resource.name} ${finding.status}`;
const problems = (findings: readonly Finding[]) =>
  findings.filter((finding) => finding.status !== 'PASS').map(line);

beforeEach(() => {
  eks.reset();
  iam.reset();
  tagging.reset();
});

describe('reading', () => {
  it('lists the EKS clusters, each one’s associations, describes each association, reads the add-on and each role once', async () => {
    account(
      {
        [WEST]: {
          prod: {
            associations: [
              association(WEST, 'prod', 'a-1'),
              association(WEST, 'prod', 'a-2', { targetRoleArn: roleArn('target'), externalId: 'ext-a-2' }),
              association(WEST, 'prod', 'a-3', { targetRoleArn: roleArn('target', OTHER_ACCOUNT) }),
            ],
            addon: ACTIVE,
          },
          empty: { associations: [] },
        },
      },
      {
        'pods-role': PODS_TRUST,
        target: encodeURIComponent(
          JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { AWS: roleArn('pods-role') },
                Action: ['sts:AssumeRole', 'sts:TagSession'],
                Condition: { StringEquals: { 'sts:ExternalId': 'ext-a-2' } },
              },
            ],
          }),
        ),
      },
    );
    const snapshot = await gather();
    // Registered clusters cannot have associations: no `include=all`.
    expect(eks).toHaveReceivedCommandWith(ListClustersCommand, { maxResults: 100 });
    expect(eks.commandCalls(ListClustersCommand)[0]!.args[0].input).not.toHaveProperty('include');
    expect(eks).toHaveReceivedCommandTimes(ListPodIdentityAssociationsCommand, 2);
    expect(eks).toHaveReceivedCommandTimes(DescribePodIdentityAssociationCommand, 3);
    // Only the cluster with associations needs the agent.
    expect(eks).toHaveReceivedCommandTimes(DescribeAddonCommand, 1);
    expect(eks).toHaveReceivedCommandWith(DescribeAddonCommand, {
      clusterName: 'prod',
      addonName: 'eks-pod-identity-agent',
    });
    expect(eks).not.toHaveReceivedCommand(DescribeClusterCommand);
    // Each role of this account once; the other account's target is not read.
    expect(
      iam
        .commandCalls(GetRoleCommand)
        .map((call) => call.args[0].input.RoleName)
        .sort(),
    ).toEqual(['pods-role', 'target']);
    const region = snapshot.regions[0]!;
    expect(region.clusters.map((cluster) => [cluster.name, cluster.associations.length])).toEqual([
      ['prod', 3],
      ['empty', 0],
    ]);
    expect(region.skipped).toEqual([]);
    const findings = evaluatePodIdentity(snapshot, { runbookBaseUrl: 'docs/checks.md' });
    expect(problems(findings)).toEqual([`${WEST} pod-identity.target-role-invalid target ERROR`]);
    expect(findings.filter((finding) => finding.checkId.startsWith('pod-identity.')).length).toBe(8);
  });

  it('follows nextToken through every page of associations', async () => {
    const many = Array.from({ length: 7 }, (_, i) => association(WEST, 'prod', `a-${i}`));
    account({ [WEST]: { prod: { associations: many, addon: ACTIVE } } }, undefined, 3);
    const snapshot = await gather();
    expect(eks).toHaveReceivedCommandTimes(ListPodIdentityAssociationsCommand, 3);
    expect(
      eks.commandCalls(ListPodIdentityAssociationsCommand).map((call) => call.args[0].input.nextToken),
    ).toEqual([undefined, '3', '6']);
    expect(snapshot.regions[0]!.clusters[0]!.associations).toHaveLength(7);
  });

  it(`stops after ${MAX_ASSOCIATION_PAGES} pages of associations: the cluster's listing is an ERROR, the region not covered`, async () => {
    const many = Array.from({ length: MAX_ASSOCIATION_PAGES + 1 }, (_, i) =>
      association(WEST, 'big', `a-${i}`),
    );
    account({ [WEST]: { big: { associations: many, addon: ACTIVE } } }, undefined, 1);
    const snapshot = await gather();
    const region = snapshot.regions[0]!;
    expect(region.failures).toEqual([
      expect.objectContaining({
        operation: 'ListPodIdentityAssociations',
        errorName: 'PaginationLimitExceeded',
        resourceArn: clusterArnOf(WEST, 'big'),
      }),
    ]);
    expect(isPodIdentityRegionComplete(region)).toBe(false);
    expect(eks).not.toHaveReceivedCommand(DescribePodIdentityAssociationCommand);
  });

  it('counts and skips malformed clusters and associations', async () => {
    account({ [WEST]: { prod: { associations: [association(WEST, 'prod', 'a-ok')], addon: ACTIVE } } });
    eks
      .on(ListClustersCommand)
      .resolves({ clusters: ['prod', 'prod', '', 'bad name', 42 as unknown as string] });
    eks.on(ListPodIdentityAssociationsCommand).resolves({
      associations: [
        summaryOf(association(WEST, 'prod', 'a-ok')),
        summaryOf(association(WEST, 'prod', 'a-ok')),
        { ...summaryOf(association(WEST, 'prod', 'a-ns')), namespace: 'Not A Namespace' },
        { ...summaryOf(association(WEST, 'prod', 'a-sa')), serviceAccount: `${'x'.repeat(300)}` },
        { namespace: 'payments', serviceAccount: 'no-id' },
        null as unknown as PodIdentityAssociationSummary,
      ],
    });
    const region = (await gather()).regions[0]!;
    expect(region.clusters.map((cluster) => cluster.name)).toEqual(['prod']);
    expect(region.clusters[0]!.associations.map((item) => item.associationId)).toEqual(['a-ok']);
    expect(region.skipped.map((record) => `${record.source}: ${record.reason}`)).toEqual([
      'eks:ListClusters: cluster listed twice',
      'eks:ListClusters: cluster name is not an EKS cluster name',
      'eks:ListClusters: cluster name is not an EKS cluster name',
      'eks:ListClusters: cluster name is not an EKS cluster name',
      'eks:ListPodIdentityAssociations: association listed twice',
      'eks:ListPodIdentityAssociations: namespace is malformed',
      'eks:ListPodIdentityAssociations: association without a readable associationId, namespace and serviceAccount',
      'eks:ListPodIdentityAssociations: serviceAccount is malformed',
      'eks:ListPodIdentityAssociations: association without a readable associationId, namespace and serviceAccount',
      'eks:ListPodIdentityAssociations: association without a readable associationId, namespace and serviceAccount',
      'eks:ListPodIdentityAssociations: association is not an object',
    ]);
  });

  it('a malformed role ARN is skipped (its check ERROR), a malformed target is unreadable, never "no target"', async () => {
    account({
      [WEST]: {
        prod: {
          associations: [
            association(WEST, 'prod', 'a-1', { roleArn: 'arn:aws:iam::111122223333:role/has space' }),
            association(WEST, 'prod', 'a-2', { targetRoleArn: 'not-an-arn' }),
          ],
          addon: ACTIVE,
        },
      },
    });
    const findings = await evaluate();
    expect(problems(findings)).toEqual([
      `${WEST} pod-identity.role-invalid prod/payments/sa-a-1 ERROR`,
      `${WEST} pod-identity.target-role-invalid prod/payments/sa-a-2 ERROR`,
    ]);
  });

  it('an association deleted between the listing and its description is gone, not an error', async () => {
    account({ [WEST]: { prod: { associations: [association(WEST, 'prod', 'a-1')], addon: ACTIVE } } });
    eks
      .on(DescribePodIdentityAssociationCommand)
      .rejects(new ResourceNotFoundException({ message: 'gone', $metadata: {} }));
    const snapshot = await gather();
    expect(snapshot.regions[0]!.clusters[0]!.associations).toEqual([]);
    expect(snapshot.regions[0]!.failures).toEqual([]);
  });

  it('no add-on: DescribeCluster tells an EKS Auto Mode cluster, which needs none', async () => {
    account({
      [WEST]: {
        auto: { associations: [association(WEST, 'auto', 'a-1')], autoMode: true },
        classic: { associations: [association(WEST, 'classic', 'a-2')] },
      },
    });
    const findings = await evaluate();
    expect(eks).toHaveReceivedCommandTimes(DescribeClusterCommand, 2);
    expect(problems(findings)).toEqual([`${WEST} pod-identity.agent-not-installed classic FAIL`]);
  });

  it('hostile add-on health issues are bounded and cleaned where they enter', async () => {
    const hostile = `\u001b]52;c;Y3VybCBldmlsCg==\u0007\u001b[2J${'A'.repeat(100_000)}\nRunbook: https://evil.example`;
    const issues = Array.from({ length: 500 }, () => ({
      code: 'AdmissionRequestDenied' as const,
      message: hostile,
      resourceIds: Array.from({ length: 50 }, () => hostile),
    }));
    account({
      [WEST]: {
        prod: {
          associations: [association(WEST, 'prod', 'a-1')],
          addon: { ...ACTIVE, status: 'DEGRADED', health: { issues } },
        },
      },
    });
    const agent = (await gather()).regions[0]!.clusters[0]!.agent!;
    expect(agent.ok && agent.value.installed).toBe(true);
    if (!agent.ok || !agent.value.installed) throw new Error('unreachable');
    expect(agent.value.issueCount).toBe(500);
    expect(agent.value.issues).toHaveLength(10);
    for (const issue of agent.value.issues) {
      expect(issue.message.length).toBeLessThanOrEqual(512);
      expect(issue.resourceIds.length).toBeLessThanOrEqual(3);
      // eslint-disable-next-line no-control-regex
      expect(`${issue.message}${issue.resourceIds.join('')}`).not.toMatch(/[\u0000-\u001f\u007f]/);
      expect(issue.message).toContain('\\u001b]52;c;');
    }
  });
});

describe('failures are ERROR naming the call, never PASS', () => {
  const healthy = () =>
    account({
      [WEST]: {
        prod: {
          associations: [association(WEST, 'prod', 'a-1'), association(WEST, 'prod', 'a-2')],
          addon: ACTIVE,
        },
        dev: { associations: [association(WEST, 'dev', 'a-3')], addon: ACTIVE },
      },
    });

  it('AccessDenied on ListClusters: the region reports only the failed call', async () => {
    healthy();
    eks
      .on(ListClustersCommand)
      .rejects(awsError('AccessDeniedException', 'not authorized: eks:ListClusters'));
    const findings = await evaluate();
    expect(findings.map(line)).toEqual([`${WEST} checker.error eks:ListClusters ERROR`]);
  });

  it("AccessDenied on one cluster's ListPodIdentityAssociations: that cluster has no finding, the other is checked", async () => {
    healthy();
    eks
      .on(ListPodIdentityAssociationsCommand, { clusterName: 'dev' })
      .rejects(awsError('AccessDeniedException', 'not authorized: eks:ListPodIdentityAssociations'));
    const snapshot = await gather();
    const findings = evaluatePodIdentity(snapshot, { runbookBaseUrl: 'docs/checks.md' });
    expect(problems(findings)).toEqual([`${WEST} checker.error eks:ListPodIdentityAssociations ERROR`]);
    expect(findings.some((finding) => finding.evidence.clusterName === 'dev')).toBe(false);
    expect(findings.filter((finding) => finding.evidence.clusterName === 'prod')).toHaveLength(6);
    expect(isPodIdentityRegionComplete(snapshot.regions[0]!)).toBe(false);
  });

  it('AccessDenied on DescribePodIdentityAssociation: its two checks ERROR naming the call', async () => {
    healthy();
    eks
      .on(DescribePodIdentityAssociationCommand, { associationId: 'a-2' })
      .rejects(awsError('AccessDeniedException'));
    const findings = await evaluate();
    expect(problems(findings)).toEqual([
      `${WEST} pod-identity.role-invalid prod/payments/sa-a-2 ERROR`,
      `${WEST} pod-identity.target-role-invalid prod/payments/sa-a-2 ERROR`,
      `${WEST} checker.error eks:DescribePodIdentityAssociation ERROR`,
    ]);
    const error = findings.find((finding) => finding.status === 'ERROR')!;
    expect(error.evidence.error).toMatch(
      /eks:DescribePodIdentityAssociation failed in us-west-2 with AccessDeniedException/,
    );
  });

  it('AccessDenied on DescribeAddon: both agent checks ERROR for that cluster', async () => {
    healthy();
    eks.on(DescribeAddonCommand, { clusterName: 'prod' }).rejects(awsError('AccessDeniedException'));
    const findings = await evaluate();
    expect(problems(findings)).toEqual([
      `${WEST} pod-identity.agent-not-installed prod ERROR`,
      `${WEST} pod-identity.agent-unhealthy prod ERROR`,
      `${WEST} checker.error eks:DescribeAddon ERROR`,
    ]);
  });

  it('AccessDenied on GetRole: the role finding of every region using it is ERROR naming iam:GetRole', async () => {
    account({
      [WEST]: { prod: { associations: [association(WEST, 'prod', 'a-1')], addon: ACTIVE } },
      [EAST]: { prod: { associations: [association(EAST, 'prod', 'a-1')], addon: { ...ACTIVE } } },
    });
    iam.on(GetRoleCommand).rejects(awsError('AccessDenied', 'not authorized to perform: iam:GetRole'));
    const findings = await evaluate([WEST, EAST]);
    expect(iam).toHaveReceivedCommandTimes(GetRoleCommand, 1);
    expect(problems(findings)).toEqual([
      `${WEST} pod-identity.role-invalid pods-role ERROR`,
      `${WEST} checker.error iam:GetRole ERROR`,
      `${EAST} pod-identity.role-invalid pods-role ERROR`,
      `${EAST} checker.error iam:GetRole ERROR`,
    ]);
    expect(findings[0]!.evidence.error).toMatch(/iam:GetRole failed/);
  });

  it('NoSuchEntity on GetRole is an observation: FAIL role-missing', async () => {
    account({ [WEST]: { prod: { associations: [association(WEST, 'prod', 'a-1')], addon: ACTIVE } } }, {});
    const findings = await evaluate();
    expect(problems(findings)).toEqual([`${WEST} pod-identity.role-invalid pods-role FAIL`]);
  });

  it('past the deadline no call starts: each is DeadlineExceeded', async () => {
    healthy();
    const snapshot = await gather([WEST], new RunDeadline(new Date(NOW.getTime() - 1), () => NOW));
    expect(eks).not.toHaveReceivedAnyCommand();
    expect(snapshot.regions[0]!.failures).toEqual([
      expect.objectContaining({ operation: 'ListClusters', errorName: 'DeadlineExceeded' }),
    ]);
  });
});

describe('in the credential check run', () => {
  const settings = (podIdentityEnabled: boolean, eksConnectorEnabled = false) =>
    checkerSettingsSchema.parse({
      regions: [WEST, EAST],
      credentialNames: [],
      podIdentityEnabled,
      eksConnectorEnabled,
    });

  async function run(podIdentityEnabled: boolean, eksConnectorEnabled = false) {
    tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
    let forwarded: RunReportForwardInput | undefined;
    const result = await runCredentialCheck(
      {
        accountId: ACCOUNT,
        settings: settings(podIdentityEnabled, eksConnectorEnabled),
        defaultRegion: WEST,
      },
      {
        clientsFor: (region) => createRegionClients(region, { maxAttempts: 1 }),
        eksConnectorClientsFor: eksClientsFor,
        gatherEksConnector,
        gatherPodIdentity,
        now: () => NOW,
        sink: forwardingSink({
          forward: (input) => {
            forwarded = input;
            return Promise.resolve({
              publisher: 'test',
              findingCount: input.findings.length,
              delivered: 0,
              apiCalls: 0,
            });
          },
        }),
      },
    );
    return { result, forwarded: forwarded! };
  }

  it('off: no EKS or IAM call, no pod-identity finding', async () => {
    account({ [WEST]: { prod: { associations: [association(WEST, 'prod', 'a-1')] } } });
    const { result } = await run(false);
    expect(eks).not.toHaveReceivedAnyCommand();
    expect(iam).not.toHaveReceivedAnyCommand();
    expect(result.podIdentity).toBeUndefined();
    expect(result.findings.filter((finding) => finding.checkId.startsWith('pod-identity.'))).toEqual([]);
  });

  it('on: its findings join the run; a region whose associations are not all known is not covered', async () => {
    account({
      [WEST]: { prod: { associations: [association(WEST, 'prod', 'a-1')] } },
      [EAST]: { prod: { associations: [association(EAST, 'prod', 'a-1')], addon: ACTIVE } },
    });
    eks
      .on(ListPodIdentityAssociationsCommand)
      .callsFake(async (input: { clusterName: string }, getClient: GetClient) => {
        if ((await regionOf(getClient)) === EAST) throw awsError('AccessDeniedException');
        return { associations: [summaryOf(association(WEST, input.clusterName, 'a-1'))] };
      });
    const { result, forwarded } = await run(true);
    expect(
      result.findings.filter((finding) => finding.checkId.startsWith('pod-identity.')).map(line),
    ).toEqual([
      `${WEST} pod-identity.role-invalid pods-role PASS`,
      `${WEST} pod-identity.target-role-invalid prod/payments/sa-a-1 PASS`,
      `${WEST} pod-identity.agent-not-installed prod FAIL`,
      `${WEST} pod-identity.agent-unhealthy prod PASS`,
    ]);
    expect(forwarded.coveredRegions).toEqual([WEST]);
    expect(result.summary.failedOperations).toEqual([`${EAST} eks:ListPodIdentityAssociations`]);
  });

  it('with the EKS Connector on too: one checker.error per operation and region, ERROR when either failed', async () => {
    account({ [WEST]: { prod: { associations: [association(WEST, 'prod', 'a-1')], addon: ACTIVE } } });
    // The EKS Connector describes every cluster; Pod Identity's clusters are EKS's own (no connectorConfig).
    const { result } = await run(true, true);
    const ids = result.findings.map((finding) => finding.findingId);
    expect(new Set(ids).size).toBe(ids.length);
    const operations = result.findings
      .filter((finding) => finding.checkId === 'checker.error' && finding.region === WEST)
      .map((finding) => `${finding.resource.name} ${finding.status}`)
      .filter((name) => /^(eks|iam):/.test(name));
    expect(operations.sort()).toEqual([
      'eks:DescribeAddon PASS',
      'eks:DescribeCluster PASS',
      'eks:DescribePodIdentityAssociation PASS',
      'eks:ListClusters PASS',
      'eks:ListPodIdentityAssociations PASS',
      'iam:GetRole PASS',
    ]);
  });
});
