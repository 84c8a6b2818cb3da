/**
 * The EKS Connector check (issue 14) against moto: clusters and IAM roles live in moto, and the credential check's
 * run (lambdas/app/credential-check.ts, then the Lambda handler itself) reads them over HTTP with the same clients
 * the function uses.
 *
 * What moto 5.2.5 serves and does not serve here, each point checked below:
 *  - Served (relied upon): CreateCluster, ListClusters with its nextToken paging, DescribeCluster (name, arn,
 *    createdAt stamped with moto's wall clock, status), and IAM CreateRole / GetRole (the trust policy, and
 *    NoSuchEntity for a role that does not exist).
 *  - NOT served: RegisterCluster (moto answers with its HTML 404 page), so there are no registered clusters; the
 *    `include` parameter of ListClusters (ignored: every cluster is listed whatever it says, which is what
 *    include=all asks for anyway); `connectorConfig` in DescribeCluster; and a registered cluster's PENDING or
 *    FAILED status (moto clusters are always ACTIVE).
 *  So the clusters are created with CreateCluster and a middleware on the checker's EKS client adds exactly those
 *  two fields, `connectorConfig` and `status`, to DescribeCluster's answer for the clusters this test "registers";
 *  everything else (the listing, the paging, createdAt, the ARN, every IAM answer) is moto's.
 *  - moto cannot backdate createdAt: the run that needs a cluster PENDING past the grace moves the run's clock 45
 *    minutes ahead instead (as credential-check.test.ts does for the token age).
 */
import {
  CreateClusterCommand,
  EKSClient,
  RegisterClusterCommand,
  type ConnectorConfigResponse,
  type DescribeClusterCommandOutput,
} from '@aws-sdk/client-eks';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import type { Context } from 'aws-lambda';
import { runCredentialCheck } from '../../lambdas/app/credential-check';
import { RequestCounter } from '../../lambdas/adapters/client-config';
import { createRegionClients } from '../../lambdas/adapters/clients';
import { gatherEksConnector } from '../../lambdas/adapters/gather-eks-connector';
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

const MINUTE = 60_000;
const roleArn = (name: string) => `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/${name}`;
const SSM_TRUST = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ssm.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};
const EC2_TRUST = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};

/** What the stub adds to DescribeCluster for a cluster this test registered: the two fields moto lacks. */
interface Registration {
  readonly status: 'PENDING' | 'ACTIVE' | 'FAILED';
  readonly connectorConfig: ConnectorConfigResponse;
}

let clients: TestClients;
let eks: EKSClient;

useMotoFile({}, (moto) => ({ clients } = moto));
beforeAll(() => {
  eks = motoClient(EKSClient);
});
afterAll(() => eks.destroy());

async function createRole(name: string, trust: object): Promise<string> {
  await clients.iam.send(
    new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trust) }),
  );
  return roleArn(name);
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

/**
 * Adds `status` and `connectorConfig` (only those) to DescribeCluster's answers for the registered clusters: the
 * fields moto lacks. Runs after the SDK parsed moto's answer (initialize step), so every other field is moto's.
 */
function stubConnectorFields(client: EKSClient, registrations: ReadonlyMap<string, Registration>): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'DescribeClusterCommand') {
        const cluster = (result.output as DescribeClusterCommandOutput).cluster;
        const registration = cluster?.name === undefined ? undefined : registrations.get(cluster.name);
        if (cluster && registration) {
          cluster.status = registration.status;
          cluster.connectorConfig = registration.connectorConfig;
        }
      }
      return result;
    },
    { step: 'initialize', name: 'motoLacksConnectorConfig', override: true },
  );
}

const config = (role: string, expiresAt: Date): ConnectorConfigResponse => ({
  activationId: '00000000-0000-0000-0000-000000000000',
  activationExpiry: expiresAt,
  provider: 'OTHER',
  roleArn: role,
});

/** The account every test starts from: seven registered clusters, EKS's own, and three connector roles. */
async function seedAccount(now: Date): Promise<Map<string, Registration>> {
  const agent = await createRole('eks-connector-agent', SSM_TRUST);
  const wrongTrust = await createRole('eks-connector-ec2', EC2_TRUST);
  const deleted = roleArn('eks-connector-deleted');
  const later = (minutes: number) => new Date(now.getTime() + minutes * MINUTE);
  const registrations = new Map<string, Registration>([
    ['tmc-attached', { status: 'ACTIVE', connectorConfig: config(agent, later(-3 * 24 * 60)) }],
    ['stuck', { status: 'PENDING', connectorConfig: config(agent, later(3 * 24 * 60 - 45)) }],
    ['expired', { status: 'PENDING', connectorConfig: config(agent, later(-90)) }],
    ['failed', { status: 'FAILED', connectorConfig: config(agent, later(-24 * 60)) }],
    ['untrusted', { status: 'PENDING', connectorConfig: config(wrongTrust, later(60)) }],
    ['role-gone', { status: 'ACTIVE', connectorConfig: config(deleted, later(-60)) }],
  ]);
  for (const name of [...registrations.keys(), 'eks-own']) await createCluster(name);
  return registrations;
}

