import { actionSet, roleAllows, synth, type PolicyStatementJson } from './helpers';

/** Exactly what the IRSA check calls, plus its logs and its failure destination (added by the construct). */
const EXPECTED_IRSA_ACTIONS = [
  'cloudtrail:LookupEvents',
  'dynamodb:BatchGetItem',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'events:PutEvents',
  'iam:GetOpenIDConnectProvider',
  'iam:GetRole',
  'iam:ListOpenIDConnectProviders',
  'kms:Decrypt',
  'kms:GenerateDataKey*',
  'logs:CreateLogStream',
  'logs:PutLogEvents',
  'sns:Publish',
  'sqs:GetQueueAttributes',
  'sqs:GetQueueUrl',
  'sqs:SendMessage',
];
// Both roles use the findings ledger (BatchGetItem, PutItem, Query); only the IRSA one reads watermarks. The
// credential checker's EKS Connector check (on by default) reads connector roles with iam:GetRole, nothing else of IAM.
const IRSA_ONLY_SERVICES = ['cloudtrail:', 'dynamodb:GetItem', 'iam:GetOpenIDConnectProvider', 'iam:List'];
const CHECKER_ONLY_SERVICES = [
  'tag:',
  'cloudwatch:',
  'lambda:',
  'ssm:',
  'events:DescribeRule',
  'events:List',
];

function bySid(statements: readonly PolicyStatementJson[], sid: string): PolicyStatementJson {
  const found = statements.filter((statement) => statement.Sid === sid);
  expect(found).toHaveLength(1);
  return found[0] as PolicyStatementJson;
}

/** A resource rendered as the CloudFormation would resolve it with partition aws and account 123456789012. */
function render(resource: unknown): string {
  return JSON.stringify(resource)
    .replace(/\{"Fn::Join":\["",\[(.*?)\]\]\}/g, (_all, parts: string) => parts)
    .replace(/\{"Ref":"AWS::Partition"\}/g, '"aws"')
    .replace(/\{"Ref":"AWS::AccountId"\}/g, '"123456789012"')
    .replace(/","/g, '')
    .replace(/^"|"$/g, '');
}

