import type { Finding, Severity, Status } from '../../lambdas/core/finding';
import {
  DEFAULT_LIFECYCLE_SETTINGS,
  planTransitions,
  type LifecycleSettings,
} from '../../lambdas/core/lifecycle/plan-transitions';
import type { LedgerEntry, Transition } from '../../lambdas/core/lifecycle/types';

const START = Date.parse('2026-11-22T00:00:00.000Z');
const RUN_MINUTES = 15;

function finding(id: string, status: Status, severity: Severity, observedAt: string): Finding {
  return {
    schemaVersion: '1.0',
    findingId: id.padEnd(32, '0'),
    checkId: 'tmc.lambda.not-invoked',
    status,
    severity: status === 'PASS' ? 'INFORMATIONAL' : severity,
    title: `finding ${id}`,
    message: `message ${id}`,
    accountId: '111122223333',
    region: 'us-west-2',
    resource: {
      type: 'AWS::Lambda::Function',
      arn: `arn:aws:lambda:us-west-2:111122223333:function:${id}`,
      name: id,
    },
    evidence: {},
    remediation: { text: 'steps', whoCanFix: 'someone', runbookUrl: 'docs/checks.md#x' },
    observedAt,
  };
}

/** Runs the lifecycle over successive runs, applying its writes to an in-memory ledger as the shell would. */
class Simulation {
  readonly ledger = new Map<string, LedgerEntry>();
  run = 0;
  constructor(
    private readonly settings: LifecycleSettings = DEFAULT_LIFECYCLE_SETTINGS,
    private readonly covers: (entry: LedgerEntry) => boolean = () => true,
  ) {}

  next(
    states: Record<string, [Status, Severity?] | undefined>,
    at?: number,
  ): { transition: Transition; id: string; key: string }[] {
    const now = new Date(at ?? START + this.run * RUN_MINUTES * 60_000);
    this.run += 1;
    const findings = Object.entries(states).flatMap(([id, state]) =>
      state ? [finding(id, state[0], state[1] ?? 'HIGH', now.toISOString())] : [],
    );
    const plan = planTransitions({
      findings,
      ledger: this.ledger,
      now,
      settings: this.settings,
      covers: this.covers,
    });
    for (const entry of plan.quietWrites) this.ledger.set(entry.findingId, entry);
    for (const planned of plan.transitions) this.ledger.set(planned.nextEntry.findingId, planned.nextEntry);
    return plan.transitions.map((t) => ({
      transition: t.transition,
      id: t.event.findingId.replace(/0+$/, ''),
      key: t.event.idempotencyKey,
    }));
  }
}

const transitionsOf = (result: { transition: Transition }[]) => result.map((r) => r.transition);

