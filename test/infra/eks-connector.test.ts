/**
 * The EKS Connector check in the template (issue 14): the `eksConnectorEnabled` and
 * `eksConnectorPendingGraceMinutes` keys, the credential checker's environment, and its read-only grants
 * (eks:ListClusters, eks:DescribeCluster on the checked regions' clusters, iam:GetRole on this account's roles),
 * present only when the check is on, in the single stack and in a member's. Simulated with
 * @cloud-copilot/iam-simulate so a widened grant is caught, not only a changed string.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { Stack } from 'aws-cdk-lib';
import { ConfigError, loadConfig } from '../../lib/config/config';
import { settingsFromEnvironment } from '../../lambdas/core/settings';
import { expectExplicitActions } from './iam-assertions';
import {
  actionsOf,
  HUB_BUS_ARN,
  resourceOf,
  roleAllows,
  synth,
  synthApp,
  type PolicyStatementJson,
} from './helpers';

const ACCOUNT = '123456789012';
const REGIONS = ['us-west-2', 'eu-west-1'];
const EKS_ACTIONS = ['eks:DescribeCluster', 'eks:ListClusters', 'iam:GetRole'];
const ENABLED = 'TMC_HEALTH_EKS_CONNECTOR_ENABLED';
/** The Pod Identity check (on by default) reads EKS and IAM too: its grants are test/infra/pod-identity.test.ts's. */
const NO_POD_IDENTITY = { podIdentityEnabled: 'false' };
const GRACE = 'TMC_HEALTH_EKS_CONNECTOR_PENDING_GRACE_MINUTES';

