import { makeFindingId } from '../../lambdas/core/finding';
import { findingSchema } from '../../lambdas/core/finding-schema';
import type { ApiFailure } from '../../lambdas/core/inventory';
import {
  evaluateIrsa,
  GLOBAL_REGION,
  irsaSeverity,
  MEDIUM_IRSA_CAUSES,
  rolesToDiagnose,
} from '../../lambdas/core/irsa/evaluate-irsa';
import { DEFAULT_IRSA_SETTINGS } from '../../lambdas/core/irsa/settings';
import {
  ACCOUNT,
  MISSING_ROLE,
  PROVIDER_ARN,
  REGION,
  ROLE_ARN,
  SUBJECT,
  denial,
  irsaSnapshot,
  policy,
  role,
  scan,
  webIdentityStatement,
} from '../fixtures/irsa';

const settings = {
  criticalCount: DEFAULT_IRSA_SETTINGS.criticalCount,
  runbookBaseUrl: 'https://example.com/checks.md',
};
const irsaFindings = (findings: ReturnType<typeof evaluateIrsa>) =>
  findings.filter((finding) => finding.checkId === 'irsa.assume-role.denied');

describe('evaluateIrsa', () => {
  it('emits one FAIL finding per (role, service account) group, with the diagnosis and the fix', () => {
    const denials = [
      denial({ eventTime: '2026-11-22T11:10:00.000Z', sourceIpAddress: '192.0.2.1' }),
      denial({ eventTime: '2026-11-22T11:40:00.000Z', sourceIpAddress: '192.0.2.2' }),
    ];
    const findings = irsaFindings(
      evaluateIrsa(irsaSnapshot({ scans: [{ ok: true, value: scan(denials) }] }), settings),
    );
    expect(findings).toHaveLength(1);
    const [finding] = findings;
    expect(finding).toMatchObject({
      checkId: 'irsa.assume-role.denied',
      status: 'FAIL',
      severity: 'HIGH',
      accountId: ACCOUNT,
      region: REGION,
      resource: { type: 'AWS::IAM::Role', arn: ROLE_ARN, name: 'AccessEC2role' },
      irsa: {
        serviceAccount: SUBJECT,
        namespace: 'serverless',
        oidcProvider: PROVIDER_ARN,
        errorCode: 'AccessDenied',
        count: 2,
        firstSeen: '2026-11-22T11:10:00.000Z',
        lastSeen: '2026-11-22T11:40:00.000Z',
        sampleEventIds: denials.map((d) => d.eventId).reverse(),
      },
      evidence: {
        cause: 'sub-mismatch',
        expected: [`${SUBJECT}-v2`],
        actual: SUBJECT,
        sourceIps: ['192.0.2.1', '192.0.2.2'],
        windowComplete: true,
      },
    });
    expect(finding!.message).toContain(
      `role ${ROLE_ARN} does not trust ${SUBJECT}: its sub condition allows ${SUBJECT}-v2`,
    );
    expect(finding!.title).toBe('serverless/aws-sdk cannot assume role AccessEC2role (sub-mismatch)');
    expect(finding!.findingId).toBe(
      makeFindingId(
        'irsa.assume-role.denied',
        ACCOUNT,
        REGION,
        `${ROLE_ARN}|${SUBJECT}|${PROVIDER_ARN}|AccessDenied`,
      ),
    );
    // The whole trust policy, the role's own statement with a placeholder subject added: never the caller's sub.
    expect(finding!.correction).toMatchObject({
      roleName: 'AccessEC2role',
      roleArn: ROLE_ARN,
      placeholders: ['<namespace>', '<serviceaccount>'],
    });
    expect(finding!.correction!.trustPolicy!.Version).toBe('2012-10-17');
    expect(finding!.correction!.trustPolicy!.Statement[0]).toMatchObject({
      Condition: {
        StringEquals: {
          'oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub': [
            `${SUBJECT}-v2`,
            'system:serviceaccount:<namespace>:<serviceaccount>',
          ],
          'oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud': 'sts.amazonaws.com',
        },
      },
    });
    expect(JSON.stringify(finding!.correction)).not.toContain(`"${SUBJECT}"`);
    expect(Object.keys(finding!.evidence).filter((key) => key.startsWith('correctedStatement'))).toEqual([]);
    expect(finding!.remediation.runbookUrl).toBe('https://example.com/checks.md#irsa-assume-role-denied');
  });

  it('keeps the finding id stable across runs with different counts', () => {
    const one = irsaFindings(evaluateIrsa(irsaSnapshot(), settings));
    const many = irsaFindings(
      evaluateIrsa(
        irsaSnapshot({ scans: [{ ok: true, value: scan([denial(), denial(), denial()]) }] }),
        settings,
      ),
    );
    expect(many[0]!.findingId).toBe(one[0]!.findingId);
    expect(many[0]!.irsa!.count).toBe(3);
  });

  it.each([
    ['AccessDenied', 1, 'HIGH'],
    ['InvalidIdentityToken', 1, 'MEDIUM'],
    ['ExpiredTokenException', 1, 'MEDIUM'],
    ['ExpiredTokenException', 5, 'CRITICAL'],
    ['AccessDenied', 5, 'CRITICAL'],
  ])('%s x%d is %s with criticalCount 5', (errorCode, count, severity) => {
    const denials = Array.from({ length: count }, () => denial({ errorCode }));
    const [finding] = irsaFindings(
      evaluateIrsa(irsaSnapshot({ scans: [{ ok: true, value: scan(denials) }] }), {
        ...settings,
        criticalCount: 5,
      }),
    );
    expect(finding!.severity).toBe(severity);
  });

  it('takes the MEDIUM causes from settings when given', () => {
    expect(MEDIUM_IRSA_CAUSES).toEqual(['invalid-token', 'expired-token']);
    expect(irsaSeverity({ count: 1 }, 'sub-mismatch', { ...settings, mediumCauses: ['sub-mismatch'] })).toBe(
      'MEDIUM',
    );
    expect(irsaSeverity({ count: 1 }, 'expired-token', { ...settings, mediumCauses: [] })).toBe('HIGH');
  });

  it('diagnoses a role that was not looked up as unknown, not as healthy', () => {
    const [finding] = irsaFindings(evaluateIrsa(irsaSnapshot({ roles: new Map() }), settings));
    expect(finding!.evidence.cause).toBe('unknown');
    expect(finding!.evidence.roleLookupError).toContain('NotLookedUp');
  });

  it('one finding per region the denials were recorded in', () => {
    const snapshot = irsaSnapshot({
      scans: [
        { ok: true, value: scan([denial()]) },
        {
          ok: true,
          value: scan([denial({ region: 'us-east-1' })], { region: 'us-east-1', complete: false }),
        },
      ],
      roles: new Map([[ROLE_ARN, MISSING_ROLE]]),
    });
    const findings = irsaFindings(evaluateIrsa(snapshot, settings));
    expect(findings.map((f) => [f.region, f.evidence.cause, f.evidence.windowComplete])).toEqual([
      ['us-east-1', 'role-not-found', false],
      [REGION, 'role-not-found', true],
    ]);
    expect(new Set(findings.map((f) => f.findingId)).size).toBe(2);
  });

  it('reports the checker calls: regional ones per scanned region, IAM under "global"', () => {
    const lookupFailed: ApiFailure = {
      service: 'cloudtrail',
      operation: 'LookupEvents',
      region: 'us-east-1',
      errorName: 'ThrottlingException',
      message: 'Rate exceeded',
    };
    const getRoleFailed: ApiFailure = {
      service: 'iam',
      operation: 'GetRole',
      region: GLOBAL_REGION,
      errorName: 'AccessDenied',
      message: 'not authorized',
      resourceArn: ROLE_ARN,
    };
    const snapshot = irsaSnapshot({
      scans: [
        { ok: true, value: scan([denial()]) },
        { ok: false, failure: lookupFailed },
      ],
      roles: new Map([[ROLE_ARN, { ok: false, failure: getRoleFailed }]]),
      failures: [lookupFailed, getRoleFailed],
      succeededOperations: ['cloudtrail:LookupEvents', 'iam:ListOpenIDConnectProviders'],
    });
    const checker = evaluateIrsa(snapshot, settings)
      .filter((f) => f.checkId === 'checker.error')
      .map((f) => [f.region, f.resource.name, f.status]);
    expect(checker.sort()).toEqual(
      [
        [REGION, 'cloudtrail:LookupEvents', 'PASS'],
        ['us-east-1', 'cloudtrail:LookupEvents', 'ERROR'],
        [GLOBAL_REGION, 'iam:GetRole', 'ERROR'],
        [GLOBAL_REGION, 'iam:ListOpenIDConnectProviders', 'PASS'],
      ].sort(),
    );
  });

  it("counts a failed scan's failure once even when it is also in snapshot.failures", () => {
    const failure: ApiFailure = {
      service: 'cloudtrail',
      operation: 'LookupEvents',
      region: REGION,
      errorName: 'AccessDeniedException',
      message: 'denied',
    };
    const findings = evaluateIrsa(
      irsaSnapshot({ scans: [{ ok: false, failure }], failures: [failure], succeededOperations: [] }),
      settings,
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      checkId: 'checker.error',
      status: 'ERROR',
      evidence: { failedCalls: 1 },
    });
  });

  it('rolesToDiagnose lists each denied role once, from successful scans', () => {
    expect(
      rolesToDiagnose([
        { ok: true, value: scan([denial({ roleArn: 'arn:aws:iam::1:role/b' }), denial(), denial()]) },
        { ok: true, value: scan([denial({ roleArn: 'arn:aws:iam::1:role/b' })], { region: 'us-east-1' }) },
        {
          ok: false,
          failure: {
            service: 'cloudtrail',
            operation: 'LookupEvents',
            region: 'x',
            errorName: 'E',
            message: 'm',
          },
        },
      ]),
    ).toEqual([ROLE_ARN, 'arn:aws:iam::1:role/b']);
  });

  it('emits findings that validate against the published schema', () => {
    const snapshot = irsaSnapshot({
      scans: [
        {
          ok: true,
          value: scan([
            denial(),
            denial({ errorCode: 'ExpiredTokenException' }),
            denial({ subject: undefined, identityProvider: undefined }),
          ]),
        },
      ],
      roles: new Map([[ROLE_ARN, role(policy(webIdentityStatement({ subject: 'x' })))]]),
      failures: [
        {
          service: 'iam',
          operation: 'GetRole',
          region: GLOBAL_REGION,
          errorName: 'Throttling',
          message: 'slow down',
        },
      ],
    });
    const findings = evaluateIrsa(snapshot, settings);
    expect(findings.length).toBeGreaterThan(3);
    for (const finding of findings) {
      const parsed = findingSchema.safeParse(finding);
      expect([finding.title, parsed.success ? 'valid' : parsed.error.message]).toEqual([
        finding.title,
        'valid',
      ]);
    }
  });
});
