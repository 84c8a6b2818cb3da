import {
  correctTrustPolicy,
  nestingDepth,
  placeholdersIn,
  policyLength,
  roleCorrection,
  TRUST_POLICY_MAX_CHARS,
  type TrustEdit,
} from '../../lambdas/core/irsa/correction';
import { evaluateIrsa } from '../../lambdas/core/irsa/evaluate-irsa';
import { irsaSettingsSchema } from '../../lambdas/core/irsa/settings';
import type { PolicyDocument, PolicyStatement } from '../../lambdas/core/irsa/types';
import {
  ACCOUNT,
  denial,
  irsaSnapshot,
  ISSUER,
  policy,
  PROVIDER_ARN,
  role,
  ROLE_ARN,
  scan,
  SUBJECT,
  webIdentityStatement,
} from '../fixtures/irsa';

const SUB = `${ISSUER}:sub`;
const AUD = `${ISSUER}:aud`;
const PLACEHOLDER = 'system:serviceaccount:<namespace>:<serviceaccount>';
const OPS: PolicyStatement = {
  Sid: 'Ops',
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/ops` },
  Action: 'sts:AssumeRole',
};
const DENY_ADMIN: PolicyStatement = {
  Effect: 'Deny',
  Principal: { Federated: PROVIDER_ARN },
  Action: 'sts:AssumeRoleWithWebIdentity',
  Condition: { StringEquals: { [SUB]: 'system:serviceaccount:kube-system:admin' } },
};

describe('correctTrustPolicy: only the named statement changes, and only by adding', () => {
  const cases: {
    name: string;
    statement: PolicyStatement;
    edit: TrustEdit;
    condition: PolicyStatement['Condition'];
    change: RegExp;
  }[] = [
    {
      name: 'a placeholder subject added to the sub values, the role-owner-written one kept',
      statement: webIdentityStatement({ subject: `${SUBJECT}-v2` }),
      edit: { kind: 'add-value', statement: 1, operator: 'StringEquals', key: SUB, value: PLACEHOLDER },
      condition: { StringEquals: { [SUB]: [`${SUBJECT}-v2`, PLACEHOLDER], [AUD]: 'sts.amazonaws.com' } },
      change:
        /^statement #2: StringEquals .*:sub: system:serviceaccount:<namespace>:<serviceaccount> added to /,
    },
    {
      name: 'sts.amazonaws.com added to a wrong aud, the key matched ignoring case',
      statement: webIdentityStatement({ aud: 'sts.example.com' }),
      edit: {
        kind: 'add-value',
        statement: 1,
        operator: 'StringEquals',
        key: AUD.toUpperCase(),
        value: 'sts.amazonaws.com',
      },
      condition: { StringEquals: { [SUB]: SUBJECT, [AUD]: ['sts.example.com', 'sts.amazonaws.com'] } },
      change: /:aud: sts\.amazonaws\.com added to sts\.example\.com$/,
    },
    {
      name: 'a literal wildcard moved under StringLike, the aud left under StringEquals',
      statement: webIdentityStatement({ subject: 'system:serviceaccount:batch:*' }),
      edit: { kind: 'wildcards-to-like', statement: 1, operator: 'StringEquals', key: SUB },
      condition: {
        StringEquals: { [AUD]: 'sts.amazonaws.com' },
        StringLike: { [SUB]: 'system:serviceaccount:batch:*' },
      },
      change: /moved from StringEquals \(literal\) to StringLike \(wildcards\)$/,
    },
    {
      name: "another cluster's issuer keys renamed to the trusted provider's, values kept",
      statement: webIdentityStatement({ issuer: 'oidc.eks.us-east-1.amazonaws.com/id/OTHER' }),
      edit: {
        kind: 'rename-issuer',
        statement: 1,
        from: 'oidc.eks.us-east-1.amazonaws.com/id/OTHER',
        to: ISSUER,
      },
      condition: { StringEquals: { [SUB]: SUBJECT, [AUD]: 'sts.amazonaws.com' } },
      change: /condition keys of issuer oidc\.eks\.us-east-1\.amazonaws\.com\/id\/OTHER renamed/,
    },
  ];

  test.each(cases)('$name', ({ statement, edit, condition, change }) => {
    const before = policy(OPS, { ...statement, Principal: { Federated: PROVIDER_ARN } }, DENY_ADMIN);
    const snapshot = JSON.stringify(before);
    const { document, changes, unchanged } = correctTrustPolicy(before, [edit]);
    expect(document.Version).toBe('2012-10-17');
    // The others byte for byte and in their places; the policy given is not touched.
    expect(JSON.stringify(document.Statement[0])).toBe(JSON.stringify(OPS));
    expect(JSON.stringify(document.Statement[2])).toBe(JSON.stringify(DENY_ADMIN));
    expect(document.Statement).toHaveLength(3);
    expect(document.Statement[1]!.Condition).toEqual(condition);
    expect(document.Statement[1]!.Principal).toEqual({ Federated: PROVIDER_ARN });
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatch(change);
    expect(unchanged).toBe(2);
    expect(JSON.stringify(before)).toBe(snapshot);
  });

  test('an appended statement goes last, once however many findings ask for it', () => {
    const added: PolicyStatement = webIdentityStatement({ subject: PLACEHOLDER });
    const { document, changes, unchanged } = correctTrustPolicy(policy(OPS), [
      { kind: 'append', statement: added },
      { kind: 'append', statement: added },
    ]);
    expect(document.Statement).toEqual([OPS, added]);
    expect(changes).toEqual([`statement #2 added: the web-identity statement for ${PROVIDER_ARN}`]);
    expect(unchanged).toBe(1);
  });

  test.each<[string, TrustEdit]>([
    [
      'a value the condition already has',
      { kind: 'add-value', statement: 0, operator: 'StringEquals', key: SUB, value: SUBJECT },
    ],
    [
      'a statement the policy lacks',
      { kind: 'wildcards-to-like', statement: 5, operator: 'StringEquals', key: SUB },
    ],
    ['no wildcard to move', { kind: 'wildcards-to-like', statement: 0, operator: 'StringEquals', key: SUB }],
    ['no key of that issuer', { kind: 'rename-issuer', statement: 0, from: 'other.example', to: ISSUER }],
  ])('nothing to change: %s', (_name, edit) => {
    const before = policy(webIdentityStatement());
    expect(correctTrustPolicy(before, [edit])).toEqual({ document: before, changes: [], unchanged: 1 });
    expect(roleCorrection(ROLE_ARN, 'AccessEC2role', before, [edit])).toBeUndefined();
  });

  test('a single-statement document (an object, not a list) comes back as a list; no Version gets the current', () => {
    const single: PolicyDocument = { Statement: webIdentityStatement({ subject: 'x' }) };
    const { document } = correctTrustPolicy(single, [
      { kind: 'add-value', statement: 0, operator: 'StringEquals', key: SUB, value: PLACEHOLDER },
    ]);
    expect(document.Version).toBe('2012-10-17');
    expect(Array.isArray(document.Statement)).toBe(true);
  });
});

