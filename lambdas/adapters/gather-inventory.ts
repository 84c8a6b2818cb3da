import type { MetricsReadPlan } from '../core/checks/metrics-cadence';
import type { InventorySnapshot, RegionInventory } from '../core/inventory';
import type { CheckerSettings } from '../core/settings';
import type { RegionClients } from './clients';
import { toApiFailure } from './aws-error';
import { readRules } from './event-rules';
import { CallLog } from './gather-call-log';
import type { RunDeadline } from './deadline';
import { mapWithConcurrency } from './gather-concurrency';
import { readFunctions, type FunctionReadResult } from './lambda-functions';
import { readLambdaMetrics } from './lambda-metrics';
import { readParameters } from './token-parameters';
import { discoverTaggedResources, type CredentialResources } from './tagging';

export interface GatherInput {
  readonly accountId: string;
  readonly regions: readonly string[];
  readonly settings: CheckerSettings;
  readonly now: Date;
  readonly clientsFor: (region: string) => RegionClients;
  /**
   * Whether this run reads the CloudWatch metrics, and over which window (core/checks/metrics-cadence.ts).
   * Default: read, over `settings.metricsWindowMinutes`.
   */
  readonly metrics?: MetricsReadPlan;
  /** No AWS call starts after it; every call not made is a DeadlineExceeded failure (its checks ERROR). */
  readonly deadline?: RunDeadline;
}

/**
 * Regions have their own endpoints and their own API quotas, so checking them at once adds no load on any one of
 * them; the bound only caps what one process keeps in flight (each region runs up to about 15 calls at once). It
 * was 2: a CLI run over 3 regions took two regions' time.
 */
const REGION_CONCURRENCY = 8;

/** Gathers the snapshot for every region. Never throws for an AWS error: failures are data in the snapshot. */
export async function gatherInventory(input: GatherInput): Promise<InventorySnapshot> {
  const regions = await mapWithConcurrency(input.regions, REGION_CONCURRENCY, (region) =>
    gatherRegionSafely(region, input),
  );
  return { accountId: input.accountId, observedAt: input.now.toISOString(), regions };
}

/**
 * Adapters already turn AWS errors into data; this guards the other regions against anything unexpected
 * (a bug, a client that cannot be built) by reporting it as this region's failed discovery.
 */
async function gatherRegionSafely(region: string, input: GatherInput): Promise<RegionInventory> {
  try {
    return await gatherRegion(region, input);
  } catch (error) {
    const failure = toApiFailure(error, { service: 'checker', operation: 'GatherRegion', region });
    const log = new CallLog(region);
    log.recordFailure(failure);
    return emptyRegion(region, log, { ok: false, failure });
  }
}

export async function gatherRegion(region: string, input: GatherInput): Promise<RegionInventory> {
  const clients = input.clientsFor(region);
  const log = new CallLog(region, input.deadline);
  const discovered = await discoverTaggedResources(clients.tagging, log, input.settings.credentialNames);
  if (!discovered.ok) {
    return emptyRegion(region, log, discovered);
  }
  const credentials = [...discovered.value.credentials.values()];

  // Functions (then their metrics), rules and parameters depend on discovery alone: read them at once, each on a
  // branch of the log appended in a fixed order, so a region costs the longest of the three, not their sum.
  const functionLog = log.branch();
  const ruleLog = log.branch();
  const parameterLog = log.branch();
  const [functions, ruleRead, parameterRead] = await Promise.all([
    readFunctionsWithMetrics(clients, functionLog, credentials, input),
    readRules(
      clients.events,
      ruleLog,
      [...discovered.value.credentials].map(([credentialName, resources]) => ({
        credentialName,
        taggedRules: resources.rules,
        functionArns: resources.functions.map((fn) => fn.arn),
      })),
    ),
    readParameters(
      clients.ssm,
      parameterLog,
      credentials.flatMap((resources) => resources.parameters),
    ),
  ]);
  log.append(functionLog, ruleLog, parameterLog);

  return {
    region,
    discovery: { ok: true, value: { taggedResourceCount: discovered.value.taggedResourceCount } },
    functions: functions.functions,
    rules: ruleRead.rules,
    parameters: parameterRead.parameters,
    vanished: [...functions.vanished, ...ruleRead.vanished, ...parameterRead.vanished],
    componentFailures: [...ruleRead.componentFailures, ...parameterRead.componentFailures],
    unread: [...ruleRead.unread, ...parameterRead.unread],
    failures: log.failures,
    succeededOperations: log.succeededOperations,
    skipped: discovered.value.skipped,
  };
}

async function readFunctionsWithMetrics(
  clients: RegionClients,
  log: CallLog,
  credentials: readonly CredentialResources[],
  input: GatherInput,
): Promise<FunctionReadResult> {
  const functionRead = await readFunctions(
    clients.lambda,
    log,
    credentials.flatMap((resources) => resources.functions),
  );
  const plan = input.metrics ?? { read: true, windowMinutes: input.settings.metricsWindowMinutes };
  // Not this run's turn: no GetMetricData, so the metric checks are not looked at (the lifecycle is told).
  if (!plan.read) return functionRead;
  // Metrics do not depend on the configuration: read them for every function that still exists, so an
  // unreadable configuration leaves its invocation, error and throttle checks checked rather than absent.
  const metrics = await readLambdaMetrics(clients.cloudwatch, log, functionRead.functions, {
    now: input.now,
    windowMinutes: plan.windowMinutes,
  });
  const functions = functionRead.functions.map((fn) => {
    const observed = metrics.get(fn.name);
    return observed === undefined ? fn : { ...fn, metrics: observed };
  });
  return { functions, vanished: functionRead.vanished };
}

function emptyRegion(region: string, log: CallLog, discovery: RegionInventory['discovery']): RegionInventory {
  return {
    region,
    discovery,
    functions: [],
    rules: [],
    parameters: [],
    vanished: [],
    componentFailures: [],
    failures: log.failures,
    succeededOperations: log.succeededOperations,
    skipped: [],
  };
}
