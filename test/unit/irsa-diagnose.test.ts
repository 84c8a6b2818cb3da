import type { Observed } from '../../lambdas/core/inventory';
import { diagnoseGroup, type Diagnosis } from '../../lambdas/core/irsa/diagnose';
import type { StatementOffer } from '../../lambdas/core/irsa/provenance';
import { groupDenials } from '../../lambdas/core/irsa/group';
import {
  DIAGNOSIS_CAUSES,
  type OidcProvider,
  type PolicyStatement,
  type RoleTrust,
  type WebIdentityDenial,
} from '../../lambdas/core/irsa/types';
import {
  AUDIENCE,
  ISSUER,
  MISSING_ROLE,
  OTHER_ISSUER,
  OTHER_PROVIDER_ARN,
  PROVIDERS,
  PROVIDER_ARN,
  ROLE_ARN,
  SUBJECT,
  denial,
  oidcProvider,
  policy,
  role,
  webIdentityStatement,
} from '../fixtures/irsa';

const UNREGISTERED_ISSUER = 'oidc.eks.us-west-2.amazonaws.com/id/NOTREGISTERED0000000000000000000';

function diagnose(
  overrides: Partial<WebIdentityDenial>,
  trust: Observed<RoleTrust>,
  providers: Observed<readonly OidcProvider[]> = PROVIDERS,
): Diagnosis {
  const [group] = groupDenials([denial(overrides)]);
  return diagnoseGroup(group!, trust, providers);
}

/** The statement a diagnosis offers; fails the test when it offers none. */
function statementOf(offer: StatementOffer): PolicyStatement {
  if (offer.kind === 'withheld') throw new Error(`no statement: ${offer.reasons.join(', ')}`);
  return offer.statement;
}

const correct = role(policy(webIdentityStatement()));
const lookupFailure = {
  service: 'iam',
  operation: 'GetRole',
  region: 'global',
  errorName: 'AccessDenied',
  message: 'User is not authorized to perform iam:GetRole',
};

interface Case {
  readonly name: string;
  readonly event?: Partial<WebIdentityDenial>;
  readonly role: Observed<RoleTrust>;
  readonly providers?: Observed<readonly OidcProvider[]>;
  readonly cause: (typeof DIAGNOSIS_CAUSES)[number];
  readonly detail: readonly string[];
  readonly expected?: readonly string[];
  readonly actual?: string | null;
}

