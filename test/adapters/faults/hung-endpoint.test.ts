/**
 * Per-call timeouts: an endpoint that accepts the connection and never answers must become an ERROR finding
 * within the request timeout, not a run that hangs until the Lambda is killed.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { runCredentialCheck } from '../../../lambdas/app/credential-check';
import { runIrsaCheck } from '../../../lambdas/app/irsa-check';
import {
  clientConfig,
  DEFAULT_CONNECTION_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
} from '../../../lambdas/adapters/client-config';
import { createRegionClients } from '../../../lambdas/adapters/clients';
import { createIrsaClients } from '../../../lambdas/adapters/irsa/clients';
import { checkerSettingsSchema } from '../../../lambdas/core/settings';
import { irsaSettingsSchema } from '../../../lambdas/core/irsa/settings';
import { useEnv } from '../../fixtures/env';

let server: Server;
const sockets = new Set<Socket>();
let requests = 0;

beforeAll(async () => {
  server = createServer(() => {
    requests += 1; // ...and never respond.
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
useEnv(() => ({
  AWS_ENDPOINT_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'secret',
  AWS_PROFILE: undefined,
}));
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const TIMEOUTS = { maxAttempts: 1, requestTimeoutMs: 300, connectionTimeoutMs: 300 };

it('gives every client connection and request timeouts that fail the call (not just warn)', () => {
  expect(clientConfig('eu-west-1').requestHandler).toEqual({
    connectionTimeout: DEFAULT_CONNECTION_TIMEOUT_MS,
    requestTimeout: DEFAULT_REQUEST_TIMEOUT_MS,
    throwOnRequestTimeout: true,
  });
});

it('credential check: a hung endpoint is a TimeoutError ERROR within the timeout', async () => {
  const started = Date.now();
  const result = await runCredentialCheck(
    {
      accountId: '111122223333',
      settings: checkerSettingsSchema.parse({ regions: ['eu-west-1'], credentialNames: ['alpha'] }),
      defaultRegion: 'eu-west-1',
    },
    { clientsFor: (region) => createRegionClients(region, TIMEOUTS) },
  );
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(requests).toBeGreaterThan(0);
  const error = result.findings.find((finding) => finding.resource.name === 'tagging:GetResources');
  expect(error).toMatchObject({ status: 'ERROR', region: 'eu-west-1', checkId: 'checker.error' });
  expect(error!.evidence.errorNames).toEqual(['TimeoutError']);
  expect(result.findings.find((finding) => finding.checkId === 'tmc.credential.not-found')).toMatchObject({
    status: 'ERROR',
  });
  expect(result.findings.filter((finding) => finding.status === 'PASS')).toEqual([]);
});

it('IRSA check: a hung CloudTrail and DynamoDB endpoint is an ERROR within the timeout', async () => {
  const started = Date.now();
  const clients = createIrsaClients({ watermarkTableName: 'wm' }, 'us-west-2', TIMEOUTS);
  const result = await runIrsaCheck(
    {
      accountId: '111122223333',
      settings: irsaSettingsSchema.parse({ regions: ['us-west-2'], watermarkTableName: 'wm' }),
      defaultRegion: 'us-west-2',
    },
    { clients: { ...clients, retry: { maxAttempts: 1 } } },
  );
  expect(Date.now() - started).toBeLessThan(5_000);
  const names = result.findings
    .filter((finding) => finding.status === 'ERROR')
    .map((finding) => `${finding.region} ${finding.resource.name}`);
  expect(names).toEqual(
    expect.arrayContaining(['us-west-2 dynamodb:GetItem', 'us-west-2 cloudtrail:LookupEvents']),
  );
  expect(result.findings.filter((finding) => finding.status === 'PASS')).toEqual([]);
});
