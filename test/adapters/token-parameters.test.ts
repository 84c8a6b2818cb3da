import { DescribeParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { CallLog } from '../../lambdas/adapters/gather-call-log';
import { readParameters } from '../../lambdas/adapters/token-parameters';
import type { TaggedParameterRef } from '../../lambdas/adapters/tagging';

const ssm = mockClient(SSMClient);
const client = new SSMClient({ region: 'us-east-1', maxAttempts: 1 });
const ref = (credentialName: string, name: string): TaggedParameterRef => ({
  credentialName,
  name,
  arn: `arn:aws:ssm:us-east-1:111122223333:parameter${name.startsWith('/') ? name : `/${name}`}`,
});
const refs = (count: number) =>
  Array.from({ length: count }, (_, index) => ref(`cred-${index}`, `/tmc/cred-${index}/token`));
type Input = { ParameterFilters: { Key: string; Option: string; Values: string[] }[]; NextToken?: string };
const echoNames = (input: Input) => ({
  Parameters: input.ParameterFilters[0]!.Values.map((Name) => ({ Name, Type: 'SecureString', Version: 1 })),
});

beforeEach(() => ssm.reset());

describe('readParameters', () => {
  it('asks by exact name in batches of at most 50', async () => {
    ssm.on(DescribeParametersCommand).callsFake(echoNames);
    const result = await readParameters(client, new CallLog('us-east-1'), refs(120));

    const batches = ssm
      .commandCalls(DescribeParametersCommand)
      .map((call) => call.args[0].input.ParameterFilters![0]!);
    expect(batches.map((filter) => filter.Values!.length)).toEqual([50, 50, 20]);
    for (const filter of batches) expect(filter).toMatchObject({ Key: 'Name', Option: 'Equals' });
    expect(new Set(batches.flatMap((filter) => filter.Values)).size).toBe(120);
    expect(result.parameters).toHaveLength(120);
    expect(result.vanished).toEqual([]);
  });

  it('follows NextToken within a batch, including empty pages', async () => {
    ssm
      .on(DescribeParametersCommand)
      .resolvesOnce({ Parameters: [], NextToken: 'p2' })
      .resolvesOnce({
        Parameters: [
          { Name: '/tmc/cred-1/token', Version: 4, LastModifiedDate: new Date('2025-01-02T03:04:05Z') },
        ],
        NextToken: 'p3',
      })
      .resolvesOnce({ Parameters: [{ Name: '/tmc/cred-0/token', Version: 2 }] });
    const result = await readParameters(client, new CallLog('us-east-1'), refs(2));

    expect(ssm).toHaveReceivedCommandTimes(DescribeParametersCommand, 3);
    expect(ssm).toHaveReceivedNthSpecificCommandWith(3, DescribeParametersCommand, { NextToken: 'p3' });
    expect(result.parameters).toEqual([
      { credentialName: 'cred-0', arn: refs(2)[0]!.arn, name: '/tmc/cred-0/token', version: 2 },
      {
        credentialName: 'cred-1',
        arn: refs(2)[1]!.arn,
        name: '/tmc/cred-1/token',
        version: 4,
        lastModifiedDate: '2025-01-02T03:04:05.000Z',
      },
    ]);
  });

  it('reports a tagged name that DescribeParameters does not return as vanished', async () => {
    ssm.on(DescribeParametersCommand).resolves({ Parameters: [{ Name: 'flat-token' }] });
    const result = await readParameters(client, new CallLog('us-east-1'), [
      ref('a', 'flat-token'),
      ref('b', '/tmc/b/token'),
    ]);

    expect(result.parameters.map((parameter) => parameter.name)).toEqual(['flat-token']);
    expect(result.vanished).toEqual([
      { credentialName: 'b', arn: ref('b', '/tmc/b/token').arn, resourceType: 'ssm:parameter' },
    ]);
  });

  it('fails only the credentials of a denied batch', async () => {
    ssm
      .on(DescribeParametersCommand)
      .callsFakeOnce(echoNames)
      .rejectsOnce(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    const log = new CallLog('us-east-1');
    const result = await readParameters(client, log, refs(60));

    expect(result.parameters).toHaveLength(50);
    expect(result.componentFailures.map((failure) => failure.credentialName)).toEqual(
      Array.from({ length: 10 }, (_, index) => `cred-${50 + index}`),
    );
    expect(result.componentFailures[0]).toMatchObject({
      kind: 'parameters',
      failure: { service: 'ssm', operation: 'DescribeParameters', errorName: 'AccessDeniedException' },
    });
    expect(result.vanished).toEqual([]);
    expect(log.failures).toHaveLength(1);
    expect(log.succeededOperations).toEqual(['ssm:DescribeParameters']);
  });

  it('makes no call without parameters', async () => {
    await readParameters(client, new CallLog('us-east-1'), []);
    expect(ssm).not.toHaveReceivedCommand(DescribeParametersCommand);
  });
});
