/**
 * Least privilege in the Organizations modes: the rules iam.test.ts holds the single stack to (iam-assertions.ts)
 * on every stack of the hub and member modes, the exact grants of the hub's and the member's roles, and the
 * cross-account path that matters most simulated (hub-bus-simulation.ts): a member's checker putting a run report
 * on the hub bus. Other principals of a member account are refused in test/adversarial/hub-open-bus.test.ts.
 */
import type { Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { TmcHealthHubStack } from '../../lib/tmc-health-hub-stack';
import {
  expectExplicitActions,
  expectKmsOnlyOnTopicKeyViaSns,
  expectNoKmsInResourcePolicies,
  expectNoManagedPolicies,
  expectNoParameterReads,
  starResourceActions,
} from './iam-assertions';
import { HUB_ACCOUNT, hubBusSimulation, MEMBER_ACCOUNT } from './hub-bus-simulation';
import { actionSet, actionsOf, HUB_BUS_ARN, HUB_CONTEXT, roleAllows, synthApp } from './helpers';

const CHECKER_STAR_ACTIONS = [
  'cloudwatch:GetMetricData',
  'eks:ListClusters',
  'events:ListRuleNamesByTarget',
  'ssm:DescribeParameters',
  'tag:GetResources',
];
const IRSA_STAR_ACTIONS = ['cloudtrail:LookupEvents', 'iam:ListOpenIDConnectProviders'];

const hubApp = synthApp(HUB_CONTEXT);
const hub = hubApp.hub as TmcHealthHubStack;
const memberApp = synthApp({ mode: 'member', hubEventBusArn: HUB_BUS_ARN });
const queuedApp = synthApp({ ...HUB_CONTEXT, hubIntake: 'queue' });
const queued = queuedApp.hub as TmcHealthHubStack;

const templates: [string, Stack, Template, { kmsRoles: string[]; starActions: string[] }][] = [
  ['TmcHealthHub', hub, hubApp.templateOf(hub), { kmsRoles: ['IntakeRole', 'WatchRole'], starActions: [] }],
  [
    'TmcHealthHub (hubIntake=queue)',
    queued,
    queuedApp.templateOf(queued),
    { kmsRoles: ['IntakeRole', 'WatchRole'], starActions: [] },
  ],
  [
    'the member StackSet template',
    hub.memberTemplate,
    hubApp.templateOf(hub.memberTemplate),
    { kmsRoles: [], starActions: [...CHECKER_STAR_ACTIONS, ...IRSA_STAR_ACTIONS].sort() },
  ],
  [
    'TmcHealthMember (mode=member)',
    memberApp.member as Stack,
    memberApp.templateOf(memberApp.member as Stack),
    { kmsRoles: [], starActions: [...CHECKER_STAR_ACTIONS, ...IRSA_STAR_ACTIONS].sort() },
  ],
  ...hubApp.memberAssets.map(
    (stack) =>
      [stack.stackName, stack, hubApp.templateOf(stack), { kmsRoles: [], starActions: [] }] as [
        string,
        Stack,
        Template,
        { kmsRoles: string[]; starActions: string[] },
      ],
  ),
];

describe.each(templates)('IAM rules of every stack: %s', (_name, _stack, template, expected) => {
  const hasRoles = Object.keys(template.findResources('AWS::IAM::Role')).length > 0;

  test('identity policies list every action explicitly: no "*" in any action, no NotAction', () => {
    if (hasRoles) expectExplicitActions(template);
  });

  test('no policy anywhere allows reading parameter values (the TMC token) or sts:GetCallerIdentity', () => {
    expectNoParameterReads(template);
  });

  test('KMS only on the topic key, only through SNS, only for the roles that publish to it', () => {
    expect(expectKmsOnlyOnTopicKeyViaSns(template)).toEqual(expected.kmsRoles);
    expectNoKmsInResourcePolicies(template);
  });

  test('only actions without resource-level permissions use Resource "*"; no managed policies', () => {
    expect(starResourceActions(template)).toEqual(expected.starActions);
    expectNoManagedPolicies(template);
  });
});

describe('the hub roles hold exactly what their handlers call', () => {
  const template = hubApp.templateOf(hub);

  /** What the intake calls whichever way reports reach it; sending only to its own failure queue (Lambda's on-failure destination). */
  const INTAKE_ACTIONS = [
    'dynamodb:BatchGetItem',
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:Query',
    'dynamodb:UpdateItem',
    'events:PutEvents',
    'kms:Decrypt',
    'kms:GenerateDataKey*',
    'logs:CreateLogStream',
    'logs:PutLogEvents',
    'sns:Publish',
    'sqs:GetQueueAttributes',
    'sqs:GetQueueUrl',
    'sqs:SendMessage',
  ];
  const resourcesOf = (from: typeof template, action: string) =>
    roleAllows(from, 'IntakeRole')
      .filter((s) => actionsOf(s).includes(action))
      .map((s) => s.Resource);
  const FAILURE_QUEUE = [{ 'Fn::GetAtt': [expect.stringMatching(/^IntakeFailureQueue/), 'Arn'] }];

  test('fleet intake (hubIntake=direct): ledger, heartbeat read and writes, publishing; no queue to consume', () => {
    expect(actionSet(roleAllows(template, 'IntakeRole'))).toEqual(INTAKE_ACTIONS);
    expect(resourcesOf(template, 'sqs:SendMessage')).toEqual(FAILURE_QUEUE);
  });

  test('fleet intake (hubIntake=queue): ledger, heartbeat read and writes, publishing, the report queue', () => {
    const template = queuedApp.templateOf(queued);
    expect(actionSet(roleAllows(template, 'IntakeRole'))).toEqual(
      [...INTAKE_ACTIONS, 'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:ReceiveMessage'].sort(),
    );
    // Consuming the report queue (the event source mapping), on that queue only.
    expect(resourcesOf(template, 'sqs:ReceiveMessage')).toEqual([
      { 'Fn::GetAtt': [expect.stringMatching(/^FleetBusReportQueue/), 'Arn'] },
    ]);
    expect(resourcesOf(template, 'sqs:SendMessage')).toEqual(FAILURE_QUEUE);
    const heartbeats = roleAllows(template, 'IntakeRole').find((s) => s.Sid === 'RecordMemberHeartbeats');
    expect(heartbeats?.Action).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    expect(heartbeats?.Resource).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^HeartbeatsTable/), 'Arn'],
    });
  });

  test('fleet watch: ledger, a Scan of the heartbeats, publishing; no heartbeat write', () => {
    expect(actionSet(roleAllows(template, 'WatchRole'))).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:Scan',
      'events:PutEvents',
      'kms:Decrypt',
      'kms:GenerateDataKey*',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'sns:Publish',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:SendMessage',
    ]);
    const scan = roleAllows(template, 'WatchRole').find((s) => s.Sid === 'ListMemberHeartbeats');
    expect(scan?.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^HeartbeatsTable/), 'Arn'] });
    const ledgerPut = roleAllows(template, 'WatchRole').find((s) => s.Sid === 'ReadWriteFindingsLedger');
    expect(ledgerPut?.Resource).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^FindingsLedgerTable/), 'Arn'],
    });
  });

  test('both put events on the hub bus only', () => {
    for (const role of ['IntakeRole', 'WatchRole']) {
      const putEvents = roleAllows(template, role).filter((s) => s.Sid === 'PublishFindingEvents');
      expect(putEvents.map((s) => s.Resource)).toEqual([
        { 'Fn::GetAtt': [expect.stringMatching(/^FleetBus/), 'Arn'] },
      ]);
    }
  });
});

