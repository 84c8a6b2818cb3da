import { FINDING_SCHEMA_VERSION, type Finding } from '../../lambdas/core/finding';
import {
  buildRunSummaryEvent,
  runSummaryDetailSchema,
  type RunSummaryEventInput,
} from '../../lambdas/core/lifecycle/run-event';
import type { LifecycleFinding, Transition } from '../../lambdas/core/lifecycle/types';
import type { RunInfo } from '../../lambdas/core/publishing';

const run: RunInfo = {
  runId: 'run-0042',
  accountId: '123456789012',
  regions: ['us-west-2', 'eu-west-1'],
  startedAt: '2026-11-22T10:00:00.000Z',
};

let counter = 0;
function finding(overrides: Partial<Finding> = {}): Finding {
  counter++;
  return {
    schemaVersion: FINDING_SCHEMA_VERSION,
    findingId: `f-${String(counter).padStart(4, '0')}`,
    checkId: 'tmc.lambda.unhealthy',
    status: 'FAIL',
    severity: 'HIGH',
    title: 't',
    message: 'm',
    accountId: run.accountId,
    region: 'us-west-2',
    resource: { type: 'AWS::Lambda::Function', name: 'fn' },
    tmc: { credentialName: 'prod-eks' },
    evidence: {},
    remediation: { text: 'x', whoCanFix: 'y', runbookUrl: 'z' },
    observedAt: '2026-11-22T10:00:01.000Z',
    ...overrides,
  };
}

function transition(kind: Transition, overrides: Partial<Finding> = {}): LifecycleFinding {
  const base = finding(overrides);
  return {
    ...base,
    state: kind === 'OPENED' ? 'NEW' : kind === 'RESOLVED' ? 'RESOLVED' : 'ONGOING',
    transition: kind,
    firstObservedAt: base.observedAt,
    lastObservedAt: base.observedAt,
    occurrenceCount: 1,
    sequence: 1,
    idempotencyKey: `${base.findingId}#1`,
  };
}

function input(overrides: Partial<RunSummaryEventInput> = {}): RunSummaryEventInput {
  return {
    run,
    check: 'credentials',
    findings: [],
    transitions: [],
    failedOperations: [],
    durationMs: 1234,
    apiCalls: 17,
    finishedAt: '2026-11-22T10:00:02.000Z',
    ...overrides,
  };
}

