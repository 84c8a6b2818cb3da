/**
 * `npm run bench`, IRSA scan: events per second over 3,000 denials behind the CloudTrail stub at LookupEvents'
 * real quota (2 requests/s per region, 50 events per page: a ceiling of 100 events/s), with nothing lost and
 * nothing counted twice across a page-budget cut and the resume. The jest counterpart, one uncut run, is
 * test/integration/irsa-performance.test.ts.
 */
import { startCloudTrailStub } from '../../test/integration/support/cloudtrail-stub';
import { startCountingProxy } from '../../test/integration/support/counting-proxy';
import { dynamoClient } from '../../test/integration/support/irsa-seed';
import { destroyClients, testClients, useMotoEnvironment } from '../../test/integration/support/moto';
import { runQuiet, runUntilComplete, type IrsaScanRun } from './irsa-scan-runs';
import { tallyIrsaRuns } from './irsa-scan-tally';
import { seedIrsaScanWorld } from './irsa-scan-world';
import { startTrailRecorder } from './irsa-trail-recorder';
import type { BenchContext, IrsaScanResult } from './types';

const EVENTS = 3_000;
/** Six groups of 500: several findings per run, each CRITICAL by volume (the default threshold is 100). */
const SERVICE_ACCOUNTS = 6;
const PAGE_SIZE = 50;
const QUOTA_PER_SECOND = 2;
const CEILING = QUOTA_PER_SECOND * PAGE_SIZE;
/**
 * Reading everything takes 60 pages, so a budget of 40 cuts the first run two thirds of the way. The resume
 * reads the ~21-page gap, then re-reads the 15-minute overlap (~16 pages, already counted, dropped by event id)
 * and fits in the same budget: one cut and one resume, about 40 s of LookupEvents at the quota.
 */
const PAGE_BUDGET = 40;
/** Stops a checker that never completes; the ids it left unread then show as lost. */
const MAX_RUNS = 5;
const GOAL_PERCENT = 90;

export async function measureIrsaScan(ctx: BenchContext): Promise<IrsaScanResult> {
  // The handler reads its endpoints, region and (fake) credentials from the environment.
  useMotoEnvironment(ctx.motoEndpoint);
  const clients = testClients(ctx.motoEndpoint);
  const dynamo = dynamoClient(ctx.motoEndpoint);
  const closers: (() => Promise<void>)[] = [];
  try {
    const stub = await startCloudTrailStub();
    closers.push(() => stub.close());
    const recorder = await startTrailRecorder(stub.endpoint);
    closers.push(() => recorder.close());
    const counter = await startCountingProxy(ctx.motoEndpoint);
    closers.push(() => counter.close());

    ctx.log(`IRSA scan: seeding ${EVENTS} denials from ${SERVICE_ACCOUNTS} service accounts`);
    const world = await seedIrsaScanWorld(clients, dynamo, stub, {
      events: EVENTS,
      serviceAccounts: SERVICE_ACCOUNTS,
      now: new Date(),
    });
    const runs = await runUntilComplete(
      { stub, recorder, counter, clients, dynamo, world },
      { pageBudget: PAGE_BUDGET, maxRuns: MAX_RUNS, log: ctx.log },
    );
    const quiet = await runQuiet({ stub, recorder, counter, clients, dynamo, world });
    ctx.log(`IRSA scan: quiet run (no denials): ${(quiet.handlerMs / 1000).toFixed(2)} s`);
    const tally = tallyIrsaRuns(
      world.groupOf,
      runs.map((run) => run.observation),
    );
    for (const mismatch of tally.mismatches) ctx.log(`IRSA scan: ${mismatch}`);
    // Both views, since the figure kept is the larger of the two.
    ctx.log(
      `IRSA scan: by group (what the findings report) ${tally.byGroup.lost} lost / ${tally.byGroup.countedTwice} counted twice; ` +
        `by event id ${tally.byEventId.lost} / ${tally.byEventId.countedTwice}`,
    );
    return {
      ...result(runs, tally.lost, tally.countedTwice, tally.mismatches.length),
      quietRunDurationMs: Math.round(quiet.handlerMs),
      quietRunRequests: quiet.requests,
    };
  } finally {
    // Every server closes even when another did not; a failure of the bench itself is what propagates.
    await Promise.allSettled(closers.reverse().map((close) => close()));
    destroyClients(clients);
    dynamo.destroy();
  }
}

function result(
  runs: readonly IrsaScanRun[],
  lost: number,
  countedTwice: number,
  mismatches: number,
): IrsaScanResult {
  // As in irsa-performance.test.ts, timed on the stub's side: requests are spaced, so p pages take p - 1
  // intervals, each moving the scan one page (50 events) forward. Summed over the runs, excluding the time
  // between them, so it is the rate the scan keeps while it reads.
  const intervals = runs.reduce((sum, run) => sum + Math.max(0, run.lookups.pages - 1), 0);
  const scanMs = runs.reduce(
    (sum, run) => sum + (run.lookups.lastRequestAt ?? 0) - (run.lookups.firstRequestAt ?? 0),
    0,
  );
  const scanRate = scanMs > 0 ? (intervals * PAGE_SIZE) / (scanMs / 1000) : 0;
  const handlerMs = runs.reduce((sum, run) => sum + run.handlerMs, 0);
  // The goal compares the SCAN rate with the ceiling: the issue asks how much of LookupEvents' quota the checker
  // uses. End to end also pays for the IAM reads, publishing, the watermark and the overlap's re-reads (which
  // the resume must make), so it is reported beside it but not held to the 90 %.
  const percentOfCeiling = (100 * scanRate) / CEILING;
  const met = percentOfCeiling >= GOAL_PERCENT && lost === 0 && countedTwice === 0 && mismatches === 0;
  return {
    events: EVENTS,
    regions: 1,
    quotaRequestsPerSecond: QUOTA_PER_SECOND,
    ceilingEventsPerSecond: CEILING,
    scanEventsPerSecond: round1(scanRate),
    endToEndEventsPerSecond: round1(EVENTS / (handlerMs / 1000)),
    percentOfCeiling: round1(percentOfCeiling),
    runs: runs.length,
    pageBudgetPerRun: PAGE_BUDGET,
    lost,
    countedTwice,
    throttled: runs.reduce((sum, run) => sum + run.lookups.throttled, 0),
    runDurationsMs: runs.map((run) => Math.round(run.handlerMs)),
    requestsPerRun: runs.map((run) => run.requests),
    pagesPerRun: runs.map((run) => run.region.pages),
    eventsReadPerRun: runs.map((run) => run.region.eventsScanned),
    reReadsDroppedPerRun: runs.map((run) => run.region.duplicatesDropped),
    goal: {
      text:
        `scan ≥ ${GOAL_PERCENT} % of the ${CEILING} events/s ceiling, 0 lost and 0 counted twice across a ` +
        `page-budget cut and resume` +
        (mismatches > 0 ? ` (event-id check disagrees with the findings ${mismatches} times)` : ''),
      met,
    },
  };
}

const round1 = (value: number): number => Math.round(value * 10) / 10;
