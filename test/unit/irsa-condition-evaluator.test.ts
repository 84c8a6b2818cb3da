import {
  actionMatches,
  evaluateCondition,
  evaluateTrustPolicy,
  likeMatches,
  parseOperator,
  principalMatches,
} from '../../lambdas/core/irsa/condition-evaluator';
import { AUDIENCE, ISSUER, PROVIDER_ARN, SUBJECT, policy, webIdentityStatement } from '../fixtures/irsa';

const sub = `${ISSUER}:sub`;
const aud = `${ISSUER}:aud`;
const context = { [sub]: SUBJECT, [aud]: AUDIENCE };

describe('condition evaluator', () => {
  it.each([
    ['system:serviceaccount:ns:*', 'system:serviceaccount:ns:app', true],
    ['system:serviceaccount:ns:*', 'system:serviceaccount:other:app', false],
    ['system:serviceaccount:ns:ap?', 'system:serviceaccount:ns:app', true],
    ['system:serviceaccount:ns:ap?', 'system:serviceaccount:ns:apps', false],
    ['a.b', 'aXb', false],
    ['(x)+[y]', '(x)+[y]', true],
    ['*', '', true],
  ])('StringLike %s against %s is %s', (pattern, value, expected) => {
    expect(likeMatches(value, pattern)).toBe(expected);
  });

  it.each([
    ['StringEquals', { base: 'stringequals', ifExists: false }],
    ['ForAnyValue:StringLikeIfExists', { qualifier: 'any', base: 'stringlike', ifExists: true }],
    ['ForAllValues:StringNotEquals', { qualifier: 'all', base: 'stringnotequals', ifExists: false }],
  ])('parses %s', (operator, expected) => {
    expect(parseOperator(operator)).toEqual(expected);
  });

  it('explains a failing key with the expected and actual values', () => {
    const result = evaluateCondition(
      { StringEquals: { [sub]: 'system:serviceaccount:serverless:aws-sdk-v2', [aud]: AUDIENCE } },
      context,
    );
    expect(result.matches).toBe(false);
    expect(result.failed).toEqual([
      {
        operator: 'StringEquals',
        key: sub,
        expected: ['system:serviceaccount:serverless:aws-sdk-v2'],
        actual: [SUBJECT],
        matches: false,
      },
    ]);
    expect(result.checks).toHaveLength(2);
  });

  it('matches condition key names case-insensitively but values case-sensitively', () => {
    expect(evaluateCondition({ StringEquals: { [sub.toUpperCase()]: SUBJECT } }, context).matches).toBe(true);
    expect(evaluateCondition({ StringEquals: { [sub]: SUBJECT.toUpperCase() } }, context).matches).toBe(
      false,
    );
  });

  it('reports a key absent from the request without an actual value', () => {
    const [check] = evaluateCondition({ StringEquals: { [`${ISSUER}:amr`]: 'x' } }, context).failed;
    expect(check).toMatchObject({ key: `${ISSUER}:amr`, matches: false });
    expect(check!.actual).toBeUndefined();
  });

  it('treats an unknown operator as not matching and reports it', () => {
    const result = evaluateCondition({ NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } }, context);
    expect(result.matches).toBe(false);
    expect(result.unknownOperators).toEqual(['NumericLessThan']);
    expect(result.failed[0]).toMatchObject({ unknownOperator: true });
    // ...so a Deny that depends on it is not applied, and an Allow that does is not granted.
    const deny = {
      Effect: 'Deny' as const,
      Principal: '*',
      Action: '*',
      Condition: { NumericLessThan: { k: '1' } },
    };
    expect(
      evaluateTrustPolicy(policy(webIdentityStatement(), deny), {
        principal: PROVIDER_ARN,
        action: 'sts:AssumeRoleWithWebIdentity',
        context,
      }).decision,
    ).toBe('allow');
  });

  it('compares JSON booleans in a stored policy as text', () => {
    const block = { Bool: { 'aws:SecureTransport': true } } as unknown as Parameters<
      typeof evaluateCondition
    >[0];
    expect(evaluateCondition(block, { 'aws:SecureTransport': 'true' }).matches).toBe(true);
  });

  it.each([
    [{ Action: 'sts:AssumeRoleWithWebIdentity' }, true],
    [{ Action: 'STS:assumerolewithwebidentity' }, true],
    [{ Action: ['sts:AssumeRole', 'sts:*'] }, true],
    [{ Action: '*' }, true],
    [{ Action: 'sts:AssumeRole' }, false],
    [{ NotAction: 'sts:AssumeRole' }, true],
    [{ NotAction: 'sts:*' }, false],
    [{}, false],
  ])('action element %j matches web identity: %s', (element, expected) => {
    expect(actionMatches({ Effect: 'Allow', ...element }, 'sts:AssumeRoleWithWebIdentity')).toBe(expected);
  });

  it.each([
    [{ Principal: { Federated: PROVIDER_ARN } }, true],
    [{ Principal: { Federated: ['arn:aws:iam::1:oidc-provider/x', PROVIDER_ARN] } }, true],
    [{ Principal: { Federated: `${PROVIDER_ARN}X` } }, false],
    [{ Principal: { Service: 'ec2.amazonaws.com' } }, false],
    [{ Principal: '*' }, true],
    [{ Principal: { AWS: '*' } }, true],
    [{ NotPrincipal: { Federated: PROVIDER_ARN } }, false],
    [{ NotPrincipal: { Federated: 'arn:aws:iam::1:oidc-provider/x' } }, true],
    [{}, false],
  ])('principal element %j names the provider: %s', (element, expected) => {
    expect(principalMatches({ Effect: 'Allow', ...element }, PROVIDER_ARN)).toBe(expected);
  });
});
