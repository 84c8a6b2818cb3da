import { evaluateCredentials, type EvaluationSettings } from '../../lambdas/core/evaluate-credentials';
import type { CheckId, Finding, Status } from '../../lambdas/core/finding';
import type { RegionInventory } from '../../lambdas/core/inventory';
import { failure, fn, healthyRegion, parameter, rule, settings, snapshot } from '../fixtures/inventory';

const CRED = 'prod-eks';

function problems(findings: readonly Finding[]) {
  return findings
    .filter((finding) => finding.status !== 'PASS')
    .map((finding) => ({
      checkId: finding.checkId,
      status: finding.status,
      credential: finding.tmc?.credentialName,
      component: finding.tmc?.component,
    }));
}

function evaluate(region: RegionInventory, overrides: Partial<EvaluationSettings> = {}) {
  return evaluateCredentials(snapshot(region), { ...settings, ...overrides });
}

function broken(patch: (region: RegionInventory) => Partial<RegionInventory>): RegionInventory {
  const region = healthyRegion();
  return { ...region, ...patch(region) };
}

const dataSync = fn(CRED, 'data-sync');
const retriever = fn(CRED, 'resource-retriever');

type Expected = { checkId: CheckId; status: Status; component?: string };
const cases: {
  scenario: string;
  region: RegionInventory;
  settings?: Partial<EvaluationSettings>;
  expected: Expected[];
}[] = [
  { scenario: 'both Lambdas fine', region: healthyRegion(), expected: [] },
  {
    scenario: 'resource-retriever missing',
    region: broken(() => ({ functions: [dataSync] })),
    expected: [{ checkId: 'tmc.lambda.missing', status: 'FAIL', component: 'resource-retriever' }],
  },
  {
    scenario: 'data-sync erroring',
    region: broken(() => ({
      functions: [
        fn(CRED, 'data-sync', {
          metrics: { ok: true, value: { windowMinutes: 30, invocations: 6, errors: 6, throttles: 0 } },
        }),
        retriever,
      ],
    })),
    expected: [{ checkId: 'tmc.lambda.errors', status: 'FAIL', component: 'data-sync' }],
  },
  {
    scenario: 'data-sync not invoked',
    region: broken(() => ({
      functions: [
        fn(CRED, 'data-sync', {
          metrics: { ok: true, value: { windowMinutes: 30, invocations: 0, errors: 0, throttles: 0 } },
        }),
        retriever,
      ],
    })),
    expected: [{ checkId: 'tmc.lambda.not-invoked', status: 'FAIL', component: 'data-sync' }],
  },
  {
    scenario: 'data-sync throttled',
    region: broken(() => ({
      functions: [
        fn(CRED, 'data-sync', {
          metrics: { ok: true, value: { windowMinutes: 30, invocations: 2, errors: 0, throttles: 4 } },
        }),
        retriever,
      ],
    })),
    expected: [{ checkId: 'tmc.lambda.throttled', status: 'FAIL', component: 'data-sync' }],
  },
  {
    scenario: 'resource-retriever Failed state',
    region: broken(() => ({
      functions: [
        dataSync,
        fn(CRED, 'resource-retriever', {
          configuration: {
            ok: true,
            value: {
              state: 'Failed',
              stateReason: 'KMS key disabled',
              stateReasonCode: 'KMSKeyAccessDenied',
            },
          },
        }),
      ],
    })),
    expected: [{ checkId: 'tmc.lambda.unhealthy', status: 'FAIL', component: 'resource-retriever' }],
  },
  {
    scenario: 'last update failed',
    region: broken(() => ({
      functions: [
        fn(CRED, 'data-sync', {
          configuration: {
            ok: true,
            value: {
              state: 'Active',
              lastUpdateStatus: 'Failed',
              lastUpdateStatusReason: 'Subnet out of IPs',
            },
          },
        }),
        retriever,
      ],
    })),
    expected: [{ checkId: 'tmc.lambda.unhealthy', status: 'FAIL', component: 'data-sync' }],
  },
  {
    scenario: 'rule disabled',
    region: broken(() => ({ rules: [rule(CRED, { state: 'DISABLED' })] })),
    expected: [{ checkId: 'tmc.event-rule.disabled', status: 'FAIL', component: 'event-rule' }],
  },
  {
    scenario: 'rule missing',
    region: broken(() => ({ rules: [] })),
    expected: [{ checkId: 'tmc.event-rule.missing', status: 'FAIL', component: 'event-rule' }],
  },
  {
    scenario: 'rule targets something else',
    region: broken(() => ({
      rules: [
        rule(CRED, {
          targets: { ok: true, value: [{ id: 'x', arn: 'arn:aws:sqs:us-west-2:111122223333:other' }] },
        }),
      ],
    })),
    expected: [{ checkId: 'tmc.event-rule.wrong-target', status: 'FAIL', component: 'event-rule' }],
  },
  {
    scenario: 'token missing',
    region: broken(() => ({ parameters: [] })),
    expected: [{ checkId: 'tmc.token.missing', status: 'FAIL', component: 'auth-token' }],
  },
  {
    scenario: 'token stale',
    region: broken(() => ({
      parameters: [parameter(CRED, { lastModifiedDate: '2026-09-01T00:00:00.000Z' })],
    })),
    expected: [{ checkId: 'tmc.token.stale', status: 'FAIL', component: 'auth-token' }],
  },
  {
    scenario: 'configured credential not in region',
    region: healthyRegion(),
    settings: { credentialNames: [CRED, 'staging-eks'] },
    expected: [{ checkId: 'tmc.credential.not-found', status: 'FAIL' }],
  },
  {
    scenario: 'DescribeParameters denied',
    region: broken(() => ({
      parameters: [],
      componentFailures: [
        {
          credentialName: CRED,
          kind: 'parameters',
          failure: failure('DescribeParameters', 'AccessDeniedException', 'ssm'),
        },
      ],
      failures: [failure('DescribeParameters', 'AccessDeniedException', 'ssm')],
    })),
    expected: [
      { checkId: 'tmc.token.missing', status: 'ERROR', component: 'auth-token' },
      { checkId: 'checker.error', status: 'ERROR' },
    ],
  },
];

