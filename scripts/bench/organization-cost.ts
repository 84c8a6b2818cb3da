/**
 * An organization's month: the hub's own fixed part, what each member account adds at the hub, and the members'
 * own bills, for organizations of several sizes. Pure, like cost-model.ts.
 *
 * The hub's part per member is modelled from the calls the intake makes for a quiet run report
 * (`HUB_CALLS_PER_REPORT`), not measured on moto, and from how reports reach the intake (`hubIntake`):
 * - `direct`: the bus rule invokes the intake with each report (one Lambda request per report, nothing else: no
 *   queue, nothing polled), the same at every size;
 * - `queue`: the report queue's event source mapping batches them (`HubIntakeBatching`): what an invocation costs
 *   whatever it holds (a receive, a delete, a Lambda request) is shared by the reports of its batch, and a batch
 *   fills with the reports the whole organization sends within the batching window, so the hub's cost per member
 *   falls as the organization grows, until batches are full; its pollers' idle long polls are a fixed cost.
 * Every other choice can only overstate: the billed time per report is not shared by a batch (its reports run at
 * once), and half read units are rounded up only where DynamoDB does.
 */
import { HOURS_PER_MONTH, PRICES } from './prices';
import type { CostLine, Prices } from './cost-model';

/** What the hub does for one member's quiet run report (lambdas/app/fleet-intake.ts and the stores it calls). */
export const HUB_CALLS_PER_REPORT = {
  /** The rule's SendMessage to the report queue (hubIntake=queue only). */
  sqsRequests: 1,
  /** Billed intake time per report, not shared with the other reports of its batch (they run at once). */
  lambdaDurationMs: 100,
  /**
   * Read units: the heartbeat's strongly consistent GetItem (1) and the open-index Query, eventually consistent
   * (0.5). Nothing is open and PASS findings are not read by id, so no BatchGetItem.
   */
  dynamoDbReadUnits: 1.5,
  /** The heartbeat PutItem (under 1 KB); ledger writes only when a finding changes (none for a quiet report). */
  dynamoDbWriteUnits: 1,
  /** Events the hub puts for it: none (no transition; no run summary for a quiet report, see lifecycle-stage.ts). */
  events: 0,
} as const;

/** What one intake invocation costs whatever its batch holds (hubIntake=queue; a direct one is a Lambda request). */
export const HUB_CALLS_PER_BATCH = {
  /** The ReceiveMessage that returned the batch and the DeleteMessageBatch after it. */
  sqsRequests: 2,
  lambdaInvocations: 1,
} as const;

/** The report queue's event source mapping, as the hub stack configures it, and what is assumed of Lambda's side. */
export interface HubIntakeBatching {
  /** INTAKE_BATCH_SIZE. */
  readonly batchSize: number;
  /** INTAKE_BATCHING_WINDOW, seconds. */
  readonly batchingWindowSeconds: number;
  /**
   * Lambda's pollers of the queue, each gathering a batch of its own: assumed 5 (an SQS mapping starts with five
   * concurrent batches), so the reports of a window are split five ways.
   */
  readonly pollers: number;
  /** An idle poller's long poll: one empty ReceiveMessage per poller this often, seconds (SQS's longest, 20). */
  readonly idleReceiveSeconds: number;
}

/** How run reports reach the hub's intake (the hubIntake key). */
export type HubIntakeMode = 'direct' | 'queue';

export interface HubCostInput {
  /** From the synthesized hub stack; absent in results written before the direct intake: the queue. */
  readonly intake?: HubIntakeMode;
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
  /** The queue's batching; absent for the direct intake, and in queue results written before it was modelled. */
  readonly batching?: HubIntakeBatching;
}

export interface OrganizationSize {
  readonly members: number;
  /** Reports per intake invocation at this size (1 to the batch size). */
  readonly reportsPerBatch?: number;
  /** What each member adds at the hub at this size. */
  readonly hubPerMemberUsdPerMonth?: number;
  /** The members' own bills together (fixed parts; credentials and regions are priced per credential-region). */
  readonly membersUsdPerMonth: number;
  readonly hubUsdPerMonth: number;
  readonly totalUsdPerMonth: number;
  /** Everything divided by the members: what one more account costs, the hub's share included. */
  readonly perMemberAllInUsdPerMonth: number;
}

/** One way of taking reports in, priced at each organization size (to compare the hubIntake values). */
export interface IntakeCost {
  readonly intake: HubIntakeMode;
  readonly hubFixedUsdPerMonth: number;
  readonly sizes: readonly {
    readonly members: number;
    readonly reportsPerBatch: number;
    readonly hubPerMemberUsdPerMonth: number;
    readonly hubUsdPerMonth: number;
  }[];
}

