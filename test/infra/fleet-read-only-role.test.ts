import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DEFAULT_READ_ONLY_ROLE_NAME } from '../../lambdas/core/fleet/read-only-role';
import { FleetReadOnlyRole, type FleetReadOnlyRoleProps } from '../../lib/constructs/fleet-read-only-role';
import { checkerPolicyStatements } from '../../lib/permissions/checker-permissions';
import { eksConnectorReadStatements } from '../../lib/permissions/eks-connector-permissions';
import { podIdentityReadStatements } from '../../lib/permissions/pod-identity-permissions';
import { irsaPolicyStatements } from '../../lib/permissions/irsa-permissions';
import { HUB_BUS_ARN, HUB_CONTEXT, synth, synthApp, type PolicyStatementJson } from './helpers';

const HUB = '123456789012';
const AUDIT_ROLE = `arn:aws:iam::${HUB}:role/platform-audit`;
const OPS_ROLE = 'arn:aws:iam::210987654321:role/platform-ops';

function synthRole(props: FleetReadOnlyRoleProps): { stack: Stack; template: Template } {
  const app = new App();
  const stack = new Stack(app, 'Member', { env: { account: '444455556666', region: 'eu-west-1' } });
  new FleetReadOnlyRole(stack, 'ReadOnly', props);
  return { stack, template: Template.fromStack(stack) };
}

interface RoleProperties {
  readonly RoleName: string;
  readonly AssumeRolePolicyDocument: { Statement: PolicyStatementJson[] };
  readonly Policies: { PolicyName: string; PolicyDocument: { Statement: PolicyStatementJson[] } }[];
}

function roleOf(template: Template): RoleProperties {
  const roles = Object.values(template.findResources('AWS::IAM::Role')) as { Properties: RoleProperties }[];
  expect(roles).toHaveLength(1);
  return roles[0]!.Properties;
}

const actionsOf = (statements: readonly PolicyStatementJson[]) =>
  statements.flatMap((statement) =>
    statement.Action === undefined
      ? []
      : Array.isArray(statement.Action)
        ? statement.Action
        : [statement.Action],
  );

