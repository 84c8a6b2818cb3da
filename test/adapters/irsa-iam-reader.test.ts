import {
  GetOpenIDConnectProviderCommand,
  GetRoleCommand,
  IAMClient,
  ListOpenIDConnectProvidersCommand,
  NoSuchEntityException,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { decodeTrustPolicy, IamReader, roleNameInAccount } from '../../lambdas/adapters/irsa/iam-reader';

const iam = mockClient(IAMClient);
const client = new IAMClient({ region: 'us-east-1', maxAttempts: 1 });
const ACCOUNT = '111122223333';
const ISSUER = 'oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';
const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/${ISSUER}`;
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/AccessEC2role`;

const TRUST = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Federated: PROVIDER_ARN },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: {
          [`${ISSUER}:sub`]: 'system:serviceaccount:serverless:aws-sdk-v2',
          [`${ISSUER}:aud`]: 'sts.amazonaws.com',
        },
      },
    },
  ],
};
/** What GetRole really returns: the document URL-encoded (RFC 3986), as IAM stores it. */
const encoded = encodeURIComponent(JSON.stringify(TRUST));

beforeEach(() => iam.reset());

describe('IamReader.role', () => {
  it('decodes the URL-encoded trust policy GetRole returns', async () => {
    iam.on(GetRoleCommand).resolves({
      Role: {
        RoleName: 'AccessEC2role',
        Arn: ROLE_ARN,
        Path: '/',
        RoleId: 'AROAEXAMPLE',
        CreateDate: new Date(),
        AssumeRolePolicyDocument: encoded,
      },
    });
    const reader = new IamReader(client, ACCOUNT);

    const result = await reader.role(ROLE_ARN);

    expect(encoded).toContain('%22');
    expect(iam).toHaveReceivedCommandWith(GetRoleCommand, { RoleName: 'AccessEC2role' });
    expect(result).toEqual({ ok: true, value: { roleArn: ROLE_ARN, exists: true, trustPolicy: TRUST } });
    expect(reader.succeededOperations).toEqual(['iam:GetRole']);
  });

  it('reports a role that does not exist (NoSuchEntity) as an observation, not a failure', async () => {
    iam.on(GetRoleCommand).rejects(new NoSuchEntityException({ message: 'Role not found', $metadata: {} }));
    const reader = new IamReader(client, ACCOUNT);

    expect(await reader.role(ROLE_ARN)).toEqual({ ok: true, value: { roleArn: ROLE_ARN, exists: false } });
    expect(reader.failures).toEqual([]);
  });

  it('reads each role once per run however many groups name it', async () => {
    iam.on(GetRoleCommand).resolves({ Role: { AssumeRolePolicyDocument: encoded } as never });
    const reader = new IamReader(client, ACCOUNT);

    await Promise.all([reader.role(ROLE_ARN), reader.role(ROLE_ARN), reader.role(ROLE_ARN)]);
    await reader.role(ROLE_ARN);

    expect(iam).toHaveReceivedCommandTimes(GetRoleCommand, 1);
  });

  it('uses the role name without its path', async () => {
    iam.on(GetRoleCommand).resolves({ Role: { AssumeRolePolicyDocument: encoded } as never });
    await new IamReader(client, ACCOUNT).role(`arn:aws:iam::${ACCOUNT}:role/eks/pods/AccessEC2role`);
    expect(iam).toHaveReceivedCommandWith(GetRoleCommand, { RoleName: 'AccessEC2role' });
  });

  it('turns a malformed trust policy into a failure, never a throw', async () => {
    iam.on(GetRoleCommand).resolves({ Role: { AssumeRolePolicyDocument: '%7Bnot%20json' } as never });
    const reader = new IamReader(client, ACCOUNT);

    const result = await reader.role(ROLE_ARN);

    expect(result).toMatchObject({
      ok: false,
      failure: {
        service: 'iam',
        operation: 'GetRole',
        errorName: 'MalformedTrustPolicy',
        resourceArn: ROLE_ARN,
      },
    });
    expect(reader.failures).toHaveLength(1);
  });

  it('does not read a role of another account by name (it would return ours)', async () => {
    const reader = new IamReader(client, ACCOUNT);
    const result = await reader.role('arn:aws:iam::444455556666:role/AccessEC2role');
    expect(iam).not.toHaveReceivedCommand(GetRoleCommand);
    expect(result).toMatchObject({ ok: false, failure: { errorName: 'OtherAccountRole' } });
  });

  it('reports an AccessDenied as a failure of that role', async () => {
    iam.on(GetRoleCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    const result = await new IamReader(client, ACCOUNT).role(ROLE_ARN);
    expect(result).toMatchObject({
      ok: false,
      failure: { errorName: 'AccessDenied', resourceArn: ROLE_ARN },
    });
  });
});

describe('IamReader.oidcProviders', () => {
  const OTHER = `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/OTHER`;

  it('lists the providers once per run and reads each one, whatever the number of callers', async () => {
    iam.on(ListOpenIDConnectProvidersCommand).resolves({
      OpenIDConnectProviderList: [{ Arn: PROVIDER_ARN }, { Arn: OTHER }],
    });
    iam
      .on(GetOpenIDConnectProviderCommand, { OpenIDConnectProviderArn: PROVIDER_ARN })
      .resolves({ Url: ISSUER, ClientIDList: ['sts.amazonaws.com'] })
      .on(GetOpenIDConnectProviderCommand, { OpenIDConnectProviderArn: OTHER })
      .resolves({ Url: 'https://oidc.eks.eu-west-1.amazonaws.com/id/OTHER', ClientIDList: [] });
    const reader = new IamReader(client, ACCOUNT);

    const results = await Promise.all(Array.from({ length: 10 }, () => reader.oidcProviders()));

    expect(iam).toHaveReceivedCommandTimes(ListOpenIDConnectProvidersCommand, 1);
    expect(iam).toHaveReceivedCommandTimes(GetOpenIDConnectProviderCommand, 2);
    expect(results[9]).toEqual({
      ok: true,
      value: [
        { arn: PROVIDER_ARN, url: ISSUER, clientIds: ['sts.amazonaws.com'] },
        { arn: OTHER, url: 'oidc.eks.eu-west-1.amazonaws.com/id/OTHER', clientIds: [] },
      ],
    });
  });

  it('a fresh reader (next run) reads again: the cache is per run, not per container', async () => {
    iam.on(ListOpenIDConnectProvidersCommand).resolves({ OpenIDConnectProviderList: [] });
    await new IamReader(client, ACCOUNT).oidcProviders();
    await new IamReader(client, ACCOUNT).oidcProviders();
    expect(iam).toHaveReceivedCommandTimes(ListOpenIDConnectProvidersCommand, 2);
  });

  it('fails the whole list when one provider cannot be read, rather than call it unregistered', async () => {
    iam.on(ListOpenIDConnectProvidersCommand).resolves({
      OpenIDConnectProviderList: [{ Arn: PROVIDER_ARN }, { Arn: OTHER }],
    });
    iam
      .on(GetOpenIDConnectProviderCommand, { OpenIDConnectProviderArn: PROVIDER_ARN })
      .resolves({ Url: ISSUER, ClientIDList: [] })
      .on(GetOpenIDConnectProviderCommand, { OpenIDConnectProviderArn: OTHER })
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));

    const result = await new IamReader(client, ACCOUNT).oidcProviders();

    expect(result).toMatchObject({
      ok: false,
      failure: { operation: 'GetOpenIDConnectProvider', errorName: 'AccessDenied', resourceArn: OTHER },
    });
  });

  it('reports a failed listing', async () => {
    iam
      .on(ListOpenIDConnectProvidersCommand)
      .rejects(Object.assign(new Error('x'), { name: 'AccessDenied' }));
    const result = await new IamReader(client, ACCOUNT).oidcProviders();
    expect(result).toMatchObject({ ok: false, failure: { operation: 'ListOpenIDConnectProviders' } });
  });
});

