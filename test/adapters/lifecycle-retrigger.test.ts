import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { LambdaRetrigger, retriggerPayload } from '../../lambdas/adapters/lifecycle/retrigger';
import type {
  InvokeDecision,
  RetriggerDecision,
  SkipDecision,
} from '../../lambdas/core/lifecycle/remediation';
import { remediationDetailSchema } from '../../lambdas/core/lifecycle/remediation-event';
import type { LifecycleFinding } from '../../lambdas/core/lifecycle/types';

const lambda = mockClient(LambdaClient);
const ACCOUNT = '111122223333';
const context = { runId: 'run-1', now: new Date('2026-11-22T12:00:05.123Z') };

function arn(region: string, credential: string): string {
  return `arn:aws:lambda:${region}:${ACCOUNT}:function:${credential}-data-sync`;
}

function opened(region: string, credential: string, id: string): LifecycleFinding {
  return {
    schemaVersion: '1.0',
    findingId: id.repeat(32).slice(0, 32),
    checkId: 'tmc.lambda.not-invoked',
    status: 'FAIL',
    severity: 'HIGH',
    title: 'data-sync Lambda not running',
    message: `${credential}-data-sync was not invoked in the last 30 minutes.`,
    accountId: ACCOUNT,
    region,
    resource: {
      type: 'AWS::Lambda::Function',
      arn: arn(region, credential),
      name: `${credential}-data-sync`,
    },
    tmc: { credentialName: credential, component: 'data-sync' },
    evidence: { invocations: 0, errors: 0, throttles: 0, windowMinutes: 30 },
    remediation: { text: 'x', whoCanFix: 'y', runbookUrl: 'z' },
    observedAt: '2026-11-22T12:00:00.000Z',
    state: 'NEW',
    transition: 'OPENED',
    firstObservedAt: '2026-11-22T12:00:00.000Z',
    lastObservedAt: '2026-11-22T12:00:00.000Z',
    occurrenceCount: 1,
    sequence: 1,
    idempotencyKey: `${id.repeat(32).slice(0, 32)}#1`,
  };
}

function invoke(region = 'us-west-2', credential = 'prod', id = 'a'): InvokeDecision {
  return {
    kind: 'invoke',
    functionArn: arn(region, credential),
    region,
    accountId: ACCOUNT,
    credentialName: credential,
    finding: opened(region, credential, id),
    eventRuleArn: `arn:aws:events:${region}:${ACCOUNT}:rule/${credential}-event-rule`,
    reason: 'token fresh, function Active: invoked once asynchronously',
  };
}

function skip(region = 'us-west-2', credential = 'stale', id = 'b'): SkipDecision {
  return {
    kind: 'skip',
    functionArn: arn(region, credential),
    region,
    accountId: ACCOUNT,
    credentialName: credential,
    finding: opened(region, credential, id),
    reason: 'Not retriggered: token parameter /tmc/stale/token is stale (912 h old, limit 720 h)',
  };
}

const clientFor = jest.fn((region: string) => new LambdaClient({ region, maxAttempts: 1 }));

beforeEach(() => {
  lambda.reset();
  clientFor.mockClear();
});

async function run(decisions: readonly RetriggerDecision[]) {
  const details = await new LambdaRetrigger(clientFor).run(decisions, context);
  for (const detail of details) remediationDetailSchema.parse(detail);
  return details;
}