describe('FleetReadOnlyRole', () => {
  test('named TmcHealthReadOnly by default, the name the CLI assumes without --role-name', () => {
    const { template } = synthRole({ trustedPrincipals: [AUDIT_ROLE] });
    expect(DEFAULT_READ_ONLY_ROLE_NAME).toBe('TmcHealthReadOnly');
    template.hasResourceProperties('AWS::IAM::Role', { RoleName: 'TmcHealthReadOnly' });
    template.resourceCountIs('AWS::IAM::Policy', 0);
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
  });

  test('trusts exactly the given role ARNs, without an external id unless given', () => {
    const { template } = synthRole({ trustedPrincipals: [AUDIT_ROLE, OPS_ROLE], roleName: 'AuditRead' });
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'AuditRead',
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Principal: { AWS: AUDIT_ROLE },
          },
          { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: OPS_ROLE } },
        ],
      },
    });
    const trust = roleOf(template).AssumeRolePolicyDocument.Statement;
    expect(trust.every((statement) => statement.Condition === undefined)).toBe(true);
  });

  test('with an external id every trust statement requires it (sts:ExternalId)', () => {
    const { template } = synthRole({
      trustedPrincipals: [AUDIT_ROLE, OPS_ROLE],
      externalId: 'tmc-fleet-7f3a',
    });
    const trusted = {
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'sts:ExternalId': 'tmc-fleet-7f3a' } },
    };
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          { ...trusted, Principal: { AWS: AUDIT_ROLE } },
          { ...trusted, Principal: { AWS: OPS_ROLE } },
        ],
      },
    });
  });

  test("exactly the checkers' read statements: the same functions' statements minus publishing and the watermark table", () => {
    const { stack, template } = synthRole({
      trustedPrincipals: [AUDIT_ROLE],
      regions: ['eu-west-1', 'us-east-1'],
    });
    const policies = roleOf(template).Policies;
    expect(policies.map((policy) => policy.PolicyName)).toEqual(['TmcHealthRead']);
    const granted = policies[0]!.PolicyDocument.Statement;

    // What the statement functions give the deployed checkers, resolved the same way.
    const reads = [
      ...checkerPolicyStatements({
        regions: ['eu-west-1', 'us-east-1'],
        eventBusArn: 'arn:aws:events:eu-west-1:444455556666:event-bus/default',
        topicArn: 'arn:aws:sns:eu-west-1:444455556666:alerts',
      }),
      ...irsaPolicyStatements({
        regions: ['eu-west-1', 'us-east-1'],
        roleNamePatterns: ['*'],
        watermarkTableArn: 'arn:aws:dynamodb:eu-west-1:444455556666:table/watermarks',
        eventBusArn: 'arn:aws:events:eu-west-1:444455556666:event-bus/default',
        topicArn: 'arn:aws:sns:eu-west-1:444455556666:alerts',
      }),
      ...eksConnectorReadStatements(['eu-west-1', 'us-east-1']),
      ...podIdentityReadStatements(['eu-west-1', 'us-east-1'], { eksConnectorGrants: true }),
    ]
      .map((statement) => stack.resolve(statement.toStatementJson()) as PolicyStatementJson)
      .filter(
        (statement) =>
          !['PublishFindingEvents', 'PublishFindingNotifications', 'ReadWriteScanWatermarks'].includes(
            statement.Sid ?? '',
          ),
      );
    expect(granted).toEqual(reads);
    expect(granted.map((statement) => statement.Sid)).toEqual([
      'DiscoverTmcResourcesByTag',
      'ReadTmcFunctionConfiguration',
      'ReadFunctionMetrics',
      'ReadTmcEventRules',
      'FindRulesTargetingTmcFunctions',
      'ReadTokenParameterMetadata',
      'ScanWebIdentityDenials',
      'ReadRoleTrustPolicies',
      'ListOidcProviders',
      'ReadOidcProviders',
      'ListEksClusters',
      'DescribeEksClusters',
      'ReadEksConnectorRoles',
      'ListPodIdentityAssociations',
      'DescribePodIdentityAssociations',
      'DescribePodIdentityAgentAddon',
    ]);
    // The IRSA scan stays in the listed regions.
    expect(granted.find((statement) => statement.Sid === 'ScanWebIdentityDenials')!.Condition).toEqual({
      StringEquals: { 'aws:RequestedRegion': ['eu-west-1', 'us-east-1'] },
    });
  });

  test('no token reading, no decrypting, no writes, no wildcard actions, only Allow', () => {
    for (const props of [
      { trustedPrincipals: [AUDIT_ROLE] },
      {
        trustedPrincipals: [AUDIT_ROLE],
        regions: ['us-west-2'],
        irsaRoleNamePatterns: ['eks/*'],
        externalId: 'x-y',
      },
    ]) {
      const { template } = synthRole(props);
      const statements = roleOf(template).Policies.flatMap((policy) => policy.PolicyDocument.Statement);
      const actions = actionsOf(statements);
      expect(actions.sort()).toEqual([
        'cloudtrail:LookupEvents',
        'cloudwatch:GetMetricData',
        'eks:DescribeAddon',
        'eks:DescribeCluster',
        'eks:DescribePodIdentityAssociation',
        'eks:ListClusters',
        'eks:ListPodIdentityAssociations',
        'events:DescribeRule',
        'events:ListRuleNamesByTarget',
        'events:ListTargetsByRule',
        'iam:GetOpenIDConnectProvider',
        // The IRSA trust policies (irsaRoleNamePatterns) and the EKS Connector roles (any role).
        'iam:GetRole',
        'iam:GetRole',
        'iam:ListOpenIDConnectProviders',
        'lambda:GetFunctionConfiguration',
        'ssm:DescribeParameters',
        'tag:GetResources',
      ]);
      for (const action of actions) {
        expect(action).not.toMatch(/^ssm:GetParameter/);
        expect(action).not.toMatch(/^kms:/);
        expect(action).not.toMatch(/\*/);
        expect(action).not.toMatch(
          /^(events:PutEvents|sns:Publish|dynamodb:|lambda:InvokeFunction|sts:|iam:(Create|Put|Update|Delete|Attach|Pass))/,
        );
      }
      expect(
        statements.every((statement) => statement.Effect === 'Allow' && statement.NotAction === undefined),
      ).toBe(true);
    }
  });

  test('IRSA role patterns narrow iam:GetRole', () => {
    const { template } = synthRole({ trustedPrincipals: [AUDIT_ROLE], irsaRoleNamePatterns: ['eks/*'] });
    const getRole = roleOf(template).Policies[0]!.PolicyDocument.Statement.find(
      (statement) => statement.Sid === 'ReadRoleTrustPolicies',
    )!;
    expect(getRole.Resource).toEqual({
      'Fn::Join': [
        '',
        ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':role/eks/*'],
      ],
    });
  });

  test('an organization trusted only with an external id, both conditions on its statement', () => {
    const { template } = synthRole({ trustedOrganizationId: 'o-a1b2c3d4e5', externalId: 'tmc-fleet-7f3a' });
    const trust = roleOf(template).AssumeRolePolicyDocument.Statement;
    expect(trust).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Principal: { AWS: '*' },
        Condition: {
          StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5', 'sts:ExternalId': 'tmc-fleet-7f3a' },
        },
      },
    ]);
  });

  test.each([
    [{ trustedPrincipals: [] }, 'trustedPrincipals must name at least one role or user ARN'],
    [{ trustedPrincipals: ['12345'] }, "'12345' is not an IAM role or user ARN"],
    [{ trustedPrincipals: [HUB] }, `'${HUB}' trusts every principal of account ${HUB}`],
    [{ trustedPrincipals: [`arn:aws:iam::${HUB}:root`] }, `trusts every principal of account ${HUB}`],
    [
      { trustedPrincipals: [`arn:aws:sts::${HUB}:assumed-role/ops/session`] },
      'is not an IAM role or user ARN',
    ],
    [{ trustedOrganizationId: 'o-a1b2c3d4e5' }, 'trustedOrganizationId needs externalId'],
    [
      { trustedOrganizationId: 'org-1', externalId: 'x-y' },
      "trustedOrganizationId 'org-1' is not an Organizations id",
    ],
    [
      { trustedPrincipals: [AUDIT_ROLE], roleName: 'bad name' },
      "roleName 'bad name' is not an IAM role name",
    ],
  ])('refuses %j', (props, message) => {
    expect(() => synthRole(props)).toThrow(message);
  });

  test('cdk-nag AwsSolutions: no unacknowledged findings, each acknowledgement with a reason', () => {
    for (const props of [
      { trustedPrincipals: [AUDIT_ROLE] },
      {
        trustedPrincipals: [AUDIT_ROLE, OPS_ROLE],
        regions: ['eu-west-1', 'us-east-1'],
        irsaRoleNamePatterns: ['eks/*', 'irsa-*'],
      },
    ]) {
      const { stack } = synthRole(props);
      const report = new AwsSolutionsChecks().validateScope(stack);
      expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources[0]?.constructPath}`)).toEqual(
        [],
      );
      const reasons = stack.node
        .findAll()
        .flatMap((construct) => construct.node.metadata)
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) => Object.values(entry.data as Record<string, string>));
      for (const reason of reasons) expect(reason.length).toBeGreaterThan(40);
    }
  });
});

describe('readOnlyRoleTrustedPrincipals: the role deployed with the checkers', () => {
  const readOnlyRoles = (template: Template) =>
    Object.entries(
      template.findResources('AWS::IAM::Role', { Properties: { RoleName: DEFAULT_READ_ONLY_ROLE_NAME } }),
    ) as [string, { Condition?: string; Properties: RoleProperties }][];

  test('unset: no stack of any mode has it (a role another account may assume is opened on request only)', () => {
    const hub = synthApp(HUB_CONTEXT);
    const member = synthApp({ mode: 'member', hubEventBusArn: HUB_BUS_ARN });
    for (const template of [
      synth().template,
      hub.templateOf(hub.hub!),
      hub.templateOf(hub.hub!.memberTemplate),
      member.templateOf(member.member!),
    ]) {
      expect(readOnlyRoles(template)).toEqual([]);
      expect(Object.keys(template.toJSON().Outputs ?? {})).not.toContain('ReadOnlyRoleArn');
    }
  });

  test('single mode: trusts exactly the given ARNs, reads the configured regions, outputs its ARN', () => {
    const { template } = synth({
      readOnlyRoleTrustedPrincipals: `${AUDIT_ROLE},${OPS_ROLE}`,
      regions: 'eu-west-1,us-east-1',
    });
    const roles = readOnlyRoles(template);
    expect(roles).toHaveLength(1);
    const [logicalId, role] = roles[0]!;
    expect(role.Condition).toBeUndefined();
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Principal: { AWS: [AUDIT_ROLE, OPS_ROLE] },
      },
    ]);
    const lookup = role.Properties.Policies[0]!.PolicyDocument.Statement.find(
      (statement) => statement.Sid === 'ScanWebIdentityDenials',
    );
    expect(lookup?.Condition).toEqual({
      StringEquals: { 'aws:RequestedRegion': ['eu-west-1', 'us-east-1'] },
    });
    expect(template.toJSON().Outputs.ReadOnlyRoleArn).toEqual({
      Description: expect.stringContaining('tmc-health check --accounts') as unknown,
      Value: { 'Fn::GetAtt': [logicalId, 'Arn'] },
    });
  });

  test('a member stack deployed by hand has it, unconditionally', () => {
    const member = synthApp({
      mode: 'member',
      hubEventBusArn: HUB_BUS_ARN,
      readOnlyRoleTrustedPrincipals: AUDIT_ROLE,
    });
    const roles = readOnlyRoles(member.templateOf(member.member!));
    expect(roles).toHaveLength(1);
    expect(roles[0]![1].Condition).toBeUndefined();
  });

  test("the hub's member template creates it in the first member region only (IAM names are account-wide), the hub never", () => {
    const hub = synthApp({ ...HUB_CONTEXT, readOnlyRoleTrustedPrincipals: AUDIT_ROLE });
    expect(readOnlyRoles(hub.templateOf(hub.hub!))).toEqual([]);
    const template = hub.templateOf(hub.hub!.memberTemplate);
    const roles = readOnlyRoles(template);
    expect(roles).toHaveLength(1);
    const condition = roles[0]![1].Condition!;
    expect(template.toJSON().Conditions[condition]).toEqual({
      'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'],
    });
    expect(template.toJSON().Outputs.ReadOnlyRoleArn.Condition).toBe(condition);
  });

  test('cdk-nag AwsSolutions: the single stack with the role has no unacknowledged findings', () => {
    const { stack } = synth({ readOnlyRoleTrustedPrincipals: AUDIT_ROLE });
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources[0]?.constructPath}`)).toEqual(
      [],
    );
  });
});
