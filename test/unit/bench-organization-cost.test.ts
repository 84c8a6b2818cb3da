import { PRICES } from '../../scripts/bench/prices';
import {
  estimateOrganizationCost,
  HUB_CALLS_PER_REPORT,
  type HubCostInput,
} from '../../scripts/bench/organization-cost';

/** A hub of 11 alarm metrics and one key, a 15-minute watch, members running two families every 15 minutes. */
const HUB: HubCostInput = {
  fixedResources: { alarms: 9, alarmMetrics: 11, kmsKeys: 1 },
  watchRunsPerMonth: 2_920,
  memoryMb: 256,
  reportsPerMemberMonth: 5_840,
  perReport: HUB_CALLS_PER_REPORT,
};

describe('the cost of an organization, hub side included', () => {
  const org = estimateOrganizationCost(HUB, 0.02);

  it('prices the hub per member from its calls per report, worked out by hand', () => {
    // 5,840 reports × (3 SQS requests × $0.40/M) = $0.007008
    // 5,840 × ($0.20/M + 0.25 GB × 0.1 s × $0.0000133334) = $0.001168 + $0.001947 = $0.003115
    // 5,840 × (3 reads × $0.125/M + 1 write × $0.625/M) = $0.00584
    expect(org.hubPerMember.map((line) => line.usdPerMonth)).toEqual([0.007008, 0.003115, 0.00584]);
    expect(org.hubPerMemberUsdPerMonth).toBeCloseTo(0.015963, 6);
    expect(org.marginalPerMemberUsdPerMonth).toBeCloseTo(0.035963, 6);
  });

  it('prices the hub fixed part: alarms per metric, the key, the watch', () => {
    const watch =
      2_920 *
      (0.25 * 0.1 * PRICES.lambdaArmPerGbSecond + PRICES.lambdaPerRequest + PRICES.schedulerPerInvocation);
    expect(org.hubFixedUsdPerMonth).toBeCloseTo(1.1 + 1 + watch, 6);
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

  it('grows with the reports: twice the schedule, twice the hub part per member', () => {
    const busier = estimateOrganizationCost({ ...HUB, reportsPerMemberMonth: 11_680 }, 0.02);
    expect(busier.hubPerMemberUsdPerMonth).toBeCloseTo(2 * org.hubPerMemberUsdPerMonth, 5);
  });
});
