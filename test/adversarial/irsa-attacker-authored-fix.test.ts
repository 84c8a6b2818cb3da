/**
 * Attack: an attacker-authored fix. Anyone holding a token of an OIDC issuer the account registered (GitHub
 * Actions' token.actions.githubusercontent.com: any GitHub user can mint one) calls AssumeRoleWithWebIdentity on
 * a role of the account; CloudTrail logs the token's `sub` and issuer. A checker that builds its "corrected trust
 * statement" from those fields tells the on-call engineer to trust `repo:attacker/evil:ref:refs/heads/main`, and
 * for an issuer the account never registered, to register the attacker's issuer.
 *
 * Reached through the entry the attacker writes: the CloudTrail record, as LookupEvents returns it, parsed by the
 * check, diagnosed against the account's IAM, and shown by `tmc-health check` (table and --json). Asserted: no
 * corrected statement names an issuer that is not an EKS issuer the account registered, or a subject that is
 * not a Kubernetes service account; no text advises registering an issuer seen only in a denial; a service
 * account of a registered EKS issuer gets a statement, marked as the caller's unverified claim.
 */
import fc from 'fast-check';
import { summarizeIrsaRun } from '../../lambdas/app/irsa-check';
import { renderTable } from '../../lambdas/cli/render-table';
import { createStyle } from '../../lambdas/cli/style';
import type { IrsaOutcome } from '../../lambdas/cli/run-check';
import type { Finding } from '../../lambdas/core/finding';
import type { Observed } from '../../lambdas/core/inventory';
import { evaluateIrsa, IRSA_CHECK_ID } from '../../lambdas/core/irsa/evaluate-irsa';
import { parseTrailEvents } from '../../lambdas/core/irsa/parse-event';
import { irsaSettingsSchema } from '../../lambdas/core/irsa/settings';
import type { OidcProvider, PolicyStatement, RoleTrust } from '../../lambdas/core/irsa/types';
import { combinedOutcome, harness } from '../cli/support';
import {
  ACCOUNT,
  ISSUER,
  MISSING_ROLE,
  NOW,
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
} from '../fixtures/irsa';

const GITHUB_ISSUER = 'token.actions.githubusercontent.com';
const GITHUB_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/${GITHUB_ISSUER}`;
const ATTACKER_SUB = 'repo:attacker/evil:ref:refs/heads/main';
const UNREGISTERED_ISSUERS = [
  'evil.example.com/oidc',
  'oidc.eks.us-west-2.amazonaws.com/id/A77ACKE5000000000000000000000000',
];

/** The account's IAM: its EKS cluster's issuer and GitHub Actions' (a CI role deploys from a repository). */
const REGISTERED: Observed<readonly OidcProvider[]> = {
  ok: true,
  value: [oidcProvider(ISSUER), oidcProvider(GITHUB_ISSUER)],
};

/** A deploy role for the account's own repository, as GitHub's documentation writes it. */
const CI_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/github-deploy`;
const CI_ROLE = role(
  policy({
    Effect: 'Allow',
    Principal: { Federated: GITHUB_ARN },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: {
      StringEquals: { [`${GITHUB_ISSUER}:aud`]: 'sts.amazonaws.com' },
      StringLike: { [`${GITHUB_ISSUER}:sub`]: 'repo:our-org/deploy:*' },
    },
  }),
  CI_ROLE_ARN,
);
/** The IRSA role of the fixtures: it trusts the cluster's service account serverless/aws-sdk-v2. */
const EKS_ROLE = role(policy(webIdentityStatement({ subject: `${SUBJECT}-v2` })));

const K8S_LABEL = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
const K8S_SUBDOMAIN = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;
const EKS_ISSUER = /^oidc\.eks\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?\/id\/[0-9A-Z]+$/;

/** The reference for "a Kubernetes service account subject", or a placeholder for the engineer to fill in. */
function isServiceAccountOrPlaceholder(value: string): boolean {
  if (/^system:serviceaccount:<[a-z]+>:<[a-z]+>$/.test(value)) return true;
  const parts = value.split(':');
  if (parts.length !== 4 || parts[0] !== 'system' || parts[1] !== 'serviceaccount') return false;
  const [, , namespace = '', name = ''] = parts;
  return K8S_LABEL.test(namespace) && name.length <= 253 && K8S_SUBDOMAIN.test(name);
}

interface Call {
  readonly subject: string;
  /** As CloudTrail logs it: the issuer host and path. */
  readonly issuer: string;
  readonly roleArn?: string;
  readonly errorCode?: string;
}