describe('roleCorrection: a document IAM takes, or a note saying why none', () => {
  const edit: TrustEdit = {
    kind: 'add-value',
    statement: 0,
    operator: 'StringEquals',
    key: SUB,
    value: PLACEHOLDER,
  };

  test('within the limit: the document, its placeholders and the command', () => {
    const correction = roleCorrection(ROLE_ARN, 'AccessEC2role', policy(webIdentityStatement()), [edit])!;
    expect(correction.trustPolicy).toBeDefined();
    expect(correction.placeholders).toEqual(['<namespace>', '<serviceaccount>']);
    expect(correction.note).toContain(
      'aws iam update-assume-role-policy --role-name AccessEC2role --policy-document file://<dir>/AccessEC2role.json',
    );
    expect(correction.note).toContain('tmc-health check --fix-dir <dir>');
  });

  test.each([
    ['one character under the limit', TRUST_POLICY_MAX_CHARS - 1, true],
    ['at the limit', TRUST_POLICY_MAX_CHARS, true],
    ['one over', TRUST_POLICY_MAX_CHARS + 1, false],
  ])('a corrected document %s: document given = %s', (_name, target, given) => {
    const base = policy(webIdentityStatement(), { ...OPS, Sid: '' });
    const corrected = correctTrustPolicy(base, [edit]).document;
    // Pad the Sid so the corrected document is exactly `target` characters long (whitespace not counted).
    const padded = policy(webIdentityStatement(), {
      ...OPS,
      Sid: 'S'.repeat(target - policyLength(corrected)),
    });
    const correction = roleCorrection(ROLE_ARN, 'AccessEC2role', padded, [edit])!;
    expect(policyLength(correctTrustPolicy(padded, [edit]).document)).toBe(target);
    expect(correction.trustPolicy !== undefined).toBe(given);
    expect(correction.changes).toHaveLength(1);
    if (!given) {
      expect(correction.note).toMatch(
        new RegExp(`^No document: .* would be ${target} characters .*over IAM's default limit of 2048`),
      );
    }
  });

  test('whitespace inside values is not counted, as IAM counts', () => {
    expect(policyLength({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Sid: 'a b' }] })).toBe(
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Sid: 'ab' }] }).length,
    );
  });

  test('a document deeper than IAM grammar allows gets no document', () => {
    const deep = policy({ ...webIdentityStatement(), Principal: { AWS: [[['x']]] } });
    expect(nestingDepth(deep)).toBe(7);
    expect(nestingDepth(policy(webIdentityStatement({ subject: ['a', 'b'] })))).toBe(6);
    const correction = roleCorrection(ROLE_ARN, 'AccessEC2role', deep, [edit])!;
    expect(correction.trustPolicy).toBeUndefined();
    expect(correction.note).toMatch(/^No document: .*deeper than IAM's policy grammar/);
  });

  test('placeholdersIn: each once, in order', () => {
    expect(placeholdersIn(policy(webIdentityStatement({ subject: [PLACEHOLDER, PLACEHOLDER] })))).toEqual([
      '<namespace>',
      '<serviceaccount>',
    ]);
  });
});

