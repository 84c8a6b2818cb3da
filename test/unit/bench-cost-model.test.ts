import {
  PAGING_EXTRAS,
  AUTO_REMEDIATION_EXTRA,
  DASHBOARD_EXTRA,
  defaultMetricsReadsPerMonth,
  detailedMetricsExtra,
  fleetMetricsPerMember,
  irsaRealtimeExtra,
  memberCostInput,
  securityHubExportExtra,
  throttleAlarmsExtra,
} from '../../scripts/bench/cost-inputs';
import { metricsReadsPerMonth } from '../../lambdas/core/checks/metrics-cadence';
import { estimateCost, runsPerMonth, type CostInput } from '../../scripts/bench/cost-model';
import { PRICES } from '../../scripts/bench/prices';
import { alarmMetricsOf, synthesizeDefaultStack } from '../../scripts/bench/synthesized';

const lineOf = (lines: readonly { item: string; usdPerMonth: number }[], start: string) => {
  const line = lines.find((candidate) => candidate.item.startsWith(start));
  if (line === undefined) throw new Error(`no line starting ${start}`);
  return line.usdPerMonth;
};

const input: CostInput = {
  credentialCheck: {
    runsPerMonth: 2920,
    memoryMb: 256,
    durationMs: 1000,
    requests: { 'dynamodb:Query': 1, 'DynamoDB:PutItem': 2, 'sns:Publish': 0, 'Lambda:GetFunction': 4 },
    eventsPerRun: 1,
  },
  perCredentialRegion: { durationMs: 100, metricsRequested: 6 },
  // The default single stack: 8 alarms, of which 2 metric-math ones reading 2 metrics each; no custom metrics, no
  // dashboard; the topic's key.
  fixedResources: { customMetrics: 0, alarms: 8, alarmMetrics: 10, dashboards: 0, kmsKeys: 1 },
  optionalExtras: [
    { item: 'detailedMetrics=true: the checkers’ own custom metrics', customMetrics: 36 },
    { item: 'dashboard=true: the CloudWatch dashboard', dashboards: 1 },
    { item: 'a Slack or Teams channel: the chat topic', httpsPublishes: 1_000 },
  ],
};

