import { evaluateCredentials } from '../../lambdas/core/evaluate-credentials';
import type { CheckId, Finding } from '../../lambdas/core/finding';
import type { RegionInventory, TaggedFunction } from '../../lambdas/core/inventory';
import { DEFAULT_LIFECYCLE_SETTINGS, planTransitions } from '../../lambdas/core/lifecycle/plan-transitions';
import {
  planRetriggers,
  remediationDetail,
  type RetriggerDecision,
} from '../../lambdas/core/lifecycle/remediation';
import { remediationDetailSchema } from '../../lambdas/core/lifecycle/remediation-event';
import type { LifecycleFinding } from '../../lambdas/core/lifecycle/types';
import { fn, healthyRegion, NOW, parameter, REGION, rule, settings, snapshot } from '../fixtures/inventory';

const CRED = 'prod-eks';
const OTHER = 'dev-eks';
const now = new Date(NOW);
const RUN_ID = 'run-2026-11-22T12:00';

const idle = { ok: true as const, value: { windowMinutes: 30, invocations: 0, errors: 0, throttles: 0 } };
const dataSyncArn = fn(CRED, 'data-sync').arn;
const ruleArn = rule(CRED).arn;

/** The functions of `credential`, with data-sync idle (never invoked in the window) and `patch` applied to it. */
function idleDataSync(credential: string, patch: Partial<TaggedFunction> = {}): TaggedFunction[] {
  return [fn(credential, 'data-sync', { metrics: idle, ...patch }), fn(credential, 'resource-retriever')];
}

/** One healthy region of `credentials` in which CRED's data-sync stopped running, then `patch`. */
function region(
  patch: (region: RegionInventory) => Partial<RegionInventory> = () => ({}),
  credentials: readonly string[] = [CRED],
  name = REGION,
): RegionInventory {
  const base = healthyRegion(credentials, name);
  const functions = base.functions.filter((f) => f.credentialName !== CRED).concat(idleDataSync(CRED));
  const withIdle = { ...base, functions };
  return { ...withIdle, ...patch(withIdle) };
}

/** The real pipeline: inventory -> findings -> transitions against an empty ledger (everything OPENED). */
function runOf(regions: readonly RegionInventory[]): {
  findings: Finding[];
  transitions: LifecycleFinding[];
} {
  const findings = evaluateCredentials(snapshot(...regions), settings);
  const plan = planTransitions({
    findings,
    ledger: new Map(),
    now,
    settings: DEFAULT_LIFECYCLE_SETTINGS,
    covers: () => true,
  });
  return { findings, transitions: plan.transitions.map((planned) => planned.event) };
}

const tokenChecks: readonly CheckId[] = ['tmc.token.missing', 'tmc.token.stale'];
const about =
  (checkId: CheckId, credential = CRED, regionName = REGION) =>
  (finding: Finding) =>
    finding.checkId === checkId &&
    finding.tmc?.credentialName === credential &&
    finding.region === regionName;

interface Case {
  readonly scenario: string;
  readonly regions: readonly RegionInventory[];
  /** Edits this run's findings before the decision (to remove or alter what the checks produced). */
  readonly findings?: (findings: Finding[]) => Finding[];
  readonly transitions?: (transitions: LifecycleFinding[]) => LifecycleFinding[];
  /** undefined: no decision at all. */
  readonly expected?: { kind: 'invoke' } | { kind: 'skip'; reason: readonly string[] };
}

