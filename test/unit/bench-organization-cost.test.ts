import { PRICES } from '../../scripts/bench/prices';
import {
  estimateOrganizationCost,
  HUB_CALLS_PER_REPORT,
  reportsPerBatch,
  type HubCostInput,
} from '../../scripts/bench/organization-cost';

/** A hub of 11 alarm metrics and one key, a 15-minute watch, members running two families every 15 minutes. */
const HUB: HubCostInput = {
  fixedResources: { alarms: 9, alarmMetrics: 11, kmsKeys: 1 },
  watchRunsPerMonth: 2_920,
  memoryMb: 256,
  reportsPerMemberMonth: 5_840,
  perReport: HUB_CALLS_PER_REPORT,
  batching: { batchSize: 10, batchingWindowSeconds: 300, pollers: 5, idleReceiveSeconds: 20 },
};

describe('the cost of an organization, hub side included', () => {
  const org = estimateOrganizationCost(HUB, 0.02);

  it('prices the hub per member at full batches from its calls per report and per batch, worked out by hand', () => {
    // 5,840 reports × (1 + 2 / 10) SQS requests × $0.40/M = $0.0028032
    // 584 invocations × $0.20/M + 5,840 × 0.25 GB × 0.1 s × $0.0000133334 = $0.0001168 + $0.0019467
    // 5,840 × (1.5 read units × $0.125/M + 1 write unit × $0.625/M) = $0.001095 + $0.00365
    // no events for a quiet report
    expect(org.hubPerMember.map((line) => line.usdPerMonth)).toEqual([0.002803, 0.002063, 0.004745, 0]);
    expect(org.hubPerMemberUsdPerMonth).toBeCloseTo(0.009611, 6);
    expect(org.marginalPerMemberUsdPerMonth).toBeCloseTo(0.029611, 6);
  });

  it('prices the hub fixed part: alarms per metric, the key, the watch, the idle pollers', () => {
    const watch =
      2_920 *
      (0.25 * 0.1 * PRICES.lambdaArmPerGbSecond + PRICES.lambdaPerRequest + PRICES.schedulerPerInvocation);
    // 5 pollers × one receive per 20 s × 730 h.
    const polling = 5 * ((730 * 3600) / 20) * PRICES.sqsPerRequest;
    expect(org.hubFixedUsdPerMonth).toBeCloseTo(1.1 + 1 + watch + polling, 5);
  });

  it('batches fill with the organization: a report per invocation for one member, full batches from 75', () => {
    // 5,840 reports a month are 0.00222 a second per member; a 300 s window split among 5 pollers.
    expect(reportsPerBatch(HUB, 1)).toBe(1);
    expect(reportsPerBatch(HUB, 10)).toBeCloseTo((10 * 5_840 * 300) / (730 * 3600 * 5), 6);
    expect(reportsPerBatch(HUB, 74)).toBeLessThan(10);
    expect(reportsPerBatch(HUB, 75)).toBe(10);
    expect(org.fullBatchesFromMembers).toBe(75);
    // Without a batching model (results written before it), one report per invocation.
    expect(reportsPerBatch({ ...HUB, batching: undefined }, 1_000)).toBe(1);
  });

  it('what a member adds at the hub falls with the batch, to the full-batch figure', () => {
    const perMember = org.sizes.map((size) => size.hubPerMemberUsdPerMonth!);
    expect([...perMember].sort((a, b) => b - a)).toEqual(perMember);
    // One report per invocation: the receive, the delete and the request are that report's alone.
    const alone = 5_840 * (3 * PRICES.sqsPerRequest + PRICES.lambdaPerRequest);
    const shared = 5_840 * (1.2 * PRICES.sqsPerRequest + 0.1 * PRICES.lambdaPerRequest);
    expect(perMember[0]! - perMember[3]!).toBeCloseTo(alone - shared, 5);
    expect(perMember[3]).toBeCloseTo(org.hubPerMemberUsdPerMonth, 6);
  });

  it('prices 1, 10, 100 and 1,000 member accounts, the hub fixed part shared among them', () => {
    expect(org.sizes.map((size) => size.members)).toEqual([1, 10, 100, 1_000]);
    const thousand = org.sizes[3]!;
    expect(thousand.membersUsdPerMonth).toBeCloseTo(20, 6);
    expect(thousand.hubUsdPerMonth).toBeCloseTo(
      org.hubFixedUsdPerMonth + 1_000 * org.hubPerMemberUsdPerMonth,
      5,
    );
    expect(thousand.perMemberAllInUsdPerMonth).toBeCloseTo(thousand.totalUsdPerMonth / 1_000, 6);
    // The shared hub dominates a small organization and fades in a large one.
    const perMember = org.sizes.map((size) => size.perMemberAllInUsdPerMonth);
    expect([...perMember].sort((a, b) => b - a)).toEqual(perMember);
  });

  it('grows with the reports: twice the schedule, twice the hub part per member (full batches)', () => {
    const busier = estimateOrganizationCost({ ...HUB, reportsPerMemberMonth: 11_680 }, 0.02);
    expect(busier.hubPerMemberUsdPerMonth).toBeCloseTo(2 * org.hubPerMemberUsdPerMonth, 5);
  });
});

