/**
 * The EKS Pod Identity check against moto: clusters and IAM roles live in moto, and the credential check's run
 * (lambdas/app/credential-check.ts, then the Lambda handler itself) reads them over HTTP with the same clients the
 * function uses.
 *
 * What moto 5.2.5 serves and does not serve here, each point checked below:
 *  - Served (relied upon): CreateCluster, ListClusters, DescribeCluster (name, ARN, status), and IAM CreateRole /
 *    GetRole (the trust policy as written, and NoSuchEntity for a role that does not exist).
 *  - NOT served: Pod Identity associations (ListPodIdentityAssociations, DescribePodIdentityAssociation) and
 *    add-ons (DescribeAddon): moto has no route for them and answers with its HTML 404 page; and
 *    DescribeCluster's `computeConfig` (EKS Auto Mode).
 *  So a middleware on the checker's EKS client answers exactly those three commands from this test's own
 *  associations and add-ons, before anything is sent, and adds `computeConfig` to moto's DescribeCluster answer for
 *  the cluster this test makes an Auto Mode one. Everything else (the cluster listing, the cluster ARNs, every IAM
 *  answer, the trust policies the verdicts rest on) is moto's.
 */
import {
  CreateClusterCommand,
  DescribeAddonCommand,
  EKSClient,
  ListPodIdentityAssociationsCommand,
  ResourceNotFoundException,
  type Addon,
  type DescribeClusterCommandOutput,
  type PodIdentityAssociation,
} from '@aws-sdk/client-eks';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { runCredentialCheck } from '../../lambdas/app/credential-check';
import { RequestCounter } from '../../lambdas/adapters/client-config';
import { createRegionClients } from '../../lambdas/adapters/clients';
import { gatherPodIdentity } from '../../lambdas/adapters/gather-pod-identity';
import {
  attachRequestCounterToEksConnector,
  createEksConnectorClients,
  type EksConnectorClients,
} from '../../lambdas/adapters/eks-connector-clients';
import type { Finding } from '../../lambdas/core/finding';
import { checkerSettingsSchema } from '../../lambdas/core/settings';
import {
  drainEvents,
  lambdaContext,
  MOTO_ACCOUNT_ID,
  publishingSinks,
  TEST_REGION,
  type TestClients,
} from './support';
import { motoClient, useMotoFile } from './support/moto-hooks';
import { withEnv } from '../fixtures/env';
import { loadIsolated, quietPowertools } from '../fixtures/load-handler';

jest.setTimeout(120_000);

const roleArn = (name: string) => `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/${name}`;
const clusterArn = (name: string) => `arn:aws:eks:${TEST_REGION}:${MOTO_ACCOUNT_ID}:cluster/${name}`;
const statement = (principal: object, actions: string[], condition?: object) => ({
  Effect: 'Allow',
  Principal: principal,
  Action: actions,
  ...(condition ? { Condition: condition } : {}),
});
const trust = (...statements: object[]) => ({ Version: '2012-10-17', Statement: statements });
const BOTH = ['sts:AssumeRole', 'sts:TagSession'];

/** What the stub serves: the associations of each cluster, and its agent add-on (absent: not installed). */
interface World {
  readonly associations: Readonly<Record<string, readonly PodIdentityAssociation[]>>;
  readonly addons: Readonly<Record<string, Addon>>;
  readonly autoMode: ReadonlySet<string>;
}

let clients: TestClients;
let eks: EKSClient;

useMotoFile({}, (moto) => ({ clients } = moto));
beforeAll(() => {
  eks = motoClient(EKSClient);
});
afterAll(() => eks.destroy());

async function createRole(name: string, document: object): Promise<void> {
  await clients.iam.send(
    new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(document) }),
  );
}

async function createCluster(name: string): Promise<void> {
  await eks.send(
    new CreateClusterCommand({
      name,
      roleArn: roleArn('eks-cluster-role'),
      resourcesVpcConfig: { subnetIds: [] },
    }),
  );
}

const STUBBED = new Set([
  'ListPodIdentityAssociationsCommand',
  'DescribePodIdentityAssociationCommand',
  'DescribeAddonCommand',
]);