export interface OrganizationCost {
  /** How the priced hub takes its reports in (absent in results written before the direct intake: the queue). */
  readonly intake?: HubIntakeMode;
  readonly hubFixed: readonly CostLine[];
  /** What each member adds at the hub once batches are full (the smallest it gets; direct: at every size). */
  readonly hubPerMember: readonly CostLine[];
  readonly hubFixedUsdPerMonth: number;
  readonly hubPerMemberUsdPerMonth: number;
  /** What one more member account costs once batches are full: its own fixed part and what the hub does for it. */
  readonly marginalPerMemberUsdPerMonth: number;
  /** The fewest member accounts whose reports fill every batch (absent without a batching model). */
  readonly fullBatchesFromMembers?: number;
  readonly sizes: readonly OrganizationSize[];
  /** The priced intake and the other(s), side by side (absent unless the other was priced too). */
  readonly intakes?: readonly IntakeCost[];
}

/** The organization sizes the bench prices. */
export const ORGANIZATION_SIZES = [1, 10, 100, 1_000] as const;

const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;
const round = (usd: number) => Number(usd.toFixed(6));
const number = (value: number) => Math.round(value).toLocaleString('en-US');
const total = (lines: readonly CostLine[]) => round(lines.reduce((sum, line) => sum + line.usdPerMonth, 0));
const isDirect = (hub: HubCostInput) => hub.intake === 'direct';

/**
 * Reports per intake invocation with `members` member accounts: the reports the organization sends within one
 * batching window, split among the pollers, at least one (a poller invokes only with a report) and at most a batch.
 */
export function reportsPerBatch(hub: HubCostInput, members: number): number {
  if (isDirect(hub) || hub.batching === undefined) return 1;
  const { batchSize, batchingWindowSeconds, pollers } = hub.batching;
  const perWindow = ((members * hub.reportsPerMemberMonth) / SECONDS_PER_MONTH) * batchingWindowSeconds;
  return Math.min(batchSize, Math.max(1, perWindow / pollers));
}

/** The hub's lines per member when each invocation takes `batch` reports. */
function perMemberLines(hub: HubCostInput, batch: number, prices: Prices): CostLine[] {
  const reports = hub.reportsPerMemberMonth;
  const calls = hub.perReport;
  const gb = hub.memoryMb / 1024;
  const storeAndEvents = storeAndEventLines(hub, prices);
  if (isDirect(hub)) {
    return [
      {
        item: 'hub: fleet intake (Lambda, invoked by the rule with each report)',
        quantity: `${number(reports)} invocations × ${gb} GB × ${(calls.lambdaDurationMs / 1000).toFixed(2)} s`,
        usdPerMonth: round(
          reports *
            (prices.lambdaPerRequest + gb * (calls.lambdaDurationMs / 1000) * prices.lambdaArmPerGbSecond),
        ),
      },
      ...storeAndEvents,
    ];
  }
  const sqsRequests = reports * (calls.sqsRequests + HUB_CALLS_PER_BATCH.sqsRequests / batch);
  const invocations = (reports * HUB_CALLS_PER_BATCH.lambdaInvocations) / batch;
  const shown = Number.isInteger(batch) ? String(batch) : batch.toFixed(1);
  return [
    {
      item: 'hub: report queue requests',
      quantity: `${number(reports)} reports × (${calls.sqsRequests} + ${HUB_CALLS_PER_BATCH.sqsRequests} per batch of ${shown})`,
      usdPerMonth: round(sqsRequests * prices.sqsPerRequest),
    },
    {
      item: 'hub: fleet intake (Lambda)',
      quantity: `${number(invocations)} invocations; ${number(reports)} reports × ${gb} GB × ${(calls.lambdaDurationMs / 1000).toFixed(2)} s`,
      usdPerMonth: round(
        invocations * prices.lambdaPerRequest +
          reports * gb * (calls.lambdaDurationMs / 1000) * prices.lambdaArmPerGbSecond,
      ),
    },
    ...storeAndEvents,
  ];
}