describe('decodeTrustPolicy and roleNameInAccount', () => {
  it('accepts a plain JSON document too (some emulators do not encode it)', () => {
    expect(decodeTrustPolicy(JSON.stringify(TRUST))).toEqual(TRUST);
  });

  it('parses a plain document containing a literal % that is not an escape', () => {
    const withPercent = { Statement: { Effect: 'Allow', Sid: '100%' } };
    expect(decodeTrustPolicy(JSON.stringify(withPercent))).toEqual(withPercent);
  });

  it('rejects documents without statements or with an unknown effect', () => {
    expect(() => decodeTrustPolicy(undefined)).toThrow('no AssumeRolePolicyDocument');
    expect(() => decodeTrustPolicy(encodeURIComponent('{"Version":"2012-10-17"}'))).toThrow('Statement');
    expect(() => decodeTrustPolicy(encodeURIComponent('{"Statement":[{"Effect":"Maybe"}]}'))).toThrow();
  });

  it('extracts the role name, and refuses ARNs that are not roles of this account', () => {
    expect(roleNameInAccount(ROLE_ARN, ACCOUNT)).toBe('AccessEC2role');
    expect(roleNameInAccount(`arn:aws-cn:iam::${ACCOUNT}:role/a/b/name`, ACCOUNT)).toBe('name');
    expect(roleNameInAccount('arn:aws:iam::111122223333:user/bob', ACCOUNT)).toBeInstanceOf(Error);
  });
});
