/**
 * Bundle bytes and module init time of each Lambda handler, built with the construct's own esbuild options
 * (lib/constructs/bundling.ts), beside two references:
 * - `sdkOnly`: a bundle that imports and constructs only the AWS SDK clients the handler bundles (what the SDK
 *   alone costs; the handler's own share is the difference);
 * - `sdkExternal`: the handler with every @aws-sdk and @smithy package left out, loaded from node_modules the way
 *   the Lambda runtime would load its own copy (the road not taken; kept measured so the choice can be re-made).
 * Init time is the time `require()` of the bundle takes in a fresh `node` process, with the function's deployed
 * environment (its module scope parses settings and builds clients, as a cold start does): median of 10 processes,
 * the four bundles' runs interleaved so a change in the machine's load weighs on each alike.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { build, type Metafile } from 'esbuild';
import { LAMBDA_UNUSED_CREDENTIAL_PROVIDERS, handlerBuildOptions } from '../../lib/constructs/bundling';
import { sdkSchemaKeys } from '../../lib/bundling/sdk-schema-keys';
import type { SynthesizedFunction } from './synthesized';
import type { Goal } from './types';

const ROOT = path.join(__dirname, '..', '..');
const OUT_DIR = path.join(ROOT, '.cache', 'bench', 'bundles');

/** The goals per handler bundle (minified code, the source map apart) and its module init. */
export const BUNDLE_GOAL_BYTES = 250_000;
export const INIT_GOAL_MS = 150;
/**
 * The handler's init against its SDK-only reference, measured in the same run (so the machine's speed cancels
 * out): what the handler's own code and settings add to the clients it cannot do without.
 */
export const INIT_RATIO_GOAL = 1.15;
const INIT_RUNS = 10;

export interface BuiltBundle {
  /** Bytes of the minified code file, source map apart. */
  readonly bytes: number;
  readonly initMedianMs: number;
  readonly initRunsMs: readonly number[];
}

export interface HandlerBundleRow {
  readonly handler: string;
  readonly deployed: BuiltBundle;
  /** The same bundle without NODE_OPTIONS=--enable-source-maps (what the source map costs at init). */
  readonly deployedWithoutSourceMaps: BuiltBundle;
  readonly sdkOnly: BuiltBundle;
  readonly sdkExternal: BuiltBundle;
  /** Deployed bytes that are not the SDK's: deployed − sdkOnly. */
  readonly ownBytes: number;
  /** deployed.initMedianMs / sdkOnly.initMedianMs, both measured here (goal INIT_RATIO_GOAL). */
  readonly initRatio: number;
  /** The @aws-sdk/client-* packages found in the bundle. */
  readonly sdkClients: readonly string[];
  /** Largest inputs of the deployed bundle, package or project folder → bytes. */
  readonly largestParts: Readonly<Record<string, number>>;
}

export interface BundleResult {
  readonly rows: readonly HandlerBundleRow[];
  /** `initRatio`: absent from results measured before it existed. */
  readonly goals: { readonly bytes: Goal; readonly initMs: Goal; readonly initRatio?: Goal };
}

interface BuildOptions {
  readonly entry: string;
  readonly outfile: string;
  readonly external: readonly string[];
}

async function bundle(options: BuildOptions): Promise<Metafile> {
  const result = await build({
    ...handlerBuildOptions(options.entry, options.outfile),
    external: [...options.external],
    plugins: [sdkSchemaKeys()],
    metafile: true,
    logLevel: 'error',
  });
  return result.metafile;
}

/** `@aws-sdk/client-ssm` from `node_modules/@aws-sdk/client-ssm/dist-es/...`, `lambdas/core` from a project file. */
function partOf(input: string): string {
  const marker = 'node_modules/';
  const at = input.lastIndexOf(marker);
  if (at < 0) return input.split('/').slice(0, 2).join('/');
  const segments = input.slice(at + marker.length).split('/');
  return segments.slice(0, segments[0]!.startsWith('@') ? 2 : 1).join('/');
}

function partsOf(metafile: Metafile): Map<string, number> {
  const parts = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const part = partOf(input);
      parts.set(part, (parts.get(part) ?? 0) + bytesInOutput);
    }
  }
  return parts;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** ms that `require(file)` takes in a fresh node process (node's own start-up excluded). */
function timeRequire(file: string, env: Readonly<Record<string, string>>): number {
  const script =
    'const t=process.hrtime.bigint();require(process.argv[1]);' +
    'process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))';
  const result = spawnSync(process.execPath, ['-e', script, file], { encoding: 'utf8', env: { ...env } });
  const ms = Number(result.stdout);
  if (result.status !== 0 || !Number.isFinite(ms)) {
    throw new Error(
      `bench: ${path.basename(file)} did not load: ${result.stderr.trim().split('\n')[0] ?? ''}`,
    );
  }
  return ms;
}

/**
 * Each file's init, the files' runs interleaved (one run of each in turn, INIT_RUNS rounds): on a machine shared with
 * other work the load changes by the second, and a ratio of two series measured one after the other would carry it.
 */
function measureInterleaved(
  jobs: readonly { readonly file: string; readonly env: Readonly<Record<string, string>> }[],
): BuiltBundle[] {
  // A first run of each warms the file cache: every measured run then reads from memory, as Lambda's do.
  for (const { file, env } of jobs) timeRequire(file, env);
  const runs: number[][] = jobs.map(() => []);
  for (let round = 0; round < INIT_RUNS; round++) {
    jobs.forEach(({ file, env }, index) => runs[index]!.push(Number(timeRequire(file, env).toFixed(1))));
  }
  return jobs.map(({ file }, index) => ({
    bytes: fs.statSync(file).size,
    initMedianMs: Number(median(runs[index]!).toFixed(1)),
    initRunsMs: runs[index]!,
  }));
}

/** The environment of a cold start: the function's variables, a region and credentials, no logs on stdout. */
function coldStartEnvironment(fn: SynthesizedFunction): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    ...fn.environment,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  };
}

