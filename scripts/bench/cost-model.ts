/**
 * Cost per account-month at a schedule, from measured request counts and durations and the prices in prices.ts.
 * Pure: main.ts feeds it what the benchmark measured and what the synthesized stack contains.
 *
 * Split in three: what an account pays whatever it holds with the default template (fixed), what each optional
 * extra adds on its own line (detailed metrics, the dashboard), and what each credential checked in each region
 * adds (per credential-region). Counted as one request unit per DynamoDB call (the items are under 1 KB written,
 * 4 KB read) and one EventBridge event per PutEvents entry under 64 KB.
 */
import { HOURS_PER_MONTH, PRICES } from './prices';

export type Prices = Readonly<typeof PRICES>;

/** The goals ("a bill near zero"): the single account's fixed part, and what each member adds at the hub. */
export const COST_GOALS = {
  singleFixedUsdPerMonth: 2,
  hubPerMemberUsdPerMonth: 0.01,
} as const;

/** `Service:Operation` → requests in one run (as counted on the wire). */
export type OperationCounts = Readonly<Record<string, number>>;

export interface CheckerRunInput {
  /** Runs per month of this function at its schedule. */
  readonly runsPerMonth: number;
  readonly memoryMb: number;
  /** Billed duration of a run for the smallest account this input describes, ms. */
  readonly durationMs: number;
  /** Requests of one such run. */
  readonly requests: OperationCounts;
  /** PutEvents entries per run (a request carries up to 10). */
  readonly eventsPerRun: number;
}

export interface CostInput {
  readonly credentialCheck: CheckerRunInput;
  /** Absent when the IRSA check is disabled. */
  readonly irsaCheck?: CheckerRunInput;
  /** What one more credential-region adds to a credential-check run. */
  readonly perCredentialRegion: {
    readonly durationMs: number;
    /** GetMetricData metrics (queries) requested for it per read. */
    readonly metricsRequested: number;
    /**
     * Reads of those metrics per month: once per `metricsIntervalMinutes` slot (core/checks/metrics-cadence.ts).
     * @default the credential check's runs per month (every run reads)
     */
    readonly metricsReadsPerMonth?: number;
  };
  /** What the default template holds: from the synthesized stack and the handlers' metric contract. */
  readonly fixedResources: {
    /** Custom metrics the default functions emit (0 unless they are on by default). */
    readonly customMetrics: number;
    readonly alarms: number;
    /** Metrics the alarms read: CloudWatch bills an alarm per metric, so a metric-math alarm over two counts two. */
    readonly alarmMetrics: number;
    readonly dashboards: number;
    readonly kmsKeys: number;
  };
  /** What each configuration key left off by default would add, each priced on its own line. */
  readonly optionalExtras?: readonly OptionalExtra[];
  /** Email notifications per month (change-only: zero for a quiet account). */
  readonly emailsPerMonth?: number;
}

/** A configuration key's extra resources (e.g. `detailedMetrics=true`: its custom metrics). */
export interface OptionalExtra {
  /** The line's label, e.g. `detailedMetrics=true: the checkers’ custom metrics`. */
  readonly item: string;
  readonly customMetrics?: number;
  readonly dashboards?: number;
  /** Secrets Manager secrets it asks you to keep (the PagerDuty routing key's). */
  readonly secrets?: number;
  /** API destination invocations a month (pages and resolves), at an assumed rate the item names. */
  readonly apiDestinationInvocations?: number;
  /** OpsCenter OpsItems created a month, at an assumed rate the item names. */
  readonly opsItems?: number;
  /**
   * Publishes to a topic of its own, each delivered over HTTPS (the chat topic: one per finding change, to AWS
   * Chatbot) and encrypted under an existing key (one KMS request each).
   */
  readonly httpsPublishes?: number;
  /** Alarm metrics it adds (CloudWatch bills each). */
  readonly alarmMetrics?: number;
  /** Usage it adds per month, at the rate `assumed` states (a quiet account's is zero). */
  readonly usage?: {
    readonly lambdaInvocations?: number;
    readonly lambdaGbSeconds?: number;
    readonly events?: number;
    readonly dynamoDbReadUnits?: number;
    readonly dynamoDbWriteUnits?: number;
    readonly securityHubIngestions?: number;
  };
  /** What the usage assumes, shown with the quantity (e.g. `100 transitions a month`). */
  readonly assumed?: string;
}

export interface CostLine {
  readonly item: string;
  /** What is counted, per month: "2,920 runs × 0.25 GB × 1.2 s". */
  readonly quantity: string;
  readonly usdPerMonth: number;
}