describe('the IRSA role (default configuration)', () => {
  const { template } = synth();
  const irsa = roleAllows(template, 'IrsaCheckerRole');
  const checker = roleAllows(template, 'CheckerRole');

  test('holds exactly the actions the IRSA check needs', () => {
    expect(actionSet(irsa)).toEqual(EXPECTED_IRSA_ACTIONS);
  });

  test('the two roles do not share check permissions: each has only its own', () => {
    const irsaActions = actionSet(irsa);
    const checkerActions = actionSet(checker);
    expect(checkerActions.filter((action) => action.startsWith('iam:'))).toEqual(['iam:GetRole']);
    for (const prefix of IRSA_ONLY_SERVICES) {
      expect(checkerActions.filter((action) => action.startsWith(prefix))).toEqual([]);
    }
    for (const prefix of CHECKER_ONLY_SERVICES) {
      expect(irsaActions.filter((action) => action.startsWith(prefix))).toEqual([]);
    }
  });

  test('no IAM write, no STS, no SSM reads', () => {
    const actions = actionSet(irsa).map((action) => action.toLowerCase());
    expect(actions.filter((a) => a.startsWith('iam:') && !/^iam:(get|list)/.test(a))).toEqual([]);
    expect(actions.filter((a) => /^(sts|ssm):/.test(a))).toEqual([]);
  });

  // The only KMS grant: what SNS needs from a publisher to the topic under the stack's key. It cannot decrypt
  // anything else (the TMC token is a SecureString under another key, and SSM, not SNS, would be the ViaService).
  test('KMS: GenerateDataKey* and Decrypt on the topic key only, only through SNS', () => {
    const kms = irsa.filter((statement) => actionSet([statement]).some((a) => a.startsWith('kms:')));
    expect(kms).toHaveLength(1);
    const [statement] = kms as [PolicyStatementJson];
    expect(actionSet([statement])).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
    expect(statement.Resource).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^NotificationsTopicKey[0-9A-F]{8}$/), 'Arn'],
    });
    expect(statement.Condition).toEqual({
      StringEquals: {
        'kms:ViaService': { 'Fn::Join': ['', ['sns.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
      },
    });
  });

  test('with an existing topic (no key created) the IRSA role holds no KMS action', () => {
    const existing = synth({ existingTopicArn: 'arn:aws:sns:eu-west-1:123456789012:alerts' }).template;
    expect(actionSet(roleAllows(existing, 'IrsaCheckerRole')).filter((a) => a.startsWith('kms:'))).toEqual(
      [],
    );
  });

  test('LookupEvents: Resource "*" (no resource-level support), in any region by default (they come from the OIDC providers at run time)', () => {
    const lookup = bySid(irsa, 'ScanWebIdentityDenials');
    expect(lookup.Resource).toBe('*');
    expect(lookup.Action).toBe('cloudtrail:LookupEvents');
    expect(lookup.Condition).toBeUndefined();
  });

  test('iam:GetRole defaults to every role of the account; OIDC provider reads are account-scoped', () => {
    expect(render(bySid(irsa, 'ReadRoleTrustPolicies').Resource)).toBe('arn:aws:iam::123456789012:role/*');
    expect(render(bySid(irsa, 'ReadOidcProviders').Resource)).toBe(
      'arn:aws:iam::123456789012:oidc-provider/*',
    );
    expect(bySid(irsa, 'ListOidcProviders').Resource).toBe('*');
  });

  test('DynamoDB reads and writes one item at a time, on the watermark table only (no indexes, no scan)', () => {
    const watermarks = bySid(irsa, 'ReadWriteScanWatermarks');
    expect(watermarks.Resource).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^IrsaWatermarksTable/), 'Arn'],
    });
  });

  test('publishes to the same bus and topic as the credential checker', () => {
    expect(bySid(irsa, 'PublishFindingEvents').Resource).toEqual(
      bySid(checker, 'PublishFindingEvents').Resource,
    );
    expect(bySid(irsa, 'PublishFindingNotifications').Resource).toEqual({
      Ref: expect.stringMatching(/^NotificationsTopic/) as unknown,
    });
  });

  test('logs only to its own log group', () => {
    const logs = irsa.filter((statement) => (statement.Action ?? []).includes('logs:PutLogEvents'));
    expect(logs.map((statement) => statement.Resource)).toEqual([
      { 'Fn::GetAtt': [expect.stringMatching(/^IrsaCheckerLogGroup/), 'Arn'] },
    ]);
  });

  test('its scheduler role may only invoke the IRSA function and write to its dead-letter queue', () => {
    const scheduler = roleAllows(template, 'IrsaScheduleRole');
    expect(actionSet(scheduler)).toEqual(['lambda:InvokeFunction', 'sqs:SendMessage']);
    expect(JSON.stringify(scheduler)).not.toMatch(/"CheckerFunction[0-9A-F]{8}"/);
    expect(JSON.stringify(scheduler)).toMatch(/"IrsaCheckerFunction[0-9A-F]{8}"/);
  });
});

describe('IRSA role scoping follows the configuration', () => {
  test('iam:GetRole resources are the irsaRoleNamePatterns, paths included', () => {
    const { template } = synth({ irsaRoleNamePatterns: 'eks/*,AccessEC2role,team-?-irsa' });
    const getRole = bySid(roleAllows(template, 'IrsaCheckerRole'), 'ReadRoleTrustPolicies');
    const resources = (Array.isArray(getRole.Resource) ? getRole.Resource : [getRole.Resource]).map(render);
    expect(resources).toEqual([
      'arn:aws:iam::123456789012:role/AccessEC2role',
      'arn:aws:iam::123456789012:role/eks/*',
      'arn:aws:iam::123456789012:role/team-?-irsa',
    ]);
  });

  test('LookupEvents is limited to the configured irsaRegions', () => {
    const { template } = synth({ irsaRegions: 'eu-west-1,eu-central-1' });
    expect(bySid(roleAllows(template, 'IrsaCheckerRole'), 'ScanWebIdentityDenials').Condition).toEqual({
      StringEquals: { 'aws:RequestedRegion': ['eu-west-1', 'eu-central-1'] },
    });
  });

  test('with irsaEnabled=false no role anywhere holds an IRSA action', () => {
    const { template } = synth({ irsaEnabled: false });
    expect(roleAllows(template, 'Irsa')).toEqual([]);
    const all = actionSet(roleAllows(template, ''));
    expect(all.filter((action) => IRSA_ONLY_SERVICES.some((prefix) => action.startsWith(prefix)))).toEqual(
      [],
    );
  });
});
