/**
 * Every IRSA cause, reached the way production reaches it: a CloudTrail record of a denied
 * AssumeRoleWithWebIdentity (as LookupEvents returns it) parsed, grouped and diagnosed against a role's trust
 * policy and the account's OIDC providers, ending in the finding's `evidence.cause`; and the cause table that
 * explains each one in docs/checks.md and `tmc-health explain`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Observed } from '../../lambdas/core/inventory';
import { CAUSE_CATALOGUE, renderCauseTable } from '../../lambdas/core/irsa/cause-catalogue';
import { evaluateIrsa, IRSA_CHECK_ID } from '../../lambdas/core/irsa/evaluate-irsa';
import { parseTrailEvents } from '../../lambdas/core/irsa/parse-event';
import { DEFAULT_IRSA_SETTINGS } from '../../lambdas/core/irsa/settings';
import {
  DIAGNOSIS_CAUSES,
  type DiagnosisCause,
  type OidcProvider,
  type RoleTrust,
} from '../../lambdas/core/irsa/types';
import {
  ISSUER,
  MISSING_ROLE,
  OTHER_ISSUER,
  OTHER_PROVIDER_ARN,
  PROVIDERS,
  PROVIDER_ARN,
  REGION,
  ROLE_ARN,
  SUBJECT,
  irsaSnapshot,
  oidcProvider,
  policy,
  rawEvent,
  role,
  scan,
  webIdentityStatement,
  type EventOptions,
} from '../fixtures/irsa';

const UNREGISTERED_ISSUER = 'oidc.eks.us-west-2.amazonaws.com/id/NOTREGISTERED0000000000000000000';
const allowing = role(policy(webIdentityStatement()));

interface Scenario {
  /** The CloudTrail record's fields, as CloudTrail logs the pod's call. */
  readonly event?: EventOptions;
  readonly role: Observed<RoleTrust>;
  readonly providers?: Observed<readonly OidcProvider[]>;
}

const SCENARIOS: Record<DiagnosisCause, Scenario> = {
  'role-not-found': { role: MISSING_ROLE },
  'no-web-identity-statement': {
    role: role(
      policy({ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }),
    ),
  },
  'provider-mismatch': {
    role: role(policy(webIdentityStatement({ providerArn: OTHER_PROVIDER_ARN, issuer: OTHER_ISSUER }))),
  },
  'oidc-provider-missing': {
    event: {
      identityProvider: UNREGISTERED_ISSUER,
      errorCode: 'InvalidIdentityToken',
      errorMessage: `No OpenIDConnect provider found in your account for https://${UNREGISTERED_ISSUER}`,
    },
    role: allowing,
  },
  'sub-mismatch': { role: role(policy(webIdentityStatement({ subject: `${SUBJECT}-v2` }))) },
  'wildcard-under-string-equals': {
    role: role(policy(webIdentityStatement({ subject: 'system:serviceaccount:serverless:*' }))),
  },
  'aud-mismatch': {
    event: { errorCode: 'InvalidIdentityToken', errorMessage: 'Incorrect token audience' },
    role: allowing,
    providers: { ok: true, value: [oidcProvider(ISSUER, ['my-app'])] },
  },
  'explicit-deny': {
    role: role(
      policy(webIdentityStatement(), {
        Sid: 'NoServerlessNamespace',
        Effect: 'Deny',
        Principal: { Federated: PROVIDER_ARN },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringLike: { [`${ISSUER}:sub`]: 'system:serviceaccount:serverless:*' } },
      }),
    ),
  },
  'invalid-token': {
    event: {
      errorCode: 'InvalidIdentityToken',
      errorMessage: "Couldn't retrieve verification key from your identity provider",
    },
    role: allowing,
  },
  'expired-token': {
    event: {
      errorCode: 'ExpiredTokenException',
      errorMessage:
        'Token expired: current date/time 1764000000 must be before the expiration date/time 1763996400',
    },
    role: allowing,
  },
  // The trust policy allows the pod: the denial comes from elsewhere (an organization policy, say).
  unknown: { role: allowing },
};

function causeOf(scenario: Scenario): unknown {
  const page = parseTrailEvents([rawEvent(scenario.event)], REGION);
  expect(page.denials).toHaveLength(1);
  const findings = evaluateIrsa(
    irsaSnapshot({
      scans: [{ ok: true, value: scan(page.denials) }],
      roles: new Map([[ROLE_ARN, scenario.role]]),
      providers: scenario.providers ?? PROVIDERS,
    }),
    { criticalCount: DEFAULT_IRSA_SETTINGS.criticalCount, runbookBaseUrl: 'docs/checks.md' },
  );
  const denied = findings.filter((finding) => finding.checkId === IRSA_CHECK_ID);
  expect(denied).toHaveLength(1);
  expect(denied[0]!.status).toBe('FAIL');
  return denied[0]!.evidence.cause;
}

describe('each cause, from a CloudTrail record and a trust policy', () => {
  it.each(DIAGNOSIS_CAUSES)('%s', (cause) => {
    expect(causeOf(SCENARIOS[cause])).toBe(cause);
  });
});

describe('the cause table', () => {
  it('has exactly one row per cause, in the order of DIAGNOSIS_CAUSES', () => {
    expect(Object.keys(CAUSE_CATALOGUE)).toEqual([...DIAGNOSIS_CAUSES]);
    const rows = renderCauseTable().split('\n').slice(2);
    expect(rows.map((row) => /^\| `([^`]+)` \|/.exec(row)?.[1])).toEqual([...DIAGNOSIS_CAUSES]);
    // Five cells a row: no stray pipe splits a cell.
    for (const row of rows) expect(row.split(/(?<!\\)\|/).length - 2).toBe(5);
  });

  it('says for each cause what the pod sees, who fixes it, and a command or policy change', () => {
    for (const row of Object.values(CAUSE_CATALOGUE)) {
      expect(row.inThePod).toMatch(/AccessDenied|InvalidIdentityToken|ExpiredToken/);
      expect(row.whoFixes.length).toBeGreaterThan(10);
      expect(row.fix).toMatch(/`(aws|eksctl|kubectl|chronyc) |"<issuer>:|StringLike/);
    }
  });

  it('is in docs/checks.md under irsa.assume-role.denied', () => {
    const docs = readFileSync(join(__dirname, '..', '..', 'docs', 'checks.md'), 'utf8');
    const section = docs.slice(
      docs.indexOf('### irsa.assume-role.denied'),
      docs.indexOf('### checker.error'),
    );
    for (const cause of DIAGNOSIS_CAUSES) expect(section).toMatch(new RegExp(`^\\| \`${cause}\` +\\|`, 'm'));
  });
});
