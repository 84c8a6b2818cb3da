/**
 * An organization's month: the hub's own fixed part, what each member account adds at the hub, and the members'
 * own bills, for organizations of several sizes. Pure, like cost-model.ts.
 *
 * The hub's part per member is modelled from the calls the intake makes for one run report
 * (`HUB_CALLS_PER_REPORT`), not measured on moto: each figure is the most the code can do for a quiet report, so
 * the model can only overstate (batching, which shares invocations and queue requests among up to ten reports, is
 * left out).
 */
import { PRICES } from './prices';
import type { CostLine, Prices } from './cost-model';

/** What the hub does for one member's run report (lambdas/app/fleet-intake.ts and the stores it calls). */
export const HUB_CALLS_PER_REPORT = {
  /** The rule's delivery to the report queue, the intake's receive, its delete. */
  sqsRequests: 3,
  /** One intake invocation per report (SQS batches up to 10: overstated tenfold when busy). */
  lambdaInvocations: 1,
  /** Billed intake time of a quiet report: decode, validate, heartbeat and ledger reads. */
  lambdaDurationMs: 100,
  /** Heartbeat GetItem, ledger Query of the account's open markers, BatchGetItem of the open items. */
  dynamoDbReads: 3,
  /** The heartbeat write; ledger writes only when a finding changes (none for a quiet report). */
  dynamoDbWrites: 1,
} as const;

export interface HubCostInput {
  /** From the synthesized hub stack. */
  readonly fixedResources: {
    readonly alarms: number;
    readonly alarmMetrics: number;
    readonly kmsKeys: number;
  };
  /** The fleet watch's runs (its schedule) and their cost (a Scan of the heartbeat table each). */
  readonly watchRunsPerMonth: number;
  readonly memoryMb: number;
  /** Run reports one member sends a month: one per run of each check family. */
  readonly reportsPerMemberMonth: number;
  readonly perReport: typeof HUB_CALLS_PER_REPORT;
}

export interface OrganizationSize {
  readonly members: number;
  /** The members' own bills together (fixed parts; credentials and regions are priced per credential-region). */
  readonly membersUsdPerMonth: number;
  readonly hubUsdPerMonth: number;
  readonly totalUsdPerMonth: number;
  /** Everything divided by the members: what one more account costs, the hub's share included. */
  readonly perMemberAllInUsdPerMonth: number;
}

export interface OrganizationCost {
  readonly hubFixed: readonly CostLine[];
  readonly hubPerMember: readonly CostLine[];
  readonly hubFixedUsdPerMonth: number;
  readonly hubPerMemberUsdPerMonth: number;
  /** What one more member account costs: its own fixed part and what the hub does for it. */
  readonly marginalPerMemberUsdPerMonth: number;
  readonly sizes: readonly OrganizationSize[];
}

/** The organization sizes the bench prices. */
export const ORGANIZATION_SIZES = [1, 10, 100, 1_000] as const;

const round = (usd: number) => Number(usd.toFixed(6));
const number = (value: number) => Math.round(value).toLocaleString('en-US');
const total = (lines: readonly CostLine[]) => round(lines.reduce((sum, line) => sum + line.usdPerMonth, 0));

export function estimateOrganizationCost(
  hub: HubCostInput,
  memberFixedUsdPerMonth: number,
  sizes: readonly number[] = ORGANIZATION_SIZES,
  prices: Prices = PRICES,
): OrganizationCost {
  const gb = hub.memoryMb / 1024;
  const hubFixed: CostLine[] = [
    {
      item: 'hub: CloudWatch alarms (per metric they read)',
      quantity: `${hub.fixedResources.alarms} alarms, ${hub.fixedResources.alarmMetrics} metrics`,
      usdPerMonth: round(hub.fixedResources.alarmMetrics * prices.alarmPerMonth),
    },
    {
      item: 'hub: KMS customer managed keys',
      quantity: `${hub.fixedResources.kmsKeys} key`,
      usdPerMonth: round(hub.fixedResources.kmsKeys * prices.kmsKeyPerMonth),
    },
    {
      item: 'hub: fleet watch runs',
      quantity: `${number(hub.watchRunsPerMonth)} runs × ${gb} GB × 0.10 s`,
      usdPerMonth: round(
        hub.watchRunsPerMonth *
          (gb * 0.1 * prices.lambdaArmPerGbSecond + prices.lambdaPerRequest + prices.schedulerPerInvocation),
      ),
    },
  ];
  const reports = hub.reportsPerMemberMonth;
  const calls = hub.perReport;
  const hubPerMember: CostLine[] = [
    {
      item: 'hub: report queue requests',
      quantity: `${number(reports)} reports × ${calls.sqsRequests} requests`,
      usdPerMonth: round(reports * calls.sqsRequests * prices.sqsPerRequest),
    },
    {
      item: 'hub: fleet intake (Lambda)',
      quantity: `${number(reports)} reports × ${gb} GB × ${(calls.lambdaDurationMs / 1000).toFixed(2)} s`,
      usdPerMonth: round(
        reports *
          (calls.lambdaInvocations * prices.lambdaPerRequest +
            gb * (calls.lambdaDurationMs / 1000) * prices.lambdaArmPerGbSecond),
      ),
    },
    {
      item: 'hub: heartbeats and ledger (DynamoDB on-demand)',
      quantity: `${number(reports * calls.dynamoDbReads)} reads, ${number(reports * calls.dynamoDbWrites)} writes`,
      usdPerMonth: round(
        reports *
          (calls.dynamoDbReads * prices.dynamoDbPerReadRequestUnit +
            calls.dynamoDbWrites * prices.dynamoDbPerWriteRequestUnit),
      ),
    },
  ];
  const hubFixedUsdPerMonth = total(hubFixed);
  const hubPerMemberUsdPerMonth = total(hubPerMember);
  return {
    hubFixed,
    hubPerMember,
    hubFixedUsdPerMonth,
    hubPerMemberUsdPerMonth,
    marginalPerMemberUsdPerMonth: round(memberFixedUsdPerMonth + hubPerMemberUsdPerMonth),
    sizes: sizes.map((members) => {
      const membersUsdPerMonth = round(members * memberFixedUsdPerMonth);
      const hubUsdPerMonth = round(hubFixedUsdPerMonth + members * hubPerMemberUsdPerMonth);
      const totalUsdPerMonth = round(membersUsdPerMonth + hubUsdPerMonth);
      return {
        members,
        membersUsdPerMonth,
        hubUsdPerMonth,
        totalUsdPerMonth,
        perMemberAllInUsdPerMonth: round(totalUsdPerMonth / members),
      };
    }),
  };
}
