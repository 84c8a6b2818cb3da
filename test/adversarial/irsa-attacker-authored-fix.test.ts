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
 * not a Kubernetes service account; no text advises registering an issuer seen only in a denial. A correction is
 * the role's whole trust policy: it never holds the subject the call presented (a placeholder stands in for it),
 * and every statement of the role it does not correct is in it byte for byte, in order.
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

/** The role's own statements, as IAM returned them (the snapshot's). */
function ownStatements(trust: Observed<RoleTrust> | undefined): PolicyStatement[] {
  const document = trust?.ok && trust.value.exists ? trust.value.trustPolicy : undefined;
  if (!document) return [];
  return Array.isArray(document.Statement)
    ? [...(document.Statement as PolicyStatement[])]
    : [document.Statement as PolicyStatement];
}

/**
 * Every trust statement a finding offers: those of its correction's document that are not among the role's own,
 * plus any statement-like JSON among its evidence values (none is expected: the old evidence.correctedStatement).
 */
function statementsIn(finding: Finding, trust?: Observed<RoleTrust>): PolicyStatement[] {
  const own = new Set(ownStatements(trust).map((statement) => JSON.stringify(statement)));
  const found = (finding.correction?.trustPolicy?.Statement ?? [])
    .map((statement) => statement as unknown as PolicyStatement)
    .filter((statement) => !own.has(JSON.stringify(statement)));
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

/**
 * A correction's document is the role's policy: its Version, every statement it does not correct byte for byte and
 * in order (a corrected one in its place, added ones after), and never the subject the call presented.
 */
function expectWholeDocument(
  finding: Finding,
  trust: Observed<RoleTrust> | undefined,
  subject: string,
): void {
  const document = finding.correction?.trustPolicy;
  if (!document) return;
  const own = ownStatements(trust);
  expect(document.Version).toBe('2012-10-17');
  expect(document.Statement.length).toBeGreaterThanOrEqual(own.length);
  const corrected = own.filter(
    (statement, index) => JSON.stringify(statement) !== JSON.stringify(document.Statement[index]),
  );
  // One statement at most is corrected (the web-identity one the diagnosis names); the others are kept as they are.
  expect(corrected.length).toBeLessThanOrEqual(1);
  const text = JSON.stringify(document);
  const ownText = JSON.stringify(own);
  if (subject !== '' && !ownText.includes(JSON.stringify(subject)))
    expect({ subject, inDocument: text.includes(JSON.stringify(subject)) }).toEqual({
      subject,
      inDocument: false,
    });
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
function expectNoAttackerStatement(
  finding: Finding,
  providers: Observed<readonly OidcProvider[]>,
  trust?: Observed<RoleTrust>,
): void {
  const trusted = registeredEksIssuers(providers);
  for (const statement of statementsIn(finding, trust)) {
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
  }
  // Nothing of the old statement evidence, the caller's sub as a JSON string in it.
  expect(Object.keys(finding.evidence).filter((key) => key.startsWith('correctedStatement'))).toEqual([]);
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
      expectNoAttackerStatement(finding, REGISTERED, roles.get(finding.resource.arn!));
      expectWholeDocument(finding, roles.get(finding.resource.arn!), ATTACKER_SUB);
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
    for (const finding of denied(await jsonFindings(run)))
      expectNoAttackerStatement(finding, REGISTERED, roles.get(finding.resource.arn!));
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
        expectNoAttackerStatement(finding, REGISTERED, roles.get(finding.resource.arn!));
        // Registering the provider is the fix, not a trust policy change: no document at all.
        expect(finding.correction).toBeUndefined();
        expectNoRegisterAdvice(findingText(finding), issuer);
        // How to find the right issuer: from the engineer's own cluster, not from the call.
        expect(findingText(finding).join('\n')).toContain('aws eks describe-cluster');
      }
      const out = humanOutput(run);
      expectNoRegisterAdvice(out, issuer);
      expect(out).not.toContain(`"${issuer}:sub"`);
      expect(out).not.toContain(`https://${issuer}`);
      for (const finding of denied(await jsonFindings(run))) {
        expectNoAttackerStatement(finding, REGISTERED, roles.get(finding.resource.arn!));
        expectNoRegisterAdvice(findingText(finding), issuer);
      }
    },
  );

  test("a service account of the registered EKS issuer: the role's whole trust policy, a placeholder for the claimed subject, its other statements byte for byte", async () => {
    const claimed = 'system:serviceaccount:payments:api';
    // The role also trusts an AWS principal and GitHub for deploys: neither may change or go.
    const others: PolicyStatement[] = [
      {
        Sid: 'Ops',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/ops` },
        Action: 'sts:AssumeRole',
      },
      CI_ROLE.ok ? (CI_ROLE.value.trustPolicy!.Statement as PolicyStatement[])[0]! : ({} as PolicyStatement),
    ];
    const trust = role(policy(others[0]!, webIdentityStatement({ subject: `${SUBJECT}-v2` }), others[1]!));
    const run = check([{ subject: claimed, issuer: ISSUER }], new Map([[ROLE_ARN, trust]]));
    const [finding] = denied(run.findings);
    expect(finding!.evidence.cause).toBe('sub-mismatch');
    expectNoAttackerStatement(finding!, REGISTERED, trust);
    expectWholeDocument(finding!, trust, claimed);
    const document = finding!.correction!.trustPolicy!;
    // Byte for byte, in their places: the first and the third statement.
    expect(JSON.stringify(document.Statement[0])).toBe(JSON.stringify(others[0]));
    expect(JSON.stringify(document.Statement[2])).toBe(JSON.stringify(others[1]));
    expect(document.Statement).toHaveLength(3);
    // The web-identity statement keeps what it trusted and gets a placeholder, never the claimed subject.
    expect(document.Statement[1]).toEqual({
      Effect: 'Allow',
      Principal: { Federated: PROVIDER_ARN },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: {
          [`${ISSUER}:sub`]: [`${SUBJECT}-v2`, 'system:serviceaccount:<namespace>:<serviceaccount>'],
          [`${ISSUER}:aud`]: 'sts.amazonaws.com',
        },
      },
    });
    expect(JSON.stringify(finding!.correction)).not.toContain(claimed);
    expect(finding!.correction!.placeholders).toEqual(['<namespace>', '<serviceaccount>']);
    expect(finding!.correction!.note).toMatch(/never from the denied call/);
    const out = humanOutput({ ...run });
    expect(out).not.toContain(`"${claimed}"`);
    expect(out).toContain('"system:serviceaccount:<namespace>:<serviceaccount>"');
    const [json] = denied(await jsonFindings(run));
    expect(json!.correction!.trustPolicy).toEqual(document);
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
            expectNoAttackerStatement(finding, providers, trust);
            expectWholeDocument(finding, trust, subject);
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
