import { PublishCommand, SNSClient, type PublishCommandInput } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { FINDING_SCHEMA_VERSION, type Finding } from '../../lambdas/core/finding';
import { PublishError, type RunInfo } from '../../lambdas/core/publishing';
import { SnsSummaryPublisher } from '../../lambdas/adapters/publish-sns';

const TOPIC = 'arn:aws:sns:us-west-2:123456789012:tmc-health';
const run: RunInfo = {
  runId: 'run-1',
  accountId: '123456789012',
  regions: ['us-west-2'],
  startedAt: '2024-05-01T12:00:00.000Z',
};

function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    schemaVersion: FINDING_SCHEMA_VERSION,
    findingId: 'finding-1',
    checkId: 'tmc.lambda.unhealthy',
    status: 'FAIL',
    severity: 'HIGH',
    title: 'data-sync Lambda not running',
    message: 'The data-sync Lambda is in state Failed.',
    accountId: run.accountId,
    region: 'us-west-2',
    resource: { type: 'AWS::Lambda::Function', name: 'prod-eks-data-sync' },
    tmc: { credentialName: 'prod-eks', component: 'data-sync' },
    evidence: { state: 'Failed' },
    remediation: { text: 'Redeploy from TMC.', whoCanFix: 'Platform team', runbookUrl: 'docs/checks.md#x' },
    observedAt: '2024-05-01T12:00:05.000Z',
    ...overrides,
  };
}

const passing = finding({ findingId: 'finding-2', status: 'PASS', severity: 'INFORMATIONAL' });

const sns = mockClient(SNSClient);
const sleep = jest.fn((_ms: number) => Promise.resolve());

const publisher = (topicArn = TOPIC): SnsSummaryPublisher =>
  new SnsSummaryPublisher(new SNSClient({ region: 'us-west-2' }), { topicArn, sleep });

const awsError = (name: string, httpStatusCode: number): Error =>
  Object.assign(new Error(`${name} from the mock`), { name, $metadata: { httpStatusCode } });

const sentInput = (): PublishCommandInput => sns.commandCalls(PublishCommand)[0]!.args[0].input;

beforeEach(() => {
  sns.reset();
  sleep.mockClear();
});

describe('SnsSummaryPublisher', () => {
  it('publishes one json-structured message with filterable attributes when something is not PASS', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const report = await publisher().publish(
      [finding(), finding({ findingId: 'f-3', checkId: 'tmc.token.stale', severity: 'LOW' }), passing],
      run,
    );

    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: TOPIC,
      Subject: '[HIGH] TMC health: 2 problems in 1 credential (us-west-2)',
      MessageStructure: 'json',
      MessageAttributes: {
        severity: { DataType: 'String', StringValue: 'HIGH' },
        checkId: { DataType: 'String.Array', StringValue: '["tmc.lambda.unhealthy","tmc.token.stale"]' },
        credentialName: { DataType: 'String.Array', StringValue: '["prod-eks"]' },
        status: { DataType: 'String.Array', StringValue: '["FAIL"]' },
      },
    });
    const message = JSON.parse(sentInput().Message ?? '') as Record<string, string>;
    expect(Object.keys(message).sort()).toEqual(['default', 'email']);
    expect(message.email).toContain('Who can fix it: Platform team');
    expect(message.default).toContain('data-sync Lambda not running');
    expect(sentInput().MessageGroupId).toBeUndefined();
    expect(report).toEqual({ publisher: 'sns', findingCount: 3, delivered: 1, apiCalls: 1 });
  });

  it.each([
    ['all findings PASS', [passing]],
    ['no findings', []],
  ])('does not publish when %s', async (_label, findings) => {
    const report = await publisher().publish(findings, run);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 0);
    expect(report).toEqual({ publisher: 'sns', findingCount: findings.length, delivered: 0, apiCalls: 0 });
  });

  it('retries throttling with backoff, then succeeds', async () => {
    sns
      .on(PublishCommand)
      .rejectsOnce(awsError('Throttling', 400))
      .rejectsOnce(awsError('ThrottledException', 400))
      .resolves({ MessageId: 'm-1' });
    const report = await publisher().publish([finding()], run);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 3);
    expect(sleep).toHaveBeenCalledTimes(2);
    expect(report.apiCalls).toBe(3);
  });

  it('throws PublishError once retries are exhausted', async () => {
    sns.on(PublishCommand).rejects(awsError('Throttling', 400));
    const error = await publisher()
      .publish([finding()], run)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishError);
    expect(error).toMatchObject({ publisher: 'sns', failedCount: 1, errorCodes: { Throttling: 1 } });
    expect((error as Error).message).toMatch(
      /not published to arn:aws:sns:.*after 4 attempt\(s\): Throttling/,
    );
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 4);
  });

  it('does not retry an error that will not go away', async () => {
    sns.on(PublishCommand).rejects(awsError('AuthorizationErrorException', 403));
    await expect(publisher().publish([finding()], run)).rejects.toMatchObject({
      name: 'PublishError',
      errorCodes: { AuthorizationErrorException: 1 },
    });
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(sleep).not.toHaveBeenCalled();
  });

  it('adds the group and deduplication ids a FIFO topic requires', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    await publisher(`${TOPIC}.fifo`).publish([finding()], run);
    expect(sentInput().MessageGroupId).toBe('tmc-health');
    expect(sentInput().MessageDeduplicationId).toMatch(/^[0-9a-f]{64}$/);
  });
});