/**
 * Answers the three commands moto lacks from `world`, before anything is sent (initialize step), and adds
 * `computeConfig` to moto's DescribeCluster answer for the Auto Mode clusters; every other command goes to moto.
 */
function stubPodIdentity(client: EKSClient, world: World): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, string>;
      const answer = (output: object) => ({ output: { ...output, $metadata: {} }, response: {} });
      if (STUBBED.has(context.commandName ?? '')) {
        const associations = world.associations[input.clusterName ?? ''] ?? [];
        if (context.commandName === 'ListPodIdentityAssociationsCommand') {
          return answer({
            associations: associations.map(
              ({ namespace, serviceAccount, associationArn, associationId }) => ({
                clusterName: input.clusterName,
                namespace,
                serviceAccount,
                associationArn,
                associationId,
              }),
            ),
          });
        }
        if (context.commandName === 'DescribePodIdentityAssociationCommand') {
          const found = associations.find((item) => item.associationId === input.associationId);
          if (!found) throw new ResourceNotFoundException({ message: 'No association found', $metadata: {} });
          return answer({ association: found });
        }
        const addon = world.addons[input.clusterName ?? ''];
        if (!addon) {
          throw new ResourceNotFoundException({
            message: `No addon: ${input.addonName} found in cluster: ${input.clusterName}`,
            $metadata: {},
          });
        }
        return answer({ addon });
      }
      const result = await next(args);
      if (context.commandName === 'DescribeClusterCommand') {
        const cluster = (result.output as DescribeClusterCommandOutput).cluster;
        if (cluster?.name !== undefined && world.autoMode.has(cluster.name)) {
          cluster.computeConfig = { enabled: true, nodePools: ['general-purpose', 'system'] };
        }
      }
      return result;
    },
    { step: 'initialize', name: 'motoLacksPodIdentity', override: true },
  );
}

function association(cluster: string, id: string, extra: Partial<PodIdentityAssociation> = {}) {
  return {
    clusterName: cluster,
    namespace: 'payments',
    serviceAccount: `sa-${id}`,
    roleArn: roleArn('pods-role'),
    associationArn: `arn:aws:eks:${TEST_REGION}:${MOTO_ACCOUNT_ID}:podidentityassociation/${cluster}/${id}`,
    associationId: id,
    disableSessionTags: false,
    ...extra,
  };
}

const agent = (status: Addon['status'], issues: Addon['health'] = { issues: [] }): Addon => ({
  addonName: 'eks-pod-identity-agent',
  status,
  addonVersion: 'v1.3.4-eksbuild.1',
  health: issues,
});

/** The account every test starts from: five clusters in moto, four roles in moto's IAM, and the stub's world. */
async function seedAccount(): Promise<World> {
  await createRole(
    'pods-role',
    trust(
      statement({ Service: 'pods.eks.amazonaws.com' }, BOTH, {
        StringEquals: { 'aws:SourceAccount': MOTO_ACCOUNT_ID },
        ArnLike: { 'aws:SourceArn': `arn:aws:eks:${TEST_REGION}:${MOTO_ACCOUNT_ID}:cluster/*` },
      }),
    ),
  );
  await createRole(
    'payments-only',
    trust(
      statement({ Service: 'pods.eks.amazonaws.com' }, BOTH, {
        StringEquals: { 'aws:RequestTag/kubernetes-namespace': 'payments' },
      }),
    ),
  );
  await createRole(
    'assume-only',
    trust(statement({ Service: 'pods.eks.amazonaws.com' }, ['sts:AssumeRole'])),
  );
  await createRole(
    'data-target',
    trust(statement({ AWS: roleArn('pods-role') }, BOTH, { StringEquals: { 'sts:ExternalId': 'ext-a-2' } })),
  );
  for (const name of ['prod', 'auto', 'legacy', 'degraded', 'idle']) await createCluster(name);
  return {
    associations: {
      prod: [
        association('prod', 'a-1'),
        association('prod', 'a-2', { targetRoleArn: roleArn('data-target'), externalId: 'ext-a-2' }),
        association('prod', 'a-3', { roleArn: roleArn('payments-only'), namespace: 'billing' }),
        association('prod', 'a-4', { roleArn: roleArn('deleted-role') }),
      ],
      auto: [association('auto', 'a-5')],
      legacy: [association('legacy', 'a-6', { roleArn: roleArn('assume-only') })],
      degraded: [association('degraded', 'a-7')],
      idle: [],
    },
    addons: {
      prod: agent('ACTIVE'),
      degraded: agent('DEGRADED', {
        issues: [
          {
            code: 'InsufficientNumberOfReplicas',
            message: "The add-on is unhealthy because it doesn't have the desired number of replicas.",
          },
        ],
      }),
    },
    autoMode: new Set(['auto']),
  };
}