function eksConnectorClientsFor(registrations: ReadonlyMap<string, Registration>, counter?: RequestCounter) {
  const created = new Map<string, EksConnectorClients>();
  return (region: string): EksConnectorClients => {
    let regionClients = created.get(region);
    if (regionClients === undefined) {
      regionClients = createEksConnectorClients(region, { maxAttempts: 2 });
      stubConnectorFields(regionClients.eks, registrations);
      if (counter) attachRequestCounterToEksConnector(regionClients, counter);
      created.set(region, regionClients);
    }
    return regionClients;
  };
}

async function runCheck(
  registrations: ReadonlyMap<string, Registration>,
  now: Date,
  settings: Record<string, unknown> = {},
  counter?: RequestCounter,
) {
  return runCredentialCheck(
    {
      accountId: MOTO_ACCOUNT_ID,
      settings: checkerSettingsSchema.parse({
        regions: [TEST_REGION],
        eksConnectorEnabled: true,
        ...settings,
      }),
      defaultRegion: TEST_REGION,
    },
    {
      clientsFor: (region) => createRegionClients(region, { maxAttempts: 2 }),
      eksConnectorClientsFor: eksConnectorClientsFor(registrations, counter),
      gatherEksConnector,
      now: () => now,
    },
  );
}

const verdicts = (findings: readonly Finding[]) =>
  Object.fromEntries(
    findings
      .filter((finding) => finding.checkId.startsWith('eks.connector.'))
      .map((finding) => [`${String(finding.evidence.clusterName)} ${finding.checkId}`, finding.status]),
  );

describe('what moto serves', () => {
  test('RegisterCluster is not served (so the test registers clusters through the stub)', async () => {
    const { eks: checkerEks } = createEksConnectorClients(TEST_REGION, { maxAttempts: 1 });
    await expect(
      checkerEks.send(
        new RegisterClusterCommand({
          name: 'registered',
          connectorConfig: { roleArn: roleArn('eks-connector-agent'), provider: 'OTHER' },
        }),
      ),
    ).rejects.toMatchObject({ name: 'UnexpectedResponse' });
    checkerEks.destroy();
  });
});