/** The one `*Client` class a client package exports, e.g. `ResourceGroupsTaggingAPIClient`: read, not guessed. */
function clientClassOf(pkg: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const names = Object.keys(require(pkg) as object).filter((name) => /^[A-Z][A-Za-z0-9]*Client$/.test(name));
  if (names.length !== 1)
    throw new Error(`bench: ${pkg} exports ${names.length} *Client classes: ${names.join(', ')}`);
  return names[0]!;
}

/** Named imports, so esbuild keeps only the client classes, as it does in the handler. */
function referenceSource(clients: readonly string[]): string {
  const classes = clients.map(clientClassOf);
  return [
    '// Generated by scripts/bench/bundles.ts: the same AWS SDK clients as the handler, nothing else.',
    ...clients.map((pkg, i) => `import { ${classes[i]} } from '${pkg}';`),
    `export const clients = [${classes.map((name) => `new ${name}({ region: 'eu-west-1' })`).join(', ')}];`,
    'export const handler = async () => clients.length;',
    '',
  ].join('\n');
}

async function measureHandler(handler: string, fn: SynthesizedFunction): Promise<HandlerBundleRow> {
  const env = coldStartEnvironment(fn);
  const entry = path.join(ROOT, 'lambdas', 'handlers', `${handler}.ts`);
  const deployedFile = path.join(OUT_DIR, handler, 'index.js');
  const metafile = await bundle({
    entry,
    outfile: deployedFile,
    external: LAMBDA_UNUSED_CREDENTIAL_PROVIDERS,
  });
  const parts = partsOf(metafile);
  const sdkClients = [...parts.keys()].filter((part) => part.startsWith('@aws-sdk/client-')).sort();

  const referenceEntry = path.join(OUT_DIR, `${handler}-sdk-only`, 'entry.ts');
  fs.mkdirSync(path.dirname(referenceEntry), { recursive: true });
  fs.writeFileSync(referenceEntry, referenceSource(sdkClients));
  const referenceFile = path.join(OUT_DIR, `${handler}-sdk-only`, 'index.js');
  // esbuild resolves packages from the entry's directory upwards: .cache/bench/... is inside the project.
  await bundle({
    entry: referenceEntry,
    outfile: referenceFile,
    external: LAMBDA_UNUSED_CREDENTIAL_PROVIDERS,
  });

  const externalFile = path.join(OUT_DIR, `${handler}-sdk-external`, 'index.js');
  await bundle({ entry, outfile: externalFile, external: ['@aws-sdk/*', '@smithy/*'] });

  const withoutMaps = { ...env };
  delete withoutMaps.NODE_OPTIONS;
  const [deployed, sdkOnly, sdkExternal, deployedWithoutSourceMaps] = measureInterleaved([
    { file: deployedFile, env },
    { file: referenceFile, env },
    // The runtime's SDK is a node_modules tree: ours stands in for it.
    { file: externalFile, env: { ...env, NODE_PATH: path.join(ROOT, 'node_modules') } },
    { file: deployedFile, env: withoutMaps },
  ]) as [BuiltBundle, BuiltBundle, BuiltBundle, BuiltBundle];
  const largestParts = Object.fromEntries([...parts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8));
  return {
    handler,
    deployed,
    deployedWithoutSourceMaps,
    sdkOnly,
    sdkExternal,
    ownBytes: deployed.bytes - sdkOnly.bytes,
    initRatio: Number((deployed.initMedianMs / sdkOnly.initMedianMs).toFixed(2)),
    sdkClients,
    largestParts,
  };
}

export async function measureBundles(
  functions: Readonly<Record<string, SynthesizedFunction>>,
  log: (line: string) => void,
): Promise<BundleResult> {
  const rows: HandlerBundleRow[] = [];
  for (const [handler, fn] of Object.entries(functions)) {
    log(`bundles: ${handler} (3 builds, ${4 * (INIT_RUNS + 1)} cold node processes)`);
    rows.push(await measureHandler(handler, fn));
  }
  const bytesMet = rows.every((row) => row.deployed.bytes <= BUNDLE_GOAL_BYTES);
  const initMet = rows.every((row) => row.deployed.initMedianMs <= INIT_GOAL_MS);
  const ratioMet = rows.every((row) => row.initRatio <= INIT_RATIO_GOAL);
  return {
    rows,
    goals: {
      bytes: {
        text: `each handler bundle ≤ ${BUNDLE_GOAL_BYTES / 1000} KB minified, code only`,
        met: bytesMet,
      },
      initMs: {
        text: `module init ≤ ${INIT_GOAL_MS} ms (median of ${INIT_RUNS} cold node processes)`,
        met: initMet,
      },
      initRatio: {
        text: `module init ≤ ${INIT_RATIO_GOAL}× the SDK-only reference's (both measured in the same run)`,
        met: ratioMet,
      },
    },
  };
}
