/**
 * Differential test: our trust-policy evaluator (lambdas/core/irsa/condition-evaluator.ts) against
 * @cloud-copilot/iam-simulate on the same policies and requests. iam-simulate is AGPL-3.0 and is only ever
 * imported here, never from lambdas/.
 *
 * How the requests are expressed in iam-simulate:
 * - principal: the OIDC provider ARN (iam-simulate matches a `Federated` principal by exact string, like IAM);
 *   resource: the role ARN; action: sts:AssumeRoleWithWebIdentity; the trust policy as the resource policy.
 * - EKS issuer keys: iam-simulate's safe API (runSimulation) keeps only context keys its data set knows for the
 *   action and silently moves the others to `ignoredContextKeys`; `oidc.eks.<region>.amazonaws.com/id/<ID>:sub`
 *   is not among them (its OIDC key pattern excludes the `/` of EKS issuers). So in both the policy's condition
 *   keys and the request context, the issuer prefix is renamed to `cognito-identity.amazonaws.com`, a web-identity
 *   issuer iam-simulate knows with string-typed `sub`, `aud` and `amr` keys. IAM treats key names as opaque
 *   case-insensitive strings, so the rename does not change any decision; every case asserts that iam-simulate
 *   ignored no context key, so a dropped key cannot make a case pass by accident.
 * - Multi-valued keys (ForAnyValue/ForAllValues) use `aws:TagKeys`, which iam-simulate types as a string array
 *   (it reduces single-valued keys such as `...:amr` to their first value).
 * Not expressible in iam-simulate: operators it rejects at validation (an unknown operator such as
 * `StringEqualsFoo`); our evaluator's handling of those (not matching, reported) is tested in
 * irsa-condition-evaluator.test.ts instead.
 */
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import {
  evaluateTrustPolicy,
  type RequestContext,
  type TrustDecision,
} from '../../lambdas/core/irsa/condition-evaluator';
import type { PolicyDocument, PolicyStatement } from '../../lambdas/core/irsa/types';
import {
  ACCOUNT,
  AUDIENCE,
  ISSUER,
  OTHER_PROVIDER_ARN,
  PROVIDER_ARN,
  ROLE_ARN,
  SUBJECT,
  policy,
  webIdentityStatement,
} from '../fixtures/irsa';

const ACTION = 'sts:AssumeRoleWithWebIdentity';
const KNOWN_ISSUER = 'cognito-identity.amazonaws.com';
const sub = `${ISSUER}:sub`;
const aud = `${ISSUER}:aud`;
const amr = `${ISSUER}:amr`;

/** Renames the EKS issuer prefix of condition / context keys; leaves values (and the principal ARN) alone. */
function aliasKey(key: string): string {
  return key.toLowerCase().startsWith(`${ISSUER.toLowerCase()}:`)
    ? `${KNOWN_ISSUER}${key.slice(ISSUER.length)}`
    : key;
}

function aliasKeys<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [aliasKey(key), value]));
}

function aliasPolicy(document: PolicyDocument): PolicyDocument {
  const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
  return {
    ...document,
    Statement: statements.map((statement: PolicyStatement) =>
      statement.Condition
        ? {
            ...statement,
            Condition: Object.fromEntries(
              Object.entries(statement.Condition).map(([operator, keys]) => [operator, aliasKeys(keys)]),
            ),
          }
        : statement,
    ),
  };
}

async function simulate(
  document: PolicyDocument,
  principal: string,
  context: RequestContext,
): Promise<TrustDecision> {
  const simulation: Simulation = {
    request: {
      principal,
      action: ACTION,
      resource: { resource: ROLE_ARN, accountId: ACCOUNT },
      contextVariables: aliasKeys(context) as Record<string, string | string[]>,
    },
    identityPolicies: [],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: aliasPolicy(document),
  };
  const result = await runSimulation(simulation, {});
  if (result.resultType !== 'single') throw new Error(`iam-simulate: ${JSON.stringify(result)}`);
  expect(result.result.ignoredContextKeys ?? []).toEqual([]);
  const decisions: Record<string, TrustDecision> = {
    Allowed: 'allow',
    ExplicitlyDenied: 'explicit-deny',
    ImplicitlyDenied: 'implicit-deny',
  };
  const decision = decisions[result.overallResult];
  if (!decision) throw new Error(`unexpected iam-simulate result ${result.overallResult}`);
  return decision;
}