describe('evaluateCredentials', () => {
  it.each(cases)('$scenario', ({ region, settings: overrides, expected }) => {
    const found = problems(evaluate(region, overrides));
    expect(found).toHaveLength(expected.length);
    for (const item of expected) expect(found).toContainEqual(expect.objectContaining(item));
  });

  it('reports every check of a healthy credential as PASS, one per check and resource', () => {
    const findings = evaluate(healthyRegion());
    expect(findings.every((finding) => finding.status === 'PASS')).toBe(true);
    const checkIds = new Set(findings.map((finding) => finding.checkId));
    expect([...checkIds].sort()).toEqual(
      [
        'checker.error',
        'tmc.credential.not-found',
        'tmc.event-rule.disabled',
        'tmc.event-rule.missing',
        'tmc.event-rule.wrong-target',
        'tmc.lambda.errors',
        'tmc.lambda.missing',
        'tmc.lambda.not-invoked',
        'tmc.lambda.throttled',
        'tmc.lambda.unhealthy',
        'tmc.token.missing',
        'tmc.token.stale',
      ].sort(),
    );
    expect(new Set(findings.map((finding) => finding.findingId)).size).toBe(findings.length);
  });

  it('isolates two credentials: only the broken one has findings', () => {
    const region = healthyRegion(['prod-eks', 'dev-eks']);
    const withBrokenDev = {
      ...region,
      rules: region.rules.map((r) => (r.credentialName === 'dev-eks' ? { ...r, state: 'DISABLED' } : r)),
    };
    const found = problems(evaluate(withBrokenDev));
    expect(found).toEqual([
      { checkId: 'tmc.event-rule.disabled', status: 'FAIL', credential: 'dev-eks', component: 'event-rule' },
    ]);
  });

  it("a configured credential's presence counts its own resources apart from the other credentials'", () => {
    // healthyRegion tags 4 resources per credential; `--credential nope` must not read `taggedResourceCount=8`
    // under "credential not found", as if nope's resources had been found.
    const region = healthyRegion([CRED, 'dev-eks']);
    const notFound = (names: string[]) =>
      evaluate(region, { credentialNames: names }).filter(
        (finding) => finding.checkId === 'tmc.credential.not-found',
      );
    const [missing] = notFound(['nope']);
    expect(missing).toMatchObject({ status: 'FAIL', tmc: { credentialName: 'nope' } });
    expect(missing!.evidence).toEqual({ resourcesOfThisCredential: 0, resourcesOfOtherCredentials: 8 });
    expect(missing!.message).toContain('(the 8 TMC-tagged resources there belong to other credentials)');
    const [present] = notFound([CRED]);
    expect(present).toMatchObject({ status: 'PASS', title: 'credential found' });
    expect(present!.evidence).toEqual({ resourcesOfThisCredential: 4, resourcesOfOtherCredentials: 4 });
    expect(present!.message).toBe(`Credential ${CRED} has 4 tagged resources in us-west-2.`);
    // No evidence key of any finding reads as a count found for the credential when it is about others.
    for (const finding of [...notFound(['nope']), ...notFound([CRED])]) {
      expect(Object.keys(finding.evidence)).not.toContain('taggedResourceCount');
    }
  });

  it('flags an account with nothing tagged, once, without configured names', () => {
    const empty = broken(() => ({
      functions: [],
      rules: [],
      parameters: [],
      discovery: { ok: true, value: { taggedResourceCount: 0 } },
    }));
    const found = evaluate(empty).filter((finding) => finding.status !== 'PASS');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      checkId: 'tmc.credential.not-found',
      status: 'FAIL',
      severity: 'MEDIUM',
    });
  });

  it('never calls a region healthy when discovery failed', () => {
    const region = broken(() => ({
      discovery: { ok: false, failure: failure('GetResources', 'AccessDeniedException', 'tagging') },
      failures: [failure('GetResources', 'AccessDeniedException', 'tagging')],
      succeededOperations: [],
    }));
    const all = evaluate(region, { credentialNames: [CRED] });
    expect(problems(all)).toEqual([
      { checkId: 'tmc.credential.not-found', status: 'ERROR', credential: CRED, component: undefined },
      { checkId: 'checker.error', status: 'ERROR', credential: undefined, component: undefined },
    ]);
    expect(all.some((finding) => finding.status === 'PASS')).toBe(false);
    // Without configured names, a failed discovery must not produce an account-wide "nothing here" verdict either.
    expect(evaluate(region).filter((finding) => finding.checkId === 'tmc.credential.not-found')).toEqual([]);
  });

  it('turns unreadable metrics into ERROR for each metric check, not PASS', () => {
    const metricsFailure = failure('GetMetricData', 'ThrottlingException', 'cloudwatch');
    const region = broken(() => ({
      functions: [fn(CRED, 'data-sync', { metrics: { ok: false, failure: metricsFailure } }), retriever],
      failures: [metricsFailure],
    }));
    const errors = problems(evaluate(region)).filter((item) => item.component === 'data-sync');
    expect(errors.map((item) => `${item.checkId}:${item.status}`).sort()).toEqual([
      'tmc.lambda.errors:ERROR',
      'tmc.lambda.not-invoked:ERROR',
      'tmc.lambda.throttled:ERROR',
    ]);
  });

  it('reports a function it could not read as unknown, not as missing', () => {
    const unreadable = {
      name: 'prod-eks-fn-a1b2',
      configuration: { ok: false as const, failure: failure('GetFunctionConfiguration') },
    };
    const region = broken(() => ({
      functions: [dataSync, fn(CRED, 'x', { ...unreadable, metrics: undefined })],
    }));
    const found = problems(evaluate(region));
    expect(found).toContainEqual(
      expect.objectContaining({
        checkId: 'tmc.lambda.missing',
        status: 'ERROR',
        component: 'resource-retriever',
      }),
    );
    expect(found).toContainEqual(
      expect.objectContaining({ checkId: 'tmc.lambda.unhealthy', status: 'ERROR' }),
    );
    expect(found.some((item) => item.status === 'FAIL')).toBe(false);
  });

  it('classifies by description when the name says nothing, and by configurable patterns', () => {
    const renamed = fn(CRED, 'fn-1', {
      configuration: { ok: true, value: { state: 'Active', description: 'TMC Resource Retriever' } },
    });
    expect(problems(evaluate(broken(() => ({ functions: [dataSync, renamed] }))))).toEqual([]);
    const custom = fn(CRED, 'inventory');
    const region = broken(() => ({ functions: [dataSync, custom] }));
    expect(problems(evaluate(region))).toHaveLength(1);
    expect(problems(evaluate(region, { resourceRetrieverPattern: '^prod-eks-inventory$' }))).toEqual([]);
  });

  it('grades errors: every run failing is HIGH, some failing MEDIUM, below threshold PASS', () => {
    const withErrors = (invocations: number, errors: number) =>
      evaluate(
        broken(() => ({
          functions: [
            fn(CRED, 'data-sync', {
              metrics: { ok: true, value: { windowMinutes: 30, invocations, errors, throttles: 0 } },
            }),
            retriever,
          ],
        })),
        {
          errorThreshold: 3,
        },
      ).find((finding) => finding.checkId === 'tmc.lambda.errors' && finding.tmc?.component === 'data-sync');
    expect(withErrors(6, 6)).toMatchObject({ status: 'FAIL', severity: 'HIGH' });
    expect(withErrors(6, 3)).toMatchObject({ status: 'FAIL', severity: 'MEDIUM' });
    expect(withErrors(6, 2)).toMatchObject({ status: 'PASS', severity: 'INFORMATIONAL' });
  });

  it('accepts a qualified target and a rule found by target', () => {
    const qualified = rule(CRED, {
      discoveredBy: 'target',
      targets: { ok: true, value: [{ id: 't', arn: `${dataSync.arn}:live` }] },
    });
    expect(problems(evaluate(broken(() => ({ rules: [qualified] }))))).toEqual([]);
  });

  it('mentions a deleted function the tagging API still lists', () => {
    const region = broken(() => ({
      functions: [dataSync],
      vanished: [{ credentialName: CRED, arn: retriever.arn, resourceType: 'lambda:function' }],
    }));
    const missing = evaluate(region).find(
      (finding) => finding.checkId === 'tmc.lambda.missing' && finding.status === 'FAIL',
    );
    expect(missing?.evidence.vanishedFunctions).toEqual([retriever.arn]);
    expect(missing?.message).toContain('deleted');
  });

  it('gives the same finding id to a check before and after it resolves', () => {
    const failing = evaluate(broken(() => ({ functions: [dataSync] })));
    const passing = evaluate(healthyRegion());
    const id = (findings: Finding[]) =>
      findings.find(
        (finding) =>
          finding.checkId === 'tmc.lambda.missing' && finding.tmc?.component === 'resource-retriever',
      )?.findingId;
    expect(id(failing)).toBeDefined();
    expect(id(failing)).toBe(id(passing));
  });

  it('carries the catalogue remediation and a runbook anchor on problems', () => {
    const [stale] = evaluate(
      broken(() => ({ parameters: [parameter(CRED, { lastModifiedDate: '2026-09-01T00:00:00.000Z' })] })),
    ).filter((finding) => finding.status === 'FAIL');
    expect(stale?.remediation.runbookUrl).toBe('docs/checks.md#tmc-token-stale');
    expect(stale?.remediation.text).toMatch(/^1\. /);
    expect(stale?.remediation.whoCanFix).toContain('TMC administrator');
    expect(stale?.evidence).toMatchObject({ maxAgeHours: 720 });
    expect(Number(stale?.evidence.ageHours)).toBeGreaterThan(720);
  });
});