const CASES: readonly Case[] = [
  {
    name: 'correct trust policy (denied for another reason)',
    role: correct,
    cause: 'unknown',
    detail: ['allows system:serviceaccount:serverless:aws-sdk', 'SCP', 'session policy', 'annotation'],
  },
  {
    name: 'sub typo',
    role: role(policy(webIdentityStatement({ subject: `${SUBJECT}-v2` }))),
    cause: 'sub-mismatch',
    detail: [`role ${ROLE_ARN} does not trust ${SUBJECT}: its sub condition allows ${SUBJECT}-v2`],
    expected: [`${SUBJECT}-v2`],
    actual: SUBJECT,
  },
  {
    name: 'sub condition on another issuer (copied from another cluster)',
    role: role(policy(webIdentityStatement({ issuer: OTHER_ISSUER }))),
    cause: 'sub-mismatch',
    detail: [`tests ${OTHER_ISSUER}:sub`, `carry ${ISSUER}:sub`],
  },
  {
    name: 'wildcard under StringEquals',
    role: role(policy(webIdentityStatement({ subject: 'system:serviceaccount:serverless:*' }))),
    cause: 'wildcard-under-string-equals',
    detail: ['system:serviceaccount:serverless:*', 'StringEquals', 'StringLike'],
    expected: ['system:serviceaccount:serverless:*'],
    actual: SUBJECT,
  },
  {
    name: 'wildcard under StringEquals that would not match under StringLike either',
    role: role(policy(webIdentityStatement({ subject: 'system:serviceaccount:other:*' }))),
    cause: 'sub-mismatch',
    detail: ['allows system:serviceaccount:other:*'],
  },
  {
    name: 'StringLike wildcard that matches (no sub problem)',
    role: role(
      policy(webIdentityStatement({ subject: 'system:serviceaccount:serverless:*', operator: 'StringLike' })),
    ),
    cause: 'unknown',
    detail: ['trust policy allows'],
  },
  {
    name: 'StringLike wildcard for another namespace',
    role: role(
      policy(webIdentityStatement({ subject: 'system:serviceaccount:other:*', operator: 'StringLike' })),
    ),
    cause: 'sub-mismatch',
    detail: ['its sub condition allows system:serviceaccount:other:*'],
  },
  {
    name: "wrong provider (another cluster's)",
    role: role(policy(webIdentityStatement({ providerArn: OTHER_PROVIDER_ARN, issuer: OTHER_ISSUER }))),
    cause: 'provider-mismatch',
    detail: [`does not trust the OIDC provider ${PROVIDER_ARN}`, `trust ${OTHER_PROVIDER_ARN}`],
    expected: [OTHER_PROVIDER_ARN],
    actual: PROVIDER_ARN,
  },
  {
    name: 'provider (logged as an issuer host) not registered in IAM',
    event: { identityProvider: UNREGISTERED_ISSUER },
    role: correct,
    cause: 'oidc-provider-missing',
    detail: ['is not registered in IAM', "caller's claim", 'aws eks describe-cluster'],
    actual: `arn:aws:iam::111122223333:oidc-provider/${UNREGISTERED_ISSUER}`,
  },
  {
    name: 'provider not registered, InvalidIdentityToken',
    event: { identityProvider: UNREGISTERED_ISSUER, errorCode: 'InvalidIdentityToken' },
    role: correct,
    cause: 'oidc-provider-missing',
    detail: ['is not registered in IAM'],
  },
  {
    name: 'wrong aud',
    role: role(policy(webIdentityStatement({ aud: 'sts.amazonaws.com.cn' }))),
    cause: 'aud-mismatch',
    detail: ['its aud condition allows sts.amazonaws.com.cn', AUDIENCE],
    expected: ['sts.amazonaws.com.cn'],
    actual: AUDIENCE,
  },
  {
    name: "aud not in the provider's client list",
    role: correct,
    providers: { ok: true, value: [oidcProvider(ISSUER, ['my-app'])] },
    cause: 'aud-mismatch',
    detail: [`does not list ${AUDIENCE}`, 'my-app'],
    expected: ['my-app'],
    actual: AUDIENCE,
  },
  {
    name: 'explicit deny',
    role: role(
      policy(webIdentityStatement(), {
        Sid: 'NoServerless',
        Effect: 'Deny',
        Principal: { Federated: PROVIDER_ARN },
        Action: 'sts:*',
        Condition: { StringLike: { [`${ISSUER}:sub`]: 'system:serviceaccount:serverless:*' } },
      }),
    ),
    cause: 'explicit-deny',
    detail: ['explicitly denies', 'NoServerless'],
  },
  {
    name: 'role missing',
    role: MISSING_ROLE,
    cause: 'role-not-found',
    detail: [`role ${ROLE_ARN} does not exist`, 'eks.amazonaws.com/role-arn'],
  },
  {
    name: 'no web-identity statement',
    role: role(
      policy({ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }),
    ),
    cause: 'no-web-identity-statement',
    detail: ['has no Allow statement for sts:AssumeRoleWithWebIdentity'],
  },
  {
    name: 'invalid token',
    event: { errorCode: 'InvalidIdentityToken', errorMessage: 'Incorrect token audience' },
    role: correct,
    cause: 'invalid-token',
    detail: ['InvalidIdentityToken', 'Incorrect token audience'],
  },
  {
    name: 'expired token',
    event: {
      errorCode: 'ExpiredTokenException',
      errorMessage: 'Token expired: current date/time 1700000000',
    },
    role: correct,
    cause: 'expired-token',
    detail: ['expired', 'Token expired'],
  },
  {
    name: 'role lookup failed',
    role: { ok: false, failure: lookupFailure },
    cause: 'unknown',
    detail: ['could not read role', 'iam:GetRole failed with AccessDenied'],
  },
];

