/**
 * Least privilege in the Organizations modes: the rules iam.test.ts holds the single stack to (iam-assertions.ts)
 * on every stack of the hub and member modes, the exact grants of the hub's and the member's roles, and the
 * cross-account path that matters most simulated with @cloud-copilot/iam-simulate: a member's checker putting a
 * run report on the hub bus (its identity policy and the bus's resource policy both have to allow it).
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { RUN_REPORT_DETAIL_TYPE, RUN_REPORT_SOURCE } from '../../lambdas/core/fleet/run-report-types';
import type { TmcHealthHubStack } from '../../lib/tmc-health-hub-stack';
import {
  expectExplicitActions,
  expectKmsOnlyOnTopicKeyViaSns,
  expectNoKmsInResourcePolicies,
  expectNoManagedPolicies,
  expectNoParameterReads,
  starResourceActions,
} from './iam-assertions';
import {
  actionSet,
  HUB_BUS_ARN,
  HUB_CONTEXT,
  roleAllows,
  synthApp,
  type PolicyStatementJson,
} from './helpers';

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

const templates: [string, Stack, Template, { kmsRoles: string[]; starActions: string[] }][] = [
  ['TmcHealthHub', hub, hubApp.templateOf(hub), { kmsRoles: ['IntakeRole', 'WatchRole'], starActions: [] }],
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

  test('fleet intake: ledger, heartbeat read and writes, publishing', () => {
    expect(actionSet(roleAllows(template, 'IntakeRole'))).toEqual([
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
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:ReceiveMessage',
      'sqs:SendMessage',
    ]);
    // Consuming the report queue (the event source mapping), on that queue only; sending only to its failure queue.
    const consume = roleAllows(template, 'IntakeRole').filter((s) =>
      ([] as string[]).concat(s.Action as string | string[]).includes('sqs:ReceiveMessage'),
    );
    expect(consume.map((s) => s.Resource)).toEqual([
      { 'Fn::GetAtt': [expect.stringMatching(/^FleetBusReportQueue/), 'Arn'] },
    ]);
    const send = roleAllows(template, 'IntakeRole').filter((s) =>
      ([] as string[]).concat(s.Action as string | string[]).includes('sqs:SendMessage'),
    );
    expect(send.map((s) => s.Resource)).toEqual([
      { 'Fn::GetAtt': [expect.stringMatching(/^IntakeFailureQueue/), 'Arn'] },
    ]);
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
  const HUB_ACCOUNT = '123456789012';
  const MEMBER_ACCOUNT = '210987654321';
  const ORG = 'o-a1b2c3d4e5';
  const member = hubApp.templateOf(hub.memberTemplate);
  const hubTemplate = hubApp.templateOf(hub);

  /**
   * The template's values made concrete: HubEventBusArn and the bus's GetAtt are the deployed hub bus, pseudo
   * parameters the member account's; the member's own resources get placeholder ARNs (no case here touches them).
   */
  const PSEUDO: Record<string, string> = {
    HubEventBusArn: HUB_BUS_ARN,
    'AWS::Partition': 'aws',
    'AWS::Region': 'eu-west-1',
    'AWS::AccountId': MEMBER_ACCOUNT,
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const concrete = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(concrete);
    if (typeof value !== 'object' || value === null) return value;
    const record = value as Record<string, unknown>;
    if (typeof record.Ref === 'string') return PSEUDO[record.Ref] ?? `arn:aws:placeholder:::${record.Ref}`;
    const getAtt = record['Fn::GetAtt'] as [string, string] | undefined;
    if (getAtt) return /^FleetBus/.test(getAtt[0]) ? HUB_BUS_ARN : `arn:aws:placeholder:::${getAtt[0]}`;
    const join = record['Fn::Join'] as [string, unknown[]] | undefined;
    if (join) return (concrete(join[1]) as unknown[]).map(String).join(join[0]);
    return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, concrete(item)]));
  };

  const memberPolicy = {
    name: 'member-checker',
    policy: concrete({ Statement: roleAllows(member, 'CheckerRole') }) as {
      Statement: PolicyStatementJson[];
    },
  };
  const busPolicies = Object.values(hubTemplate.findResources('AWS::Events::EventBusPolicy')) as {
    Properties: { Statement: PolicyStatementJson };
  }[];
  const busPolicy = concrete({ Statement: busPolicies.map((policy) => policy.Properties.Statement) }) as {
    Statement: PolicyStatementJson[];
  };

  async function putEvents(options: {
    readonly orgId?: string;
    readonly bus?: string;
    readonly action?: string;
    readonly source?: string;
    readonly detailType?: string;
  }): Promise<string> {
    const bus = options.bus ?? HUB_BUS_ARN;
    const result = await runSimulation(
      {
        request: {
          principal: `arn:aws:sts::${MEMBER_ACCOUNT}:assumed-role/StackSet-TmcHealthMember-CheckerRole/session`,
          action: options.action ?? 'events:PutEvents',
          resource: { resource: bus, accountId: bus.split(':')[4] ?? HUB_ACCOUNT },
          contextVariables: {
            'aws:SecureTransport': 'true',
            'aws:RequestedRegion': 'eu-west-1',
            'aws:PrincipalOrgID': options.orgId ?? ORG,
            'aws:PrincipalAccount': MEMBER_ACCOUNT,
            ...(options.action === undefined
              ? {
                  'events:source': options.source ?? RUN_REPORT_SOURCE,
                  'events:detail-type': options.detailType ?? RUN_REPORT_DETAIL_TYPE,
                }
              : {}),
          },
        },
        identityPolicies: [memberPolicy],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        ...(bus === HUB_BUS_ARN ? { resourcePolicy: busPolicy } : {}),
      },
      {},
    );
    if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
    // A context key dropped as unknown for the action could make a case pass by accident.
    if (result.resultType === 'single') expect(result.result.ignoredContextKeys ?? []).toEqual([]);
    return result.overallResult === 'Allowed' ? 'Allowed' : 'denied';
  }

  test('the harness is not vacuous: the bus policy is present and the member role is resolved', () => {
    expect(busPolicy.Statement).toHaveLength(1);
    expect(JSON.stringify(busPolicy)).toContain(HUB_BUS_ARN);
    expect(JSON.stringify(memberPolicy.policy)).toContain(HUB_BUS_ARN);
    expect(JSON.stringify([memberPolicy, busPolicy])).not.toMatch(/"(Ref|Fn::[A-Za-z]+)"/);
  });

  test('a run report from an account of the organization is allowed', async () => {
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
