import { Match } from 'aws-cdk-lib/assertions';
import { actionsOf, allPolicyStatements, IDENTITY_POLICY_TYPES, synth, type FoundStatement } from './helpers';

const FORBIDDEN = [
  'ssm:GetParameter',
  'ssm:GetParameters',
  'ssm:GetParametersByPath',
  'ssm:GetParameterHistory',
];

/**
 * The only KMS actions any identity policy may hold: what SNS needs from a publisher to a topic encrypted with a
 * customer-managed key (AWS documents GenerateDataKey* for it, the one wildcard action allowed).
 */
const TOPIC_KEY_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey*'];

const EXPECTED_CHECKER_ACTIONS = [
  'cloudwatch:GetMetricData',
  'dynamodb:BatchGetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'events:DescribeRule',
  'events:ListRuleNamesByTarget',
  'events:ListTargetsByRule',
  'events:PutEvents',
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
  const statements = allPolicyStatements(template);
  const identityAllows = statements.filter(
    (found) => IDENTITY_POLICY_TYPES.includes(found.type) && found.statement.Effect === 'Allow',
  );

  test('identity policies list every action explicitly: no "*" in any action, no NotAction', () => {
    expect(identityAllows.length).toBeGreaterThan(0);
    for (const { statement } of identityAllows) {
      expect(statement.NotAction).toBeUndefined();
      for (const action of actionsOf(statement)) {
        if (action !== 'kms:GenerateDataKey*') expect(action).not.toContain('*');
      }
    }
  });

  test('no policy anywhere allows reading parameter values', () => {
    const allows = statements.filter((found) => found.statement.Effect === 'Allow');
    const allowed = allows.flatMap((found: FoundStatement) =>
      actionsOf(found.statement).map((a) => a.toLowerCase()),
    );
    for (const action of FORBIDDEN) expect(allowed).not.toContain(action.toLowerCase());
    expect(allowed.filter((action) => action.startsWith('ssm:get'))).toEqual([]);
    expect(allowed).not.toContain('sts:getcalleridentity');
  });

  /*
   * Publishing to the topic encrypted with the stack's customer-managed key needs kms:GenerateDataKey* and
   * kms:Decrypt from the publisher. That grant must not become a way to read the TMC token: the token is a
   * SecureString encrypted under another key (TMC's or aws/ssm), and decrypting it would go through SSM, not
   * SNS. So the only KMS statements allowed are those two actions, on the topic key's ARN alone, with
   * kms:ViaService = sns.<region>.amazonaws.com; no KMS action on any other resource, under any condition.
   */
  test('identity policies hold KMS actions only on the topic key, only through SNS', () => {
    const kmsStatements = identityAllows.filter((found) =>
      actionsOf(found.statement).some((action) => action.toLowerCase().startsWith('kms:')),
    );
    const roles = new Set(kmsStatements.map((found) => found.logicalId.replace(/Role.*$/, 'Role')));
    if (!topicCreated) {
      expect(kmsStatements).toEqual([]);
      return;
    }
    expect([...roles].sort()).toEqual(
      context.irsaEnabled === 'false' ? ['CheckerRole'] : ['CheckerRole', 'IrsaCheckerRole'],
    );
    for (const { statement } of kmsStatements) {
      expect(actionsOf(statement).sort()).toEqual(TOPIC_KEY_ACTIONS);
      expect(statement.Resource).toEqual({
        'Fn::GetAtt': [expect.stringMatching(/^NotificationsTopicKey[0-9A-F]{8}$/), 'Arn'],
      });
      expect(statement.Condition).toEqual({
        StringEquals: {
          'kms:ViaService': { 'Fn::Join': ['', ['sns.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
        },
      });
    }
  });

  // Key policies (KeyPolicy) are not among these statements: the topic key's is asserted in notifications.test.ts.
  test('no other resource policy mentions KMS', () => {
    const kmsInResourcePolicies = statements.filter(
      (found) =>
        !IDENTITY_POLICY_TYPES.includes(found.type) &&
        actionsOf(found.statement).some((action) => action.toLowerCase().startsWith('kms:')),
    );
    expect(kmsInResourcePolicies).toEqual([]);
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
    const starActions = identityAllows
      .filter((found) => found.statement.Resource === '*')
      .flatMap((found) => actionsOf(found.statement))
      .sort();
    const irsaStarActions = context.irsaEnabled === 'false' ? [] : IRSA_STAR_ACTIONS;
    expect(starActions).toEqual([...CHECKER_STAR_ACTIONS, ...irsaStarActions].sort());
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