interface Run {
  readonly findings: Finding[];
  readonly irsa: IrsaOutcome;
}

/** The check on one page of LookupEvents holding the caller's denied calls. */
function check(calls: readonly Call[], roles: Map<string, Observed<RoleTrust>>, providers = REGISTERED): Run {
  const page = parseTrailEvents(
    calls.map((call) =>
      rawEvent({
        subject: call.subject,
        identityProvider: call.issuer,
        roleArn: call.roleArn ?? ROLE_ARN,
        errorCode: call.errorCode ?? 'AccessDenied',
      }),
    ),
    REGION,
  );
  const snapshot = irsaSnapshot({
    scans: [{ ok: true, value: scan(page.denials, { skipped: page.skipped }) }],
    roles,
    providers,
  });
  const findings = evaluateIrsa(snapshot, irsaSettingsSchema.parse({}));
  const reports = [
    {
      region: REGION,
      watermark: 'none' as const,
      planned: [{ kind: 'window' as const, from: '2026-11-22T11:00:00.000Z', to: NOW }],
      ranges: [],
      pendingGaps: [],
      willCommit: false,
    },
  ];
  return {
    findings,
    irsa: {
      findings,
      summary: summarizeIrsaRun(
        snapshot,
        reports,
        [{ region: REGION, reasons: ['home'] }],
        findings,
        [],
        false,
      ),
    },
  };
}

/** Every trust statement a finding carries among its evidence values (JSON strings), whatever the key. */
function statementsIn(finding: Finding): PolicyStatement[] {
  const found: PolicyStatement[] = [];
  for (const value of Object.values(finding.evidence)) {
    if (typeof value !== 'string' || !value.trimStart().startsWith('{')) continue;
    try {
      const parsed = JSON.parse(value) as PolicyStatement;
      if (JSON.stringify(parsed).includes('sts:AssumeRoleWithWebIdentity')) found.push(parsed);
    } catch {
      // not JSON
    }
  }
  return found;
}

