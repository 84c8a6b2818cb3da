import type { InventorySnapshot, RegionInventory } from '../core/inventory';
import type { CheckerSettings } from '../core/settings';
import type { RegionClients } from './clients';
import { toApiFailure } from './aws-error';
import { readRules } from './event-rules';
import { CallLog } from './gather-call-log';
import type { RunDeadline } from './deadline';
import { mapWithConcurrency } from './gather-concurrency';
import { readFunctions } from './lambda-functions';
import { readLambdaMetrics } from './lambda-metrics';
import { readParameters } from './token-parameters';
import { discoverTaggedResources } from './tagging';

export interface GatherInput {
  readonly accountId: string;
  readonly regions: readonly string[];
  readonly settings: CheckerSettings;
  readonly now: Date;
  readonly clientsFor: (region: string) => RegionClients;
  /** No AWS call starts after it; every call not made is a DeadlineExceeded failure (its checks ERROR). */
  readonly deadline?: RunDeadline;
}

// Regions are independent, but each already runs several calls at once: keep the total modest.
const REGION_CONCURRENCY = 2;

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

  const functionRead = await readFunctions(
    clients.lambda,
    log,
    credentials.flatMap((resources) => resources.functions),
  );
  // Metrics do not depend on the configuration: read them for every function that still exists, so an
  // unreadable configuration leaves its invocation, error and throttle checks checked rather than absent.
  const metrics = await readLambdaMetrics(clients.cloudwatch, log, functionRead.functions, {
    now: input.now,
    windowMinutes: input.settings.metricsWindowMinutes,
  });
  const functions = functionRead.functions.map((fn) => {
    const observed = metrics.get(fn.name);
    return observed === undefined ? fn : { ...fn, metrics: observed };
  });

  const ruleRead = await readRules(
    clients.events,
    log,
    [...discovered.value.credentials].map(([credentialName, resources]) => ({
      credentialName,
      taggedRules: resources.rules,
      functionArns: resources.functions.map((fn) => fn.arn),
    })),
  );
  const parameterRead = await readParameters(
    clients.ssm,
    log,
    credentials.flatMap((resources) => resources.parameters),
  );

  return {
    region,
    discovery: { ok: true, value: { taggedResourceCount: discovered.value.taggedResourceCount } },
    functions,
    rules: ruleRead.rules,
    parameters: parameterRead.parameters,
    vanished: [...functionRead.vanished, ...ruleRead.vanished, ...parameterRead.vanished],
    componentFailures: [...ruleRead.componentFailures, ...parameterRead.componentFailures],
    unread: [...ruleRead.unread, ...parameterRead.unread],
    failures: log.failures,
    succeededOperations: log.succeededOperations,
    skipped: discovered.value.skipped,
  };
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
