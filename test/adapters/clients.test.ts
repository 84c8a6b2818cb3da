import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import type { MiddlewareStack } from '@smithy/types';
import {
  attachRequestCounter,
  DEFAULT_MAX_ATTEMPTS,
  RequestCounter,
} from '../../lambdas/adapters/client-config';
import {
  attachRequestCounterToAll,
  createRegionClients,
  regionClients,
} from '../../lambdas/adapters/clients';
import { gatherInventory } from '../../lambdas/adapters/gather-inventory';
import { checkerSettingsSchema } from '../../lambdas/core/settings';
import { useEnv } from '../fixtures/env';

// Real clients sign requests; these fake keys never leave the process because no request reaches the network.
useEnv({ AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_PROFILE: undefined });

interface Stubbed {
  attempts: number;
}

/** Replaces the network with a failure at the innermost step, so the SDK's own retry middleware runs for real. */
function failEveryAttempt<I extends object, O extends object>(
  client: { readonly middlewareStack: MiddlewareStack<I, O> },
  errorName: string,
): Stubbed {
  const stubbed = { attempts: 0 };
  client.middlewareStack.add(
    () => () => {
      stubbed.attempts++;
      return Promise.reject(Object.assign(new Error('Rate exceeded'), { name: errorName, $metadata: {} }));
    },
    { step: 'deserialize', name: 'failEveryAttempt' },
  );
  return stubbed;
}

describe('region clients', () => {
  it('creates the clients once per region and reuses them', () => {
    const first = regionClients('eu-central-1');
    expect(regionClients('eu-central-1')).toBe(first);
    expect(regionClients('eu-central-1').lambda).toBe(first.lambda);
    expect(regionClients('us-west-2')).not.toBe(first);
    expect(regionClients('us-west-2').region).toBe('us-west-2');
  });

  it('configures every client for its region with adaptive retry and bounded attempts', async () => {
    const clients = createRegionClients('ap-southeast-2');
    for (const client of [clients.tagging, clients.lambda, clients.cloudwatch, clients.events, clients.ssm]) {
      expect(await client.config.region()).toBe('ap-southeast-2');
      const strategy = await client.config.retryStrategy();
      expect(strategy).toMatchObject({ mode: 'adaptive' });
      expect(await client.config.maxAttempts()).toBe(DEFAULT_MAX_ATTEMPTS);
    }
  });

  it('retries a throttle up to maxAttempts, counts one command, and the gatherer reports the failure', async () => {
    const clients = createRegionClients('us-east-1', { maxAttempts: 2 });
    const counter = new RequestCounter();
    attachRequestCounterToAll(clients, counter);
    const stub = failEveryAttempt(clients.tagging, 'ThrottlingException');

    const snapshot = await gatherInventory({
      accountId: '111122223333',
      regions: ['us-east-1'],
      settings: checkerSettingsSchema.parse({}),
      now: new Date('2025-06-01T12:00:00Z'),
      clientsFor: () => clients,
    });

    expect(stub.attempts).toBe(2);
    expect([...counter.byOperation]).toEqual([['ResourceGroupsTaggingAPI:GetResources', 1]]);
    expect(counter.total).toBe(1);
    expect(snapshot.regions[0]!.discovery).toMatchObject({
      ok: false,
      failure: { service: 'tagging', operation: 'GetResources', errorName: 'ThrottlingException' },
    });
  }, 15_000);

  it('does not retry AccessDenied', async () => {
    const clients = createRegionClients('us-east-1', { maxAttempts: 3 });
    const stub = failEveryAttempt(clients.lambda, 'AccessDeniedException');
    await expect(
      clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'x' })),
    ).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    expect(stub.attempts).toBe(1);
  });

  it('counts once for a counter attached twice, and in every counter attached (the handler and a test)', async () => {
    const clients = createRegionClients('us-east-1', { maxAttempts: 1 });
    failEveryAttempt(clients.tagging, 'AccessDeniedException');
    const first = new RequestCounter();
    const second = new RequestCounter();
    attachRequestCounter(clients.tagging, first);
    attachRequestCounter(clients.tagging, first);
    attachRequestCounter(clients.tagging, second);
    await expect(clients.tagging.send(new GetResourcesCommand({}))).rejects.toThrow('Rate exceeded');
    expect(first.total).toBe(1);
    expect(second.total).toBe(1);
  });
});