const allow = (statement: Partial<PolicyStatement>): PolicyStatement => ({
  Effect: 'Allow',
  Principal: { Federated: PROVIDER_ARN },
  Action: ACTION,
  ...statement,
});
const notAction = (action: string): PolicyStatement => ({
  Effect: 'Allow',
  Principal: { Federated: PROVIDER_ARN },
  NotAction: action,
});
const deny = (statement: Partial<PolicyStatement>): PolicyStatement => ({
  ...allow(statement),
  Effect: 'Deny',
});

const POLICIES: Readonly<Record<string, PolicyDocument>> = {
  'correct (EKS documentation)': policy(webIdentityStatement()),
  'sub typo': policy(webIdentityStatement({ subject: `${SUBJECT}-v2` })),
  'wildcard under StringEquals': policy(
    webIdentityStatement({ subject: 'system:serviceaccount:serverless:*' }),
  ),
  'StringLike wildcard': policy(
    webIdentityStatement({ subject: 'system:serviceaccount:serverless:*', operator: 'StringLike' }),
  ),
  'StringLike single-character wildcard': policy(
    webIdentityStatement({ subject: 'system:serviceaccount:serverless:aws-sd?', operator: 'StringLike' }),
  ),
  'StringLike other namespace': policy(
    webIdentityStatement({ subject: 'system:serviceaccount:other:*', operator: 'StringLike' }),
  ),
  'other provider': policy(webIdentityStatement({ providerArn: OTHER_PROVIDER_ARN })),
  'wrong aud': policy(webIdentityStatement({ aud: 'sts.amazonaws.com.cn' })),
  'several sub values (OR)': policy(
    webIdentityStatement({ subject: ['system:serviceaccount:a:b', SUBJECT] }),
  ),
  'upper-case condition key': policy(allow({ Condition: { StringEquals: { [`${ISSUER}:SUB`]: SUBJECT } } })),
  StringEqualsIgnoreCase: policy(
    allow({ Condition: { StringEqualsIgnoreCase: { [sub]: SUBJECT.toUpperCase() } } }),
  ),
  'StringNotEquals (everyone but one)': policy(allow({ Condition: { StringNotEquals: { [sub]: SUBJECT } } })),
  'StringNotEquals several values': policy(
    allow({
      Condition: { StringNotEquals: { [sub]: ['system:serviceaccount:a:b', 'system:serviceaccount:c:d'] } },
    }),
  ),
  StringNotLike: policy(allow({ Condition: { StringNotLike: { [sub]: 'system:serviceaccount:kube-*' } } })),
  'StringNotEquals on a missing key': policy(allow({ Condition: { StringNotEquals: { [amr]: 'x' } } })),
  'StringEqualsIfExists on a missing key': policy(
    allow({ Condition: { StringEqualsIfExists: { [amr]: 'x' } } }),
  ),
  'StringEqualsIfExists on sub': policy(allow({ Condition: { StringEqualsIfExists: { [sub]: SUBJECT } } })),
  'StringEquals on a missing key': policy(allow({ Condition: { StringEquals: { [amr]: 'x' } } })),
  'Null true on a missing key': policy(allow({ Condition: { Null: { [amr]: 'true' } } })),
  'Null false on sub': policy(allow({ Condition: { Null: { [sub]: 'false' } } })),
  'Null true on sub': policy(allow({ Condition: { Null: { [sub]: 'true' } } })),
  'Bool SecureTransport true': policy(allow({ Condition: { Bool: { 'aws:SecureTransport': 'true' } } })),
  'Bool SecureTransport false': policy(allow({ Condition: { Bool: { 'aws:SecureTransport': 'false' } } })),
  'ForAnyValue:StringEquals TagKeys': policy(
    allow({ Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['team', 'cost-center'] } } }),
  ),
  'ForAllValues:StringEquals TagKeys': policy(
    allow({ Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team', 'cost-center'] } } }),
  ),
  'ForAllValues:StringLike TagKeys': policy(
    allow({ Condition: { 'ForAllValues:StringLike': { 'aws:TagKeys': ['team', 'e*'] } } }),
  ),
  'ForAnyValue:StringNotEquals TagKeys': policy(
    allow({ Condition: { 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': 'team' } } }),
  ),
  'Action sts:*': policy(allow({ Action: 'sts:*' })),
  'Action *': policy(allow({ Action: '*' })),
  'Action list without web identity': policy(allow({ Action: ['sts:AssumeRole', 'sts:TagSession'] })),
  'NotAction sts:AssumeRole': policy(notAction('sts:AssumeRole')),
  'NotAction sts:AssumeRoleWith*': policy(notAction('sts:AssumeRoleWith*')),
  'Federated list': policy(allow({ Principal: { Federated: [OTHER_PROVIDER_ARN, PROVIDER_ARN] } })),
  'Principal *': policy(allow({ Principal: '*' })),
  'Principal AWS *': policy(allow({ Principal: { AWS: '*' } })),
  'explicit deny of the subject': policy(
    webIdentityStatement({ subject: 'system:serviceaccount:serverless:*', operator: 'StringLike' }),
    deny({ Condition: { StringEquals: { [sub]: SUBJECT } } }),
  ),
  'deny everyone but one subject': policy(
    webIdentityStatement({ subject: 'system:serviceaccount:serverless:*', operator: 'StringLike' }),
    deny({ Condition: { StringNotEquals: { [sub]: 'system:serviceaccount:serverless:aws-sdk-v2' } } }),
  ),
  'deny with NotPrincipal': policy(allow({ Principal: '*' }), {
    Effect: 'Deny',
    NotPrincipal: { Federated: PROVIDER_ARN },
    Action: ACTION,
  }),
  'two allow statements, second matches': policy(
    webIdentityStatement({ subject: 'system:serviceaccount:x:y' }),
    webIdentityStatement({ subject: SUBJECT, aud: [AUDIENCE, 'other'] }),
  ),
  'two operators (AND)': policy(
    allow({
      Condition: {
        StringLike: { [sub]: 'system:serviceaccount:serverless:*' },
        StringEquals: { [aud]: 'other' },
      },
    }),
  ),
};

const CONTEXTS: Readonly<Record<string, RequestContext>> = {
  'the subject': { [sub]: SUBJECT, [aud]: AUDIENCE },
  'another subject': { [sub]: 'system:serviceaccount:serverless:aws-sdk-v2', [aud]: AUDIENCE },
  'the subject upper-cased': { [sub]: SUBJECT.toUpperCase(), [aud]: AUDIENCE },
  'no subject': { [aud]: AUDIENCE },
  'tags team+env over TLS': {
    [sub]: SUBJECT,
    [aud]: AUDIENCE,
    'aws:TagKeys': ['team', 'env'],
    'aws:SecureTransport': 'true',
  },
  'tag team only, not TLS': {
    [sub]: SUBJECT,
    [aud]: AUDIENCE,
    'aws:TagKeys': ['team'],
    'aws:SecureTransport': 'false',
  },
};

const PRINCIPALS = { 'its provider': PROVIDER_ARN, 'another provider': OTHER_PROVIDER_ARN };

const cases = Object.entries(POLICIES).flatMap(([policyName, document]) =>
  Object.entries(CONTEXTS).flatMap(([contextName, context]) =>
    Object.entries(PRINCIPALS).map(([principalName, principal]) => ({
      name: `${policyName} | ${contextName} | ${principalName}`,
      document,
      context,
      principal,
    })),
  ),
);

describe('trust-policy evaluator agrees with iam-simulate', () => {
  it.each(cases)('$name', async ({ document, context, principal }) => {
    const ours = evaluateTrustPolicy(document, { principal, action: ACTION, context }).decision;
    expect(ours).toBe(await simulate(document, principal, context));
  });

  it('exercises all three decisions (the table is not one-sided)', async () => {
    const decisions = new Set<TrustDecision>();
    for (const { document, context, principal } of cases)
      decisions.add(evaluateTrustPolicy(document, { principal, action: ACTION, context }).decision);
    expect([...decisions].sort()).toEqual(['allow', 'explicit-deny', 'implicit-deny']);
    await expect(
      simulate(POLICIES['correct (EKS documentation)']!, PROVIDER_ARN, CONTEXTS['the subject']!),
    ).resolves.toBe('allow');
  });

  it("iam-simulate's safe API drops EKS issuer keys it does not know (why the keys are renamed)", async () => {
    const result = await runSimulation(
      {
        request: {
          principal: PROVIDER_ARN,
          action: ACTION,
          resource: { resource: ROLE_ARN, accountId: ACCOUNT },
          contextVariables: { [sub]: SUBJECT, [aud]: AUDIENCE },
        },
        identityPolicies: [],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: policy(webIdentityStatement()),
      },
      {},
    );
    expect(result.resultType).toBe('single');
    if (result.resultType === 'single')
      expect(result.result.ignoredContextKeys).toEqual(expect.arrayContaining([sub, aud]));
  });
});