describe('token freshness boundary', () => {
  const ageFinding = (lastModifiedDate: string, tokenMaxAgeHours: number) =>
    evaluateCredentials(
      snapshot({ ...healthyRegion(), parameters: [parameter(CRED, { lastModifiedDate })] }),
      {
        ...settings,
        tokenMaxAgeHours,
      },
    ).find((finding) => finding.checkId === 'tmc.token.stale');

  it.each([
    // NOW is 2026-11-22T12:00:00Z
    { modified: '2026-11-22T11:59:50.000Z', maxAge: 0.001, status: 'FAIL' }, // 10 s old, limit 3.6 s
    { modified: '2026-11-22T11:59:59.000Z', maxAge: 0.001, status: 'PASS' }, // 1 s old
    { modified: '2026-10-23T11:59:00.000Z', maxAge: 720, status: 'FAIL' }, // 720 h + 1 min
    { modified: '2026-10-23T12:01:00.000Z', maxAge: 720, status: 'PASS' }, // 720 h - 1 min
  ])('a token modified at $modified with limit $maxAge h is $status', ({ modified, maxAge, status }) => {
    expect(ageFinding(modified, maxAge)?.status).toBe(status);
  });

  it('reports an unparsable LastModifiedDate as ERROR, not PASS', () => {
    expect(ageFinding('yesterday', 720)).toMatchObject({ status: 'ERROR' });
  });
});