export interface CostEstimate {
  readonly fixed: readonly CostLine[];
  readonly perCredentialRegion: readonly CostLine[];
  /** One line per optional extra, outside the fixed total (absent in results written before there were any). */
  readonly optional?: readonly CostLine[];
  readonly fixedUsdPerMonth: number;
  readonly perCredentialRegionUsdPerMonth: number;
  readonly prices: Prices;
}

/** Runs per month of a schedule that fires every `minutes`. */
export function runsPerMonth(intervalMinutes: number): number {
  return (HOURS_PER_MONTH * 60) / intervalMinutes;
}

// Case-insensitive: the wire counters name services by their signing name (`dynamodb`, `events`), the SDK
// middleware by client (`DynamoDB`, `EventBridge`).
const READ_OPERATIONS = /^dynamodb:(GetItem|BatchGetItem|Query|Scan)$/i;
const WRITE_OPERATIONS = /^dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem|TransactWriteItems)$/i;
const SNS_PUBLISH = /^sns:Publish$/i;
/** PutEvents requests; a quiet run's carry one entry each (its run summary). */
export const PUT_EVENTS = /^(events|eventbridge):PutEvents$/i;

export function sum(counts: OperationCounts, pattern: RegExp): number {
  return Object.entries(counts)
    .filter(([operation]) => pattern.test(operation))
    .reduce((total, [, count]) => total + count, 0);
}

const round = (usd: number) => Number(usd.toFixed(6));
const number = (value: number) => Math.round(value).toLocaleString('en-US');

function functionLines(name: string, run: CheckerRunInput, prices: Prices): CostLine[] {
  const gb = run.memoryMb / 1024;
  const seconds = run.durationMs / 1000;
  const reads = sum(run.requests, READ_OPERATIONS) * run.runsPerMonth;
  const writes = sum(run.requests, WRITE_OPERATIONS) * run.runsPerMonth;
  const publishes = sum(run.requests, SNS_PUBLISH) * run.runsPerMonth;
  const events = run.eventsPerRun * run.runsPerMonth;
  return [
    {
      item: `${name}: Lambda duration`,
      quantity: `${number(run.runsPerMonth)} runs × ${gb} GB × ${seconds.toFixed(2)} s`,
      usdPerMonth: round(run.runsPerMonth * gb * seconds * prices.lambdaArmPerGbSecond),
    },
    {
      item: `${name}: Lambda requests and schedules`,
      quantity: `${number(run.runsPerMonth)} invocations`,
      usdPerMonth: round(run.runsPerMonth * (prices.lambdaPerRequest + prices.schedulerPerInvocation)),
    },
    {
      item: `${name}: EventBridge events`,
      quantity: `${number(events)} events`,
      usdPerMonth: round(events * prices.putEventsPerEvent),
    },
    {
      item: `${name}: DynamoDB on-demand`,
      quantity: `${number(reads)} reads, ${number(writes)} writes`,
      usdPerMonth: round(
        reads * prices.dynamoDbPerReadRequestUnit + writes * prices.dynamoDbPerWriteRequestUnit,
      ),
    },
    {
      item: `${name}: SNS publishes (and the topic key's requests)`,
      quantity: `${number(publishes)} publishes`,
      usdPerMonth: round(publishes * (prices.snsPerPublish + prices.kmsPerRequest)),
    },
  ];
}

