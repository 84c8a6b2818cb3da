import {
  GetFunctionConfigurationCommand,
  LambdaClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { CallLog } from '../../lambdas/adapters/gather-call-log';
import { FUNCTION_READ_CONCURRENCY, readFunctions } from '../../lambdas/adapters/lambda-functions';

const lambda = mockClient(LambdaClient);
const client = new LambdaClient({ region: 'us-east-1', maxAttempts: 1 });
const ref = (name: string) => ({
  credentialName: 'prod',
  name,
  arn: `arn:aws:lambda:us-east-1:111122223333:function:${name}`,
});

beforeEach(() => lambda.reset());

describe('readFunctions', () => {
  it('reports an answer that does not even name the function as malformed, not as an Active function', async () => {
    lambda.on(GetFunctionConfigurationCommand).resolves({});
    const log = new CallLog('us-east-1');
    const result = await readFunctions(client, log, [ref('prod-data-sync')]);

    expect(result.functions[0]!.configuration).toEqual({
      ok: false,
      failure: expect.objectContaining({
        errorName: 'MalformedResponse',
        operation: 'GetFunctionConfiguration',
      }),
    });
    expect(log.failures).toHaveLength(1);
  });

  it('maps the configuration fields the checks use, without undefined keys', async () => {
    lambda.on(GetFunctionConfigurationCommand).resolves({
      FunctionName: 'prod-data-sync',
      State: 'Failed',
      StateReason: 'The role is invalid',
      StateReasonCode: 'InvalidConfiguration',
      LastUpdateStatus: 'Successful',
      Runtime: 'python3.12',
      LastModified: '2025-05-01T00:00:00.000+0000',
    });
    const result = await readFunctions(client, new CallLog('us-east-1'), [ref('prod-data-sync')]);

    expect(lambda).toHaveReceivedCommandWith(GetFunctionConfigurationCommand, {
      FunctionName: ref('prod-data-sync').arn,
    });
    expect(result.functions).toEqual([
      {
        ...ref('prod-data-sync'),
        configuration: {
          ok: true,
          value: {
            state: 'Failed',
            stateReason: 'The role is invalid',
            stateReasonCode: 'InvalidConfiguration',
            lastUpdateStatus: 'Successful',
            runtime: 'python3.12',
            lastModified: '2025-05-01T00:00:00.000+0000',
          },
        },
      },
    ]);
  });

  it('separates vanished functions from functions that could not be read', async () => {
    lambda.on(GetFunctionConfigurationCommand).resolves({ FunctionName: 'fn', State: 'Active' });
    lambda
      .on(GetFunctionConfigurationCommand, { FunctionName: ref('deleted').arn })
      .rejects(new ResourceNotFoundException({ message: 'Function not found', $metadata: {} }));
    lambda
      .on(GetFunctionConfigurationCommand, { FunctionName: ref('denied').arn })
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    const log = new CallLog('us-east-1');
    const result = await readFunctions(client, log, [ref('deleted'), ref('denied'), ref('fine')]);

    expect(result.vanished).toEqual([
      { credentialName: 'prod', arn: ref('deleted').arn, resourceType: 'lambda:function' },
    ]);
    expect(result.functions.map((fn) => [fn.name, fn.configuration.ok])).toEqual([
      ['denied', false],
      ['fine', true],
    ]);
    expect(log.failures).toEqual([
      expect.objectContaining({ errorName: 'AccessDeniedException', resourceArn: ref('denied').arn }),
    ]);
  });

  it(`keeps at most ${FUNCTION_READ_CONCURRENCY} calls in flight`, async () => {
    let inFlight = 0;
    let peak = 0;
    lambda.on(GetFunctionConfigurationCommand).callsFake(async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      return { State: 'Active' };
    });
    const refs = Array.from({ length: 23 }, (_, index) => ref(`fn-${index}`));
    const result = await readFunctions(client, new CallLog('us-east-1'), refs);

    expect(peak).toBe(FUNCTION_READ_CONCURRENCY);
    expect(result.functions.map((fn) => fn.name)).toEqual(refs.map((r) => r.name));
  });
});