describe('the credential check run with the EKS Connector check on', () => {
  test('each registered cluster gets its four verdicts; EKS own clusters none', async () => {
    const now = new Date(Date.now() + 45 * MINUTE);
    const registrations = await seedAccount(now);
    const result = await runCheck(registrations, now);

    expect(verdicts(result.findings)).toEqual({
      'tmc-attached eks.connector.pending': 'PASS',
      'tmc-attached eks.connector.activation-expired': 'PASS',
      'tmc-attached eks.connector.failed': 'PASS',
      'tmc-attached eks.connector.role-invalid': 'PASS',
      // Registered 45 minutes before the run's clock, grace 30.
      'stuck eks.connector.pending': 'FAIL',
      'stuck eks.connector.activation-expired': 'PASS',
      'stuck eks.connector.failed': 'PASS',
      'stuck eks.connector.role-invalid': 'PASS',
      'expired eks.connector.pending': 'PASS',
      'expired eks.connector.activation-expired': 'FAIL',
      'expired eks.connector.failed': 'PASS',
      'expired eks.connector.role-invalid': 'PASS',
      'failed eks.connector.pending': 'PASS',
      'failed eks.connector.activation-expired': 'PASS',
      'failed eks.connector.failed': 'FAIL',
      'failed eks.connector.role-invalid': 'PASS',
      'untrusted eks.connector.pending': 'FAIL',
      'untrusted eks.connector.activation-expired': 'PASS',
      'untrusted eks.connector.failed': 'PASS',
      'untrusted eks.connector.role-invalid': 'FAIL',
      'role-gone eks.connector.pending': 'PASS',
      'role-gone eks.connector.activation-expired': 'PASS',
      'role-gone eks.connector.failed': 'PASS',
      'role-gone eks.connector.role-invalid': 'FAIL',
    });
    const byKey = (cluster: string, checkId: string) =>
      result.findings.find((f) => f.checkId === checkId && f.evidence.clusterName === cluster)!;
    // moto's fields come through: the ARN and the registration time it stamped.
    expect(byKey('stuck', 'eks.connector.pending')).toMatchObject({
      severity: 'MEDIUM',
      resource: {
        type: 'AWS::EKS::Cluster',
        arn: `arn:aws:eks:${TEST_REGION}:${MOTO_ACCOUNT_ID}:cluster/stuck`,
      },
      evidence: { withinGracePeriod: false, graceMinutes: 30, status: 'PENDING' },
    });
    expect(byKey('stuck', 'eks.connector.pending').evidence.pendingMinutes).toBeGreaterThanOrEqual(44);
    // moto's IAM: the trust policy as GetRole returned it, and NoSuchEntity for the deleted role.
    expect(byKey('untrusted', 'eks.connector.role-invalid').evidence).toMatchObject({
      cause: 'ssm-not-trusted',
      trustPolicy: expect.stringContaining('ec2.amazonaws.com'),
    });
    expect(byKey('role-gone', 'eks.connector.role-invalid').evidence.cause).toBe('role-missing');
    expect(result.eksConnector?.regions[0]).toMatchObject({
      eksClusterCount: 1,
      undescribed: [],
      skipped: [],
    });
    // Nothing the checker could not read: every EKS and IAM call moto answered.
    expect(
      result.findings
        .filter((f) => f.checkId === 'checker.error' && f.status !== 'PASS')
        .map((f) => f.resource.name),
    ).toEqual([]);
    expect(
      result.findings
        .filter((f) => f.checkId === 'checker.error')
        .map((f) => f.resource.name)
        .filter((name) => /^(eks|iam):/.test(name)),
    ).toEqual(['eks:DescribeCluster', 'eks:ListClusters', 'iam:GetRole']);
  });

  test('a PENDING cluster younger than the grace is PASS, and the evidence says so', async () => {
    const now = new Date(Date.now() + 45 * MINUTE);
    const registrations = await seedAccount(now);
    const result = await runCheck(registrations, now, { eksConnectorPendingGraceMinutes: 60 });
    const stuck = result.findings.find(
      (f) => f.checkId === 'eks.connector.pending' && f.evidence.clusterName === 'stuck',
    )!;
    expect(stuck.status).toBe('PASS');
    expect(stuck.evidence).toMatchObject({ withinGracePeriod: true, graceMinutes: 60 });
    expect(stuck.message).toMatch(/within the 60-minute grace period/);
  });

  test('ListClusters pages through moto (more than one page of 100)', async () => {
    const names = Array.from({ length: 103 }, (_, i) => `c${String(i).padStart(3, '0')}`);
    const role = await createRole('eks-connector-agent', SSM_TRUST);
    for (const name of names) await createCluster(name);
    const registrations = new Map<string, Registration>(
      names.map((name) => [name, { status: 'ACTIVE', connectorConfig: config(role, new Date(0)) }]),
    );
    const counter = new RequestCounter();
    const result = await runCheck(registrations, new Date(), {}, counter);
    expect(counter.byOperation.get('EKS:ListClusters')).toBe(2);
    expect(counter.byOperation.get('EKS:DescribeCluster')).toBe(103);
    expect(counter.byOperation.get('IAM:GetRole')).toBe(1);
    expect(result.eksConnector?.regions[0]?.clusters).toHaveLength(103);
    expect(result.findings.filter((f) => f.checkId === 'eks.connector.failed')).toHaveLength(103);
  });
});

describe('the credential-check handler with TMC_HEALTH_EKS_CONNECTOR_ENABLED=true', () => {
  test('the connector FAIL findings reach the findings bus', async () => {
    const registrations = await seedAccount(new Date());
    const sinks = await publishingSinks(clients, { eventBusName: 'tmc-health-findings' });
    const variables: Record<string, string> = {
      TMC_HEALTH_REGIONS: TEST_REGION,
      TMC_HEALTH_EVENT_BUS: sinks.eventBusName,
      TMC_HEALTH_TOPIC_ARN: sinks.topicArn,
      TMC_HEALTH_EKS_CONNECTOR_ENABLED: 'true',
      ...quietPowertools(),
    };
    await withEnv(variables, async () => {
      const handler = await loadIsolated(async () => {
        // The handler's EKS clients are cached per region at module scope: stub these very clients.
        const module = await import('../../lambdas/adapters/eks-connector-clients');
        stubConnectorFields(module.eksConnectorClients(TEST_REGION).eks, registrations);
        return (await import('../../lambdas/handlers/credential-check')).handler;
      });
      const context: Context = lambdaContext();
      const summary = await handler({}, context);
      expect(summary.failedOperations).toEqual([]);
    });
    const fails = (await drainEvents<Finding>(clients, sinks.ruleQueueUrl)).map((event) => event.detail);
    // Registered just now: `stuck` and `untrusted` are still within the grace (moto stamped createdAt now).
    expect(
      fails
        .filter((finding) => finding.checkId.startsWith('eks.connector.'))
        .map((finding) => `${String(finding.evidence.clusterName)} ${finding.checkId}`)
        .sort(),
    ).toEqual([
      'expired eks.connector.activation-expired',
      'failed eks.connector.failed',
      'role-gone eks.connector.role-invalid',
      'untrusted eks.connector.role-invalid',
    ]);
  });
});
