import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { DEFAULT_MAX_ATTEMPTS } from '../../lambdas/adapters/client-config';
import { createIrsaClients } from '../../lambdas/adapters/irsa/clients';
import { useEnv } from '../fixtures/env';

// Static test credentials: signing must not look for a profile or instance metadata.
useEnv({ AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_PROFILE: undefined });

describe('createIrsaClients', () => {
  it('uses adaptive retry everywhere and one CloudTrail client per region', async () => {
    const clients = createIrsaClients({ watermarkTableName: 'watermarks' }, 'eu-west-1');
    const west = clients.cloudTrailFor('us-west-2');
    expect(clients.cloudTrailFor('us-west-2')).toBe(west);
    expect(clients.cloudTrailFor('us-east-1')).not.toBe(west);
    expect(await west.config.region()).toBe('us-west-2');
    for (const client of [west, clients.iam]) {
      expect(await client.config.retryStrategy()).toMatchObject({ mode: 'adaptive' });
      expect(await client.config.maxAttempts()).toBe(DEFAULT_MAX_ATTEMPTS);
    }
    // IAM is global: one client, in the function's own region.
    expect(await clients.iam.config.region()).toBe('eu-west-1');
    expect(clients.watermarkStore).toBeDefined();
  });

  it('has no watermark store without a table (the CLI scans the lookback window)', () => {
    expect(createIrsaClients({}, 'eu-west-1').watermarkStore).toBeUndefined();
  });

  it("the SDK's adaptive retry absorbs a LookupEvents ThrottlingException", async () => {
    const client = createIrsaClients({}, 'us-west-2').cloudTrailFor('us-west-2');
    let attempts = 0;
    client.middlewareStack.add(
      () => () => {
        attempts += 1;
        if (attempts === 1) {
          return Promise.reject(
            Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: {} }),
          );
        }
        return Promise.resolve({ output: { Events: [], $metadata: {} }, response: {} });
      },
      { step: 'finalizeRequest', priority: 'low', name: 'throttleOnce' },
    );

    const output = await client.send(new LookupEventsCommand({ MaxResults: 50 }));

    expect(attempts).toBe(2);
    expect(output.Events).toEqual([]);
  }, 15_000);
});