describe('buildRunSummaryEvent', () => {
  it('is produced for a quiet run: the heartbeat, all counts zero, schema-valid', () => {
    const event = buildRunSummaryEvent(input());
    expect(event.source).toBe('tmc-health');
    expect(event.detailType).toBe('TMC Health Check Run');
    expect(event.detail).toMatchObject({
      schemaVersion: '1.0',
      runId: 'run-0042',
      check: 'credentials',
      accountId: '123456789012',
      regions: ['us-west-2', 'eu-west-1'],
      startedAt: run.startedAt,
      finishedAt: '2026-11-22T10:00:02.000Z',
      durationMs: 1234,
      apiCalls: 17,
      findings: 0,
      heartbeat: true,
      byStatus: { FAIL: 0, ERROR: 0, PASS: 0 },
      problemsBySeverity: { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, INFORMATIONAL: 0 },
      transitions: { OPENED: 0, ESCALATED: 0, RESOLVED: 0, REMINDER: 0 },
      checksThatCouldNotRun: { failedOperations: [], errorCheckIds: [] },
    });
    expect(runSummaryDetailSchema.safeParse(event.detail).success).toBe(true);
  });

  it.each<{
    name: string;
    findings: Finding[];
    transitions: LifecycleFinding[];
    byStatus: Record<string, number>;
    bySeverity: Partial<Record<string, number>>;
    byTransition: Partial<Record<string, number>>;
  }>([
    {
      name: 'PASS findings are counted by status but not by severity',
      findings: [finding({ status: 'PASS', severity: 'INFORMATIONAL' }), finding({ status: 'PASS' })],
      transitions: [],
      byStatus: { FAIL: 0, ERROR: 0, PASS: 2 },
      bySeverity: { HIGH: 0, INFORMATIONAL: 0 },
      byTransition: { OPENED: 0 },
    },
    {
      name: 'problems by status and severity, transitions by kind',
      findings: [
        finding({ severity: 'CRITICAL' }),
        finding({ severity: 'HIGH' }),
        finding({ severity: 'HIGH', status: 'ERROR', checkId: 'checker.error' }),
        finding({ status: 'PASS', severity: 'LOW' }),
      ],
      transitions: [
        transition('OPENED'),
        transition('OPENED'),
        transition('ESCALATED'),
        transition('RESOLVED', { status: 'PASS' }),
        transition('REMINDER'),
      ],
      byStatus: { FAIL: 2, ERROR: 1, PASS: 1 },
      bySeverity: { CRITICAL: 1, HIGH: 2, MEDIUM: 0, LOW: 0 },
      byTransition: { OPENED: 2, ESCALATED: 1, RESOLVED: 1, REMINDER: 1 },
    },
  ])('$name', ({ findings, transitions, byStatus, bySeverity, byTransition }) => {
    const { detail } = buildRunSummaryEvent(input({ findings, transitions }));
    expect(detail.findings).toBe(findings.length);
    expect(detail.byStatus).toEqual(byStatus);
    expect(detail.problemsBySeverity).toMatchObject(bySeverity);
    expect(detail.transitions).toMatchObject(byTransition);
    expect(runSummaryDetailSchema.safeParse(detail).success).toBe(true);
  });

  it('lists the checks that could not run: failed operations (distinct, sorted) and ERROR check ids', () => {
    const { detail } = buildRunSummaryEvent(
      input({
        check: 'irsa',
        findings: [
          finding({ status: 'ERROR', checkId: 'checker.error' }),
          finding({ status: 'ERROR', checkId: 'tmc.lambda.missing' }),
          finding({ status: 'ERROR', checkId: 'checker.error' }),
          finding({ status: 'FAIL', checkId: 'tmc.token.stale' }),
        ],
        failedOperations: [
          'us-west-2 lambda:ListFunctions',
          'eu-west-1 ssm:GetParameter',
          'us-west-2 lambda:ListFunctions',
        ],
      }),
    );
    expect(detail.check).toBe('irsa');
    expect(detail.checksThatCouldNotRun).toEqual({
      failedOperations: ['eu-west-1 ssm:GetParameter', 'us-west-2 lambda:ListFunctions'],
      errorCheckIds: ['tmc.lambda.missing', 'checker.error'],
    });
  });

  it.each([
    { durationMs: 12.6, apiCalls: 3, expected: [13, 3] },
    { durationMs: -5, apiCalls: 0, expected: [0, 0] },
    { durationMs: Number.NaN, apiCalls: Number.POSITIVE_INFINITY, expected: [0, 0] },
  ])(
    'keeps duration $durationMs and api calls $apiCalls schema-valid',
    ({ durationMs, apiCalls, expected }) => {
      const { detail } = buildRunSummaryEvent(input({ durationMs, apiCalls }));
      expect([detail.durationMs, detail.apiCalls]).toEqual(expected);
      expect(runSummaryDetailSchema.safeParse(detail).success).toBe(true);
    },
  );

  it.each<[string, (detail: Record<string, unknown>) => Record<string, unknown>]>([
    ['a missing heartbeat', ({ heartbeat: _heartbeat, ...rest }) => rest],
    ['heartbeat false', (detail) => ({ ...detail, heartbeat: false })],
    ['an unknown check', (detail) => ({ ...detail, check: 'other' })],
    ['a negative count', (detail) => ({ ...detail, apiCalls: -1 })],
    ['a bad account id', (detail) => ({ ...detail, accountId: '1234' })],
    ['a bad timestamp', (detail) => ({ ...detail, finishedAt: 'yesterday' })],
    ['an unknown field', (detail) => ({ ...detail, extra: 1 })],
    ['a missing status count', (detail) => ({ ...detail, byStatus: { FAIL: 0, ERROR: 0 } })],
    [
      'an unknown check id',
      (detail) => ({ ...detail, checksThatCouldNotRun: { failedOperations: [], errorCheckIds: ['nope'] } }),
    ],
  ])('the schema rejects %s', (_name, mutate) => {
    const { detail } = buildRunSummaryEvent(input());
    expect(runSummaryDetailSchema.safeParse(mutate({ ...detail })).success).toBe(false);
  });
});