const cases: readonly Case[] = [
  {
    scenario: 'fresh token, Active function, enabled rule targeting it: invoke',
    regions: [region()],
    expected: { kind: 'invoke' },
  },
  {
    scenario: 'stale token: skip, naming the parameter and its age',
    regions: [
      region(() => ({ parameters: [parameter(CRED, { lastModifiedDate: '2026-10-15T12:00:00.000Z' })] })),
    ],
    expected: {
      kind: 'skip',
      reason: [
        'token parameter /tmc/prod-eks/token is stale (912 h old, limit 720 h)',
        'see tmc.token.stale',
      ],
    },
  },
  {
    scenario: 'token age unreadable: skip',
    regions: [region(() => ({ parameters: [parameter(CRED, { lastModifiedDate: 'yesterday' })] }))],
    expected: { kind: 'skip', reason: ['the age of token parameter /tmc/prod-eks/token is unknown'] },
  },
  {
    scenario: 'token parameter missing: skip',
    regions: [region(() => ({ parameters: [] }))],
    expected: { kind: 'skip', reason: ['has no TMC auth token parameter', 'see tmc.token.missing'] },
  },
  {
    scenario: 'token findings absent from the run: unknown, skip',
    regions: [region()],
    findings: (findings) => findings.filter((f) => !tokenChecks.includes(f.checkId)),
    expected: { kind: 'skip', reason: ['no tmc.token.missing result', 'no tmc.token.stale result'] },
  },
  {
    scenario: 'only the freshness finding absent: unknown, skip',
    regions: [region()],
    findings: (findings) => findings.filter((f) => f.checkId !== 'tmc.token.stale'),
    expected: { kind: 'skip', reason: ["the token's age is unknown"] },
  },
  {
    scenario: 'function Inactive: skip',
    regions: [
      region(() => ({
        functions: idleDataSync(CRED, {
          configuration: { ok: true, value: { state: 'Inactive', stateReason: 'idle', description: '' } },
        }),
      })),
    ],
    expected: {
      kind: 'skip',
      reason: ['prod-eks-data-sync is not healthy', 'Inactive', 'see tmc.lambda.unhealthy'],
    },
  },
  {
    scenario: 'function Failed: skip',
    regions: [
      region(() => ({
        functions: idleDataSync(CRED, {
          configuration: {
            ok: true,
            value: { state: 'Failed', stateReason: 'role deleted', description: '' },
          },
        }),
      })),
    ],
    expected: { kind: 'skip', reason: ['Failed (role deleted)'] },
  },
  {
    scenario: 'function state unreadable: skip',
    regions: [
      region(() => ({
        functions: idleDataSync(CRED, {
          configuration: {
            ok: false,
            failure: {
              service: 'lambda',
              operation: 'GetFunctionConfiguration',
              region: REGION,
              errorName: 'AccessDeniedException',
              message: 'denied',
            },
          },
        }),
      })),
    ],
    // Without a readable description the function is still recognised by its name.
    expected: { kind: 'skip', reason: ['the state of prod-eks-data-sync is unknown'] },
  },
  {
    scenario: 'health finding PASS but evidence names another state: skip',
    regions: [region()],
    findings: (findings) =>
      findings.map((f) =>
        f.checkId === 'tmc.lambda.unhealthy' && f.resource.arn === dataSyncArn
          ? { ...f, evidence: { ...f.evidence, state: 'Pending' } }
          : f,
      ),
    expected: { kind: 'skip', reason: ['prod-eks-data-sync is Pending, not Active'] },
  },
  {
    scenario: 'state omitted by Lambda (older function, Active by definition): invoke',
    regions: [
      region(() => ({
        functions: idleDataSync(CRED, { configuration: { ok: true, value: { description: '' } } }),
      })),
    ],
    expected: { kind: 'invoke' },
  },
  {
    scenario: 'health finding absent: unknown, skip',
    regions: [region()],
    findings: (findings) => findings.filter((f) => f.checkId !== 'tmc.lambda.unhealthy'),
    expected: { kind: 'skip', reason: ['no tmc.lambda.unhealthy result for prod-eks-data-sync'] },
  },
  {
    scenario: 'function throttled: skip',
    regions: [
      region(() => ({
        functions: idleDataSync(CRED, {
          metrics: { ok: true, value: { windowMinutes: 30, invocations: 0, errors: 0, throttles: 4 } },
        }),
      })),
    ],
    expected: { kind: 'skip', reason: ['is being throttled', 'see tmc.lambda.throttled'] },
  },
  {
    scenario: 'event rule disabled: the cause is not fixed, skip',
    regions: [region(() => ({ rules: [rule(CRED, { state: 'DISABLED' })] }))],
    expected: { kind: 'skip', reason: ['no enabled rule of the credential is known to target', 'DISABLED'] },
  },
  {
    scenario: 'event rule missing: skip',
    regions: [region(() => ({ rules: [] }))],
    expected: {
      kind: 'skip',
      reason: ['nothing schedules prod-eks-data-sync', 'see tmc.event-rule.missing'],
    },
  },
  {
    scenario: 'metrics unreadable (not-invoked ERROR): unknown, skip',
    regions: [
      region(() => ({
        functions: idleDataSync(CRED, {
          metrics: {
            ok: false,
            failure: {
              service: 'cloudwatch',
              operation: 'GetMetricData',
              region: REGION,
              errorName: 'AccessDenied',
              message: 'denied',
            },
          },
        }),
      })),
    ],
    expected: { kind: 'skip', reason: ['it is unknown whether prod-eks-data-sync runs'] },
  },
  {
    scenario: 'several problems at once: every one is named',
    regions: [
      region(() => ({
        parameters: [],
        rules: [rule(CRED, { state: 'DISABLED' })],
      })),
    ],
    expected: { kind: 'skip', reason: ['has no TMC auth token parameter', '; no enabled rule'] },
  },
  {
    scenario: 'resource-retriever not invoked: no decision',
    regions: [
      region((r) => ({
        functions: [
          fn(CRED, 'data-sync'),
          fn(CRED, 'resource-retriever', { metrics: idle }),
          ...r.functions.filter((f) => f.credentialName !== CRED),
        ],
      })),
    ],
  },
  {
    scenario: 'REMINDER: no decision (one invocation per episode)',
    regions: [region()],
    transitions: (transitions) =>
      transitions.map((t) => ({ ...t, transition: 'REMINDER', state: 'ONGOING' })),
  },
  {
    scenario: 'ESCALATED: no decision',
    regions: [region()],
    transitions: (transitions) =>
      transitions.map((t) => ({ ...t, transition: 'ESCALATED', state: 'ONGOING' })),
  },
  {
    scenario: 'suppressed: no decision',
    regions: [region()],
    transitions: (transitions) =>
      transitions.map((t) => ({
        ...t,
        suppression: { state: 'SUPPRESSED', reason: 'maintenance', expires: '2026-12-01' },
      })),
  },
  {
    scenario: "another credential's fresh token does not count",
    regions: [region(() => ({}), [CRED, OTHER])],
    findings: (findings) => findings.filter((f) => !tokenChecks.some((c) => about(c)(f))),
    expected: { kind: 'skip', reason: ['no tmc.token.missing result for credential prod-eks in us-west-2'] },
  },
  {
    scenario: "another credential's stale token does not block",
    regions: [
      region(
        (r) => ({
          parameters: [
            parameter(CRED),
            parameter(OTHER, { lastModifiedDate: '2026-01-01T00:00:00.000Z' }),
            ...r.parameters.filter((p) => p.credentialName !== CRED && p.credentialName !== OTHER),
          ],
        }),
        [CRED, OTHER],
      ),
    ],
    expected: { kind: 'invoke' },
  },
  {
    scenario: "another region's fresh token does not count",
    regions: [region(), healthyRegion([CRED], 'eu-west-1')],
    findings: (findings) => findings.filter((f) => !tokenChecks.some((c) => about(c)(f))),
    expected: { kind: 'skip', reason: ['no tmc.token.missing result for credential prod-eks in us-west-2'] },
  },
];