describe('bench cost model', () => {
  test.each([
    [15, 2920],
    [60, 730],
    [5, 8760],
  ])('a schedule every %i minutes runs %i times in a 730-hour month', (minutes, runs) => {
    expect(runsPerMonth(minutes)).toBe(runs);
  });

  test('each line is quantity × the price in prices.ts (worked by hand)', () => {
    const estimate = estimateCost(input);
    // 2,920 runs × 0.25 GB × 1 s × $0.0000133334
    expect(lineOf(estimate.fixed, 'credential check: Lambda duration')).toBeCloseTo(0.009733, 4);
    // 2,920 × ($0.20 + $1.00) per million
    expect(lineOf(estimate.fixed, 'credential check: Lambda requests')).toBeCloseTo(0.003504, 4);
    expect(lineOf(estimate.fixed, 'credential check: EventBridge')).toBeCloseTo(0.00292, 4);
    // 2,920 reads × $0.125/M + 5,840 writes × $0.625/M
    expect(lineOf(estimate.fixed, 'credential check: DynamoDB')).toBeCloseTo(0.000365 + 0.00365, 4);
    // 10 alarm metrics × $0.10 (8 alarms: a metric-math alarm is billed per metric it reads)
    expect(lineOf(estimate.fixed, 'CloudWatch alarms')).toBeCloseTo(1, 6);
    expect(estimate.fixed.find((line) => line.item.startsWith('CloudWatch alarms'))?.quantity).toBe(
      '8 alarms, 10 metrics',
    );
    expect(lineOf(estimate.fixed, 'KMS')).toBeCloseTo(1, 6);
    // Off by default: no line in the fixed part at all, each extra on its own line.
    expect(estimate.fixed.some((line) => /custom metrics|dashboard/.test(line.item))).toBe(false);
    // 36 metrics × $0.30; one dashboard × $3
    expect(lineOf(estimate.optional ?? [], 'detailedMetrics=true')).toBeCloseTo(10.8, 6);
    expect(lineOf(estimate.optional ?? [], 'dashboard=true')).toBeCloseTo(3, 6);
    // 1,000 publishes × ($0.50 + $0.60 per million, SNS publish and HTTPS delivery, + $0.03 per 10,000 KMS)
    expect(lineOf(estimate.optional ?? [], 'a Slack or Teams channel')).toBeCloseTo(0.0041, 6);
    expect(estimate.optional?.find((line) => line.item.startsWith('a Slack'))?.quantity).toBe(
      '1,000 publishes delivered over HTTPS',
    );
    // 2,920 runs × 6 metrics × $0.01 per 1,000
    expect(lineOf(estimate.perCredentialRegion, 'GetMetricData')).toBeCloseTo(0.1752, 6);
    expect(lineOf(estimate.perCredentialRegion, 'credential check: Lambda duration')).toBeCloseTo(
      0.000973,
      5,
    );
  });

  test('the fixed total, worked by hand: $2.02 (alarms $1, the key $1, the runs two cents)', () => {
    // 0.009733 + 0.003504 + 0.00292 + 0.004015 (the runs) + 1 (alarm metrics) + 1 (KMS key)
    expect(estimateCost(input).fixedUsdPerMonth).toBeCloseTo(2.020172, 5);
  });

  test('a stack with the custom metrics and a dashboard on by default prices them in the fixed part', () => {
    const everything = estimateCost({
      ...input,
      fixedResources: { ...input.fixedResources, customMetrics: 36, dashboards: 1 },
      optionalExtras: [],
    });
    expect(lineOf(everything.fixed, 'CloudWatch custom metrics')).toBeCloseTo(10.8, 6);
    expect(lineOf(everything.fixed, 'CloudWatch dashboard')).toBeCloseTo(3, 6);
    expect(everything.fixedUsdPerMonth).toBeCloseTo(2.020172 + 13.8, 5);
    expect(everything.optional).toEqual([]);
  });

  test('totals add their lines; the IRSA check adds its own lines only when enabled', () => {
    const without = estimateCost(input);
    const sum = (lines: readonly { usdPerMonth: number }[]) => lines.reduce((s, l) => s + l.usdPerMonth, 0);
    expect(without.fixedUsdPerMonth).toBeCloseTo(sum(without.fixed), 4);
    expect(without.perCredentialRegionUsdPerMonth).toBeCloseTo(sum(without.perCredentialRegion), 4);
    expect(without.fixed.some((line) => line.item.startsWith('IRSA'))).toBe(false);
    const withIrsa = estimateCost({ ...input, irsaCheck: { ...input.credentialCheck, durationMs: 30_000 } });
    // 2,920 × 0.25 GB × 30 s × $0.0000133334 ≈ $0.292
    expect(lineOf(withIrsa.fixed, 'IRSA check: Lambda duration')).toBeCloseTo(0.292, 3);
    expect(withIrsa.fixedUsdPerMonth).toBeGreaterThan(without.fixedUsdPerMonth);
  });

  test('a price change in one place changes the estimate', () => {
    const doubled = estimateCost(input, { ...PRICES, customMetricPerMonth: 0.6, alarmPerMonth: 0.2 });
    expect(lineOf(doubled.optional ?? [], 'detailedMetrics=true')).toBeCloseTo(21.6, 6);
    expect(lineOf(doubled.fixed, 'CloudWatch alarms')).toBeCloseTo(2, 6);
  });
});

