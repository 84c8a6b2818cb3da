/**
 * Runs the IRSA check's handler against the bench's world until its region is read to the end, one run per
 * scheduled invocation, with the same watermark table throughout. Records per run what the cost model and the
 * lost/double-count check need: the handler's wall time, its requests, the stub's view of the scan, the event ids
 * served and the watermark the run started from.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoWatermarkStore } from '../../lambdas/adapters/irsa/watermark-store';
import type { IrsaRegionSummary } from '../../lambdas/app/irsa-check';
import type { Finding } from '../../lambdas/core/finding';
import type { CloudTrailStub, RegionStats } from '../../test/integration/support/cloudtrail-stub';
import type { CountingProxy } from '../../test/integration/support/counting-proxy';
import { runIrsaHandler } from '../../test/integration/support/irsa-runner';
import { sleep, TEST_REGION, type TestClients } from '../../test/integration/support/moto';
import { drainEvents } from '../../test/integration/support/sinks';
import type { IrsaRunObservation } from './irsa-scan-tally';
import type { IrsaScanWorld } from './irsa-scan-world';
import type { TrailRecorder } from './irsa-trail-recorder';

/** What the runs talk to. The handler reaches moto through `counter` and the stub through `recorder`. */
export interface IrsaScanRig {
  readonly stub: CloudTrailStub;
  readonly recorder: TrailRecorder;
  readonly counter: CountingProxy;
  /** The bench's own clients, straight to moto: their calls are not the handler's. */
  readonly clients: TestClients;
  readonly dynamo: DynamoDBClient;
  readonly world: IrsaScanWorld;
}

export interface IrsaScanRun {
  readonly handlerMs: number;
  readonly region: IrsaRegionSummary;
  /** The stub's statistics of this run alone. */
  readonly lookups: Readonly<RegionStats>;
  /** `service:Operation` → HTTP requests this run sent, LookupEvents included (throttled ones too). */
  readonly requests: Readonly<Record<string, number>>;
  readonly observation: IrsaRunObservation;
}

/**
 * LookupEvents' quota is counted over a sliding second. Scheduled runs are minutes apart; back-to-back runs
 * would start inside the previous run's second and be throttled for it, which no deployment sees.
 */
const QUOTA_WINDOW_MS = 1_000;

export async function runUntilComplete(
  rig: IrsaScanRig,
  options: { readonly pageBudget: number; readonly maxRuns: number; readonly log: (line: string) => void },
): Promise<IrsaScanRun[]> {
  const runs: IrsaScanRun[] = [];
  while (runs.length < options.maxRuns) {
    if (runs.length > 0) await sleep(QUOTA_WINDOW_MS);
    const run = await runOnce(rig, options.pageBudget);
    runs.push(run);
    const { region } = run;
    options.log(
      `IRSA scan: run ${runs.length}: ${region.pages} pages, ${region.eventsScanned} events read, ` +
        `${region.duplicatesDropped} re-reads dropped, ${(run.handlerMs / 1000).toFixed(1)} s, ${region.progress}`,
    );
    if (region.progress === 'failed') throw new Error(`the IRSA scan of ${TEST_REGION} failed`);
    if (region.complete && region.pendingGaps.length === 0) break;
  }
  return runs;
}

async function runOnce(rig: IrsaScanRig, pageBudget: number): Promise<IrsaScanRun> {
  const rememberedIds = await storedEventIds(rig);
  rig.stub.resetStats();
  rig.counter.reset();
  rig.recorder.take();
  const { summary, handlerMs } = await runIrsaHandler({
    stub: rig.stub,
    sinks: rig.world.sinks,
    regions: [TEST_REGION],
    watermarkTable: rig.world.watermarkTable,
    env: {
      TMC_HEALTH_IRSA_MAX_PAGES_PER_REGION: String(pageBudget),
      AWS_ENDPOINT_URL: rig.counter.endpoint,
      AWS_ENDPOINT_URL_CLOUDTRAIL: rig.recorder.endpoint,
    },
  });
  const servedIds = rig.recorder.take();
  const lookups = rig.stub.stats().byRegion[TEST_REGION];
  const region = summary.regions.find((candidate) => candidate.region === TEST_REGION);
  if (lookups === undefined || region === undefined)
    throw new Error(`the IRSA run did not scan ${TEST_REGION}`);
  const requests = {
    ...Object.fromEntries(rig.counter.counts()),
    'cloudtrail:LookupEvents': lookups.requests,
  };
  const findings = await drainEvents<Finding>(rig.clients, rig.world.sinks.ruleQueueUrl);
  const reportedByGroup = new Map<string, number>();
  for (const { detail } of findings) {
    if (detail.irsa === undefined) continue;
    const group = detail.irsa.serviceAccount;
    reportedByGroup.set(group, (reportedByGroup.get(group) ?? 0) + detail.irsa.count);
  }
  return { handlerMs, region, lookups, requests, observation: { servedIds, rememberedIds, reportedByGroup } };
}

/** The ids the stored watermark remembers as counted: the run about to start drops them when it reads them. */
async function storedEventIds(rig: IrsaScanRig): Promise<Set<string>> {
  const loaded = await new DynamoWatermarkStore(rig.dynamo, rig.world.watermarkTable).load(TEST_REGION);
  if (!loaded.ok) throw new Error(`cannot read the IRSA watermark: ${loaded.failure.message}`);
  return new Set(loaded.value.watermark?.recentEventIds.map((seen) => seen.id) ?? []);
}

/** A region nobody calls STS in: the stub holds no event there. */
export const QUIET_REGION = 'eu-central-1';

/**
 * One run over a region without denials, with its own watermark: what a quiet account's scheduled run costs (the
 * cost model's IRSA duration). Its first page comes back empty, so there is nothing to diagnose or publish.
 */
export async function runQuiet(
  rig: IrsaScanRig,
): Promise<{ readonly handlerMs: number; readonly requests: Record<string, number> }> {
  await sleep(QUOTA_WINDOW_MS);
  rig.stub.resetStats();
  rig.counter.reset();
  const { summary, handlerMs } = await runIrsaHandler({
    stub: rig.stub,
    sinks: rig.world.sinks,
    regions: [QUIET_REGION],
    watermarkTable: rig.world.watermarkTable,
    env: { AWS_ENDPOINT_URL: rig.counter.endpoint, AWS_ENDPOINT_URL_CLOUDTRAIL: rig.recorder.endpoint },
  });
  const region = summary.regions.find((candidate) => candidate.region === QUIET_REGION);
  if (region === undefined || !region.complete || region.eventsScanned !== 0) {
    throw new Error(`the quiet IRSA run of ${QUIET_REGION} did not read an empty region to the end`);
  }
  rig.recorder.take();
  const lookups = rig.stub.stats().byRegion[QUIET_REGION];
  return {
    handlerMs,
    requests: {
      ...Object.fromEntries(rig.counter.counts()),
      'cloudtrail:LookupEvents': lookups?.requests ?? 0,
    },
  };
}
