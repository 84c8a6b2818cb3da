import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  AssumeRoleError,
  assumeRoleCredentials,
  createAssumedRegionClients,
  DEFAULT_SESSION_SECONDS,
  REFRESH_BEFORE_EXPIRY_MS,
} from '../../lambdas/adapters/assume-role';
import { DEFAULT_MAX_ATTEMPTS } from '../../lambdas/adapters/client-config';
import { createRegionClients } from '../../lambdas/adapters/clients';
import { createAssumedIrsaClients } from '../../lambdas/adapters/irsa/clients';

const ROLE_ARN = 'arn:aws:iam::444455556666:role/TmcHealthReadOnly';
const T0 = new Date('2026-11-22T12:00:00.000Z');
const minutes = (n: number) => n * 60_000;

const sts = mockClient(STSClient);
beforeEach(() => sts.reset());

/** STS answers with numbered keys valid for `lifetimeMinutes` from the (fake) clock at the time of the call. */
function answerWithNumberedKeys(clock: { now: Date }, lifetimeMinutes = 60): void {
  let issued = 0;
  sts.on(AssumeRoleCommand).callsFake(() => {
    issued += 1;
    return {
      Credentials: {
        AccessKeyId: `ASIAKEY${issued}`,
        SecretAccessKey: `secret${issued}`,
        SessionToken: `token${issued}`,
        Expiration: new Date(clock.now.getTime() + minutes(lifetimeMinutes)),
      },
    };
  });
}

const awsError = (name: string, message: string) =>
  Object.assign(new Error(message), { name, $metadata: {} });

describe('assumeRoleCredentials', () => {
  test('assumes the role once with the session name, the duration and no external id unless given', async () => {
    const clock = { now: T0 };
    answerWithNumberedKeys(clock);
    const provider = assumeRoleCredentials(
      new STSClient({ region: 'us-west-2' }),
      { roleArn: ROLE_ARN, sessionName: 'tmc-health-cli' },
      { now: () => clock.now },
    );
    const first = await provider();
    expect(first).toEqual({
      accessKeyId: 'ASIAKEY1',
      secretAccessKey: 'secret1',
      sessionToken: 'token1',
      expiration: new Date(T0.getTime() + minutes(60)),
    });
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
    expect(sts.commandCalls(AssumeRoleCommand)[0]!.args[0].input).toEqual({
      RoleArn: ROLE_ARN,
      RoleSessionName: 'tmc-health-cli',
      DurationSeconds: DEFAULT_SESSION_SECONDS,
    });
  });

  test('sends the external id when given', async () => {
    answerWithNumberedKeys({ now: T0 });
    const provider = assumeRoleCredentials(new STSClient({ region: 'us-west-2' }), {
      roleArn: ROLE_ARN,
      sessionName: 's',
      externalId: 'tmc-fleet-7',
    });
    await provider();
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, { ExternalId: 'tmc-fleet-7' });
  });

  test('reuses the credentials until they come within the refresh window of their expiration, then assumes again', async () => {
    const clock = { now: T0 };
    answerWithNumberedKeys(clock, 60);
    const provider = assumeRoleCredentials(
      new STSClient({ region: 'us-west-2' }),
      { roleArn: ROLE_ARN, sessionName: 's' },
      { now: () => clock.now },
    );
    expect((await provider()).accessKeyId).toBe('ASIAKEY1');

    // 49 minutes later: 11 minutes left, more than the 10-minute window -> the same credentials, no STS call.
    clock.now = new Date(T0.getTime() + minutes(49));
    expect((await provider()).accessKeyId).toBe('ASIAKEY1');
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);

    // 51 minutes: 9 minutes left -> refreshed before they expire (the SDK clients refresh at 5 minutes).
    expect(REFRESH_BEFORE_EXPIRY_MS).toBeGreaterThan(minutes(5));
    clock.now = new Date(T0.getTime() + minutes(51));
    const refreshed = await provider();
    expect(refreshed.accessKeyId).toBe('ASIAKEY2');
    expect(refreshed.expiration).toEqual(new Date(T0.getTime() + minutes(51 + 60)));
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);

    // Expired outright (a laptop that slept): assumed again too.
    clock.now = new Date(T0.getTime() + minutes(300));
    expect((await provider()).accessKeyId).toBe('ASIAKEY3');
  });

  test('concurrent first calls share one AssumeRole request', async () => {
    answerWithNumberedKeys({ now: T0 });
    const provider = assumeRoleCredentials(
      new STSClient({ region: 'us-west-2' }),
      { roleArn: ROLE_ARN, sessionName: 's' },
      { now: () => T0 },
    );
    const all = await Promise.all([provider(), provider(), provider(), provider()]);
    expect(new Set(all.map((credentials) => credentials.accessKeyId))).toEqual(new Set(['ASIAKEY1']));
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
  });

  test('a refusal is an AssumeRoleError naming the role and STS error, and is not remembered', async () => {
    const denied = awsError(
      'AccessDenied',
      `User: arn:aws:sts::111122223333:assumed-role/dev/me is not authorized to perform: sts:AssumeRole on resource: ${ROLE_ARN}`,
    );
    sts
      .on(AssumeRoleCommand)
      .rejectsOnce(denied)
      .resolves({
        Credentials: {
          AccessKeyId: 'ASIAOK',
          SecretAccessKey: 's',
          SessionToken: 't',
          Expiration: new Date(T0.getTime() + minutes(60)),
        },
      });
    const provider = assumeRoleCredentials(
      new STSClient({ region: 'us-west-2', maxAttempts: 1 }),
      { roleArn: ROLE_ARN, sessionName: 's' },
      { now: () => T0 },
    );
    const error: unknown = await provider().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AssumeRoleError);
    expect(error).toMatchObject({
      roleArn: ROLE_ARN,
      stsErrorName: 'AccessDenied',
      stsMessage: denied.message,
      message: `sts:AssumeRole on ${ROLE_ARN} failed (AccessDenied: ${denied.message})`,
    });
    expect((await provider()).accessKeyId).toBe('ASIAOK');
  });

  test('an answer without complete credentials is an error, never empty credentials', async () => {
    sts.on(AssumeRoleCommand).resolves({ Credentials: { AccessKeyId: 'ASIA' } as never });
    const provider = assumeRoleCredentials(new STSClient({ region: 'us-west-2' }), {
      roleArn: ROLE_ARN,
      sessionName: 's',
    });
    await expect(provider()).rejects.toMatchObject({ stsErrorName: 'MalformedResponse' });
  });
});

