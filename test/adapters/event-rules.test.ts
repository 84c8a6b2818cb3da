import {
  DescribeRuleCommand,
  EventBridgeClient,
  ListRuleNamesByTargetCommand,
  ListTargetsByRuleCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { readRules, type CredentialRuleInput } from '../../lambdas/adapters/event-rules';
import { CallLog } from '../../lambdas/adapters/gather-call-log';

const events = mockClient(EventBridgeClient);
const client = new EventBridgeClient({ region: 'us-east-1', maxAttempts: 1 });
const PREFIX = 'arn:aws:events:us-east-1:111122223333:rule';
const fnArn = (name: string) => `arn:aws:lambda:us-east-1:111122223333:function:${name}`;
const denied = () => Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' });
const withTaggedRule = (name: string, eventBusName = 'default'): CredentialRuleInput => ({
  credentialName: 'prod',
  taggedRules: [
    {
      credentialName: 'prod',
      arn: eventBusName === 'default' ? `${PREFIX}/${name}` : `${PREFIX}/${eventBusName}/${name}`,
      name,
      eventBusName,
    },
  ],
  functionArns: [fnArn('prod-data-sync'), fnArn('prod-resource-retriever')],
});
const untagged: CredentialRuleInput = { ...withTaggedRule('x'), taggedRules: [] };

beforeEach(() => {
  events.reset();
  events.on(DescribeRuleCommand).callsFake((input: { Name: string }) => ({
    Name: input.Name,
    Arn: `${PREFIX}/${input.Name}`,
    State: 'ENABLED',
  }));
  events.on(ListTargetsByRuleCommand).resolves({ Targets: [{ Id: 't', Arn: fnArn('prod-data-sync') }] });
});

describe('readRules', () => {
  it('describes a tagged rule and follows every page of its targets', async () => {
    events
      .on(ListTargetsByRuleCommand)
      .resolvesOnce({ Targets: [{ Id: 'a', Arn: fnArn('prod-data-sync') }], NextToken: 't2' })
      .resolvesOnce({ Targets: [{ Id: 'b', Arn: 'arn:aws:sqs:us-east-1:111122223333:dlq' }] });
    const result = await readRules(client, new CallLog('us-east-1'), [withTaggedRule('prod-sync')]);

    expect(events).toHaveReceivedCommandTimes(ListTargetsByRuleCommand, 2);
    expect(events).toHaveReceivedNthSpecificCommandWith(2, ListTargetsByRuleCommand, {
      Rule: 'prod-sync',
      NextToken: 't2',
    });
    expect(result.rules).toEqual([
      {
        credentialName: 'prod',
        arn: `${PREFIX}/prod-sync`,
        name: 'prod-sync',
        eventBusName: 'default',
        discoveredBy: 'tag',
        state: 'ENABLED',
        targets: {
          ok: true,
          value: [
            { id: 'a', arn: fnArn('prod-data-sync') },
            { id: 'b', arn: 'arn:aws:sqs:us-east-1:111122223333:dlq' },
          ],
        },
      },
    ]);
    expect(events).not.toHaveReceivedCommand(ListRuleNamesByTargetCommand);
  });

  it('names a custom bus in both calls', async () => {
    await readRules(client, new CallLog('us-east-1'), [withTaggedRule('prod-sync', 'tmc-bus')]);
    expect(events).toHaveReceivedCommandWith(DescribeRuleCommand, {
      Name: 'prod-sync',
      EventBusName: 'tmc-bus',
    });
    expect(events).toHaveReceivedCommandWith(ListTargetsByRuleCommand, {
      Rule: 'prod-sync',
      EventBusName: 'tmc-bus',
    });
  });

  it('finds rules by target when none is tagged, paginating and de-duplicating', async () => {
    events
      .on(ListRuleNamesByTargetCommand, { TargetArn: fnArn('prod-data-sync') })
      .resolvesOnce({ RuleNames: ['prod-sync'], NextToken: 'n2' })
      .resolvesOnce({ RuleNames: ['prod-extra'] });
    events
      .on(ListRuleNamesByTargetCommand, { TargetArn: fnArn('prod-resource-retriever') })
      .resolves({ RuleNames: ['prod-sync'] });
    const result = await readRules(client, new CallLog('us-east-1'), [untagged]);

    expect(events).toHaveReceivedCommandTimes(ListRuleNamesByTargetCommand, 3);
    expect(events).toHaveReceivedCommandWith(ListRuleNamesByTargetCommand, {
      TargetArn: fnArn('prod-data-sync'),
      NextToken: 'n2',
    });
    expect(result.rules.map((rule) => [rule.name, rule.discoveredBy, rule.credentialName])).toEqual([
      ['prod-sync', 'target', 'prod'],
      ['prod-extra', 'target', 'prod'],
    ]);
    expect(events).toHaveReceivedCommandTimes(DescribeRuleCommand, 2);
    expect(result.rules[0]!.arn).toBe(`${PREFIX}/prod-sync`);
  });

  it('falls back by target when the only tagged rule has vanished', async () => {
    events
      .on(DescribeRuleCommand, { Name: 'old-sync' })
      .rejects(new ResourceNotFoundException({ message: 'gone', $metadata: {} }));
    events.on(ListRuleNamesByTargetCommand).resolves({ RuleNames: ['new-sync'] });
    const log = new CallLog('us-east-1');
    const result = await readRules(client, log, [withTaggedRule('old-sync')]);

    expect(result.vanished).toEqual([
      { credentialName: 'prod', arn: `${PREFIX}/old-sync`, resourceType: 'events:rule' },
    ]);
    expect(result.rules.map((rule) => [rule.name, rule.discoveredBy])).toEqual([['new-sync', 'target']]);
    expect(log.failures).toEqual([]);
  });

  it('reports a denied DescribeRule as a rules component failure, without a fallback that would fail too', async () => {
    events.on(DescribeRuleCommand).rejects(denied());
    const result = await readRules(client, new CallLog('us-east-1'), [withTaggedRule('prod-sync')]);

    expect(result.rules).toEqual([]);
    expect(result.vanished).toEqual([]);
    expect(result.componentFailures).toEqual([
      {
        credentialName: 'prod',
        kind: 'rules',
        failure: expect.objectContaining({ operation: 'DescribeRule', resourceArn: `${PREFIX}/prod-sync` }),
      },
    ]);
    expect(events).not.toHaveReceivedCommand(ListRuleNamesByTargetCommand);
  });

  it('reports a denied ListRuleNamesByTarget as a rules component failure', async () => {
    events.on(ListRuleNamesByTargetCommand).rejects(denied());
    const log = new CallLog('us-east-1');
    const result = await readRules(client, log, [untagged]);

    expect(result.componentFailures).toHaveLength(2);
    expect(result.componentFailures[0]).toMatchObject({
      credentialName: 'prod',
      kind: 'rules',
      failure: {
        operation: 'ListRuleNamesByTarget',
        errorName: 'AccessDeniedException',
        resourceArn: fnArn('prod-data-sync'),
      },
    });
    expect(log.failures).toHaveLength(2);
  });

  it('keeps a rule whose targets cannot be listed, with the targets marked failed', async () => {
    events.on(ListTargetsByRuleCommand).rejects(denied());
    const result = await readRules(client, new CallLog('us-east-1'), [withTaggedRule('prod-sync')]);

    expect(result.rules).toHaveLength(1);
    expect(result.rules[0]!.targets).toEqual({
      ok: false,
      failure: expect.objectContaining({
        operation: 'ListTargetsByRule',
        resourceArn: `${PREFIX}/prod-sync`,
      }),
    });
    expect(result.componentFailures).toEqual([]);
  });
});