describe('a member account, from the same measurements', () => {
  const member = {
    functions: {
      'credential-check': { logicalId: 'C', memoryMb: 256, environment: {} },
      'irsa-check': { logicalId: 'I', memoryMb: 256, environment: {} },
    },
    resourceCounts: { 'AWS::DynamoDB::Table': 1 },
    metricsDisabled: true,
    alarmMetrics: 0,
  };
  const single: CostInput = {
    ...input,
    irsaCheck: {
      ...input.credentialCheck,
      requests: { 'dynamodb:GetItem': 1, 'dynamodb:PutItem': 1, 'sns:Publish': 1, 'events:PutEvents': 2 },
      eventsPerRun: 2,
    },
  };

  test('the hub-side calls go, one run report per run comes, the watermark stays', () => {
    const result = memberCostInput(single, member);
    expect(result.credentialCheck.requests).toEqual({
      'DynamoDB:PutItem': 2,
      'Lambda:GetFunction': 4,
      'events:PutEvents': 1,
    });
    expect(result.irsaCheck?.requests).toEqual({
      'dynamodb:GetItem': 1,
      'dynamodb:PutItem': 1,
      'events:PutEvents': 1,
    });
    expect(result.irsaCheck?.eventsPerRun).toBe(1);
    expect(result.fixedResources).toEqual({
      customMetrics: 0,
      alarms: 0,
      alarmMetrics: 0,
      dashboards: 0,
      kmsKeys: 0,
    });
  });

  test('without CloudWatch resources of its own the fixed cost is cents, not dollars', () => {
    const estimate = estimateCost(memberCostInput(single, member));
    expect(estimate.fixedUsdPerMonth).toBeLessThan(0.1);
    // The single stack's alarm metrics ($1) and key ($1) stay at the hub.
    expect(estimateCost(single).fixedUsdPerMonth - estimate.fixedUsdPerMonth).toBeCloseTo(2, 1);
  });

  test("the hub's per-member fleet metrics are the member's only extra: 3 per family, 6 × $0.30 = $1.80", () => {
    expect(fleetMetricsPerMember()).toBe(6);
    expect(fleetMetricsPerMember(['credentials'])).toBe(3);
    const estimate = estimateCost(memberCostInput(single, member));
    expect(estimate.optional?.map((line) => [line.quantity, line.usdPerMonth])).toEqual([
      ['6 custom metrics', 1.8],
    ]);
  });
});

describe('the paging recipes, optional lines (docs/paging.md)', () => {
  test('the secret $0.40, 200 API destination invocations $0.00004, 100 OpsItems at the listed price', () => {
    const estimate = estimateCost({ ...input, optionalExtras: PAGING_EXTRAS });
    const lines = estimate.optional ?? [];
    expect(lineOf(lines, 'pagerDutyRoutingKeySecret: the routing key')).toBeCloseTo(PRICES.secretPerMonth, 6);
    expect(lineOf(lines, 'pagerDutyRoutingKeySecret: API destination')).toBeCloseTo(200 * 0.2e-6, 9);
    expect(lineOf(lines, 'opsItemsForHigh')).toBeCloseTo(100 * PRICES.opsItemPerItem, 6);
    expect(lines.map((line) => line.quantity)).toEqual([
      '1 secret',
      '200 API destination invocations',
      '100 OpsItems',
    ]);
    // Outside the fixed total: paging is off by default.
    expect(estimate.fixedUsdPerMonth).toBeCloseTo(estimateCost(input).fixedUsdPerMonth, 9);
  });
});