describe('diagnoseGroup', () => {
  it.each(CASES)('$name => $cause', (kase) => {
    const diagnosis = diagnose(kase.event ?? {}, kase.role, kase.providers);
    expect(diagnosis.cause).toBe(kase.cause);
    for (const fragment of kase.detail) expect(diagnosis.detail).toContain(fragment);
    if (kase.expected) expect(diagnosis.expected).toEqual(kase.expected);
    if (kase.actual !== undefined) expect(diagnosis.actual).toBe(kase.actual);
  });

  it('covers every cause', () => {
    expect([...new Set(CASES.map((kase) => kase.cause))].sort()).toEqual([...DIAGNOSIS_CAUSES].sort());
  });

  it('says the role lookup error in the evidence', () => {
    const diagnosis = diagnose({}, { ok: false, failure: lookupFailure });
    expect(diagnosis.evidence.roleLookupError).toContain('not authorized to perform iam:GetRole');
  });

  it('gives the corrected statement for this role, provider, namespace and service account', () => {
    const diagnosis = diagnose(
      { identityProvider: ISSUER },
      role(policy(webIdentityStatement({ subject: 'x' }))),
    );
    expect(diagnosis.offer.kind).toBe('claimed-service-account');
    expect(statementOf(diagnosis.offer)).toEqual({
      Effect: 'Allow',
      Principal: { Federated: PROVIDER_ARN },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: {
          [`${ISSUER}:sub`]: SUBJECT,
          [`${ISSUER}:aud`]: AUDIENCE,
        },
      },
    });
  });

  it('the corrected statement, pasted into the trust policy, makes the diagnosis "allowed" (unknown)', () => {
    for (const kase of CASES.filter((c) => c.role.ok && c.role.value.exists && !c.event)) {
      const before = diagnose({}, kase.role, kase.providers);
      const fixed = role(policy(statementOf(before.offer)));
      const after = diagnose({}, fixed, PROVIDERS);
      expect([kase.name, after.cause]).toEqual([kase.name, 'unknown']);
      expect(after.detail).toContain('trust policy allows');
    }
  });

  it('infers the provider from the trust policy when CloudTrail did not log it (the guide event)', () => {
    const diagnosis = diagnose(
      { identityProvider: undefined },
      role(policy(webIdentityStatement({ subject: `${SUBJECT}-v2` }))),
    );
    expect(diagnosis.cause).toBe('sub-mismatch');
    expect(diagnosis.detail).toContain('CloudTrail did not log the identity provider');
    expect(statementOf(diagnosis.offer).Principal).toEqual({ Federated: PROVIDER_ARN });
  });

  it('uses a placeholder provider when neither CloudTrail nor the role names one', () => {
    const diagnosis = diagnose({ identityProvider: undefined }, MISSING_ROLE);
    expect(diagnosis.cause).toBe('role-not-found');
    expect(JSON.stringify(statementOf(diagnosis.offer))).toContain('<cluster-oidc-id>');
    expect(diagnosis.offer).toMatchObject({
      issuer: { source: 'placeholder' },
      subject: { source: 'caller' },
    });
  });

  it('does not call a missing provider when the provider list could not be read', () => {
    const diagnosis = diagnose({ identityProvider: UNREGISTERED_ISSUER }, correct, {
      ok: false,
      failure: { ...lookupFailure, operation: 'ListOpenIDConnectProviders' },
    });
    expect(diagnosis.cause).toBe('provider-mismatch');
    expect(diagnosis.evidence.oidcProviderRegistered).toBeNull();
    expect(diagnosis.evidence.providerLookupError).toContain('ListOpenIDConnectProviders');
    // An issuer that cannot be confirmed as the account's gets no statement.
    expect(diagnosis.offer).toEqual({ kind: 'withheld', reasons: ['providers-unreadable'] });
  });

  describe('provenance: a statement only for a service account of a registered EKS issuer', () => {
    const GITHUB = 'token.actions.githubusercontent.com';
    const withGithub: Observed<readonly OidcProvider[]> = {
      ok: true,
      value: [oidcProvider(), oidcProvider(GITHUB)],
    };
    const typo = role(policy(webIdentityStatement({ subject: `${SUBJECT}-v2` })));

    it("marks the subject as the caller's claim and the issuer as the account's", () => {
      const diagnosis = diagnose({}, typo);
      expect(diagnosis.offer).toMatchObject({
        kind: 'claimed-service-account',
        issuer: { value: ISSUER, source: 'account' },
        subject: { value: SUBJECT, source: 'caller' },
        serviceAccount: { namespace: 'serverless', name: 'aws-sdk' },
      });
    });

    it('gives a template with a placeholder subject when CloudTrail logged none', () => {
      const diagnosis = diagnose({ subject: undefined }, typo);
      expect(diagnosis.offer).toMatchObject({
        kind: 'template',
        subject: { value: 'system:serviceaccount:<namespace>:<serviceaccount>', source: 'placeholder' },
      });
    });

    it.each([
      [
        'a CI subject on a registered CI issuer',
        { subject: 'repo:attacker/evil:ref:refs/heads/main', identityProvider: GITHUB },
        ['subject-not-service-account', 'issuer-not-eks'],
      ],
      ['a service account subject on a CI issuer', { identityProvider: GITHUB }, ['issuer-not-eks']],
      ['an unregistered EKS issuer', { identityProvider: UNREGISTERED_ISSUER }, ['issuer-not-registered']],
      ['a subject with an extra colon', { subject: `${SUBJECT}:x` }, ['subject-not-service-account']],
      [
        'an upper-case namespace',
        { subject: 'system:serviceaccount:Serverless:aws-sdk' },
        ['subject-not-service-account'],
      ],
      [
        'a namespace over 63 characters',
        { subject: `system:serviceaccount:${'n'.repeat(64)}:aws-sdk` },
        ['subject-not-service-account'],
      ],
      ['a control character', { subject: `${SUBJECT}\u001b[2J` }, ['subject-not-service-account']],
    ] as const)('withholds it for %s', (_name, event, reasons) => {
      const diagnosis = diagnose(event, typo, withGithub);
      expect(diagnosis.offer).toEqual({ kind: 'withheld', reasons });
    });

    it('accepts the longest names Kubernetes does', () => {
      const name = ['a'.repeat(63), 'b'.repeat(63), 'c'.repeat(63), 'd'.repeat(61)].join('.');
      expect(name).toHaveLength(253);
      const subject = `system:serviceaccount:${'n'.repeat(63)}:${name}`;
      expect(diagnose({ subject }, typo).offer.kind).toBe('claimed-service-account');
      expect(diagnose({ subject: `${subject}x` }, typo).offer.kind).toBe('withheld');
    });
  });
});
