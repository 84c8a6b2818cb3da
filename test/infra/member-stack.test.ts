import type { Template } from 'aws-cdk-lib/assertions';
import type { TmcHealthHubStack } from '../../lib/tmc-health-hub-stack';
import type { TmcHealthMemberStack } from '../../lib/tmc-health-member-stack';
import {
  actionsOf,
  allPolicyStatements,
  HUB_BUS_ARN,
  HUB_CONTEXT,
  IDENTITY_POLICY_TYPES,
  roleAllows,
  synthApp,
  type TemplateResource,
} from './helpers';

const HUB_BUS = { Ref: 'HubEventBusArn' };

/** The member stack both ways: the StackSet template synthesized by the hub, and one deployed by hand. */
const variants: [string, () => Template, boolean][] = [
  [
    'the StackSet template (mode=hub)',
    () => {
      const { hub, templateOf } = synthApp(HUB_CONTEXT);
      return templateOf((hub as TmcHealthHubStack).memberTemplate);
    },
    true,
  ],
  [
    'TmcHealthMember (mode=member)',
    () => {
      const { member, templateOf } = synthApp({ mode: 'member', hubEventBusArn: HUB_BUS_ARN });
      return templateOf(member as TmcHealthMemberStack);
    },
    true,
  ],
  [
    'TmcHealthMember without IRSA (mode=member)',
    () => {
      const { member, templateOf } = synthApp({ mode: 'member', irsaEnabled: 'false' });
      return templateOf(member as TmcHealthMemberStack);
    },
    false,
  ],
];

const functionsOf = (template: Template) =>
  Object.entries(template.findResources('AWS::Lambda::Function') as Record<string, TemplateResource>);

describe.each(variants)('member stack: %s', (_name, build, irsa) => {
  const template = build();
  const checkerRoles = irsa ? ['CheckerRole', 'IrsaCheckerRole'] : ['CheckerRole'];

  test('only the checkers: no topic, key, findings ledger or heartbeat table, dashboard, alarms, bus', () => {
    for (const type of [
      'AWS::SNS::Topic',
      'AWS::SNS::Subscription',
      'AWS::KMS::Key',
      'AWS::CloudWatch::Dashboard',
      'AWS::CloudWatch::Alarm',
      'AWS::Events::EventBus',
      'AWS::Events::EventBusPolicy',
      'AWS::CloudFormation::StackSet',
      'AWS::EventSchemas::Registry',
    ]) {
      expect([type, template.findResources(type)]).toEqual([type, {}]);
    }
    // The IRSA check's own scan watermarks are its only table (no ledger: the hub keeps it).
    const tables = Object.keys(template.findResources('AWS::DynamoDB::Table'));
    expect(tables).toEqual(irsa ? [expect.stringMatching(/^IrsaWatermarksTable/)] : []);
  });

  test('the checker functions, each with its schedule, role, log group and failure queue', () => {
    expect(functionsOf(template).map(([id]) => id.replace(/[0-9A-F]{8}$/, ''))).toEqual(
      irsa ? ['CheckerFunction', 'IrsaCheckerFunction'] : ['CheckerFunction'],
    );
    template.resourceCountIs('AWS::Scheduler::Schedule', irsa ? 2 : 1);
    template.resourceCountIs('AWS::Logs::LogGroup', irsa ? 2 : 1);
    template.resourceCountIs('AWS::SQS::Queue', irsa ? 2 : 1);
    for (const [, fn] of functionsOf(template)) {
      expect(fn.Properties.Runtime).toBe('nodejs24.x');
      expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
    }
  });

  test('the functions report to the hub bus (HubEventBusArn), without metrics, topic or ledger', () => {
    for (const [, fn] of functionsOf(template)) {
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(variables).toMatchObject({
        TMC_HEALTH_HUB_EVENT_BUS: HUB_BUS,
        TMC_HEALTH_EVENT_BUS: HUB_BUS,
        POWERTOOLS_METRICS_DISABLED: 'true',
      });
      for (const absent of [
        'TMC_HEALTH_TOPIC_ARN',
        'TMC_HEALTH_LEDGER_TABLE',
        'TMC_HEALTH_AUTO_REMEDIATION',
      ]) {
        expect(variables).not.toHaveProperty(absent);
      }
    }
  });

  test('events:PutEvents is granted on the hub bus ARN only, and nothing publishes anywhere else', () => {
    const putEvents = allPolicyStatements(template).filter((found) =>
      actionsOf(found.statement).includes('events:PutEvents'),
    );
    expect(putEvents.map((found) => found.logicalId.replace(/Role.*$/, 'Role')).sort()).toEqual(checkerRoles);
    for (const { statement, type } of putEvents) {
      expect(IDENTITY_POLICY_TYPES).toContain(type);
      expect(statement).toEqual({
        Sid: 'SendRunReportsToHub',
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Resource: HUB_BUS,
      });
    }
    const allowed = allPolicyStatements(template).flatMap((found) => actionsOf(found.statement));
    for (const action of ['sns:Publish', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'kms:GenerateDataKey*']) {
      expect(allowed).not.toContain(action);
    }
    // No auto-remediation in a member: only the Scheduler roles invoke, each its own function.
    for (const role of checkerRoles) {
      expect(roleAllows(template, role).flatMap(actionsOf)).not.toContain('lambda:InvokeFunction');
    }
  });

  test('HubEventBusArn: an event bus ARN, defaulting to hubEventBusArn when configured', () => {
    const parameter = template.toJSON().Parameters.HubEventBusArn as Record<string, unknown>;
    expect(parameter).toMatchObject({
      Type: 'String',
      AllowedPattern: expect.stringContaining(':event-bus\\/'),
    });
    expect(new RegExp(parameter.AllowedPattern as string).test(HUB_BUS_ARN)).toBe(true);
    expect(new RegExp(parameter.AllowedPattern as string).test('tmc-health-fleet')).toBe(false);
  });
});

test('mode=member defines TmcHealthMember only; its parameter defaults to hubEventBusArn when given', () => {
  const configured = synthApp({ mode: 'member', hubEventBusArn: HUB_BUS_ARN });
  expect(configured.assembly.stacks.map((stack) => stack.stackName)).toEqual(['TmcHealthMember']);
  expect(configured.single).toBeUndefined();
  expect(configured.hub).toBeUndefined();
  const withDefault = configured.templateOf(configured.member as TmcHealthMemberStack).toJSON();
  expect(withDefault.Parameters.HubEventBusArn.Default).toBe(HUB_BUS_ARN);
  const unset = synthApp({ mode: 'member' });
  const withoutDefault = unset.templateOf(unset.member as TmcHealthMemberStack).toJSON();
  expect(withoutDefault.Parameters.HubEventBusArn.Default).toBeUndefined();
});