describe('what the default templates hold (synthesized, as the bench prices them)', () => {
  test('an alarm reads one metric; a metric-math alarm each MetricStat it holds, never its expressions', () => {
    expect(alarmMetricsOf({ MetricName: 'Errors', Namespace: 'AWS/Lambda' })).toBe(1);
    expect(
      alarmMetricsOf({
        Metrics: [
          { Id: 'expr_1', Expression: 'FILL(invocations, 0) - FILL(errors, 0)', ReturnData: true },
          { Id: 'invocations', MetricStat: {}, ReturnData: false },
          { Id: 'errors', MetricStat: {}, ReturnData: false },
        ],
      }),
    ).toBe(2);
  });

  test('single: 6 alarms reading 8 metrics, the key, no dashboard, no custom metrics; both extras priced', () => {
    const stack = synthesizeDefaultStack();
    expect(stack.resourceCounts['AWS::CloudWatch::Alarm']).toBe(6);
    expect(stack.alarmMetrics).toBe(8);
    expect(stack.resourceCounts['AWS::CloudWatch::Dashboard']).toBeUndefined();
    expect(stack.resourceCounts['AWS::KMS::Key']).toBe(1);
    expect(stack.metricsDisabled).toBe(true);
    expect(detailedMetricsExtra(2).customMetrics).toBe(36);
    expect(DASHBOARD_EXTRA.dashboards).toBe(1);
  });

  test('with both keys on, the synthesized stack says so', () => {
    const stack = synthesizeDefaultStack({ detailedMetrics: 'true', dashboard: 'true' });
    expect(stack.metricsDisabled).toBe(false);
    expect(stack.resourceCounts['AWS::CloudWatch::Dashboard']).toBe(1);
    expect(stack.alarmMetrics).toBe(8);
  });

  test('the resource-adding extras, each priced from its own synthesized stack', () => {
    const stack = synthesizeDefaultStack();
    // A Throttles alarm per scheduled checker: 2 × $0.10.
    const throttles = throttleAlarmsExtra(stack, synthesizeDefaultStack({ throttleAlarms: 'true' }));
    expect(throttles.alarmMetrics).toBe(2);
    // The exporter's Errors, Throttles (it has no schedule) and dead-letter queue alarms.
    const exporter = securityHubExportExtra(stack, synthesizeDefaultStack({ securityHubExport: 'true' }));
    expect(exporter.alarmMetrics).toBe(3);
    const estimate = estimateCost({
      ...input,
      optionalExtras: [throttles, exporter, AUTO_REMEDIATION_EXTRA],
    });
    expect(lineOf(estimate.optional ?? [], 'throttleAlarms=true')).toBeCloseTo(0.2, 6);
    // 3 alarm metrics; per 100 transitions 100 invocations of 0.3 s at 0.25 GB and 100 imports at $0.00003.
    expect(lineOf(estimate.optional ?? [], 'securityHubExport=true')).toBeCloseTo(
      0.3 + 100 * 0.2e-6 + 100 * 0.25 * 0.3 * 0.0000133334 + 100 * 0.00003,
      6,
    );
    expect(lineOf(estimate.optional ?? [], 'autoRemediation=true')).toBeCloseTo(10 * 1e-6, 8);
  });

  test('irsaRealtime: per denial an invocation and its reads and writes, and a write per scan', () => {
    const extra = irsaRealtimeExtra(2_920);
    const estimate = estimateCost({ ...input, optionalExtras: [extra] });
    expect(estimate.optional?.[0]?.quantity).toContain('per 1,000 denials a month');
    expect(lineOf(estimate.optional ?? [], 'irsaRealtime=true')).toBeCloseTo(
      1_000 * 0.2e-6 + 1_000 * 0.25 * 0.5 * 0.0000133334 + 4_000 * 0.125e-6 + (3_000 + 2_920) * 0.625e-6,
      6,
    );
  });

  test.each([
    // [interval minutes, schedule period, reads a month, USD a month for 6 metrics]
    [0, 15, 2920, 0.1752], // every run, as before the cadence
    [15, 15, 2920, 0.1752], // an interval no longer than the schedule: every run
    [60, 15, 730, 0.0438], // the default: once an hour
    [120, 15, 365, 0.0219],
    [720, 15, 60.833333, 0.00365],
  ])(
    'metrics read once per %i minutes on a %i-minute schedule: %d reads, $%d a month',
    (interval, period, reads, usd) => {
      const cadence = {
        metricsWindowMinutes: 30,
        metricsIntervalMinutes: interval,
        schedulePeriodMinutes: period,
      };
      const perMonth = metricsReadsPerMonth(cadence, runsPerMonth(period));
      expect(perMonth).toBeCloseTo(reads, 4);
      const estimate = estimateCost({
        ...input,
        credentialCheck: { ...input.credentialCheck, runsPerMonth: runsPerMonth(period) },
        perCredentialRegion: { ...input.perCredentialRegion, metricsReadsPerMonth: perMonth },
      });
      expect(lineOf(estimate.perCredentialRegion, 'GetMetricData')).toBeCloseTo(usd, 6);
    },
  );

  test('the default stack reads the metrics once an hour: at most $0.05 per credential-region', () => {
    expect(defaultMetricsReadsPerMonth()).toBe(730);
    const estimate = estimateCost({
      ...input,
      perCredentialRegion: {
        ...input.perCredentialRegion,
        metricsReadsPerMonth: defaultMetricsReadsPerMonth(),
      },
    });
    expect(estimate.perCredentialRegion[0]!.quantity).toBe('730 reads × 6 metrics');
    expect(estimate.perCredentialRegionUsdPerMonth).toBeLessThanOrEqual(0.05);
  });
});