describe('LambdaRetrigger', () => {
  it('invokes asynchronously (Event) in the decision region and reports 202 as INVOKED', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    const decision = invoke();

    const details = await run([decision]);

    expect(clientFor).toHaveBeenCalledWith('us-west-2');
    expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 1);
    expect(lambda).toHaveReceivedCommandWith(InvokeCommand, {
      FunctionName: decision.functionArn,
      InvocationType: 'Event',
      Payload: retriggerPayload(decision, context),
    });
    expect(details).toEqual([
      {
        schemaVersion: '1.0',
        runId: 'run-1',
        action: 'retrigger-data-sync',
        outcome: 'INVOKED',
        findingId: decision.finding.findingId,
        idempotencyKey: decision.finding.idempotencyKey,
        checkId: 'tmc.lambda.not-invoked',
        accountId: ACCOUNT,
        region: 'us-west-2',
        credentialName: 'prod',
        functionArn: decision.functionArn,
        reason: decision.reason,
        at: '2026-11-22T12:00:05.123Z',
      },
    ]);
  });

  it('sends the scheduled event the credential rule delivers, marked as ours in detail', () => {
    const decision = invoke();
    const payload = JSON.parse(retriggerPayload(decision, context)) as Record<string, unknown>;
    expect(payload).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/) as unknown,
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: ACCOUNT,
      time: '2026-11-22T12:00:05Z',
      region: 'us-west-2',
      resources: [decision.eventRuleArn],
      detail: {
        'tmc-health': {
          action: 'retrigger-data-sync',
          reason: 'retrigger after tmc.lambda.not-invoked',
          runId: 'run-1',
          findingId: decision.finding.findingId,
          idempotencyKey: decision.finding.idempotencyKey,
        },
      },
    });
    // The same transition retried after a crash carries the same event id.
    expect(retriggerPayload(decision, { ...context, runId: 'run-2' })).toContain(payload.id as string);
  });

  it('reports a refused invocation as FAILED with the error name, and carries on with the others', async () => {
    const denied = invoke('us-east-1', 'denied', 'c');
    const fine = invoke('eu-west-1', 'fine', 'd');
    lambda
      .on(InvokeCommand, { FunctionName: denied.functionArn })
      .rejects(
        Object.assign(new Error('User is not authorized to perform: lambda:InvokeFunction'), {
          name: 'AccessDeniedException',
        }),
      )
      .on(InvokeCommand, { FunctionName: fine.functionArn })
      .resolves({ StatusCode: 202 });

    const details = await run([denied, fine]);

    expect(details.map((d) => [d.credentialName, d.outcome, d.errorName])).toEqual([
      ['denied', 'FAILED', 'AccessDeniedException'],
      ['fine', 'INVOKED', undefined],
    ]);
    expect(details[0]?.reason).toContain('lambda:InvokeFunction');
    expect(clientFor.mock.calls.map(([region]) => region)).toEqual(['us-east-1', 'eu-west-1']);
  });

  it('reports a status other than 202 as FAILED', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200 });
    const [detail] = await run([invoke()]);
    expect(detail).toMatchObject({ outcome: 'FAILED', errorName: 'UnexpectedStatusCode' });
    expect(detail?.reason).toContain('status 200');
  });

  it('never throws, even when no client can be built for a region', async () => {
    const broken = jest.fn((): LambdaClient => {
      throw new Error('Region is missing');
    });
    const details = await new LambdaRetrigger(broken).run([invoke()], context);
    expect(details).toMatchObject([{ outcome: 'FAILED', errorName: 'Error' }]);
    expect(lambda).not.toHaveReceivedCommand(InvokeCommand);
  });

  it('passes skip decisions through as SKIPPED without calling Lambda', async () => {
    const decision = skip();
    const details = await run([decision]);
    expect(lambda).not.toHaveReceivedCommand(InvokeCommand);
    expect(clientFor).not.toHaveBeenCalled();
    expect(details).toMatchObject([{ outcome: 'SKIPPED', reason: decision.reason, credentialName: 'stale' }]);
  });

  it('invokes a function at most once per run, whatever the decisions say', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    const decision = invoke();
    const details = await run([
      decision,
      { ...decision, finding: opened('us-west-2', 'prod', 'e') },
      { ...skip(), functionArn: decision.functionArn },
    ]);
    expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 1);
    expect(details.map((d) => d.outcome)).toEqual(['INVOKED']);
  });

  it('treats a qualified ARN of an invoked function as the same function', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    const decision = invoke();
    await run([decision, { ...decision, functionArn: `${decision.functionArn}:$LATEST` }]);
    expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 1);
  });
});
