/**
 * Turns what the benchmark measured into the cost model's input. The choices are written down here because they
 * decide the figures: each is conservative (it can only overstate the cost).
 */
import {
  DEFAULT_METRICS_INTERVAL_MINUTES,
  DEFAULT_SCHEDULE,
  metricsCadence,
} from '../../lib/config/config-schema';
import { metricsReadsPerMonth } from '../../lambdas/core/checks/metrics-cadence';
import { DEFAULT_SETTINGS } from '../../lambdas/core/settings';
import { DEFAULT_IRSA_SCHEDULE } from '../../lib/config/irsa-config-schema';
import { parseScheduleExpression } from '../../lib/config/schedule-expression';
import { fleetReportMetricRecords, runMetricRecords } from '../../lambdas/core/observability';
import type { BundleResult } from './bundles';
import { PUT_EVENTS, runsPerMonth, sum, type CostInput, type OptionalExtra } from './cost-model';
import { INTAKE_BATCH_SIZE, INTAKE_BATCHING_WINDOW } from '../../lib/constructs/fleet-bus';
import { HUB_CALLS_PER_REPORT, type HubCostInput, type HubIntakeBatching } from './organization-cost';
import type { SynthesizedHub, SynthesizedStack } from './synthesized';
import type { CliWallTimeResult, IrsaScanResult, RequestCountResult } from './types';

/** Invocations, Errors and Throttles of a credential's data-sync and resource-retriever functions. */
const METRICS_PER_CREDENTIAL_REGION = 3 * 2;

/**
 * GetMetricData reads per month of the default stack: once per `metricsIntervalMinutes` slot of the default
 * schedule, as the stack configures the function (lib/config/config.ts).
 */
export function defaultMetricsReadsPerMonth(): number {
  const cadence = metricsCadence({
    schedule: DEFAULT_SCHEDULE,
    metricsIntervalMinutes: DEFAULT_METRICS_INTERVAL_MINUTES,
  });
  return metricsReadsPerMonth(
    {
      metricsWindowMinutes: DEFAULT_SETTINGS.metricsWindowMinutes,
      metricsIntervalMinutes: cadence?.intervalMinutes ?? 0,
      schedulePeriodMinutes: cadence?.schedulePeriodMinutes ?? 0,
    },
    scheduleRuns(DEFAULT_SCHEDULE),
  );
}

function scheduleRuns(expression: string): number {
  const parsed = parseScheduleExpression(expression);
  if (!parsed.ok) throw new Error(`bench: default schedule ${expression}: ${parsed.message}`);
  return runsPerMonth(parsed.minIntervalMinutes);
}

/**
 * Distinct metrics (name + dimension set) one function emits per run: every status, severity and transition is
 * emitted, zeros included (lambdas/core/observability.ts), so each is a metric CloudWatch bills all month.
 */
export function customMetricsPerFunction(): number {
  const records = runMetricRecords({
    findings: [],
    transitions: [],
    apiCalls: 0,
    durationMs: 0,
    completed: true,
    publishFailed: false,
  });
  return new Set(records.map((record) => `${record.name} ${JSON.stringify(record.dimensions ?? {})}`)).size;
}

/**
 * The hub's custom metrics per member account with `detailedMetrics` (ChecksFailing, ChecksErrored, RunReported),
 * one set per check family it reports.
 */
export function fleetMetricsPerMember(families: readonly string[] = ['credentials', 'irsa']): number {
  const records = families.flatMap((family) =>
    fleetReportMetricRecords({ accountId: '111122223333', family, part: 1, findings: [] }),
  );
  return new Set(records.map((record) => `${record.name} ${JSON.stringify(record.dimensions ?? {})}`)).size;
}

/** What `detailedMetrics=true` adds to a single-account stack of `functions` functions. */
export function detailedMetricsExtra(functions: number): OptionalExtra {
  return {
    item: 'detailedMetrics=true: the checkers’ own custom metrics',
    customMetrics: customMetricsPerFunction() * functions,
  };
}

/**
 * The rates the usage-driven extras are priced at: a quiet account has none of them, so each is an assumption,
 * stated beside its line. Billed times are assumed too (no bench part measures these paths).
 */
