/**
 * The EKS Pod Identity check in the templates: the `podIdentityEnabled` key, the credential checker's environment,
 * and its read-only grants (eks:ListPodIdentityAssociations on the checked regions' clusters,
 * eks:DescribePodIdentityAssociation on their associations, eks:DescribeAddon on the eks-pod-identity-agent add-on
 * only; eks:ListClusters, eks:DescribeCluster and iam:GetRole, shared with the EKS Connector's statements when that
 * check is on), present only when the check is on, in every mode that deploys a checker: the single stack, the
 * hub's StackSet member template, a member deployed by hand, and the read-only role of `check --accounts`.
 * Simulated with @cloud-copilot/iam-simulate so a widened grant is caught, not only a changed string.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { ConfigError, loadConfig } from '../../lib/config/config';
import type { TmcHealthHubStack } from '../../lib/tmc-health-hub-stack';
import { settingsFromEnvironment } from '../../lambdas/core/settings';
import { expectExplicitActions } from './iam-assertions';
import {
  actionsOf,
  HUB_BUS_ARN,
  HUB_CONTEXT,
  resourceOf,
  roleAllows,
  synth,
  synthApp,
  type PolicyStatementJson,
} from './helpers';

const ACCOUNT = '123456789012';
const REGIONS = ['us-west-2', 'eu-west-1'];
const ENABLED = 'TMC_HEALTH_POD_IDENTITY_ENABLED';
const POD_IDENTITY_ACTIONS = [
  'eks:DescribeAddon',
  'eks:DescribePodIdentityAssociation',
  'eks:ListPodIdentityAssociations',
];
const SHARED_ACTIONS = ['eks:DescribeCluster', 'eks:ListClusters', 'iam:GetRole'];
const isEksRead = (action: string) => action.startsWith('eks:') || action === 'iam:GetRole';

function environmentOf(template: Template): Record<string, string> {
  return (
    resourceOf(template, 'AWS::Lambda::Function', 'CheckerFunction').Properties.Environment as {
      Variables: Record<string, string>;
    }
  ).Variables;
}

/** `{"Fn::Join": ["", [...]]}` of plain strings and pseudo-parameter Refs, as a string with `${...}` placeholders. */
function flattenJoin(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(flattenJoin);
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  if ('Ref' in record) return `\${${String(record.Ref)}}`;
  if ('Fn::Join' in record) {
    const [separator, parts] = record['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => String(flattenJoin(part))).join(separator);
  }
  return Object.fromEntries(Object.entries(record).map(([key, inner]) => [key, flattenJoin(inner)]));
}

/** The statements naming an EKS read or GetRole, resources as plain strings with the account resolved. */
function eksGrants(stack: Stack, statements: readonly PolicyStatementJson[]): PolicyStatementJson[] {
  return statements
    .filter((statement) => actionsOf(statement).some(isEksRead))
    .map(
      (statement) =>
        JSON.parse(
          JSON.stringify(flattenJoin(stack.resolve(statement)))
            .replaceAll('arn:${AWS::Partition}', 'arn:aws')
            .replaceAll('${AWS::AccountId}', ACCOUNT),
        ) as PolicyStatementJson,
    );
}

describe('the configuration key', () => {
  it.each<[string, Record<string, unknown>, boolean]>([
    ['on by default', {}, true],
    ['"false" from -c', { podIdentityEnabled: 'false' }, false],
    ['false from cdk.json', { podIdentityEnabled: false }, false],
    ['"true" from -c', { podIdentityEnabled: 'true' }, true],
  ])('%s', (_name, context, enabled) => {
    expect(loadConfig(context).podIdentityEnabled).toBe(enabled);
  });

  it('refuses anything but a boolean, naming the key and how to set it', () => {
    expect(() => loadConfig({ podIdentityEnabled: 'yes' })).toThrow(ConfigError);
    expect(() => loadConfig({ podIdentityEnabled: 'yes' })).toThrow(
      /podIdentityEnabled: must be true or false \(got "yes"\)\. Set it in cdk\.json "context" or pass -c podIdentityEnabled=false\./,
    );
  });
});

describe('on (the default), beside the EKS Connector', () => {
  const { stack, template } = synth({ regions: REGIONS.join(',') });
  const grants = eksGrants(stack, roleAllows(template, 'CheckerRole'));

  it("exactly the three Pod Identity grants beside the EKS Connector's three, each action granted once", () => {
    expect(grants.map((statement) => [statement.Sid, actionsOf(statement)])).toEqual([
      ['ListEksClusters', ['eks:ListClusters']],
      ['DescribeEksClusters', ['eks:DescribeCluster']],
      ['ReadEksConnectorRoles', ['iam:GetRole']],
      ['ListPodIdentityAssociations', ['eks:ListPodIdentityAssociations']],
      ['DescribePodIdentityAssociations', ['eks:DescribePodIdentityAssociation']],
      ['DescribePodIdentityAgentAddon', ['eks:DescribeAddon']],
    ]);
  });

  it('scoped: the checked regions’ clusters, their associations, and the agent add-on only', () => {
    // minimizePolicies sorts resources.
    const resources = Object.fromEntries(
      grants.map((statement) => [
        statement.Sid,
        Array.isArray(statement.Resource) ? [...(statement.Resource as string[])].sort() : statement.Resource,
      ]),
    );
    const perRegion = (resource: string) =>
      REGIONS.map((region) => `arn:aws:eks:${region}:${ACCOUNT}:${resource}`).sort();
    expect(resources).toMatchObject({
      ListPodIdentityAssociations: perRegion('cluster/*'),
      DescribePodIdentityAssociations: perRegion('podidentityassociation/*/*'),
      DescribePodIdentityAgentAddon: perRegion('addon/*/eks-pod-identity-agent/*'),
      ReadEksConnectorRoles: `arn:aws:iam::${ACCOUNT}:role/*`,
    });
  });

  it('no wildcard action, and no action that changes a cluster, an association, an add-on or a role', () => {
    expectExplicitActions(template);
    const actions = roleAllows(template, 'CheckerRole').flatMap(actionsOf);
    expect(actions.filter(isEksRead).sort()).toEqual([...POD_IDENTITY_ACTIONS, ...SHARED_ACTIONS].sort());
  });

  it('the function is told to check', () => {
    const env = environmentOf(template);
    expect(env[ENABLED]).toBe('true');
    expect(settingsFromEnvironment({ [ENABLED]: env[ENABLED] }).podIdentityEnabled).toBe(true);
  });

  describe('simulated', () => {
    const policies = grants.map((statement, index) => ({
      name: `statement-${index}`,
      policy: { Version: '2012-10-17', Statement: [statement] },
    }));
    const simulate = async (action: string, resource: string): Promise<string> => {
      const region = resource.split(':')[3] || 'us-west-2';
      const result = await runSimulation(
        {
          request: {
            principal: `arn:aws:iam::${ACCOUNT}:role/CheckerRole`,
            action,
            resource: { resource, accountId: resource.split(':')[4] || ACCOUNT },
            contextVariables: { 'aws:SecureTransport': 'true', 'aws:RequestedRegion': region },
          },
          identityPolicies: policies,
          serviceControlPolicies: [],
          resourceControlPolicies: [],
        },
        {},
      );
      if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
      return result.overallResult === 'Allowed' ? 'Allowed' : 'denied';
    };
    const eks = (region: string, resource: string, account = ACCOUNT) =>
      `arn:aws:eks:${region}:${account}:${resource}`;
    const association = 'podidentityassociation/prod/a-0123456789abcdefg';
    const agent = 'addon/prod/eks-pod-identity-agent/12c7a2b1-0000-4000-8000-000000000000';

    it.each<[string, string, string, string]>([
      ['list the clusters', 'eks:ListClusters', '*', 'Allowed'],
      [
        'list a cluster’s associations',
        'eks:ListPodIdentityAssociations',
        eks('eu-west-1', 'cluster/prod'),
        'Allowed',
      ],
      [
        'describe an association',
        'eks:DescribePodIdentityAssociation',
        eks('us-west-2', association),
        'Allowed',
      ],
      ['describe the agent add-on', 'eks:DescribeAddon', eks('us-west-2', agent), 'Allowed'],
      ['describe a cluster (Auto Mode)', 'eks:DescribeCluster', eks('us-west-2', 'cluster/prod'), 'Allowed'],
      ['read an association role', 'iam:GetRole', `arn:aws:iam::${ACCOUNT}:role/s3-reader`, 'Allowed'],
      [
        'not describe another add-on',
        'eks:DescribeAddon',
        eks('us-west-2', 'addon/prod/vpc-cni/12c7a2b1-0000-4000-8000-000000000000'),
        'denied',
      ],
      [
        'not list another region’s associations',
        'eks:ListPodIdentityAssociations',
        eks('ap-south-1', 'cluster/prod'),
        'denied',
      ],
      [
        "not describe another account's association",
        'eks:DescribePodIdentityAssociation',
        eks('us-west-2', association, '210987654321'),
        'denied',
      ],
      ["not read another account's role", 'iam:GetRole', 'arn:aws:iam::210987654321:role/x', 'denied'],
      [
        'not create an association',
        'eks:CreatePodIdentityAssociation',
        eks('us-west-2', 'cluster/prod'),
        'denied',
      ],
      [
        'not update an association',
        'eks:UpdatePodIdentityAssociation',
        eks('us-west-2', association),
        'denied',
      ],
      [
        'not delete an association',
        'eks:DeletePodIdentityAssociation',
        eks('us-west-2', association),
        'denied',
      ],
      ['not create the add-on', 'eks:CreateAddon', eks('us-west-2', 'cluster/prod'), 'denied'],
      ['not update the add-on', 'eks:UpdateAddon', eks('us-west-2', agent), 'denied'],
      ['not delete the add-on', 'eks:DeleteAddon', eks('us-west-2', agent), 'denied'],
      [
        'not get pod credentials',
        'eks-auth:AssumeRoleForPodIdentity',
        eks('us-west-2', 'cluster/prod'),
        'denied',
      ],
      ['not change a trust policy', 'iam:UpdateAssumeRolePolicy', `arn:aws:iam::${ACCOUNT}:role/x`, 'denied'],
      ['not pass a role', 'iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/x`, 'denied'],
      ['not assume a role', 'sts:AssumeRole', `arn:aws:iam::${ACCOUNT}:role/s3-reader`, 'denied'],
    ])('may %s', async (_name, action, resource, expected) => {
      expect(await simulate(action, resource)).toBe(expected);
    });
  });
});

describe('on, without the EKS Connector: it grants the shared reads itself', () => {
  const { stack, template } = synth({ regions: REGIONS.join(','), eksConnectorEnabled: 'false' });

  it('six statements, each action once', () => {
    const grants = eksGrants(stack, roleAllows(template, 'CheckerRole'));
    expect(grants.map((statement) => [statement.Sid, actionsOf(statement)])).toEqual([
      ['ListEksClustersForPodIdentity', ['eks:ListClusters']],
      ['DescribeEksClustersForPodIdentity', ['eks:DescribeCluster']],
      ['ReadPodIdentityRoles', ['iam:GetRole']],
      ['ListPodIdentityAssociations', ['eks:ListPodIdentityAssociations']],
      ['DescribePodIdentityAssociations', ['eks:DescribePodIdentityAssociation']],
      ['DescribePodIdentityAgentAddon', ['eks:DescribeAddon']],
    ]);
    expect(grants.find((statement) => statement.Sid === 'ListEksClustersForPodIdentity')!.Resource).toBe('*');
  });
});

describe('off', () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    ['with the EKS Connector on: only its reads', {}, SHARED_ACTIONS],
    ['with the EKS Connector off too: no EKS action, no iam:GetRole', { eksConnectorEnabled: 'false' }, []],
  ])('%s', (_name, context, expected) => {
    const { template } = synth({ regions: REGIONS.join(','), podIdentityEnabled: 'false', ...context });
    const actions = roleAllows(template, 'CheckerRole').flatMap(actionsOf);
    expect(actions.filter(isEksRead).sort()).toEqual(expected);
    expect(environmentOf(template)[ENABLED]).toBe('false');
  });
});