/** What a report costs at the hub whichever way it came in: the heartbeat and ledger, the events it puts. */
function storeAndEventLines(hub: HubCostInput, prices: Prices): CostLine[] {
  const reports = hub.reportsPerMemberMonth;
  const calls = hub.perReport;
  return [
    {
      item: 'hub: heartbeats and ledger (DynamoDB on-demand)',
      quantity: `${number(reports * calls.dynamoDbReadUnits)} read units, ${number(reports * calls.dynamoDbWriteUnits)} write units`,
      usdPerMonth: round(
        reports *
          (calls.dynamoDbReadUnits * prices.dynamoDbPerReadRequestUnit +
            calls.dynamoDbWriteUnits * prices.dynamoDbPerWriteRequestUnit),
      ),
    },
    {
      item: 'hub: events it puts (quiet report: none)',
      quantity: `${number(reports * calls.events)} events`,
      usdPerMonth: round(reports * calls.events * prices.putEventsPerEvent),
    },
  ];
}

/**
 * The organization with `hub` as deployed (its rows are the tables'), and, with `otherIntakes`, the same hub taking
 * its reports in the other way(s), priced side by side in `intakes`.
 */
export function estimateOrganizationCost(
  hub: HubCostInput,
  memberFixedUsdPerMonth: number,
  sizes: readonly number[] = ORGANIZATION_SIZES,
  prices: Prices = PRICES,
  otherIntakes: readonly HubCostInput[] = [],
): OrganizationCost {
  const cost = organizationCostOf(hub, memberFixedUsdPerMonth, sizes, prices);
  if (otherIntakes.length === 0) return cost;
  return {
    ...cost,
    intakes: [cost, ...otherIntakes.map((other) => organizationCostOf(other, 0, sizes, prices))].map(
      (priced): IntakeCost => ({
        intake: priced.intake ?? 'queue',
        hubFixedUsdPerMonth: priced.hubFixedUsdPerMonth,
        sizes: priced.sizes.map((size) => ({
          members: size.members,
          reportsPerBatch: size.reportsPerBatch ?? 1,
          hubPerMemberUsdPerMonth: size.hubPerMemberUsdPerMonth ?? 0,
          hubUsdPerMonth: size.hubUsdPerMonth,
        })),
      }),
    ),
  };
}

function organizationCostOf(
  hub: HubCostInput,
  memberFixedUsdPerMonth: number,
  sizes: readonly number[],
  prices: Prices,
): OrganizationCost {
  const gb = hub.memoryMb / 1024;
  const idleReceives =
    isDirect(hub) || hub.batching === undefined
      ? 0
      : hub.batching.pollers * (SECONDS_PER_MONTH / hub.batching.idleReceiveSeconds);
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
    ...(isDirect(hub) || hub.batching === undefined
      ? []
      : [
          {
            item: 'hub: report queue polling (assumed: 5 pollers, one 20 s long poll each)',
            quantity: `${number(idleReceives)} receives`,
            usdPerMonth: round(idleReceives * prices.sqsPerRequest),
          },
        ]),
  ];
  const fullBatch = isDirect(hub) ? 1 : (hub.batching?.batchSize ?? 1);
  const hubPerMember = perMemberLines(hub, fullBatch, prices);
  const hubFixedUsdPerMonth = total(hubFixed);
  const hubPerMemberUsdPerMonth = total(hubPerMember);
  const fullBatchesFromMembers =
    isDirect(hub) || hub.batching === undefined
      ? undefined
      : Math.ceil(
          (hub.batching.batchSize * hub.batching.pollers * SECONDS_PER_MONTH) /
            (hub.reportsPerMemberMonth * hub.batching.batchingWindowSeconds),
        );
  return {
    ...(hub.intake === undefined ? {} : { intake: hub.intake }),
    hubFixed,
    hubPerMember,
    hubFixedUsdPerMonth,
    hubPerMemberUsdPerMonth,
    marginalPerMemberUsdPerMonth: round(memberFixedUsdPerMonth + hubPerMemberUsdPerMonth),
    ...(fullBatchesFromMembers === undefined ? {} : { fullBatchesFromMembers }),
    sizes: sizes.map((members) => {
      const batch = reportsPerBatch(hub, members);
      const perMember = total(perMemberLines(hub, batch, prices));
      const membersUsdPerMonth = round(members * memberFixedUsdPerMonth);
      const hubUsdPerMonth = round(hubFixedUsdPerMonth + members * perMember);
      const totalUsdPerMonth = round(membersUsdPerMonth + hubUsdPerMonth);
      return {
        members,
        reportsPerBatch: Number(batch.toFixed(2)),
        hubPerMemberUsdPerMonth: perMember,
        membersUsdPerMonth,
        hubUsdPerMonth,
        totalUsdPerMonth,
        perMemberAllInUsdPerMonth: round(totalUsdPerMonth / members),
      };
    }),
  };
}
