import { Match } from 'aws-cdk-lib/assertions';
import {
  expectExplicitActions,
  expectKmsOnlyOnTopicKeyViaSns,
  expectNoKmsInResourcePolicies,
  expectNoParameterReads,
  identityAllowsOf,
  starResourceActions,
} from './iam-assertions';
import { actionsOf, allPolicyStatements, synth } from './helpers';

const EXPECTED_CHECKER_ACTIONS = [
  'cloudwatch:GetMetricData',
  'dynamodb:BatchGetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  // The EKS Connector check (eksConnectorEnabled, on by default): lib/permissions/eks-connector-permissions.ts;
  // the Pod Identity check (podIdentityEnabled, on by default): lib/permissions/pod-identity-permissions.ts.
  'eks:DescribeAddon',
  'eks:DescribeCluster',
  'eks:DescribePodIdentityAssociation',
  'eks:ListClusters',
  'eks:ListPodIdentityAssociations',
  'events:DescribeRule',
  'events:ListRuleNamesByTarget',
  'events:ListTargetsByRule',
  'events:PutEvents',
  'iam:GetRole',
  'kms:Decrypt',
  'kms:GenerateDataKey*',
  'lambda:GetFunctionConfiguration',
  'logs:CreateLogStream',
  'logs:PutLogEvents',
  'sns:Publish',
  'sqs:GetQueueAttributes',
  'sqs:GetQueueUrl',
  'sqs:SendMessage',
  'ssm:DescribeParameters',
  'tag:GetResources',
];

const CHECKER_STAR_ACTIONS = [
  'cloudwatch:GetMetricData',
  'eks:ListClusters',
  'events:ListRuleNamesByTarget',
  'ssm:DescribeParameters',
  'tag:GetResources',
];
const IRSA_STAR_ACTIONS = ['cloudtrail:LookupEvents', 'iam:ListOpenIDConnectProviders'];

const configurations: [string, Record<string, unknown>][] = [
  ['default', {}],
  ['IRSA disabled', { irsaEnabled: 'false' }],
  [
    'regions, existing topic and bus ARN',
    {
      regions: 'eu-west-1,us-east-1',
      existingTopicArn: 'arn:aws:sns:eu-west-1:123456789012:alerts',
      eventBusName: 'arn:aws:events:eu-west-1:210987654321:event-bus/central',
      notificationEmails: 'ops@example.com',
      irsaRegions: 'eu-west-1',
      irsaRoleNamePatterns: 'eks/*,AccessEC2role',
    },
  ],
];

describe.each(configurations)('IAM (%s configuration)', (_name, context) => {
  const { template } = synth(context);
  const topicCreated = context.existingTopicArn === undefined;
  const identityAllows = identityAllowsOf(template);

  test('identity policies list every action explicitly: no "*" in any action, no NotAction', () => {
    expectExplicitActions(template);
  });

  test('no policy anywhere allows reading parameter values', () => {
    expectNoParameterReads(template);
  });

  // Why: see expectKmsOnlyOnTopicKeyViaSns (the topic key grant must not become a way to read the TMC token).
  test('identity policies hold KMS actions only on the topic key, only through SNS', () => {
    const roles = expectKmsOnlyOnTopicKeyViaSns(template);
    if (!topicCreated) {
      expect(roles).toEqual([]);
      return;
    }
    expect(roles).toEqual(
      context.irsaEnabled === 'false' ? ['CheckerRole'] : ['CheckerRole', 'IrsaCheckerRole'],
    );
  });

  // Key policies (KeyPolicy) are not among these statements: the topic key's is asserted in notifications.test.ts.
  test('no other resource policy mentions KMS', () => {
    expectNoKmsInResourcePolicies(template);
  });

  test('the checker role holds exactly the actions the checks need, and no managed policies', () => {
    const checker = identityAllows.filter((found) => found.logicalId.startsWith('CheckerRole'));
    const actions = [...new Set(checker.flatMap((found) => actionsOf(found.statement)))].sort();
    expect(actions).toEqual(
      topicCreated
        ? EXPECTED_CHECKER_ACTIONS
        : EXPECTED_CHECKER_ACTIONS.filter((action) => !action.startsWith('kms:')),
    );
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
      }),
      ManagedPolicyArns: Match.absent(),
    });
  });

  test('only actions without resource-level permissions use Resource "*"', () => {
    const irsaStarActions = context.irsaEnabled === 'false' ? [] : IRSA_STAR_ACTIONS;
    expect(starResourceActions(template)).toEqual([...CHECKER_STAR_ACTIONS, ...irsaStarActions].sort());
  });

  test('the scheduler role may only invoke the checker and write to the dead-letter queue', () => {
    const scheduler = identityAllows.filter((found) => found.logicalId.startsWith('ScheduleRole'));
    expect(scheduler.flatMap((found) => actionsOf(found.statement)).sort()).toEqual([
      'lambda:InvokeFunction',
      'sqs:SendMessage',
    ]);
  });
});

describe('IAM resource scoping', () => {
  test('Lambda and rule reads are scoped per configured region, with a TMC tag condition on functions', () => {
    const { template } = synth({ regions: 'eu-west-1,us-east-1' });
    const statements = allPolicyStatements(template).map((found) => found.statement);
    const lambdaRead = statements.find((s) => s.Sid === 'ReadTmcFunctionConfiguration');
    expect(lambdaRead?.Condition).toEqual({
      Null: { 'aws:ResourceTag/account.tmc.cloud.vmware.com': 'false' },
    });
    const rendered = JSON.stringify(lambdaRead?.Resource);
    expect(rendered).toContain(':lambda:eu-west-1:');
    expect(rendered).toContain(':lambda:us-east-1:');
    const rules = JSON.stringify(statements.find((s) => s.Sid === 'ReadTmcEventRules')?.Resource);
    expect(rules).toContain(':events:eu-west-1:');
    expect(rules).toContain(':events:us-east-1:');
    expect(rules).toContain(':rule/*');
  });

  test('without regions, reads are scoped to the stack region', () => {
    const { template } = synth();
    const lambdaRead = allPolicyStatements(template).find(
      (f) => f.statement.Sid === 'ReadTmcFunctionConfiguration',
    );
    expect(JSON.stringify(lambdaRead?.statement.Resource)).toContain('{"Ref":"AWS::Region"}');
  });

  test('events:PutEvents is scoped to the default bus of the stack, or to the configured bus', () => {
    const putEvents = (context: Record<string, unknown>): string =>
      JSON.stringify(
        allPolicyStatements(synth(context).template).find((f) => f.statement.Sid === 'PublishFindingEvents')
          ?.statement.Resource,
      );
    expect(putEvents({})).toContain(':event-bus/default');
    expect(putEvents({ eventBusName: 'tmc-findings' })).toContain(':event-bus/tmc-findings');
    const arn = 'arn:aws:events:eu-west-1:210987654321:event-bus/central';
    expect(putEvents({ eventBusName: arn })).toBe(JSON.stringify(arn));
  });

  test('sns:Publish is scoped to the topic in use', () => {
    const arn = 'arn:aws:sns:eu-west-1:123456789012:alerts';
    const publish = allPolicyStatements(synth({ existingTopicArn: arn }).template).find(
      (f) => f.statement.Sid === 'PublishFindingNotifications',
    );
    expect(publish?.statement.Resource).toBe(arn);
  });
});
