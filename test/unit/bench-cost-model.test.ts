import { memberCostInput } from '../../scripts/bench/cost-inputs';
import { estimateCost, runsPerMonth, type CostInput } from '../../scripts/bench/cost-model';
import { PRICES } from '../../scripts/bench/prices';

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
  fixedResources: { customMetrics: 36, alarms: 10, dashboards: 1, kmsKeys: 1 },
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
    expect(lineOf(estimate.fixed, 'CloudWatch custom metrics')).toBeCloseTo(10.8, 6);
    expect(lineOf(estimate.fixed, 'CloudWatch alarms')).toBeCloseTo(1, 6);
    expect(lineOf(estimate.fixed, 'CloudWatch dashboard')).toBeCloseTo(3, 6);
    expect(lineOf(estimate.fixed, 'KMS')).toBeCloseTo(1, 6);
    // 2,920 runs × 6 metrics × $0.01 per 1,000
    expect(lineOf(estimate.perCredentialRegion, 'GetMetricData')).toBeCloseTo(0.1752, 6);
    expect(lineOf(estimate.perCredentialRegion, 'credential check: Lambda duration')).toBeCloseTo(
      0.000973,
      5,
    );
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
    const doubled = estimateCost(input, { ...PRICES, customMetricPerMonth: 0.6 });
    expect(lineOf(doubled.fixed, 'CloudWatch custom metrics')).toBeCloseTo(21.6, 6);
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
    expect(result.fixedResources).toEqual({ customMetrics: 0, alarms: 0, dashboards: 0, kmsKeys: 0 });
  });

  test('without CloudWatch resources of its own the fixed cost is cents, not dollars', () => {
    const estimate = estimateCost(memberCostInput(single, member));
    expect(estimate.fixedUsdPerMonth).toBeLessThan(0.1);
    expect(estimateCost(single).fixedUsdPerMonth - estimate.fixedUsdPerMonth).toBeGreaterThan(15);
  });
});