export function estimateCost(input: CostInput, prices: Prices = PRICES): CostEstimate {
  const { fixedResources: resources } = input;
  const emails = input.emailsPerMonth ?? 0;
  const fixed: CostLine[] = [
    ...functionLines('credential check', input.credentialCheck, prices),
    ...(input.irsaCheck ? functionLines('IRSA check', input.irsaCheck, prices) : []),
    ...(resources.customMetrics > 0
      ? [
          {
            item: 'CloudWatch custom metrics (the checkers’ own)',
            quantity: `${resources.customMetrics} metrics`,
            usdPerMonth: round(resources.customMetrics * prices.customMetricPerMonth),
          },
        ]
      : []),
    {
      item: 'CloudWatch alarms (per metric they read)',
      quantity: `${resources.alarms} alarms, ${resources.alarmMetrics} metrics`,
      usdPerMonth: round(resources.alarmMetrics * prices.alarmPerMonth),
    },
    ...(resources.dashboards > 0
      ? [
          {
            item: 'CloudWatch dashboard',
            quantity: `${resources.dashboards} dashboard`,
            usdPerMonth: round(resources.dashboards * prices.dashboardPerMonth),
          },
        ]
      : []),
    {
      item: 'KMS customer managed keys',
      quantity: `${resources.kmsKeys} key`,
      usdPerMonth: round(resources.kmsKeys * prices.kmsKeyPerMonth),
    },
    {
      item: 'SNS email notifications',
      quantity: `${number(emails)} emails`,
      usdPerMonth: round(emails * prices.snsPerEmail),
    },
  ];
  const runs = input.credentialCheck.runsPerMonth;
  const gb = input.credentialCheck.memoryMb / 1024;
  const per = input.perCredentialRegion;
  const reads = per.metricsReadsPerMonth ?? runs;
  const perCredentialRegion: CostLine[] = [
    {
      item:
        reads < runs
          ? 'GetMetricData (Invocations, Errors, Throttles of its two functions, once per metrics interval)'
          : 'GetMetricData (Invocations, Errors, Throttles of its two functions)',
      quantity:
        reads < runs
          ? `${number(reads)} reads × ${per.metricsRequested} metrics`
          : `${number(runs)} runs × ${per.metricsRequested} metrics`,
      usdPerMonth: round(reads * per.metricsRequested * prices.getMetricDataPerMetric),
    },
    {
      item: 'credential check: Lambda duration it adds',
      quantity: `${number(runs)} runs × ${gb} GB × ${(per.durationMs / 1000).toFixed(3)} s`,
      usdPerMonth: round(runs * gb * (per.durationMs / 1000) * prices.lambdaArmPerGbSecond),
    },
  ];
  const optional = (input.optionalExtras ?? []).map((extra) => optionalLine(extra, prices));
  const total = (lines: readonly CostLine[]) => round(lines.reduce((sum, line) => sum + line.usdPerMonth, 0));
  return {
    fixed,
    perCredentialRegion,
    optional,
    fixedUsdPerMonth: total(fixed),
    perCredentialRegionUsdPerMonth: total(perCredentialRegion),
    prices,
  };
}

function optionalLine(extra: OptionalExtra, prices: Prices): CostLine {
  const metrics = extra.customMetrics ?? 0;
  const dashboards = extra.dashboards ?? 0;
  const secrets = extra.secrets ?? 0;
  const destinationCalls = extra.apiDestinationInvocations ?? 0;
  const opsItems = extra.opsItems ?? 0;
  const publishes = extra.httpsPublishes ?? 0;
  const alarmMetrics = extra.alarmMetrics ?? 0;
  const usage = extra.usage ?? {};
  const invocations = usage.lambdaInvocations ?? 0;
  const gbSeconds = usage.lambdaGbSeconds ?? 0;
  const events = usage.events ?? 0;
  const reads = usage.dynamoDbReadUnits ?? 0;
  const writes = usage.dynamoDbWriteUnits ?? 0;
  const imports = usage.securityHubIngestions ?? 0;
  const quantity = [
    ...(metrics > 0 ? [`${metrics} custom metrics`] : []),
    ...(dashboards > 0 ? [`${dashboards} dashboard`] : []),
    ...(alarmMetrics > 0 ? [`${alarmMetrics} alarm metric${alarmMetrics === 1 ? '' : 's'}`] : []),
    ...(secrets > 0 ? [`${secrets} secret`] : []),
    ...(destinationCalls > 0 ? [`${number(destinationCalls)} API destination invocations`] : []),
    ...(opsItems > 0 ? [`${number(opsItems)} OpsItems`] : []),
    ...(publishes > 0 ? [`${number(publishes)} publishes delivered over HTTPS`] : []),
    ...(extra.assumed ? [`per ${extra.assumed}:`] : []),
    ...(invocations > 0 ? [`${number(invocations)} invocations, ${number(gbSeconds)} GB-s`] : []),
    ...(events > 0 ? [`${number(events)} events`] : []),
    ...(reads + writes > 0 ? [`${number(reads)} read and ${number(writes)} write units`] : []),
    ...(imports > 0 ? [`${number(imports)} finding imports`] : []),
  ]
    .join(', ')
    .replace(/:,/g, ':');
  return {
    item: extra.item,
    quantity,
    usdPerMonth: round(
      metrics * prices.customMetricPerMonth +
        dashboards * prices.dashboardPerMonth +
        secrets * prices.secretPerMonth +
        destinationCalls * prices.apiDestinationPerInvocation +
        opsItems * prices.opsItemPerItem +
        publishes * (prices.snsPerPublish + prices.snsPerHttpDelivery + prices.kmsPerRequest) +
        alarmMetrics * prices.alarmPerMonth +
        invocations * prices.lambdaPerRequest +
        gbSeconds * prices.lambdaArmPerGbSecond +
        events * prices.putEventsPerEvent +
        reads * prices.dynamoDbPerReadRequestUnit +
        writes * prices.dynamoDbPerWriteRequestUnit +
        imports * prices.securityHubPerFindingIngestion,
    ),
  };
}