function decide(c: Case): RetriggerDecision[] {
  const run = runOf(c.regions);
  const findings = c.findings ? c.findings(run.findings) : run.findings;
  const transitions = c.transitions ? c.transitions(run.transitions) : run.transitions;
  return planRetriggers({ transitions, findings, runId: RUN_ID, now });
}

describe('planRetriggers', () => {
  it.each(cases.map((c) => [c.scenario, c] as const))('%s', (_scenario, c) => {
    const decisions = decide(c);
    if (c.expected === undefined) {
      expect(decisions).toEqual([]);
      return;
    }
    expect(decisions).toHaveLength(1);
    const [decision] = decisions;
    expect(decision).toMatchObject({
      kind: c.expected.kind,
      functionArn: dataSyncArn,
      region: REGION,
      credentialName: CRED,
      finding: { checkId: 'tmc.lambda.not-invoked', transition: 'OPENED' },
    });
    if (c.expected.kind === 'skip') {
      expect(decision?.reason).toMatch(/^Not retriggered \(retrigger only after the cause is fixed\): /);
      for (const part of c.expected.reason) expect(decision?.reason).toContain(part);
    } else {
      expect(decision).toMatchObject({ eventRuleArn: ruleArn });
      expect(decision?.reason).toContain('invoked once asynchronously');
    }
  });

  it('decides once per function even if the transition is listed twice', () => {
    const run = runOf([region()]);
    const decisions = planRetriggers({
      transitions: [...run.transitions, ...run.transitions],
      findings: run.findings,
      runId: RUN_ID,
      now,
    });
    expect(decisions.map((d) => d.kind)).toEqual(['invoke']);
  });

  it('decides for each credential on its own evidence', () => {
    const run = runOf([
      region(
        (r) => ({
          functions: [...r.functions.filter((f) => f.credentialName !== OTHER), ...idleDataSync(OTHER)],
          parameters: [parameter(CRED), parameter(OTHER, { lastModifiedDate: '2026-01-01T00:00:00.000Z' })],
        }),
        [CRED, OTHER],
      ),
    ]);
    const decisions = planRetriggers({ ...run, runId: RUN_ID, now });
    expect(decisions.map((d) => [d.credentialName, d.kind]).sort()).toEqual([
      [OTHER, 'skip'],
      [CRED, 'invoke'],
    ]);
  });
});

