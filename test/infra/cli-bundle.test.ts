/**
 * The CLI bundle (scripts/build-cli.ts) stays small where start-up time is paid: every command loads the entry chunk
 * and what it imports, `check --checks tmc` adds the run-check chunk and its imports, and nothing else is loaded
 * unless a command uses it. Built here with the very options of `npm run build:cli`, in memory.
 *
 * Measured 2026-12-07 (esbuild 0.28.2): 1,016 KB of code in all chunks (the CommonJS bundle it replaced was 6.2 MB
 * unminified, 1.5 MB of it aws-cdk-lib and 0.46 MB full zod), 180 KB in what every command loads. The budgets
 * leave about 8 % of room: growth beyond that must be a decision, made here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import {
  CLI_BUILD_OPTIONS,
  cliBundleSizes,
  loadedWith as loadedWithIn,
  outputOf,
} from '../../scripts/build-cli';

/**
 * All chunks' code, source maps apart. Raised from 1,100,000 for `tmc-health fleet`: the DynamoDB client it reads
 * the hub's tables with is about 26 KB in chunks only that command loads (start-up is unchanged). Measured
 * 1,100,646 bytes then.
 */
const TOTAL_BUDGET_BYTES = 1_150_000;
/**
 * What every command loads: the entry chunk and the chunks it imports (commander, the catalogue, zod/mini). Raised
 * from 195,000 for the EKS Pod Identity family: its four catalogue entries are 13 KB of text that `explain` and
 * every finding's remediation need at start-up (its trust evaluator stays out: the catalogue imports only the
 * documented trust policy's constants). Measured 200,386 bytes then; about 7 % of room again.
 */
const STARTUP_BUDGET_BYTES = 215_000;

/** Clients `check --checks tmc` never calls: each must stay in a chunk loaded only when it is used. */
const OPTIONAL_CLIENTS = [
  '@aws-sdk/client-eks', // the EKS Connector and Pod Identity checks (--checks eks-connector, pod-identity)
  '@aws-sdk/client-iam', // IRSA, the EKS Connector and Pod Identity checks
  '@aws-sdk/client-cloudtrail', // IRSA
  '@aws-sdk/client-dynamodb', // IRSA's stores (never used by the CLI, which keeps no watermark)
  '@aws-sdk/client-sns', // --publish with a topic
  '@aws-sdk/client-securityhub', // the Lambdas' export only
];

let metafile: Metafile;
let outdir: string;

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), 'cli-bundle-'));
  const result = await build({
    ...CLI_BUILD_OPTIONS,
    outdir,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  metafile = result.metafile;
}, 60_000);
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const code = () => Object.entries(metafile.outputs).filter(([file]) => file.endsWith('.mjs'));

const loadedWith = (start: string) => loadedWithIn(metafile, start);
const chunkOf = (entryPoint: string) => outputOf(metafile, entryPoint);

const bytesOf = (files: Iterable<string>) =>
  [...files].reduce((sum, file) => sum + metafile.outputs[file]!.bytes, 0);
/** The packages (node_modules/<name>) whose code is in `files`. */
function packagesIn(files: Iterable<string>): Set<string> {
  const names = new Set<string>();
  for (const file of files) {
    for (const [input, { bytesInOutput }] of Object.entries(metafile.outputs[file]!.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
      if (match && bytesInOutput > 0) names.add(match[1]!);
    }
  }
  return names;
}

test('all chunks together stay within the budget', () => {
  const { totalBytes } = cliBundleSizes(metafile);
  expect(totalBytes).toBe(bytesOf(code().map(([file]) => file)));
  expect(totalBytes).toBeGreaterThan(300_000);
  expect(totalBytes).toBeLessThanOrEqual(TOTAL_BUDGET_BYTES);
});

test('what every command loads stays within its budget, and holds no AWS SDK', () => {
  const startup = loadedWith(chunkOf('lambdas/cli/main.ts'));
  expect(cliBundleSizes(metafile).startupBytes).toBe(bytesOf(startup));
  expect(bytesOf(startup)).toBeLessThanOrEqual(STARTUP_BUDGET_BYTES);
  const packages = [...packagesIn(startup)];
  expect(packages).toContain('commander');
  expect(packages.filter((name) => name.startsWith('@aws-sdk/') || name.startsWith('@smithy/'))).toEqual([]);
});

test('neither aws-cdk-lib nor the full zod build is anywhere in the bundle', () => {
  const inputs = Object.keys(metafile.inputs);
  expect(inputs.filter((input) => /node_modules\/(aws-cdk-lib|constructs)\//.test(input))).toEqual([]);
  expect(inputs.filter((input) => /node_modules\/zod\/(v4\/classic|v3)\//.test(input))).toEqual([]);
  expect(inputs.filter((input) => input.startsWith('lib/'))).toEqual([]);
});

test('check --checks tmc loads only the clients it calls; the optional ones come when used', () => {
  const tmc = new Set([
    ...loadedWith(chunkOf('lambdas/cli/main.ts')),
    ...loadedWith(chunkOf('lambdas/cli/run-check.ts')),
  ]);
  const packages = packagesIn(tmc);
  for (const client of [
    '@aws-sdk/client-sts',
    '@aws-sdk/client-resource-groups-tagging-api',
    '@aws-sdk/client-lambda',
    '@aws-sdk/client-cloudwatch',
    '@aws-sdk/client-eventbridge',
    '@aws-sdk/client-ssm',
  ]) {
    expect({ client, loaded: packages.has(client) }).toEqual({ client, loaded: true });
  }
  expect(OPTIONAL_CLIENTS.filter((client) => packages.has(client))).toEqual([]);
  // ...and each is in the bundle all the same, for the commands that use it (Security Hub apart).
  const all = packagesIn(code().map(([file]) => file));
  expect(OPTIONAL_CLIENTS.filter((client) => !all.has(client))).toEqual(['@aws-sdk/client-securityhub']);
});

test('every chunk has its source map, so --debug stack traces name the TypeScript sources', () => {
  const maps = new Set(Object.keys(metafile.outputs).filter((file) => file.endsWith('.mjs.map')));
  for (const [file] of code()) expect({ file, map: maps.has(`${file}.map`) }).toEqual({ file, map: true });
});
