/**
 * The Lambda API timing out while everything else answers (a trial found tmc.lambda.missing PASS then, resting on
 * the tagging API alone): a healthy credential seeded in moto, the Lambda endpoint pointed at a local server that
 * accepts connections and never answers (AWS_ENDPOINT_URL_LAMBDA, the SDK's per-service override). Every check
 * that rests on Lambda's confirmation must be ERROR naming the call, and the rest must still PASS.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { runCredentialCheck } from '../../lambdas/app/credential-check';
import { createRegionClients } from '../../lambdas/adapters/clients';
import { checksReading } from '../../lambdas/core/check-reads';
import type { Finding } from '../../lambdas/core/finding';
import { checkerSettingsSchema } from '../../lambdas/core/settings';
import { MOTO_ACCOUNT_ID, seedTmcCredential, TEST_REGION, uniqueName, type TestClients } from './support';
import { useMotoFile } from './support/moto-hooks';

jest.setTimeout(60_000);

const TIMEOUTS = { maxAttempts: 1, connectionTimeoutMs: 500, requestTimeoutMs: 500 };
const LAMBDA_CONFIRMATION = 'lambda:GetFunctionConfiguration';

let clients: TestClients;
let hung: Server;
let hungEndpoint: string;
const sockets = new Set<Socket>();

useMotoFile({}, (moto) => ({ clients } = moto));
beforeAll(async () => {
  hung = createServer(() => undefined); // accepts every request and never answers
  hung.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
  hungEndpoint = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => hung.close(() => resolve()));
});
afterEach(() => {
  delete process.env.AWS_ENDPOINT_URL_LAMBDA;
});

async function check(credential: string): Promise<readonly Finding[]> {
  const result = await runCredentialCheck(
    {
      accountId: MOTO_ACCOUNT_ID,
      settings: checkerSettingsSchema.parse({ regions: [TEST_REGION], credentialNames: [credential] }),
      defaultRegion: TEST_REGION,
    },
    { clientsFor: (region) => createRegionClients(region, TIMEOUTS) },
  );
  return result.findings;
}

const presence = (findings: readonly Finding[]) =>
  findings
    .filter((finding) => finding.checkId === 'tmc.lambda.missing')
    .map((finding) => [finding.tmc?.component, finding.status]);

it('with the Lambda API answering, the seeded credential passes (the test can tell the difference)', async () => {
  const name = uniqueName('t20');
  await seedTmcCredential(clients, name);
  const findings = await check(name);
  expect(presence(findings)).toEqual([
    ['data-sync', 'PASS'],
    ['resource-retriever', 'PASS'],
  ]);
  expect(findings.filter((finding) => finding.status !== 'PASS')).toEqual([]);
});

it('with the Lambda API timing out: tmc.lambda.missing and every check after it are ERROR, never PASS', async () => {
  const name = uniqueName('t20');
  await seedTmcCredential(clients, name);
  process.env.AWS_ENDPOINT_URL_LAMBDA = hungEndpoint;
  const started = Date.now();
  const findings = await check(name);
  expect(Date.now() - started).toBeLessThan(20_000);

  expect(presence(findings)).toEqual([
    ['data-sync', 'ERROR'],
    ['resource-retriever', 'ERROR'],
  ]);
  const resting = new Set<string>(checksReading(LAMBDA_CONFIRMATION));
  const dependent = findings.filter((finding) => resting.has(finding.checkId));
  expect(new Set(dependent.map((finding) => finding.checkId))).toEqual(resting);
  for (const finding of dependent) {
    expect(finding.status).toBe('ERROR');
    expect(finding.message).toContain(`${LAMBDA_CONFIRMATION} failed in ${TEST_REGION} with TimeoutError`);
  }
  expect(
    findings.find(
      (finding) => finding.checkId === 'checker.error' && finding.resource.name === LAMBDA_CONFIRMATION,
    ),
  ).toMatchObject({ status: 'ERROR', evidence: { errorNames: ['TimeoutError'] } });

  // What does not rest on Lambda is still checked: the rule and the token pass as before.
  const others = findings.filter(
    (finding) => !resting.has(finding.checkId) && finding.checkId !== 'checker.error',
  );
  expect(others.map((finding) => finding.checkId).sort()).toEqual([
    'tmc.credential.not-found',
    'tmc.event-rule.disabled',
    'tmc.event-rule.missing',
    'tmc.token.missing',
    'tmc.token.stale',
  ]);
  expect(others.filter((finding) => finding.status !== 'PASS')).toEqual([]);
});
