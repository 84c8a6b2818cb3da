/**
 * The paging recipes in the template (docs/paging.md): off by default; with `pagerDutyRoutingKeySecret`, a
 * connection whose routing key is a Secrets Manager reference (never the key), an API destination on PagerDuty's
 * Events v2 endpoint, one trigger rule per paging severity and one resolve rule; with `opsItemsForHigh`, an OpsCenter
 * target per HIGH and CRITICAL; a dead-letter queue for all of them, alarmed. The input transformers are rendered
 * against the events one finding's life publishes (test/infra/support/paging-events.ts): trigger and resolve
 * carry the same dedup_key, in single and hub mode.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import { ConfigError, loadConfig } from '../../lib/config/config';
import { PAGER_DUTY_EVENTS_ENDPOINT } from '../../lib/constructs/pager-duty-paging';
import { PAGING_MAX_EVENT_AGE, PAGING_RETRY_ATTEMPTS } from '../../lib/constructs/paging-rules';
import { expectExplicitActions } from './iam-assertions';
import { allPolicyStatements, actionsOf, HUB_CONTEXT, synth, synthApp } from './helpers';
import {
  deliveries,
  HUB_ACCOUNT,
  lifeOf,
  MEMBER_ACCOUNT,
  rulesOf,
  type JsonObject,
} from './support/paging-events';

const SECRET = 'tmc-health/pagerduty-routing-key';
const PAGER_DUTY = { pagerDutyRoutingKeySecret: SECRET };
const EVERYTHING = { ...PAGER_DUTY, opsItemsForHigh: 'true' };

const single = (context: Record<string, unknown> = EVERYTHING): Template => synth(context).template;
const hub = (context: Record<string, unknown> = EVERYTHING): Template => {
  const app = synthApp({ ...HUB_CONTEXT, ...context });
  return app.templateOf(app.hub!);
};

const parsed = (text: string): JsonObject => JSON.parse(text) as JsonObject;
const pagerDutyBodies = (template: Template, event: JsonObject): JsonObject[] =>
  deliveries(template, event)
    .filter((delivery) => delivery.kind === 'pagerduty')
    .map((delivery) => parsed(delivery.text));

describe('off by default', () => {
  test.each([
    ['single', () => single({})],
    ['hub', () => hub({})],
  ])('%s: no connection, destination, paging rule or queue', (_mode, template) => {
    const t = template();
    t.resourceCountIs('AWS::Events::Connection', 0);
    t.resourceCountIs('AWS::Events::ApiDestination', 0);
    expect(rulesOf(t)).toEqual([]);
    expect(JSON.stringify(t.toJSON())).not.toContain('opsitem');
  });
});

describe.each([
  ['single', single],
  ['hub', hub],
])('%s mode with PagerDuty and OpsItems', (mode, templateOf) => {
  const template = templateOf();

  test('the routing key is a Secrets Manager reference on the connection, secret, in the body', () => {
    template.hasResourceProperties('AWS::Events::Connection', {
      AuthorizationType: 'API_KEY',
      AuthParameters: {
        InvocationHttpParameters: {
          BodyParameters: [
            {
              Key: 'routing_key',
              IsValueSecret: true,
              Value: `{{resolve:secretsmanager:${SECRET}:SecretString:::}}`,
            },
          ],
        },
      },
    });
    template.hasResourceProperties('AWS::Events::ApiDestination', {
      InvocationEndpoint: PAGER_DUTY_EVENTS_ENDPOINT,
      HttpMethod: 'POST',
    });
  });

  test('one trigger rule per paging severity (HIGH and above by default), one resolve rule, two OpsItem rules', () => {
    const rules = rulesOf(template).map((rule) => rule.logicalId.replace(/[0-9A-F]{8}$/, ''));
    expect(rules.sort()).toEqual(
      [
        'PagingOpsItemsCreateCRITICAL',
        'PagingOpsItemsCreateHIGH',
        'PagingPagerDutyResolve',
        'PagingPagerDutyTriggerCRITICAL',
        'PagingPagerDutyTriggerHIGH',
      ].sort(),
    );
  });

  test('every paging target has the dead-letter queue and the retry policy', () => {
    const queue = Object.keys(template.findResources('AWS::SQS::Queue')).filter((id) =>
      id.startsWith('PagingDeadLetterQueue'),
    );
    expect(queue).toHaveLength(1);
    for (const rule of rulesOf(template)) {
      expect(rule.targets).toHaveLength(1);
      for (const target of rule.targets) {
        expect(target.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [queue[0], 'Arn'] } });
        expect(target.RetryPolicy).toEqual({
          MaximumRetryAttempts: PAGING_RETRY_ATTEMPTS,
          MaximumEventAgeInSeconds: PAGING_MAX_EVENT_AGE.toSeconds(),
        });
      }
    }
  });

  test('the dead-letter queue is alarmed on its visible messages (AWS/SQS), notifying the findings topic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PagingDeadLetterQueue'), 'QueueName'] },
        },
      ],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      AlarmName: Match.stringLikeRegexp('paging-dead-letter-queue-not-empty$'),
      AlarmActions: Match.anyValue(),
    });
  });

  test('only this account’s events: every rule matches on the stack’s own account', () => {
    for (const rule of rulesOf(template)) {
      expect(rule.pattern.account).toEqual([{ Ref: 'AWS::AccountId' }]);
    }
  });

  test('the rules read the findings bus: the default bus, or the hub bus', () => {
    for (const rule of rulesOf(template)) {
      if (mode === 'single') expect(rule.eventBusName).toBeUndefined();
      else {
        const [fleetBus] = Object.keys(
          template.findResources('AWS::Events::EventBus', { Properties: { Name: 'tmc-health-fleet' } }),
        );
        expect(rule.eventBusName).toEqual({ Ref: fleetBus });
      }
    }
  });

  const account = mode === 'hub' ? MEMBER_ACCOUNT : HUB_ACCOUNT;
  const life = lifeOf('HIGH', 'CRITICAL', { accountId: account });

  test('OPENED and ESCALATED trigger, RESOLVED resolves, all three with the same dedup_key: the finding id', () => {
    const opened = pagerDutyBodies(template, life.opened);
    const escalated = pagerDutyBodies(template, life.escalated);
    const resolved = pagerDutyBodies(template, life.resolved);
    const findingId = (life.opened.detail as JsonObject).findingId;
    expect(opened).toHaveLength(1);
    expect(escalated).toHaveLength(1);
    expect(resolved).toHaveLength(1);
    expect(opened[0]).toMatchObject({ event_action: 'trigger', dedup_key: findingId });
    expect(escalated[0]).toMatchObject({ event_action: 'trigger', dedup_key: findingId });
    expect(resolved[0]).toEqual({ event_action: 'resolve', dedup_key: findingId });
    // The idempotency keys differ (findingId#sequence): they could not be the dedup_key.
    expect((life.opened.detail as JsonObject).idempotencyKey).not.toBe(
      (life.resolved.detail as JsonObject).idempotencyKey,
    );
  });

  test('the trigger is a PagerDuty Events v2 alert: summary, source, mapped severity, details naming the account', () => {
    const [opened] = pagerDutyBodies(template, life.opened);
    const [escalated] = pagerDutyBodies(template, life.escalated);
    expect(opened!.payload).toMatchObject({
      summary: 'data-sync Lambda not running',
      source: 'prod-eks-data-sync',
      severity: 'error',
      component: 'AWS::Lambda::Function',
      group: account,
      class: 'tmc.lambda.not-invoked',
      custom_details: { accountId: account, transition: 'OPENED', severity: 'HIGH', region: 'us-west-2' },
    });
    expect((escalated!.payload as JsonObject).severity).toBe('critical');
    expect(opened).not.toHaveProperty('routing_key');
    expect(opened).not.toHaveProperty('links');
  });

  test('an OPENED HIGH finding is one OpsItem deduplicated on the finding id; a RESOLVED one creates none', () => {
    const items = deliveries(template, life.opened).filter((delivery) => delivery.kind === 'opsitem');
    expect(items).toHaveLength(1);
    const item = parsed(items[0]!.text);
    const findingId = (life.opened.detail as JsonObject).findingId as string;
    expect(item).toMatchObject({
      title: 'data-sync Lambda not running',
      severity: '2',
      source: 'tmc-health',
    });
    const data = item.operationalData as Record<string, { type: string; value: string }>;
    expect(data['/aws/dedup']!.type).toBe('SearchableString');
    expect(JSON.parse(data['/aws/dedup']!.value)).toEqual({ dedupString: `tmc-health-${findingId}` });
    expect(data.accountId!.value).toBe(account);
    expect(deliveries(template, life.resolved).filter((d) => d.kind === 'opsitem')).toEqual([]);
  });

  test('a suppressed finding, a MEDIUM one, a REMINDER and a stateless event page nothing', () => {
    const suppressed = lifeOf('HIGH', 'CRITICAL', {
      accountId: account,
      suppression: { state: 'SUPPRESSED', reason: 'maintenance', expires: '2030-01-01' },
    } as never).opened;
    const medium = lifeOf('MEDIUM', 'HIGH', { accountId: account }).opened;
    const reminder = {
      ...life.opened,
      detail: { ...(life.opened.detail as JsonObject), transition: 'REMINDER' },
    };
    const stateless = { ...life.opened, detail: { ...(life.opened.detail as JsonObject) } };
    delete (stateless.detail as Record<string, unknown>).transition;
    // Not vacuous: each is a finding event that would page but for the one thing the test changes.
    expect((suppressed.detail as JsonObject).suppression).toMatchObject({ state: 'SUPPRESSED' });
    expect(medium.detail).toMatchObject({ transition: 'OPENED', severity: 'MEDIUM' });
    expect(pagerDutyBodies(template, life.opened)).toHaveLength(1);
    for (const event of [suppressed, medium, reminder, stateless]) {
      expect(deliveries(template, event)).toEqual([]);
    }
  });

  test('another account’s finding event on the bus pages nothing', () => {
    const elsewhere = { ...life.opened, account: '999999999999' };
    expect(deliveries(template, elsewhere)).toEqual([]);
  });

  test('least privilege: the rules’ roles may only invoke the API destination or create OpsItems', () => {
    expectExplicitActions(template);
    const grants = allPolicyStatements(template).filter(
      (found) => found.type === 'AWS::IAM::Policy' && /^Paging/.test(found.logicalId),
    );
    const actions = [...new Set(grants.flatMap((found) => actionsOf(found.statement)))].sort();
    expect(actions).toEqual(['events:InvokeApiDestination', 'ssm:CreateOpsItem']);
    for (const { statement } of grants) {
      const resource = JSON.stringify(statement.Resource);
      if (actionsOf(statement).includes('ssm:CreateOpsItem')) expect(resource).toContain(':opsitem/*');
      else expect(resource).toMatch(/PagingPagerDutyDestination/);
    }
  });

  test('no role anywhere may read a secret: the routing key is resolved by CloudFormation, kept by EventBridge', () => {
    const secretReads = allPolicyStatements(template).filter((found) =>
      actionsOf(found.statement).some((action) => action.startsWith('secretsmanager:')),
    );
    expect(secretReads).toEqual([]);
  });
});

test('synthesis with the recipes on says nothing: no warning, no info', () => {
  const { stack } = synth(EVERYTHING);
  expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
  expect(Annotations.fromStack(stack).findInfo('*', Match.anyValue())).toEqual([]);
});

test('pagerDutyMinSeverity=LOW: a trigger rule for each of the four severities, mapped to PagerDuty’s', () => {
  const template = single({ ...PAGER_DUTY, pagerDutyMinSeverity: 'LOW' });
  const severities = rulesOf(template)
    .filter((rule) => rule.logicalId.includes('Trigger'))
    .map((rule) => (rule.pattern.detail as JsonObject).severity);
  expect(severities).toEqual([['CRITICAL'], ['HIGH'], ['MEDIUM'], ['LOW']]);
  const mapped = (['MEDIUM', 'LOW'] as const).map(
    (severity) =>
      (pagerDutyBodies(template, lifeOf(severity, 'HIGH').opened)[0]!.payload as JsonObject).severity,
  );
  expect(mapped).toEqual(['warning', 'info']);
});

test('with runbookBaseUrl, the trigger links the runbook; PagerDuty only, no OpsItem rule without the key', () => {
  const template = single({ ...PAGER_DUTY, runbookBaseUrl: 'https://wiki.example.com/tmc-health' });
  const life = lifeOf('HIGH', 'CRITICAL', {
    remediation: {
      text: 'steps',
      whoCanFix: 'someone',
      runbookUrl: 'https://wiki.example.com/tmc-health#tmc-lambda-not-invoked',
    },
  });
  expect(pagerDutyBodies(template, life.opened)[0]!.links).toEqual([
    { href: 'https://wiki.example.com/tmc-health#tmc-lambda-not-invoked', text: 'Runbook' },
  ]);
  expect(rulesOf(template).some((rule) => rule.logicalId.includes('OpsItems'))).toBe(false);
});

test('opsItemsForHigh alone: the OpsCenter target, no connection', () => {
  const template = single({ opsItemsForHigh: 'true' });
  template.resourceCountIs('AWS::Events::Connection', 0);
  const targets = rulesOf(template).flatMap((rule) => rule.targets);
  expect(targets).toHaveLength(2);
  for (const target of targets) {
    expect(target.Arn).toEqual({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':ssm:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          ':opsitem',
        ],
      ],
    });
  }
});

test('a named findings bus carries the rules', () => {
  const named = single({ ...PAGER_DUTY, eventBusName: 'tmc-findings' });
  expect(rulesOf(named).length).toBeGreaterThan(0);
  for (const rule of rulesOf(named)) expect(rule.eventBusName).toBe('tmc-findings');
});

describe('docs/paging.md shows what the synthesized rules send', () => {
  const page = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'paging.md'), 'utf8');
  const blocks = (section: string): JsonObject[] => {
    const text = page.split(`\n## ${section}\n`)[1]?.split('\n## ')[0] ?? '';
    return [...text.matchAll(/```json\n([\s\S]*?)```/g)].map((match) => parsed(match[1]!));
  };
  // The example of docs/events.md: its finding id, account and region.
  const life = lifeOf('HIGH', 'CRITICAL', {
    findingId: '4f2a0c8e9b1d47a6a1c3e5f7092b4d6e',
    accountId: '111122223333',
  });
  const withoutKey = ({ routing_key: _key, ...body }: JsonObject): JsonObject => body;

  test('the trigger and the resolve, as rendered (the connection adds routing_key)', () => {
    const shown = blocks('What PagerDuty receives');
    expect(shown).toHaveLength(2);
    expect(shown.map((block) => block.routing_key)).toEqual([
      '(added by the connection, from the secret)',
      '(added by the connection, from the secret)',
    ]);
    const template = single();
    expect(withoutKey(shown[0]!)).toEqual(pagerDutyBodies(template, life.opened)[0]);
    expect(withoutKey(shown[1]!)).toEqual(pagerDutyBodies(template, life.resolved)[0]);
  });

  test('the OpsItem, as rendered', () => {
    const [shown] = blocks('OpsCenter');
    const [item] = deliveries(single(), life.opened).filter((delivery) => delivery.kind === 'opsitem');
    expect(shown).toEqual(parsed(item!.text));
  });

  test('the runbook section the alarm points to exists', () => {
    const operations = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'operations.md'), 'utf8');
    expect(operations).toContain('\n### paging-dead-letter-queue\n');
    const alarms = single().findResources('AWS::CloudWatch::Alarm', {
      Properties: { AlarmName: Match.stringLikeRegexp('paging-dead-letter-queue-not-empty$') },
    });
    const [alarm] = Object.values(alarms) as { Properties: { AlarmDescription: unknown } }[];
    expect(JSON.stringify(alarm!.Properties.AlarmDescription)).toContain(
      'docs/operations.md#paging-dead-letter-queue',
    );
  });
});

describe('configuration', () => {
  const problem = (context: Record<string, unknown>): string => {
    try {
      loadConfig(context);
    } catch (error) {
      if (error instanceof ConfigError) return error.message;
      throw error;
    }
    throw new Error('accepted');
  };

  test('a member refuses every paging key, naming it and the fix', () => {
    for (const [key, value] of Object.entries({ ...EVERYTHING, pagerDutyMinSeverity: 'CRITICAL' })) {
      const message = problem({
        mode: 'member',
        hubEventBusArn: 'arn:aws:events:eu-west-1:123456789012:event-bus/tmc-health-fleet',
        [key]: value,
      });
      expect(message).toContain(`${key}: is not used with mode=member: paging belongs to the hub`);
      expect(message).toContain('set it in the hub configuration');
    }
  });

  test('a raw routing key is refused and never repeated', () => {
    const key = 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6';
    const message = problem({ pagerDutyRoutingKeySecret: key });
    expect(message).toContain('looks like a PagerDuty routing key itself');
    expect(message).toContain('aws secretsmanager create-secret');
    expect(message).not.toContain(key);
    expect(message).not.toContain(key.slice(0, 8));
  });

  test('secret names and ARNs are taken', () => {
    for (const secret of [SECRET, 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pd-key-AbCdEf']) {
      expect(loadConfig({ pagerDutyRoutingKeySecret: secret }).pagerDutyRoutingKeySecret).toBe(secret);
    }
  });

  test('the hub takes the keys', () => {
    const config = loadConfig({ ...HUB_CONTEXT, ...EVERYTHING });
    expect(config.opsItemsForHigh).toBe(true);
    expect(config.pagerDutyMinSeverity).toBe('HIGH');
  });
});
