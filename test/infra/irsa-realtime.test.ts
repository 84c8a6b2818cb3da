import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError, loadConfig } from '../../lib/config/config';
import {
  IRSA_REALTIME_EVENT_PATTERN,
  IRSA_REALTIME_RULE_STATE,
} from '../../lib/constructs/irsa-realtime-rule';
import { resourceOf, synth, type TemplateResource } from './helpers';

/** IRSA denials in near real time (issue 14 part 2, docs/irsa-realtime.md): the `irsaRealtime` key. */

type Json = Record<string, unknown>;

function problemsOf(context: Record<string, unknown>): string {
  try {
    loadConfig(context);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected an invalid configuration');
}

function stsRules(resources: Record<string, TemplateResource>): [string, TemplateResource][] {
  return Object.entries(resources).filter(([, rule]) =>
    JSON.stringify((rule.Properties as Json).EventPattern ?? {}).includes('"aws.sts"'),
  );
}

/** The IRSA role's statements, flattened. */
function irsaStatements(resources: Record<string, TemplateResource>): Json[] {
  return Object.entries(resources)
    .filter(([id]) => id.startsWith('IrsaCheckerRoleDefaultPolicy'))
    .flatMap(([, policy]) => ((policy.Properties as Json).PolicyDocument as { Statement: Json[] }).Statement);
}

describe('irsaRealtime: the key', () => {
  test('off by default; true, "true" and "TRUE" turn it on', () => {
    expect(loadConfig({}).irsaRealtime).toBe(false);
    for (const value of [true, 'true', 'TRUE'])
      expect(loadConfig({ irsaRealtime: value }).irsaRealtime).toBe(true);
  });

  test('not a boolean, outside single mode, or without the IRSA check: refused, saying why', () => {
    expect(problemsOf({ irsaRealtime: 'yes' })).toContain('irsaRealtime:');
    expect(
      problemsOf({
        irsaRealtime: true,
        mode: 'member',
        hubEventBusArn: 'arn:aws:events:eu-west-1:123456789012:event-bus/tmc-health-fleet',
      }),
    ).toContain('irsaRealtime: is not supported with mode=member');
    expect(problemsOf({ irsaRealtime: true, irsaEnabled: false })).toContain(
      'irsaRealtime: needs the IRSA check (irsaEnabled is false)',
    );
  });
});

describe('irsaRealtime off (the default)', () => {
  const { template } = synth();
  const resources = template.toJSON().Resources as Record<string, TemplateResource>;

  test('no rule, no permission for EventBridge on the IRSA function, no claim actions, no variable', () => {
    expect(stsRules(template.findResources('AWS::Events::Rule') as Record<string, TemplateResource>)).toEqual(
      [],
    );
    const permissions = Object.values(
      template.findResources('AWS::Lambda::Permission') as Record<string, TemplateResource>,
    ).filter((permission) => JSON.stringify(permission.Properties).includes('IrsaCheckerFunction'));
    expect(permissions.filter((p) => (p.Properties as Json).Principal === 'events.amazonaws.com')).toEqual(
      [],
    );
    expect(irsaStatements(resources).map((statement) => statement.Sid)).not.toContain('ClaimRealtimeDenials');
    const fn = resourceOf(template, 'AWS::Lambda::Function', 'IrsaCheckerFunction');
    expect(JSON.stringify(fn.Properties)).not.toContain('TMC_HEALTH_IRSA_REALTIME');
  });
});

describe('irsaRealtime on', () => {
  const { stack, template } = synth({ irsaRealtime: true });
  const resources = template.toJSON().Resources as Record<string, TemplateResource>;
  const rules = stsRules(template.findResources('AWS::Events::Rule') as Record<string, TemplateResource>);
  const [ruleId, rule] = rules[0] ?? ['', { Type: '', Properties: {} }];
  const properties = rule.Properties as Json;

  test('one rule on the default bus: denied AssumeRoleWithWebIdentity calls, as CloudTrail delivers them', () => {
    expect(rules).toHaveLength(1);
    expect(ruleId).toMatch(/^IrsaRealtimeRule/);
    expect(properties.EventBusName).toBeUndefined();
    expect(properties.EventPattern).toEqual({
      source: ['aws.sts'],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: {
        eventSource: ['sts.amazonaws.com'],
        eventName: ['AssumeRoleWithWebIdentity'],
        errorCode: [{ exists: true }],
      },
    });
    expect(properties.EventPattern).toEqual(IRSA_REALTIME_EVENT_PATTERN);
  });

  test('its state also matches read-only management events (AssumeRoleWithWebIdentity is one)', () => {
    expect(properties.State).toBe('ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS');
    expect(IRSA_REALTIME_RULE_STATE).toBe('ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS');
  });

  test('its target is the IRSA function, with a retry policy and the function’s failure queue as DLQ', () => {
    const targets = properties.Targets as Json[];
    expect(targets).toHaveLength(1);
    expect(targets[0]).toMatchObject({
      Arn: { 'Fn::GetAtt': [expect.stringMatching(/^IrsaCheckerFunction/) as unknown, 'Arn'] },
      DeadLetterConfig: {
        Arn: { 'Fn::GetAtt': [expect.stringMatching(/^IrsaCheckerFailureQueue/) as unknown, 'Arn'] },
      },
      RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 900 },
    });
  });

  test('lambda:InvokeFunction for events.amazonaws.com, scoped to this rule’s ARN only', () => {
    const permissions = Object.values(
      template.findResources('AWS::Lambda::Permission') as Record<string, TemplateResource>,
    ).filter((permission) => (permission.Properties as Json).Principal === 'events.amazonaws.com');
    expect(permissions).toHaveLength(1);
    expect(permissions[0]!.Properties).toEqual({
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [expect.stringMatching(/^IrsaCheckerFunction/) as unknown, 'Arn'] },
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
    });
  });

  test('the failure queue accepts undelivered events from this rule only', () => {
    const policy = resourceOf(template, 'AWS::SQS::QueuePolicy', 'IrsaCheckerFailureQueuePolicy');
    const statements = ((policy.Properties as Json).PolicyDocument as { Statement: Json[] }).Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Principal: { Service: 'events.amazonaws.com' },
        Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
      }),
    );
  });

  test('the function is told (TMC_HEALTH_IRSA_REALTIME) and may claim on its watermark table only', () => {
    const fn = resourceOf(template, 'AWS::Lambda::Function', 'IrsaCheckerFunction');
    expect(
      ((fn.Properties as Json).Environment as { Variables: Json }).Variables.TMC_HEALTH_IRSA_REALTIME,
    ).toBe('true');
    expect(irsaStatements(resources).filter((statement) => statement.Sid === 'ClaimRealtimeDenials')).toEqual(
      [
        {
          Sid: 'ClaimRealtimeDenials',
          Effect: 'Allow',
          Action: ['dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem', 'dynamodb:UpdateItem'],
          Resource: { 'Fn::GetAtt': [expect.stringMatching(/^IrsaWatermarksTable/) as unknown, 'Arn'] },
        },
      ],
    );
    // The credential checker's role gets none of it.
    const credentialStatements = Object.entries(resources)
      .filter(([id]) => id.startsWith('CheckerRoleDefaultPolicy'))
      .flatMap(([, p]) => ((p.Properties as Json).PolicyDocument as { Statement: Json[] }).Statement);
    expect(JSON.stringify(credentialStatements)).not.toContain('ConditionCheckItem');
  });

  test('cdk-nag AwsSolutions: no unacknowledged findings', () => {
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources[0]?.constructPath}`)).toEqual(
      [],
    );
    expect(report.success).toBe(true);
  });
});