export const EXTRA_RATES = {
  /** Finding transitions a month (opened, escalated, reminded, resolved): an account with a few problems. */
  transitionsPerMonth: 100,
  /** Billed time of one Security Hub exporter invocation (one event, one BatchImportFindings). */
  exporterMs: 300,
  /** Denied AssumeRoleWithWebIdentity calls a month that reach the real-time rule (one broken role's retries). */
  denialsPerMonth: 1_000,
  /** One real-time IRSA invocation: billed time, and its ledger, claim and budget reads and writes. */
  realtimeMs: 500,
  realtimeReadUnits: 4,
  realtimeWriteUnits: 3,
  /** Data-sync functions re-triggered a month. */
  retriggersPerMonth: 10,
} as const;

/** What `throttleAlarms=true` adds: a Throttles alarm per scheduled function (from the synthesized stack). */
export function throttleAlarmsExtra(stack: SynthesizedStack, withAlarms: SynthesizedStack): OptionalExtra {
  return {
    item: 'throttleAlarms=true: a Lambda Throttles alarm per scheduled function',
    alarmMetrics: withAlarms.alarmMetrics - stack.alarmMetrics,
  };
}

/**
 * What `securityHubExport=true` adds: the exporter's alarms (its own Errors, Throttles and dead-letter queue, from
 * the synthesized stack), and per finding event one invocation and one import (Security Hub bills each finding
 * ingestion). The rule's delivery of the checkers' events costs nothing beyond their PutEvents, priced already.
 */
export function securityHubExportExtra(
  stack: SynthesizedStack,
  withExport: SynthesizedStack,
  memoryMb = 256,
): OptionalExtra {
  const transitions = EXTRA_RATES.transitionsPerMonth;
  return {
    item: 'securityHubExport=true: exporter alarms, invocations and Security Hub finding imports',
    alarmMetrics: withExport.alarmMetrics - stack.alarmMetrics,
    assumed: `${transitions} finding transitions a month`,
    usage: {
      lambdaInvocations: transitions,
      lambdaGbSeconds: transitions * (memoryMb / 1024) * (EXTRA_RATES.exporterMs / 1000),
      securityHubIngestions: transitions,
    },
  };
}

/**
 * What `irsaRealtime=true` adds: the CloudTrail rule's matched events are AWS service events on the default bus,
 * free (docs/irsa-realtime.md, Cost); one IRSA invocation per denial that reaches it, and one more watermark-table
 * write per scheduled scan and region (the claims it folds in).
 */
export function irsaRealtimeExtra(irsaRunsPerMonth: number, memoryMb = 256): OptionalExtra {
  const denials = EXTRA_RATES.denialsPerMonth;
  return {
    item: 'irsaRealtime=true: real-time IRSA invocations (the CloudTrail rule’s events are free)',
    assumed: `${denials.toLocaleString('en-US')} denials a month`,
    usage: {
      lambdaInvocations: denials,
      lambdaGbSeconds: denials * (memoryMb / 1024) * (EXTRA_RATES.realtimeMs / 1000),
      dynamoDbReadUnits: denials * EXTRA_RATES.realtimeReadUnits,
      dynamoDbWriteUnits: denials * EXTRA_RATES.realtimeWriteUnits + irsaRunsPerMonth,
    },
  };
}

/**
 * What `autoRemediation=true` adds: per re-trigger one `TMC Health Remediation` event (the Invoke itself is not
 * billed to the checker; the data-sync run it starts is TMC's own, as its schedule's would be).
 */
export const AUTO_REMEDIATION_EXTRA: OptionalExtra = {
  item: 'autoRemediation=true: remediation events (the re-triggered data-sync run is TMC’s own)',
  assumed: `${EXTRA_RATES.retriggersPerMonth} re-triggers a month`,
  usage: { events: EXTRA_RATES.retriggersPerMonth },
};

/** What `dashboard=true` adds: one dashboard (its Logs Insights widgets scan logs only when viewed). */
export const DASHBOARD_EXTRA: OptionalExtra = {
  item: 'dashboard=true: the CloudWatch dashboard',
  dashboards: 1,
};

/**
 * The paging recipes (docs/paging.md), each on its own lines. Their use depends on how often findings change, not
 * on the schedule: priced at an assumed 100 transitions that page (and 100 resolves) and 100 OpsItems a month, a
 * busy account; a quiet one pays the secret alone.
 */
export const PAGING_EXTRAS: readonly OptionalExtra[] = [
  { item: 'pagerDutyRoutingKeySecret: the routing key’s Secrets Manager secret', secrets: 1 },
  {
    item: 'pagerDutyRoutingKeySecret: API destination invocations (100 pages and 100 resolves a month)',
    apiDestinationInvocations: 200,
  },
  { item: 'opsItemsForHigh: OpsCenter OpsItems (100 a month)', opsItems: 100 },
];