describe('planTransitions', () => {
  it.each<{
    name: string;
    runs: Record<string, [Status, Severity?] | undefined>[];
    expected: Transition[][];
  }>([
    {
      name: 'a new FAIL opens once, then stays quiet',
      runs: [{ a: ['FAIL'] }, { a: ['FAIL'] }, { a: ['FAIL'] }],
      expected: [['OPENED'], [], []],
    },
    { name: 'an ERROR opens too', runs: [{ a: ['ERROR'] }], expected: [['OPENED']] },
    {
      name: 'PASS with no history publishes nothing',
      runs: [{ a: ['PASS'] }, { a: ['PASS'] }],
      expected: [[], []],
    },
    {
      name: 'FAIL then PASS resolves once',
      runs: [{ a: ['FAIL'] }, { a: ['PASS'] }, { a: ['PASS'] }],
      expected: [['OPENED'], ['RESOLVED'], []],
    },
    {
      name: 'flapping FAIL, PASS, FAIL reopens',
      runs: [{ a: ['FAIL'] }, { a: ['PASS'] }, { a: ['FAIL'] }],
      expected: [['OPENED'], ['RESOLVED'], ['OPENED']],
    },
    {
      name: 'severity rising escalates',
      runs: [{ a: ['FAIL', 'MEDIUM'] }, { a: ['FAIL', 'CRITICAL'] }],
      expected: [['OPENED'], ['ESCALATED']],
    },
    {
      name: 'severity falling stays quiet, and a later rise escalates again',
      runs: [{ a: ['FAIL', 'HIGH'] }, { a: ['FAIL', 'LOW'] }, { a: ['FAIL', 'HIGH'] }],
      expected: [['OPENED'], [], ['ESCALATED']],
    },
    {
      name: 'FAIL turning ERROR is not a new problem',
      runs: [{ a: ['FAIL'] }, { a: ['ERROR'] }],
      expected: [['OPENED'], []],
    },
  ])('$name', ({ runs, expected }) => {
    const simulation = new Simulation();
    expect(runs.map((states) => transitionsOf(simulation.next(states)))).toEqual(expected);
  });

  it('reminds after reminderHours of silence, then again a period later', () => {
    const simulation = new Simulation({ reminderHours: 1, goneAfterRuns: 3 });
    const at = (minutes: number) => START + minutes * 60_000;
    expect(transitionsOf(simulation.next({ a: ['FAIL'] }, at(0)))).toEqual(['OPENED']);
    expect(transitionsOf(simulation.next({ a: ['FAIL'] }, at(59)))).toEqual([]);
    expect(transitionsOf(simulation.next({ a: ['FAIL'] }, at(60)))).toEqual(['REMINDER']);
    expect(transitionsOf(simulation.next({ a: ['FAIL'] }, at(119)))).toEqual([]);
    expect(transitionsOf(simulation.next({ a: ['FAIL'] }, at(120)))).toEqual(['REMINDER']);
  });

  it('resolves a finding whose resource is gone after goneAfterRuns covering runs, not before', () => {
    const simulation = new Simulation({ reminderHours: 24, goneAfterRuns: 3 });
    simulation.next({ a: ['FAIL'] });
    expect(transitionsOf(simulation.next({}))).toEqual([]);
    expect(transitionsOf(simulation.next({}))).toEqual([]);
    const gone = simulation.next({});
    expect(transitionsOf(gone)).toEqual(['RESOLVED']);
    expect(simulation.ledger.get('a'.padEnd(32, '0'))).toMatchObject({
      open: false,
      status: 'PASS',
      absentRuns: 3,
    });
    expect(transitionsOf(simulation.next({}))).toEqual([]);
  });

  it('never resolves by absence when the run did not cover the finding (unknown is not healthy)', () => {
    const simulation = new Simulation({ reminderHours: 24, goneAfterRuns: 1 }, () => false);
    simulation.next({ a: ['FAIL'] });
    for (let run = 0; run < 5; run += 1) expect(transitionsOf(simulation.next({}))).toEqual([]);
    expect(simulation.ledger.get('a'.padEnd(32, '0'))?.open).toBe(true);
  });

  it('resets the absence count when the finding comes back', () => {
    const simulation = new Simulation({ reminderHours: 24, goneAfterRuns: 2 });
    simulation.next({ a: ['FAIL'] });
    simulation.next({});
    simulation.next({ a: ['FAIL'] });
    expect(transitionsOf(simulation.next({}))).toEqual([]);
    expect(transitionsOf(simulation.next({}))).toEqual(['RESOLVED']);
  });

  it('gives every published transition a distinct, increasing idempotency key', () => {
    const simulation = new Simulation({ reminderHours: 0.25, goneAfterRuns: 3 });
    const keys = [
      ...simulation.next({ a: ['FAIL', 'LOW'] }),
      ...simulation.next({ a: ['FAIL', 'HIGH'] }),
      ...simulation.next({ a: ['FAIL', 'HIGH'] }),
      ...simulation.next({ a: ['PASS'] }),
      ...simulation.next({ a: ['FAIL'] }),
    ].map((t) => `${t.transition}:${t.key.split('#')[1]}`);
    expect(keys).toEqual(['OPENED:1', 'ESCALATED:2', 'REMINDER:3', 'RESOLVED:4', 'OPENED:5']);
  });

  it('carries state, first/last observation and occurrences on the event', () => {
    const simulation = new Simulation();
    simulation.next({ a: ['FAIL'] });
    simulation.next({ a: ['FAIL'] });
    const now = new Date(START + 2 * RUN_MINUTES * 60_000);
    const plan = planTransitions({
      findings: [finding('a', 'FAIL', 'CRITICAL', now.toISOString())],
      ledger: simulation.ledger,
      now,
      settings: DEFAULT_LIFECYCLE_SETTINGS,
      covers: () => true,
    });
    expect(plan.transitions[0]?.event).toMatchObject({
      transition: 'ESCALATED',
      state: 'ONGOING',
      firstObservedAt: new Date(START).toISOString(),
      lastObservedAt: now.toISOString(),
      occurrenceCount: 3,
      status: 'FAIL',
      severity: 'CRITICAL',
    });
    expect(plan.transitions[0]?.previousSequence).toBe(1);
  });

  it('orders transitions most severe first', () => {
    const simulation = new Simulation();
    const result = simulation.next({
      low: ['FAIL', 'LOW'],
      crit: ['FAIL', 'CRITICAL'],
      med: ['FAIL', 'MEDIUM'],
    });
    expect(result.map((r) => r.id)).toEqual(['crit', 'med', 'low']);
  });
});
