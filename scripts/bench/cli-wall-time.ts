/**
 * How long `tmc-health check --checks tmc` takes, as a user waits for it, when every AWS answer takes 50 ms: the
 * real bundle (dist/tmc-health.js, built when outdated) run as a child process against moto behind the latency
 * proxy, for three account shapes. One warm-up run per shape (disk cache, moto's first answers), then the median
 * of five.
 */
import { resetMoto } from '../../test/integration/support/moto';
import { ensureCliBuilt, type CliEndpoints } from '../demo/cli';
import { startLatencyProxy, type LatencyProxy } from './latency-proxy';
import { runBundle } from './run-bundle';
import { seedCredentials } from './seed-accounts';
import type { BenchContext, CliWallTimeResult, CliWallTimeRow } from './types';

export const ADDED_LATENCY_MS = 50;
const RUNS = 5;
const GOAL_MS = 2_000;
const REGIONS = ['us-west-2', 'eu-west-1', 'ap-southeast-2'] as const;
const SHAPES: readonly { credentials: number; regions: number }[] = [
  { credentials: 1, regions: 1 },
  { credentials: 20, regions: 1 },
  { credentials: 20, regions: 3 },
];

export async function measureCliWallTime(ctx: BenchContext): Promise<CliWallTimeResult> {
  ensureCliBuilt(ctx.log);
  const proxy = await startLatencyProxy(ctx.motoEndpoint, ADDED_LATENCY_MS);
  try {
    const rows: CliWallTimeRow[] = [];
    for (const shape of SHAPES) rows.push(await measureShape(ctx, proxy, shape.credentials, shape.regions));
    const goalRow = rows.find((row) => row.credentials === 20 && row.regions === 3);
    return {
      addedLatencyMs: ADDED_LATENCY_MS,
      rows,
      goal: {
        text: `20 credentials × 3 regions ≤ ${GOAL_MS / 1000} s with ${ADDED_LATENCY_MS} ms added latency`,
        met: goalRow !== undefined && goalRow.medianMs <= GOAL_MS,
      },
    };
  } finally {
    await proxy.close();
  }
}

async function measureShape(
  ctx: BenchContext,
  proxy: LatencyProxy,
  credentials: number,
  regionCount: number,
): Promise<CliWallTimeRow> {
  const regions = REGIONS.slice(0, regionCount);
  await resetMoto(ctx.motoEndpoint);
  const seedStarted = performance.now();
  await seedCredentials(ctx.motoEndpoint, regions, credentials);
  ctx.log(
    `cli: seeded ${credentials} credential(s) × ${regionCount} region(s) in ${Math.round(performance.now() - seedStarted)} ms`,
  );

  const endpoints: CliEndpoints = { aws: proxy.endpoint, cloudTrail: proxy.endpoint, region: regions[0]! };
  // --json so each run's findings can be checked; a table instead costs the same calls and a few ms of rendering.
  const args = ['check', '--checks', 'tmc', '--region', regions.join(','), '--json'];
  const runsMs: number[] = [];
  const requests = new Set<number>();
  for (let run = 0; run <= RUNS; run++) {
    proxy.reset();
    const cli = await runBundle(args, endpoints);
    // A fast run that failed or checked nothing would be a meaningless figure: every credential must pass.
    if (cli.code !== 0) throw new Error(`tmc-health ${args.join(' ')} exited ${cli.code}: ${cli.stderr}`);
    checkAllHealthy(cli.stdout, credentials * regionCount);
    if (run === 0) continue; // warm-up
    runsMs.push(cli.ms);
    requests.add(proxy.requests());
  }
  // The CLI makes the same calls every run; a difference would mean retries, which the figure must not hide.
  if (requests.size !== 1) ctx.log(`cli: request counts differed between runs: ${[...requests].join(', ')}`);
  const row = {
    credentials,
    regions: regionCount,
    medianMs: median(runsMs),
    runsMs,
    requests: Math.max(...requests),
  };
  ctx.log(
    `cli: ${credentials} × ${regionCount}: median ${row.medianMs} ms (${runsMs.join(', ')}), ${row.requests} requests`,
  );
  return row;
}

/** Every seeded credential (one name per region) has findings, and none of them is FAIL or ERROR. */
function checkAllHealthy(stdout: string, credentials: number): void {
  const output = JSON.parse(stdout) as { findings: { status: string; tmc?: { credentialName?: string } }[] };
  const problems = output.findings.filter((finding) => finding.status !== 'PASS');
  const seen = new Set(output.findings.map((finding) => finding.tmc?.credentialName).filter(Boolean));
  if (problems.length > 0 || seen.size !== credentials) {
    throw new Error(
      `expected ${credentials} healthy credential(s); got ${seen.size}, ${problems.length} problem finding(s)`,
    );
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : Math.round((sorted[middle - 1]! + sorted[middle]!) / 2);
}