function initMs(bundles: BundleResult, handler: string): number {
  return bundles.rows.find((row) => row.handler === handler)?.deployed.initMedianMs ?? 0;
}

/** PutEvents entries of a run: the requests counted, one entry each (a quiet run sends its run summary only). */
const eventsOf = (requests: Readonly<Record<string, number>>) => sum(requests, PUT_EVENTS);

export function costInput(measured: {
  readonly stack: SynthesizedStack;
  /** The stack with each resource-adding key on alone (its optional lines need what it adds). */
  readonly variants?: {
    readonly throttleAlarms: SynthesizedStack;
    readonly securityHubExport: SynthesizedStack;
  };
  readonly bundles: BundleResult;
  readonly requestCounts: RequestCountResult;
  readonly cliWallTime: CliWallTimeResult;
  readonly irsaScan: IrsaScanResult;
}): CostInput {
  const { stack, bundles, requestCounts, cliWallTime, irsaScan, variants } = measured;
  const credentialRun = requestCounts.rows[0]!;
  const rowOf = (credentials: number, regions: number) => {
    const row = cliWallTime.rows.find((r) => r.credentials === credentials && r.regions === regions);
    if (row === undefined) throw new Error(`bench: no CLI wall time for ${credentials}×${regions}`);
    return row;
  };
  const smallest = rowOf(1, 1);
  const largest = rowOf(20, 3);
  // Marginal wall time of one more credential-region, with 50 ms added to every AWS answer.
  const perCredentialRegionMs = Math.max(0, (largest.medianMs - smallest.medianMs) / (20 * 3 - 1));
  // Every run is billed as a cold start (Lambda bills the init phase; a 15-minute schedule often finds no warm
  // environment): its module init is added to each run.
  const credentialDuration = credentialRun.durationMs + initMs(bundles, 'credential-check');
  // A quiet account's run, measured over a region without denials; without that measurement, the shortest of the
  // backlog runs (an upper bound).
  const irsaDuration =
    (irsaScan.quietRunDurationMs ?? Math.min(...irsaScan.runDurationsMs)) + initMs(bundles, 'irsa-check');
  const irsaRequests =
    irsaScan.quietRunRequests ?? irsaScan.requestsPerRun[irsaScan.requestsPerRun.length - 1] ?? {};
  const functions = Object.keys(stack.functions).length;
  return {
    credentialCheck: {
      runsPerMonth: scheduleRuns(DEFAULT_SCHEDULE),
      memoryMb: stack.functions['credential-check']!.memoryMb,
      durationMs: credentialDuration,
      requests: credentialRun.byOperation,
      eventsPerRun: eventsOf(credentialRun.byOperation),
    },
    irsaCheck: {
      runsPerMonth: scheduleRuns(DEFAULT_IRSA_SCHEDULE),
      memoryMb: stack.functions['irsa-check']!.memoryMb,
      durationMs: irsaDuration,
      requests: irsaRequests,
      eventsPerRun: eventsOf(irsaRequests),
    },
    perCredentialRegion: {
      durationMs: perCredentialRegionMs,
      metricsRequested: METRICS_PER_CREDENTIAL_REGION,
      metricsReadsPerMonth: defaultMetricsReadsPerMonth(),
    },
    fixedResources: {
      customMetrics: stack.metricsDisabled ? 0 : customMetricsPerFunction() * functions,
      alarms: stack.resourceCounts['AWS::CloudWatch::Alarm'] ?? 0,
      alarmMetrics: stack.alarmMetrics,
      dashboards: stack.resourceCounts['AWS::CloudWatch::Dashboard'] ?? 0,
      kmsKeys: stack.resourceCounts['AWS::KMS::Key'] ?? 0,
    },
    // The extras the default template leaves off, each priced on its own line.
    optionalExtras: [
      ...(stack.metricsDisabled ? [detailedMetricsExtra(functions)] : []),
      ...((stack.resourceCounts['AWS::CloudWatch::Dashboard'] ?? 0) === 0 ? [DASHBOARD_EXTRA] : []),
      ...((stack.resourceCounts['AWS::Events::ApiDestination'] ?? 0) === 0 ? PAGING_EXTRAS : []),
      ...((stack.resourceCounts['AWS::Chatbot::SlackChannelConfiguration'] ?? 0) === 0 ? [CHAT_EXTRA] : []),
      ...(variants
        ? [
            throttleAlarmsExtra(stack, variants.throttleAlarms),
            securityHubExportExtra(stack, variants.securityHubExport),
          ]
        : []),
      irsaRealtimeExtra(scheduleRuns(DEFAULT_IRSA_SCHEDULE), stack.functions['irsa-check']!.memoryMb),
      AUTO_REMEDIATION_EXTRA,
    ],
  };
}