describe('hubIntake=direct: the rule invokes the intake with each report', () => {
  const DIRECT: HubCostInput = {
    ...HUB,
    intake: 'direct',
    // One alarm less (no report queue to be retried in); no batching: nothing is polled.
    fixedResources: { alarms: 8, alarmMetrics: 10, kmsKeys: 1 },
    batching: undefined,
  };
  const queue = { ...HUB, intake: 'queue' as const };
  const org = estimateOrganizationCost(DIRECT, 0.02, undefined, undefined, [queue]);

  it('prices a report as one Lambda request and its billed time, the ledger and heartbeat; no SQS, worked out by hand', () => {
    // 5,840 × ($0.20/M + 0.25 GB × 0.1 s × $0.0000133334) = $0.001168 + $0.0019467
    expect(org.hubPerMember.map((line) => line.usdPerMonth)).toEqual([0.003115, 0.004745, 0]);
    expect(org.hubPerMember.map((line) => line.item).join(' ')).not.toMatch(/queue/);
    expect(org.hubPerMemberUsdPerMonth).toBeCloseTo(0.00786, 6);
    expect(org.fullBatchesFromMembers).toBeUndefined();
  });

  it('the same per member at every size, under the $0.01 goal from one member account up', () => {
    expect(org.sizes.map((size) => size.hubPerMemberUsdPerMonth)).toEqual([
      0.00786, 0.00786, 0.00786, 0.00786,
    ]);
    expect(org.sizes.map((size) => size.reportsPerBatch)).toEqual([1, 1, 1, 1]);
    for (const size of org.sizes) expect(size.hubPerMemberUsdPerMonth).toBeLessThanOrEqual(0.01);
  });

  it('no idle polling in the fixed part: the queue costs its pollers on top of its extra alarm', () => {
    expect(org.hubFixed.map((line) => line.item).join(' ')).not.toMatch(/polling/);
    const queued = estimateOrganizationCost(queue, 0.02);
    const polling = 5 * ((730 * 3600) / 20) * PRICES.sqsPerRequest;
    expect(queued.hubFixedUsdPerMonth - org.hubFixedUsdPerMonth).toBeCloseTo(
      PRICES.alarmPerMonth + polling,
      5,
    );
  });

  it('both intakes side by side: the direct rows are the tables’ own, the queue dearer per member at every size', () => {
    expect(org.intake).toBe('direct');
    expect(org.intakes?.map((intake) => intake.intake)).toEqual(['direct', 'queue']);
    const [direct, queued] = org.intakes!;
    expect(direct!.sizes.map((size) => size.hubPerMemberUsdPerMonth)).toEqual(
      org.sizes.map((size) => size.hubPerMemberUsdPerMonth),
    );
    expect(queued!.sizes).toEqual(
      estimateOrganizationCost(queue, 0.02).sizes.map((size) => ({
        members: size.members,
        reportsPerBatch: size.reportsPerBatch,
        hubPerMemberUsdPerMonth: size.hubPerMemberUsdPerMonth,
        hubUsdPerMonth: size.hubUsdPerMonth,
      })),
    );
    queued!.sizes.forEach((size, index) =>
      expect(size.hubPerMemberUsdPerMonth).toBeGreaterThan(direct!.sizes[index]!.hubPerMemberUsdPerMonth),
    );
    // Without another intake to compare, nothing side by side (results written before both were priced).
    expect(estimateOrganizationCost(DIRECT, 0.02).intakes).toBeUndefined();
  });
});