function podIdentityClientsFor(world: World, counter?: RequestCounter) {
  const created = new Map<string, EksConnectorClients>();
  return (region: string): EksConnectorClients => {
    let regionClients = created.get(region);
    if (regionClients === undefined) {
      regionClients = createEksConnectorClients(region, { maxAttempts: 2 });
      stubPodIdentity(regionClients.eks, world);
      if (counter) attachRequestCounterToEksConnector(regionClients, counter);
      created.set(region, regionClients);
    }
    return regionClients;
  };
}

async function runCheck(world: World, counter?: RequestCounter) {
  return runCredentialCheck(
    {
      accountId: MOTO_ACCOUNT_ID,
      settings: checkerSettingsSchema.parse({ regions: [TEST_REGION], podIdentityEnabled: true }),
      defaultRegion: TEST_REGION,
    },
    {
      clientsFor: (region) => createRegionClients(region, { maxAttempts: 2 }),
      eksConnectorClientsFor: podIdentityClientsFor(world, counter),
      gatherPodIdentity,
    },
  );
}

const verdicts = (findings: readonly Finding[]) =>
  Object.fromEntries(
    findings
      .filter((finding) => finding.checkId.startsWith('pod-identity.'))
      .map((finding) => [
        `${String(finding.evidence.associationId ?? finding.evidence.clusterName)} ${finding.checkId}`,
        `${finding.status}${typeof finding.evidence.cause === 'string' ? ` ${finding.evidence.cause}` : ''}`,
      ]),
  );

describe('what moto serves', () => {
  test('no Pod Identity associations and no add-ons (so the test serves them through the stub)', async () => {
    await createCluster('prod');
    const { eks: checkerEks } = createEksConnectorClients(TEST_REGION, { maxAttempts: 1 });
    await expect(
      checkerEks.send(new ListPodIdentityAssociationsCommand({ clusterName: 'prod' })),
    ).rejects.toMatchObject({ name: 'UnexpectedResponse' });
    await expect(
      checkerEks.send(new DescribeAddonCommand({ clusterName: 'prod', addonName: 'eks-pod-identity-agent' })),
    ).rejects.toMatchObject({ name: 'UnexpectedResponse' });
    checkerEks.destroy();
  });
});