describe('the configuration keys', () => {
  it.each<[string, Record<string, unknown>, boolean, number]>([
    ['on by default, 30 minutes of grace', {}, true, 30],
    ['"false" from -c', { eksConnectorEnabled: 'false' }, false, 30],
    ['false from cdk.json', { eksConnectorEnabled: false }, false, 30],
    ['a grace from -c', { eksConnectorPendingGraceMinutes: '90' }, true, 90],
    ['a grace from cdk.json', { eksConnectorPendingGraceMinutes: 4320 }, true, 4320],
  ])('%s', (_name, context, enabled, grace) => {
    const config = loadConfig(context);
    expect([config.eksConnectorEnabled, config.eksConnectorPendingGraceMinutes]).toEqual([enabled, grace]);
  });

  it.each<[Record<string, unknown>, RegExp]>([
    [
      { eksConnectorEnabled: 'yes' },
      /eksConnectorEnabled: must be true or false \(got "yes"\)\. Set it in cdk\.json "context" or pass -c eksConnectorEnabled=false\./,
    ],
    [
      { eksConnectorPendingGraceMinutes: '0' },
      /eksConnectorPendingGraceMinutes: must be a whole number of minutes from 1 to 4320 \(3 days, the activation's lifetime\) \(got "0"\)\. .*-c eksConnectorPendingGraceMinutes=30/,
    ],
    [{ eksConnectorPendingGraceMinutes: 4321 }, /eksConnectorPendingGraceMinutes: must be a whole number/],
    [{ eksConnectorPendingGraceMinutes: '12.5' }, /eksConnectorPendingGraceMinutes: must be a whole number/],
  ])('refuses %j naming the key and how to set it', (context, message) => {
    expect(() => loadConfig(context)).toThrow(ConfigError);
    expect(() => loadConfig(context)).toThrow(message);
  });
});

const eksStatements = (statements: readonly PolicyStatementJson[]) =>
  statements.filter((statement) =>
    actionsOf(statement).some((action) => EKS_ACTIONS.includes(action) || action.startsWith('eks:')),
  );

/** The checker role's statements naming an EKS action or GetRole, resources with the pseudo parameters resolved. */
function checkerEksGrants(stack: Stack, template: ReturnType<typeof synth>['template']) {
  return eksStatements(roleAllows(template, 'CheckerRole')).map(
    (statement) => stack.resolve(statement) as PolicyStatementJson,
  );
}

function environmentOf(template: ReturnType<typeof synth>['template']): Record<string, string> {
  return (
    resourceOf(template, 'AWS::Lambda::Function', 'CheckerFunction').Properties.Environment as {
      Variables: Record<string, string>;
    }
  ).Variables;
}

describe('on (the default)', () => {
  const { stack, template } = synth({ regions: REGIONS.join(','), ...NO_POD_IDENTITY });

  it('the checker reads EKS clusters and connector roles: exactly these three grants', () => {
    const statements = roleAllows(template, 'CheckerRole').filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith('eks:') || action === 'iam:GetRole'),
    );
    expect(statements.map((statement) => [statement.Sid, actionsOf(statement)])).toEqual([
      ['ListEksClusters', ['eks:ListClusters']],
      ['DescribeEksClusters', ['eks:DescribeCluster']],
      ['ReadEksConnectorRoles', ['iam:GetRole']],
    ]);
    expect(checkerEksGrants(stack, template)).toHaveLength(3);
  });

  it('no wildcard action, and no action that changes a cluster or a role', () => {
    expectExplicitActions(template);
    const actions = roleAllows(template, 'CheckerRole').flatMap(actionsOf);
    expect(actions.filter((action) => action.startsWith('eks:')).sort()).toEqual([
      'eks:DescribeCluster',
      'eks:ListClusters',
    ]);
    expect(actions.filter((action) => action.startsWith('iam:'))).toEqual(['iam:GetRole']);
  });

  it('the function is told to check, with the grace', () => {
    expect(environmentOf(template)).toMatchObject({ [ENABLED]: 'true', [GRACE]: '30' });
    const env = environmentOf(template);
    // The function reads them back as written (the other variables hold CloudFormation references here).
    expect(settingsFromEnvironment({ [ENABLED]: env[ENABLED], [GRACE]: env[GRACE] })).toMatchObject({
      eksConnectorEnabled: true,
      eksConnectorPendingGraceMinutes: 30,
    });
  });

  describe('simulated', () => {
    const resolveArn = (value: unknown): unknown =>
      JSON.parse(
        JSON.stringify(value)
          .replaceAll('arn:${AWS::Partition}', 'arn:aws')
          .replaceAll('${AWS::AccountId}', ACCOUNT),
      ) as unknown;
    const policies = checkerEksGrants(stack, template).map((statement, index) => ({
      name: `statement-${index}`,
      policy: { Version: '2012-10-17', Statement: [resolveArn(flattenJoin(statement))] },
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
    const cluster = (region: string, account = ACCOUNT) =>
      `arn:aws:eks:${region}:${account}:cluster/tmc-attached`;

    it.each<[string, string, string, string]>([
      ['list the clusters', 'eks:ListClusters', '*', 'Allowed'],
      ['describe a cluster of a checked region', 'eks:DescribeCluster', cluster('eu-west-1'), 'Allowed'],
      ['not describe a cluster of another region', 'eks:DescribeCluster', cluster('ap-south-1'), 'denied'],
      [
        "not describe another account's cluster",
        'eks:DescribeCluster',
        cluster('eu-west-1', '210987654321'),
        'denied',
      ],
      [
        'read a connector role',
        'iam:GetRole',
        `arn:aws:iam::${ACCOUNT}:role/eksctl-tmc-attached-role`,
        'Allowed',
      ],
      ["not read another account's role", 'iam:GetRole', 'arn:aws:iam::210987654321:role/x', 'denied'],
      ['not deregister a cluster', 'eks:DeregisterCluster', cluster('eu-west-1'), 'denied'],
      ['not register a cluster', 'eks:RegisterCluster', '*', 'denied'],
      ['not change a trust policy', 'iam:UpdateAssumeRolePolicy', `arn:aws:iam::${ACCOUNT}:role/x`, 'denied'],
      ['not pass a role', 'iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/x`, 'denied'],
    ])('may %s', async (_name, action, resource, expected) => {
      expect(await simulate(action, resource)).toBe(expected);
    });
  });
});

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

describe('off', () => {
  const { template } = synth({
    regions: REGIONS.join(','),
    eksConnectorEnabled: 'false',
    ...NO_POD_IDENTITY,
  });

  it('the checker holds no EKS action and no iam:GetRole', () => {
    const actions = roleAllows(template, 'CheckerRole').flatMap(actionsOf);
    expect(actions.filter((action) => action.startsWith('eks:') || action === 'iam:GetRole')).toEqual([]);
  });

  it('the function is told not to check', () => {
    expect(environmentOf(template)[ENABLED]).toBe('false');
    const env = environmentOf(template);
    expect(settingsFromEnvironment({ [ENABLED]: env[ENABLED] }).eksConnectorEnabled).toBe(false);
  });
});

describe('in a member account (mode=member)', () => {
  const grantsOf = (context: Record<string, unknown>) => {
    const app = synthApp({ mode: 'member', hubEventBusArn: HUB_BUS_ARN, ...NO_POD_IDENTITY, ...context });
    const template = app.templateOf(app.member as Stack);
    return {
      actions: roleAllows(template, 'CheckerRole').flatMap(actionsOf),
      env: environmentOf(template),
    };
  };

  it('on by default: the same three reads, and the variable', () => {
    const { actions, env } = grantsOf({});
    expect(actions.filter((action) => action.startsWith('eks:') || action === 'iam:GetRole').sort()).toEqual(
      EKS_ACTIONS,
    );
    expect(env[ENABLED]).toBe('true');
  });

  it('off: none of them', () => {
    const { actions, env } = grantsOf({ eksConnectorEnabled: 'false' });
    expect(actions.filter((action) => action.startsWith('eks:') || action === 'iam:GetRole')).toEqual([]);
    expect(env[ENABLED]).toBe('false');
  });
});