function registeredEksIssuers(providers: Observed<readonly OidcProvider[]>): string[] {
  // As IAM names a provider in its ARN: no scheme, no trailing slash, lower-case host.
  const normal = (url: string) => {
    const bare = url
      .trim()
      .replace(/^https?:\/\//i, '')
      .replace(/\/+$/, '');
    const slash = bare.indexOf('/');
    return slash === -1 ? bare.toLowerCase() : `${bare.slice(0, slash).toLowerCase()}${bare.slice(slash)}`;
  };
  return providers.ok ? providers.value.map((p) => normal(p.url)).filter((url) => EKS_ISSUER.test(url)) : [];
}

/**
 * The statement names only a registered EKS issuer (or a placeholder) and only service-account subjects, and it
 * is marked as built from the caller's claim.
 */
function expectNoAttackerStatement(finding: Finding, providers: Observed<readonly OidcProvider[]>): void {
  const trusted = registeredEksIssuers(providers);
  for (const statement of statementsIn(finding)) {
    const federated = JSON.stringify(statement.Principal ?? {});
    const names = trusted.some((issuer) => federated.includes(`:oidc-provider/${issuer}"`));
    expect({ federated, namesRegisteredEksIssuer: names || federated.includes('<') }).toEqual({
      federated,
      namesRegisteredEksIssuer: true,
    });
    for (const keys of Object.values(statement.Condition ?? {})) {
      for (const [key, value] of Object.entries(keys)) {
        const issuer = key.slice(0, key.lastIndexOf(':'));
        expect({ key, registered: trusted.includes(issuer) || issuer.includes('<') }).toEqual({
          key,
          registered: true,
        });
        if (key.endsWith(':sub')) {
          for (const sub of [value].flat()) {
            expect({ sub, serviceAccount: isServiceAccountOrPlaceholder(sub) }).toEqual({
              sub,
              serviceAccount: true,
            });
          }
        }
      }
    }
    expect(['claimed-service-account', 'template']).toContain(finding.evidence.correctedStatementBasis);
  }
}

/** Sentences that tell the reader to register or associate an issuer. */
const REGISTER_ADVICE =
  /\b(?:associate|register(?: it| the| this| that| an?)|create-open-id-connect-provider|add (?:it|the issuer) to IAM)\b/i;

function sentences(text: string): string[] {
  return text
    .replace(/\s+/g, ' ')
    .split(/(?<=[.;])\s+/)
    .filter((s) => s !== '');
}

/** No sentence names the issuer (seen only in a denial) and advises registering it. */
function expectNoRegisterAdvice(texts: string | readonly string[], issuer: string): void {
  const advising = [texts]
    .flat()
    .flatMap(sentences)
    .filter(
      (sentence) => sentence.toLowerCase().includes(issuer.toLowerCase()) && REGISTER_ADVICE.test(sentence),
    );
  expect(advising).toEqual([]);
}

/** Each text of a finding on its own (a sentence never runs from one field into the next). */
function findingText(finding: Finding): string[] {
  const evidence = Object.values(finding.evidence)
    .flat()
    .filter((v): v is string => typeof v === 'string');
  return [finding.title, finding.message, finding.remediation.text, ...evidence];
}

/** The finding's text that depends on the call (the catalogue's remediation steps are the same for all). */
function callerText(finding: Finding): string[] {
  return findingText({ ...finding, remediation: { ...finding.remediation, text: '' } });
}

function humanOutput(run: Run, width = 160): string {
  const outcome = combinedOutcome(undefined, run.irsa);
  return renderTable(outcome.findings, outcome.summary, { width, style: createStyle(false), irsa: run.irsa });
}

async function jsonFindings(run: Run): Promise<Finding[]> {
  const cli = harness({ outcome: combinedOutcome(undefined, run.irsa) });
  await cli.run('check', '--json');
  return (JSON.parse(cli.stdout.text) as { findings: Finding[] }).findings;
}

const denied = (findings: readonly Finding[]) => findings.filter((f) => f.checkId === IRSA_CHECK_ID);

describe('attacker-authored fix: a hostile sub or issuer from CloudTrail is never offered as the fix', () => {
  const roles = new Map([
    [ROLE_ARN, EKS_ROLE],
    [CI_ROLE_ARN, CI_ROLE],
  ]);

  test("a GitHub Actions token's sub (registered issuer): no statement trusting it, in the finding, the table or --json", async () => {
    const run = check(
      [
        // The CI role: the attacker's repository instead of ours (sub-mismatch).
        { subject: ATTACKER_SUB, issuer: GITHUB_ISSUER, roleArn: CI_ROLE_ARN },
        // The IRSA role, which does not trust GitHub at all (provider-mismatch).
        { subject: ATTACKER_SUB, issuer: GITHUB_ISSUER },
      ],
      roles,
    );
    const findings = denied(run.findings);
    expect(findings.map((f) => f.evidence.cause).sort()).toEqual(['provider-mismatch', 'sub-mismatch']);
    for (const finding of findings) {
      expectNoAttackerStatement(finding, REGISTERED);
      // The mismatch is still shown: what was presented, what the policy allows.
      expect(finding.evidence.actual).toEqual(expect.any(String));
      expect(finding.message).toContain(
        finding.evidence.cause === 'sub-mismatch' ? ATTACKER_SUB : GITHUB_ARN,
      );
    }
    const out = humanOutput(run);
    expect(out).not.toContain(`"${GITHUB_ISSUER}:sub"`);
    expect(out).not.toContain(`"${ATTACKER_SUB}"`);
    expect(out).not.toContain(`"Federated": "${GITHUB_ARN}"`);
    expect(out).not.toContain('"Effect": "Allow"');
    for (const finding of denied(await jsonFindings(run))) expectNoAttackerStatement(finding, REGISTERED);
  });

  test.each(UNREGISTERED_ISSUERS)(
    'an issuer the account never registered (%s): no statement naming it, no advice to register it',
    async (issuer) => {
      const run = check(
        [
          { subject: ATTACKER_SUB, issuer },
          { subject: 'system:serviceaccount:kube-system:admin', issuer, errorCode: 'InvalidIdentityToken' },
        ],
        roles,
      );
      const findings = denied(run.findings);
      expect(findings).toHaveLength(2);
      for (const finding of findings) {
        expect(finding.evidence.cause).toBe('oidc-provider-missing');
        expectNoAttackerStatement(finding, REGISTERED);
        expectNoRegisterAdvice(findingText(finding), issuer);
        // How to find the right issuer: from the engineer's own cluster, not from the call.
        expect(findingText(finding).join('\n')).toContain('aws eks describe-cluster');
      }
      const out = humanOutput(run);
      expectNoRegisterAdvice(out, issuer);
      expect(out).not.toContain(`"${issuer}:sub"`);
      expect(out).not.toContain(`https://${issuer}`);
      for (const finding of denied(await jsonFindings(run))) {
        expectNoAttackerStatement(finding, REGISTERED);
        expectNoRegisterAdvice(findingText(finding), issuer);
      }
    },
  );

  test('a service account of the registered EKS issuer: a statement, marked as the unverified claim to confirm', async () => {
    const claimed = 'system:serviceaccount:payments:api';
    const run = check([{ subject: claimed, issuer: ISSUER }], roles);
    const [finding] = denied(run.findings);
    expect(finding!.evidence.cause).toBe('sub-mismatch');
    const [statement] = statementsIn(finding!);
    expect(statement).toEqual({
      Effect: 'Allow',
      Principal: { Federated: PROVIDER_ARN },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: { StringEquals: { [`${ISSUER}:sub`]: claimed, [`${ISSUER}:aud`]: 'sts.amazonaws.com' } },
    });
    expect(finding!.evidence.correctedStatementBasis).toBe('claimed-service-account');
    expect(finding!.evidence.correctedStatementNote).toMatch(/unverified/i);
    expect(finding!.evidence.correctedStatementNote).toMatch(/if .*payments\/api.* is yours/i);
    const out = humanOutput(run);
    const heading = out.indexOf('"Effect": "Allow"');
    expect(heading).toBeGreaterThan(0);
    // The statement is introduced as unverified, right above it.
    expect(out.slice(0, heading).split('\n\n').pop()).toMatch(/UNVERIFIED/);
    const [json] = denied(await jsonFindings(run));
    expect(json!.evidence.correctedStatementBasis).toBe('claimed-service-account');
  });

  test('generated hostile subs and issuers: every statement names a registered EKS issuer and a service account', () => {
    const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,10}[a-z0-9])?$/);
    const sub = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.constant(ATTACKER_SUB),
      fc.tuple(label, label).map(([org, repo]) => `repo:${org}/${repo}:ref:refs/heads/main`),
      fc.tuple(label, label).map(([ns, sa]) => `system:serviceaccount:${ns}:${sa}`),
      fc
        .tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }))
        .map(([ns, sa]) => `system:serviceaccount:${ns}:${sa}`),
      fc.constantFrom(
        'system:serviceaccount:kube-system:a:b',
        'system:serviceaccount::admin',
        'system:serviceaccount:Kube-System:Admin',
        `system:serviceaccount:${'a'.repeat(64)}:x`,
        'system:serviceaccount:ns:-x',
        'system:serviceaccount:ns:x\u001b]52;c;ZXZpbA==\u0007',
      ),
    );
    const issuer = fc.oneof(
      fc.constantFrom(ISSUER, GITHUB_ISSUER, ...UNREGISTERED_ISSUERS),
      fc.string({ minLength: 1, maxLength: 60 }),
      fc.stringMatching(/^[0-9A-Za-z./:-]{1,40}$/).map((id) => `oidc.eks.us-west-2.amazonaws.com/id/${id}`),
      fc.webUrl().map((url) => url.replace(/^https?:\/\//, '')),
    );
    const roleChoice = fc.constantFrom<[string, Observed<RoleTrust>]>(
      [ROLE_ARN, EKS_ROLE],
      [CI_ROLE_ARN, CI_ROLE],
      [ROLE_ARN, MISSING_ROLE],
      [ROLE_ARN, role(policy(webIdentityStatement()))],
    );
    fc.assert(
      fc.property(
        sub,
        issuer,
        roleChoice,
        fc.boolean(),
        fc.constantFrom('AccessDenied', 'InvalidIdentityToken', 'ExpiredTokenException'),
        (subject, callerIssuer, [roleArn, trust], registerIt, errorCode) => {
          // Sometimes the account did register the generated issuer: an EKS one is then trusted, others never.
          const providers: Observed<readonly OidcProvider[]> = registerIt
            ? { ok: true, value: [...(REGISTERED.ok ? REGISTERED.value : []), oidcProvider(callerIssuer)] }
            : REGISTERED;
          const run = check(
            [{ subject, issuer: callerIssuer, roleArn, errorCode }],
            new Map([[roleArn, trust]]),
            providers,
          );
          const registeredUrls = providers.ok ? providers.value.map((p) => p.url.toLowerCase()) : [];
          for (const finding of denied(run.findings)) {
            expectNoAttackerStatement(finding, providers);
            // A host-like issuer only: a short random word could be part of the catalogue's own sentences.
            const seenOnlyInDenial = callerIssuer
              .trim()
              .replace(/^https?:\/\//i, '')
              .replace(/\/+$/, '');
            if (
              !registeredUrls.includes(seenOnlyInDenial.toLowerCase()) &&
              /^[^\s]{6,}$/.test(seenOnlyInDenial) &&
              seenOnlyInDenial.includes('.')
            )
              expectNoRegisterAdvice(callerText(finding), seenOnlyInDenial);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