describe('remediationDetail', () => {
  const [invoke] = decide({ scenario: '', regions: [region()] });
  const [skip] = decide({ scenario: '', regions: [region(() => ({ parameters: [] }))] });
  const at = new Date('2026-11-22T12:00:05.000Z');

  it('builds a valid INVOKED detail from an invoke decision', () => {
    if (!invoke) throw new Error('no decision');
    const detail = remediationDetailSchema.parse(remediationDetail(invoke, 'INVOKED', { runId: RUN_ID, at }));
    expect(detail).toMatchObject({
      schemaVersion: '1.0',
      runId: RUN_ID,
      action: 'retrigger-data-sync',
      outcome: 'INVOKED',
      findingId: invoke.finding.findingId,
      idempotencyKey: invoke.finding.idempotencyKey,
      checkId: 'tmc.lambda.not-invoked',
      accountId: '111122223333',
      region: REGION,
      credentialName: CRED,
      functionArn: dataSyncArn,
      reason: invoke.reason,
      at: '2026-11-22T12:00:05.000Z',
    });
    expect(detail).not.toHaveProperty('errorName');
  });

  it('builds a valid SKIPPED detail carrying the skip reason', () => {
    if (!skip) throw new Error('no decision');
    const detail = remediationDetailSchema.parse(remediationDetail(skip, 'SKIPPED', { runId: RUN_ID, at }));
    expect(detail.outcome).toBe('SKIPPED');
    expect(detail.reason).toBe(skip.reason);
  });

  it('builds a valid FAILED detail with the error name and its own reason', () => {
    if (!invoke) throw new Error('no decision');
    const detail = remediationDetailSchema.parse(
      remediationDetail(invoke, 'FAILED', {
        runId: RUN_ID,
        at,
        errorName: 'AccessDeniedException',
        reason: 'denied',
      }),
    );
    expect(detail).toMatchObject({ outcome: 'FAILED', errorName: 'AccessDeniedException', reason: 'denied' });
  });
});