describe('a member checker putting a run report on the hub bus, simulated', () => {
  const { putEvents, busPolicy, memberPolicy, lambdaRoles, memberRolePath } = hubBusSimulation(hubApp);

  test('the harness is not vacuous: the bus policy is present and the member role is resolved', () => {
    expect(busPolicy.Statement).toHaveLength(1);
    expect(JSON.stringify(busPolicy)).toContain(HUB_BUS_ARN);
    expect(JSON.stringify(memberPolicy.policy)).toContain(HUB_BUS_ARN);
    expect(JSON.stringify([memberPolicy, busPolicy])).not.toMatch(/"(Ref|Fn::[A-Za-z]+)"/);
  });

  test('every member checker role (credential, IRSA) has the one path the bus policy names', () => {
    expect(lambdaRoles.length).toBeGreaterThanOrEqual(2);
    expect(new Set(lambdaRoles.map((role) => role.Properties.Path))).toEqual(new Set([memberRolePath]));
    expect(memberRolePath).not.toBe('/');
  });

  test('a run report from a member checker role of the organization is allowed', async () => {
    expect(await putEvents({})).toBe('Allowed');
  });

  test('the same call from another organization is denied', async () => {
    expect(await putEvents({ orgId: 'o-zzzzzzzzzz' })).toBe('denied');
  });

  test('anything but a run report is denied: another detail-type, another source', async () => {
    expect(await putEvents({ detailType: 'TMC Health Finding' })).toBe('denied');
    expect(await putEvents({ source: 'aws.events' })).toBe('denied');
  });

  test('the member role cannot put events on any other bus, nor manage the hub bus', async () => {
    expect(await putEvents({ bus: `arn:aws:events:eu-west-1:${MEMBER_ACCOUNT}:event-bus/default` })).toBe(
      'denied',
    );
    expect(await putEvents({ bus: `arn:aws:events:eu-west-1:${HUB_ACCOUNT}:event-bus/default` })).toBe(
      'denied',
    );
    expect(await putEvents({ action: 'events:DeleteEventBus' })).toBe('denied');
    expect(await putEvents({ action: 'events:DescribeEventBus' })).toBe('denied');
  });
});