describe('clients signed with the assumed role', () => {
  const fixed = {
    accessKeyId: 'ASIAROLE',
    secretAccessKey: 'secret',
    sessionToken: 'token',
    expiration: new Date(Date.now() + minutes(60)),
  };
  const provider = () => Promise.resolve(fixed);

  test('region clients: the role credentials, and the same region, retry and timeouts as createRegionClients', async () => {
    const assumed = createAssumedRegionClients('eu-west-1', provider, { maxAttempts: 2 });
    const plain = createRegionClients('eu-west-1', { maxAttempts: 2 });
    for (const name of ['tagging', 'lambda', 'cloudwatch', 'events', 'ssm'] as const) {
      const client = assumed[name];
      const credentials = await client.config.credentials();
      expect(credentials).toMatchObject({ accessKeyId: 'ASIAROLE', sessionToken: 'token' });
      expect(await client.config.region()).toBe('eu-west-1');
      expect(await client.config.maxAttempts()).toBe(2);
      expect(await client.config.retryStrategy()).toMatchObject({ mode: 'adaptive' });
      expect(client.config.requestHandler).toEqual(plain[name].config.requestHandler);
      client.destroy();
      plain[name].destroy();
    }
    expect(assumed.region).toBe('eu-west-1');
  });

  test('IRSA clients: CloudTrail per region and global IAM in the home region, all with the role credentials', async () => {
    const clients = createAssumedIrsaClients('us-west-2', provider);
    const trail = clients.cloudTrailFor('eu-central-1');
    expect(clients.cloudTrailFor('eu-central-1')).toBe(trail);
    expect(await trail.config.region()).toBe('eu-central-1');
    expect(await clients.iam.config.region()).toBe('us-west-2');
    expect(await clients.iam.config.maxAttempts()).toBe(DEFAULT_MAX_ATTEMPTS);
    for (const client of [trail, clients.iam]) {
      expect(await client.config.credentials()).toMatchObject({ accessKeyId: 'ASIAROLE' });
      client.destroy();
    }
    expect(clients.watermarkStore).toBeUndefined();
  });

  test('a client asks the provider again when the credentials near expiry, and gets new ones', async () => {
    // Real clock: STS hands out credentials that expire in 4 minutes, inside both refresh windows.
    const clock = {
      get now() {
        return new Date();
      },
    };
    answerWithNumberedKeys(clock, 4);
    const credentials = assumeRoleCredentials(new STSClient({ region: 'us-west-2' }), {
      roleArn: ROLE_ARN,
      sessionName: 's',
    });
    const { lambda } = createAssumedRegionClients('us-west-2', credentials);
    const assumed = () => sts.commandCalls(AssumeRoleCommand).length;
    const first = await lambda.config.credentials();
    const afterFirst = assumed();
    expect(first.accessKeyId).toBe(`ASIAKEY${afterFirst}`);
    // The SDK never signs with credentials in its own 5-minute window: it asks again, and the role is assumed again.
    const second = await lambda.config.credentials();
    expect(assumed()).toBeGreaterThan(afterFirst);
    expect(second.accessKeyId).toBe(`ASIAKEY${assumed()}`);
    lambda.destroy();
  });
});
