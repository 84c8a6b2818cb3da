/**
 * How long the CLI takes, as a user waits for it, in two measures:
 * - start-up: `tmc-health explain <id>` (no AWS call) against `node -e 0`, in turn, pair by pair, so the ratio holds
 *   whatever the machine's speed that minute; two warm-up pairs first (they also fill Node's compile cache, which
 *   bin/tmc-health.js turns on), then the median of 25 pairs;
 * - `tmc-health check --checks tmc` when every AWS answer takes 50 ms: the real command (bin/tmc-health.js and the
 *   bundle in dist/, built when outdated) run as a child process against moto behind the latency proxy, for three
 *   account shapes. One warm-up run per shape (disk cache, moto's first answers), then the median of five.
 * Beside them, the bundle's bytes: all chunks, what every command loads, what `check --checks tmc` loads.
 */
import { build } from 'esbuild';
import { resetMoto } from '../../test/integration/support/moto';
import { CLI_BUILD_OPTIONS, cliBundleSizes } from '../build-cli';
import { ensureCliBuilt, type CliEndpoints } from '../demo/cli';
import { startLatencyProxy, type LatencyProxy } from './latency-proxy';
import { runBundle, runNode } from './run-bundle';
import { seedCredentials } from './seed-accounts';
import type {
  BenchContext,
  CliBundleMeasure,
  CliStartupResult,
  CliWallTimeResult,
  CliWallTimeRow,
  Goal,
} from './types';

export const ADDED_LATENCY_MS = 50;
const RUNS = 5;
const STARTUP_PAIRS = 25;
const STARTUP_WARMUP_PAIRS = 2;
/** A check id `explain` prints: its whole page, from the catalogue, without any AWS call. */
const STARTUP_ARGS = ['explain', 'tmc.token.stale'] as const;
/** The goals ("a CLI that starts at once"). */
export const CLI_GOALS = {
  /** `tmc-health explain <id>` at most this many times `node -e 0`. */
  startupRatio: 2,
  oneByOneMs: 600,
  twentyByThreeMs: 1_200,
} as const;
const REGIONS = ['us-west-2', 'eu-west-1', 'ap-southeast-2'] as const;
const SHAPES: readonly { credentials: number; regions: number }[] = [
  { credentials: 1, regions: 1 },
  { credentials: 20, regions: 1 },
  { credentials: 20, regions: 3 },
];

export async function measureCliWallTime(ctx: BenchContext): Promise<CliWallTimeResult> {
  ensureCliBuilt(ctx.log);
  const bundle = await measureCliBundle();
  ctx.log(
    `cli: bundle ${bundle.totalBytes} bytes in ${bundle.chunks} chunks; every command loads ${bundle.startupBytes}, ` +
      `check --checks tmc ${bundle.checkTmcBytes}`,
  );
  const proxy = await startLatencyProxy(ctx.motoEndpoint, ADDED_LATENCY_MS);
  try {
    const startup = await measureStartup(ctx, {
      aws: proxy.endpoint,
      cloudTrail: proxy.endpoint,
      region: REGIONS[0],
    });
    const rows: CliWallTimeRow[] = [];
    for (const shape of SHAPES) rows.push(await measureShape(ctx, proxy, shape.credentials, shape.regions));
    return { addedLatencyMs: ADDED_LATENCY_MS, bundle, startup, rows, goals: cliGoals(startup, rows) };
  } finally {
    await proxy.close();
  }
}

/** Each goal beside what was measured (a missing row is a missed goal). */
export function cliGoals(
  startup: Pick<CliStartupResult, 'ratio'>,
  rows: readonly Pick<CliWallTimeRow, 'credentials' | 'regions' | 'medianMs'>[],
): CliWallTimeResult['goals'] {
  const shape = (credentials: number, regions: number, goalMs: number): Goal => {
    const row = rows.find((r) => r.credentials === credentials && r.regions === regions);
    return {
      text: `${credentials} credential${credentials === 1 ? '' : 's'} × ${regions} region${regions === 1 ? '' : 's'} ≤ ${goalMs / 1000} s with ${ADDED_LATENCY_MS} ms added latency`,
      met: row !== undefined && row.medianMs <= goalMs,
    };
  };
  return {
    startup: {
      text: `\`tmc-health ${STARTUP_ARGS.join(' ')}\` ≤ ${CLI_GOALS.startupRatio}× \`node -e 0\``,
      met: startup.ratio <= CLI_GOALS.startupRatio,
    },
    oneByOne: shape(1, 1, CLI_GOALS.oneByOneMs),
    twentyByThree: shape(20, 3, CLI_GOALS.twentyByThreeMs),
  };
}

/** The bundle's bytes, from a build with the options of `npm run build:cli` (in memory: dist/ is left alone). */
async function measureCliBundle(): Promise<CliBundleMeasure> {
  const result = await build({ ...CLI_BUILD_OPTIONS, outdir: 'dist', write: false, metafile: true });
  return cliBundleSizes(result.metafile);
}

/** `tmc-health explain <id>` and `node -e 0` in turn; the order flips each pair, so neither always goes first. */
async function measureStartup(ctx: BenchContext, endpoints: CliEndpoints): Promise<CliStartupResult> {
  const cliRunsMs: number[] = [];
  const nodeRunsMs: number[] = [];
  const ratios: number[] = [];
  for (let pair = 0; pair < STARTUP_WARMUP_PAIRS + STARTUP_PAIRS; pair++) {
    const runCli = async () => {
      const run = await runBundle(STARTUP_ARGS, endpoints);
      if (run.code !== 0 || !run.stdout.startsWith(STARTUP_ARGS[1])) {
        throw new Error(`tmc-health ${STARTUP_ARGS.join(' ')} exited ${run.code}: ${run.stderr}`);
      }
      return run.ms;
    };
    const runPlainNode = async () => (await runNode(['-e', '0'], endpoints)).ms;
    let cliMs: number;
    let nodeMs: number;
    if (pair % 2 === 0) {
      cliMs = await runCli();
      nodeMs = await runPlainNode();
    } else {
      nodeMs = await runPlainNode();
      cliMs = await runCli();
    }
    if (pair < STARTUP_WARMUP_PAIRS) continue;
    cliRunsMs.push(cliMs);
    nodeRunsMs.push(nodeMs);
    ratios.push(cliMs / Math.max(1, nodeMs));
  }
  const result = {
    args: [...STARTUP_ARGS],
    pairs: STARTUP_PAIRS,
    cliMedianMs: median(cliRunsMs),
    nodeMedianMs: median(nodeRunsMs),
    ratio: Math.round(medianOf(ratios) * 100) / 100,
    cliRunsMs,
    nodeRunsMs,
  };
  ctx.log(
    `cli: ${STARTUP_ARGS.join(' ')} median ${result.cliMedianMs} ms, node -e 0 ${result.nodeMedianMs} ms, ` +
      `ratio ${result.ratio} (median of ${STARTUP_PAIRS} pairs)`,
  );
  return result;
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
  return Math.round(medianOf(values));
}

function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