describe('evaluateIrsa: one correction per role, for the causes fixed in the trust policy', () => {
  const settings = irsaSettingsSchema.parse({});
  const run = (trust: PolicyDocument, subjects: readonly string[], errorCode = 'AccessDenied') =>
    evaluateIrsa(
      irsaSnapshot({
        scans: [{ ok: true, value: scan(subjects.map((subject) => denial({ subject, errorCode }))) }],
        roles: new Map([[ROLE_ARN, role(trust)]]),
      }),
      settings,
    ).filter((finding) => finding.checkId === 'irsa.assume-role.denied');

  test.each<[string, PolicyDocument, string, boolean]>([
    ['sub-mismatch', policy(webIdentityStatement({ subject: 'x' })), 'AccessDenied', true],
    ['aud-mismatch (the condition)', policy(webIdentityStatement({ aud: 'other' })), 'AccessDenied', true],
    [
      'wildcard-under-string-equals',
      policy(webIdentityStatement({ subject: 'system:serviceaccount:serverless:*' })),
      'AccessDenied',
      true,
    ],
    ['no-web-identity-statement', policy(OPS), 'AccessDenied', true],
    [
      'explicit-deny (may be intended)',
      policy(webIdentityStatement(), { ...DENY_ADMIN, Condition: undefined }),
      'AccessDenied',
      false,
    ],
    [
      'a negated sub condition (may be intended)',
      policy(webIdentityStatement({ subject: SUBJECT, operator: 'StringNotEquals' })),
      'AccessDenied',
      false,
    ],
    ['expired-token', policy(webIdentityStatement()), 'ExpiredTokenException', false],
  ])('%s: a correction given', (_name, trust, errorCode, expected) => {
    const caller = 'system:serviceaccount:serverless:caller';
    const [finding] = run(trust, [caller], errorCode);
    expect(finding!.correction !== undefined).toBe(expected);
    if (finding!.correction) expect(JSON.stringify(finding!.correction)).not.toContain(caller);
  });

  test('two service accounts denied on one role: one document with both fixes, on both findings', () => {
    const findings = run(policy(OPS, webIdentityStatement({ subject: 'x' })), [SUBJECT, `${SUBJECT}-b`]);
    expect(findings).toHaveLength(2);
    expect(findings[0]!.correction).toEqual(findings[1]!.correction);
    // The same placeholder once: both findings ask for the same edit.
    expect(findings[0]!.correction!.trustPolicy!.Statement[1]).toMatchObject({
      Condition: { StringEquals: { [SUB]: ['x', PLACEHOLDER] } },
    });
    expect(findings[0]!.correction!.trustPolicy!.Statement[0]).toEqual(OPS);
  });
});