describe('in the Organizations modes', () => {
  const hubApp = synthApp(HUB_CONTEXT);
  const hub = hubApp.hub as TmcHealthHubStack;
  const member = (context: Record<string, unknown>) => {
    const app = synthApp({ mode: 'member', hubEventBusArn: HUB_BUS_ARN, ...context });
    return app.templateOf(app.member as Stack);
  };
  const checkerActions = (template: Template) =>
    roleAllows(template, 'CheckerRole').flatMap(actionsOf).filter(isEksRead).sort();
  const all = [...POD_IDENTITY_ACTIONS, ...SHARED_ACTIONS].sort();

  it('the StackSet member template: the same reads, and the variable', () => {
    const template = hubApp.templateOf(hub.memberTemplate);
    expect(checkerActions(template)).toEqual(all);
    expect(environmentOf(template)[ENABLED]).toBe('true');
  });

  it('the hub itself runs no checker: no Pod Identity read', () => {
    const actions = roleAllows(hubApp.templateOf(hub), '').flatMap(actionsOf);
    expect(actions.filter((action) => POD_IDENTITY_ACTIONS.includes(action))).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, string[], string]>([
    ['a member deployed by hand, on by default', {}, all, 'true'],
    ['a member with it off', { podIdentityEnabled: 'false' }, SHARED_ACTIONS, 'false'],
  ])('%s', (_name, context, expected, variable) => {
    const template = member(context);
    expect(checkerActions(template)).toEqual(expected);
    expect(environmentOf(template)[ENABLED]).toBe(variable);
  });
});