/**
 * A chat channel (docs/chat.md): the chat topic shares the findings topic's key, so only its publishes cost, one
 * per finding change (a quiet account has none); priced per 1,000 changes a month, a busy account's worth.
 */
export const CHAT_EXTRA: OptionalExtra = {
  item: 'a Slack or Teams channel (slackChannelId, teamsChannelId): the chat topic, per 1,000 finding changes',
  httpsPublishes: 1_000,
};

/** The findings ledger's and the topic's calls: a member has neither (the hub keeps them). */
const HUB_SIDE_OPERATIONS = /^(dynamodb:(BatchGetItem|Query)|sns:Publish|events:PutEvents)$/i;

function withoutHubSide(requests: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(requests).filter(([operation]) => !HUB_SIDE_OPERATIONS.test(operation)),
  );
}

/**
 * A member account's month: the same measured runs, less what the hub does for it (ledger reads, the digest, the
 * finding and run summary events), plus one run report per run to the hub bus; the resources of the synthesized
 * member stack. The IRSA watermark's GetItem and PutItem stay: the member keeps its scan position.
 */
export function memberCostInput(single: CostInput, member: SynthesizedStack): CostInput {
  const asMember = (run: CostInput['credentialCheck']) => ({
    ...run,
    requests: { ...withoutHubSide(run.requests), 'events:PutEvents': 1 },
    eventsPerRun: 1,
  });
  const families = member.functions['irsa-check'] ? ['credentials', 'irsa'] : ['credentials'];
  return {
    ...single,
    credentialCheck: asMember(single.credentialCheck),
    ...(single.irsaCheck && member.functions['irsa-check'] ? { irsaCheck: asMember(single.irsaCheck) } : {}),
    fixedResources: {
      customMetrics: member.metricsDisabled
        ? 0
        : customMetricsPerFunction() * Object.keys(member.functions).length,
      alarms: member.resourceCounts['AWS::CloudWatch::Alarm'] ?? 0,
      alarmMetrics: member.alarmMetrics,
      dashboards: member.resourceCounts['AWS::CloudWatch::Dashboard'] ?? 0,
      kmsKeys: member.resourceCounts['AWS::KMS::Key'] ?? 0,
    },
    // Billed in the hub account, but per member: the only extra a member can switch on (in the hub's config).
    optionalExtras: [
      {
        item: 'detailedMetrics=true (hub config): the hub’s fleet metrics of this member',
        customMetrics: fleetMetricsPerMember(families),
      },
    ],
  };
}

/**
 * The hub's month: its synthesized fixed resources, the fleet watch on the hub's schedule, and one run report per
 * run of each family a member runs (both on their default schedules); with the report queue (hubIntake=queue), how
 * its event source mapping batches them.
 */
export function hubCostInput(hub: SynthesizedHub, member: CostInput): HubCostInput {
  return {
    intake: hub.intake,
    fixedResources: { alarms: hub.alarms, alarmMetrics: hub.alarmMetrics, kmsKeys: hub.kmsKeys },
    watchRunsPerMonth: scheduleRuns(DEFAULT_SCHEDULE),
    memoryMb: hub.watchMemoryMb,
    reportsPerMemberMonth:
      member.credentialCheck.runsPerMonth + (member.irsaCheck ? member.irsaCheck.runsPerMonth : 0),
    perReport: HUB_CALLS_PER_REPORT,
    ...(hub.intake === 'queue' ? { batching: HUB_INTAKE_BATCHING } : {}),
  };
}

/** The hub stack's event source mapping (lib/constructs/fleet-bus.ts) and what is assumed of Lambda's pollers. */
export const HUB_INTAKE_BATCHING: HubIntakeBatching = {
  batchSize: INTAKE_BATCH_SIZE,
  batchingWindowSeconds: INTAKE_BATCHING_WINDOW.toSeconds(),
  pollers: 5,
  idleReceiveSeconds: 20,
};