describe('the credential check run with the Pod Identity check on', () => {
  test('each association gets its role and target verdicts, each cluster with associations its agent verdicts', async () => {
    const world = await seedAccount();
    const counter = new RequestCounter();
    const result = await runCheck(world, counter);

    expect(verdicts(result.findings)).toEqual({
      'a-1 pod-identity.role-invalid': 'PASS',
      'a-1 pod-identity.target-role-invalid': 'PASS',
      'a-2 pod-identity.role-invalid': 'PASS',
      'a-2 pod-identity.target-role-invalid': 'PASS',
      // Its role only trusts the payments namespace; this association is in billing.
      'a-3 pod-identity.role-invalid': 'FAIL condition-mismatch',
      'a-3 pod-identity.target-role-invalid': 'PASS',
      'a-4 pod-identity.role-invalid': 'FAIL role-missing',
      'a-4 pod-identity.target-role-invalid': 'PASS',
      'prod pod-identity.agent-not-installed': 'PASS',
      'prod pod-identity.agent-unhealthy': 'PASS',
      'a-5 pod-identity.role-invalid': 'PASS',
      'a-5 pod-identity.target-role-invalid': 'PASS',
      // No add-on, and needs none: an EKS Auto Mode cluster.
      'auto pod-identity.agent-not-installed': 'PASS',
      'auto pod-identity.agent-unhealthy': 'PASS',
      'a-6 pod-identity.role-invalid': 'FAIL tag-session-not-allowed',
      'a-6 pod-identity.target-role-invalid': 'PASS',
      // No add-on, and not Auto Mode.
      'legacy pod-identity.agent-not-installed': 'FAIL',
      'legacy pod-identity.agent-unhealthy': 'PASS',
      'a-7 pod-identity.role-invalid': 'PASS',
      'a-7 pod-identity.target-role-invalid': 'PASS',
      'degraded pod-identity.agent-not-installed': 'PASS',
      'degraded pod-identity.agent-unhealthy': 'FAIL',
    });
    const of = (id: string, checkId: string) =>
      result.findings.find((f) => f.checkId === checkId && f.evidence.associationId === id)!;
    // moto's fields come through: the cluster ARN it made, the trust policy as its IAM returned it.
    expect(of('a-3', 'pod-identity.role-invalid')).toMatchObject({
      resource: { type: 'AWS::IAM::Role', arn: roleArn('payments-only') },
      evidence: {
        clusterArn: clusterArn('prod'),
        trustPolicy: expect.stringContaining('kubernetes-namespace'),
        conditionMismatches: [
          expect.stringContaining('the policy wants ["payments"], EKS sends ["billing"]'),
        ],
      },
    });
    expect(of('a-2', 'pod-identity.target-role-invalid').evidence).toMatchObject({
      targetRoleArn: roleArn('data-target'),
      externalId: 'ext-a-2',
    });
    // Nothing the checker could not read, and each read as often as it should be.
    expect(
      result.findings
        .filter((f) => f.checkId === 'checker.error' && f.status !== 'PASS')
        .map((f) => f.resource.name),
    ).toEqual([]);
    expect(counter.byOperation.get('EKS:ListClusters')).toBe(1);
    // Only clusters without the add-on are described: legacy and auto.
    expect(counter.byOperation.get('EKS:DescribeCluster')).toBe(2);
    // pods-role, payments-only, deleted-role, assume-only, data-target: once each.
    expect(counter.byOperation.get('IAM:GetRole')).toBe(5);
    expect(result.podIdentity?.regions[0]).toMatchObject({ skipped: [] });
  });
});

describe('the credential-check handler with TMC_HEALTH_POD_IDENTITY_ENABLED=true', () => {
  test('the Pod Identity FAIL findings reach the findings bus', async () => {
    const world = await seedAccount();
    const sinks = await publishingSinks(clients, { eventBusName: 'tmc-health-findings' });
    const variables: Record<string, string> = {
      TMC_HEALTH_REGIONS: TEST_REGION,
      TMC_HEALTH_EVENT_BUS: sinks.eventBusName,
      TMC_HEALTH_TOPIC_ARN: sinks.topicArn,
      TMC_HEALTH_POD_IDENTITY_ENABLED: 'true',
      ...quietPowertools(),
    };
    await withEnv(variables, async () => {
      const handler = await loadIsolated(async () => {
        // The handler's EKS clients are cached per region at module scope: stub these very clients.
        const module = await import('../../lambdas/adapters/eks-connector-clients');
        stubPodIdentity(module.eksConnectorClients(TEST_REGION).eks, world);
        return (await import('../../lambdas/handlers/credential-check')).handler;
      });
      const summary = await handler({}, lambdaContext());
      expect(summary.failedOperations).toEqual([]);
    });
    const fails = (await drainEvents<Finding>(clients, sinks.ruleQueueUrl)).map((event) => event.detail);
    expect(
      fails
        .filter((finding) => finding.checkId.startsWith('pod-identity.'))
        .map(
          (finding) =>
            `${String(finding.evidence.associationId ?? finding.evidence.clusterName)} ${finding.checkId}`,
        )
        .sort(),
    ).toEqual([
      'a-3 pod-identity.role-invalid',
      'a-4 pod-identity.role-invalid',
      'a-6 pod-identity.role-invalid',
      'degraded pod-identity.agent-unhealthy',
      'legacy pod-identity.agent-not-installed',
    ]);
  });
});
