import {
  fleetReportMetricRecords,
  METRIC_NAMES,
  runMetricRecords,
  type MetricRecord,
} from '../../lambdas/core/observability';

const finding = (status: string, severity: string) => ({ status, severity });

function value(
  records: readonly MetricRecord[],
  name: string,
  dimensions?: Record<string, string>,
): number | undefined {
  return records.find(
    (record) => record.name === name && JSON.stringify(record.dimensions) === JSON.stringify(dimensions),
  )?.value;
}

describe('runMetricRecords', () => {
  const findings = [
    finding('FAIL', 'HIGH'),
    finding('FAIL', 'CRITICAL'),
    finding('ERROR', 'HIGH'),
    finding('PASS', 'INFORMATIONAL'),
    finding('PASS', 'INFORMATIONAL'),
  ];
  const records = runMetricRecords({
    findings,
    transitions: [{ transition: 'OPENED' }, { transition: 'OPENED' }, { transition: 'RESOLVED' }],
    apiCalls: 12.4,
    durationMs: 1500.6,
    uncheckedAtDeadline: 2,
    completed: true,
    publishFailed: false,
  });

  it.each([
    [METRIC_NAMES.findings, { status: 'FAIL' }, 2],
    [METRIC_NAMES.findings, { status: 'ERROR' }, 1],
    [METRIC_NAMES.findings, { status: 'PASS' }, 2],
    [METRIC_NAMES.findings, { severity: 'HIGH' }, 2],
    [METRIC_NAMES.findings, { severity: 'CRITICAL' }, 1],
    // PASS findings are INFORMATIONAL but not problems: severity counts problems only.
    [METRIC_NAMES.findings, { severity: 'INFORMATIONAL' }, 0],
    [METRIC_NAMES.transitions, { transition: 'OPENED' }, 2],
    [METRIC_NAMES.transitions, { transition: 'RESOLVED' }, 1],
    [METRIC_NAMES.transitions, { transition: 'REMINDER' }, 0],
    [METRIC_NAMES.checksErrored, undefined, 1],
    [METRIC_NAMES.apiCalls, undefined, 12],
    [METRIC_NAMES.runDuration, undefined, 1501],
    [METRIC_NAMES.runCompleted, undefined, 1],
    [METRIC_NAMES.publishFailures, undefined, 0],
    [METRIC_NAMES.uncheckedAtDeadline, undefined, 2],
  ])('%s %j = %d', (name, dimensions, expected) => {
    expect(value(records, name, dimensions)).toBe(expected);
  });

  it('a failed publish reports PublishFailures 1 and RunCompleted 0 (the dead-man switch sees no success)', () => {
    const failed = runMetricRecords({
      findings: [],
      apiCalls: 0,
      durationMs: 10,
      completed: false,
      publishFailed: true,
    });
    expect(value(failed, METRIC_NAMES.publishFailures)).toBe(1);
    expect(value(failed, METRIC_NAMES.runCompleted)).toBe(0);
    expect(failed.some((record) => record.name === METRIC_NAMES.transitions)).toBe(false);
  });

  it('uses only low-cardinality dimensions', () => {
    const keys = new Set(records.flatMap((record) => Object.keys(record.dimensions ?? {})));
    expect([...keys].sort()).toEqual(['severity', 'status', 'transition']);
  });
});

describe('fleetReportMetricRecords (hub intake, per member account and family)', () => {
  const findings = ['FAIL', 'FAIL', 'ERROR', 'PASS', 'PASS'].map((status) => ({ status }));
  const dimensions = { AccountId: '111111111111', Family: 'credentials' };

  it('counts FAIL and ERROR and reports the run once, with its first part', () => {
    const first = fleetReportMetricRecords({
      accountId: '111111111111',
      family: 'credentials',
      part: 1,
      findings,
    });
    expect(first).toEqual([
      { name: 'ChecksFailing', unit: 'Count', value: 2, dimensions, dimensionsOnly: true },
      { name: 'ChecksErrored', unit: 'Count', value: 1, dimensions, dimensionsOnly: true },
      { name: 'RunReported', unit: 'Count', value: 1, dimensions, dimensionsOnly: true },
    ]);
    const second = fleetReportMetricRecords({
      accountId: '111111111111',
      family: 'credentials',
      part: 2,
      findings,
    });
    expect(second.map((record) => record.name)).toEqual(['ChecksFailing', 'ChecksErrored']);
  });

  it('reports zeros too, so a healthy member has a line on the dashboard', () => {
    const records = fleetReportMetricRecords({
      accountId: '222222222222',
      family: 'irsa',
      part: 1,
      findings: [],
    });
    expect(records.map((record) => record.value)).toEqual([0, 0, 1]);
  });
});
