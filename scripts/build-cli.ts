/**
 * `npm run build:cli`: bundles the CLI (lambdas/cli/main.ts) into dist/, which bin/tmc-health.js starts.
 *
 * Built for start-up time, since every command pays it (docs/performance.md, "`tmc-health` start-up"):
 * - ES modules split into chunks: the first one holds what every command needs (commander, the catalogue, the
 *   flag checks); the AWS SDK clients are in chunks that `check` loads with import() when it runs, each family's
 *   apart (lambdas/cli/main.ts, run-check.ts), so `explain`, `--help` and usage errors never read them. Measured
 *   against one CommonJS file holding the same lazily loaded code: `explain` 9 % faster.
 * - Minified, with source maps beside each chunk: bin/ turns them on, so --debug stack traces name the
 *   TypeScript sources.
 * - The SDK's ES module builds, as in the Lambda bundles (lib/constructs/bundling.ts): esbuild can tree-shake those
 *   (1.6 MB of chunks -> 1.0 MB), and `check --checks tmc` for one credential took 190 ms of CPU instead of 267.
 *
 * test/infra/cli-bundle.test.ts builds with these options and keeps the bundle within its budgets; `npm run bench`
 * measures it (scripts/bench/cli-wall-time.ts).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { BUNDLE_MAIN_FIELDS } from '../lib/constructs/bundling';
import { sdkSchemaKeys } from '../lib/bundling/sdk-schema-keys';

const ROOT = join(__dirname, '..');
export const CLI_OUT_DIR = join(ROOT, 'dist');
/** The entry chunk bin/tmc-health.js imports. */
export const CLI_ENTRY = join(CLI_OUT_DIR, 'tmc-health.mjs');
export const CLI_CHUNK_DIR = join(CLI_OUT_DIR, 'chunks');

/** The options, for the build and for the tests that build it elsewhere (pass `outdir`). */
export const CLI_BUILD_OPTIONS = {
  // Metafile paths are relative to it: 'lambdas/cli/main.ts' wherever the build is started from.
  absWorkingDir: ROOT,
  entryPoints: { 'tmc-health': join(ROOT, 'lambdas', 'cli', 'main.ts') },
  bundle: true,
  platform: 'node',
  // The floor of package.json's engines: the CLI runs on the user's Node, not Lambda's.
  target: 'node22',
  format: 'esm',
  splitting: true,
  minify: true,
  sourcemap: true,
  mainFields: [...BUNDLE_MAIN_FIELDS],
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  // The CommonJS code esbuild bundles calls require(); an ES module has none of its own, so give it Node's.
  banner: {
    js: "import { createRequire as __tmcCreateRequire } from 'node:module';const require = __tmcCreateRequire(import.meta.url);",
  },
  // As in the Lambda bundles (lib/bundling/sdk-schema-keys.js): the SDK's operation schemas a command never calls
  // are left out.
  plugins: [sdkSchemaKeys()],
  logLevel: 'warning',
} as const satisfies BuildOptions;

/** The outputs an output loads with it, through its static imports (itself included). */
export function loadedWith(metafile: Metafile, start: string): Set<string> {
  const seen = new Set<string>();
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const imported of metafile.outputs[file]!.imports) {
      if (imported.kind === 'import-statement' && !imported.external) queue.push(imported.path);
    }
  }
  return seen;
}

/** The output whose entry point (the CLI's, or a module loaded with import()) is `entryPoint`. */
export function outputOf(metafile: Metafile, entryPoint: string): string {
  const found = Object.entries(metafile.outputs).find(
    ([file, output]) => file.endsWith('.mjs') && output.entryPoint === entryPoint,
  );
  if (!found) throw new Error(`no output has the entry point ${entryPoint}`);
  return found[0];
}

export interface CliBundleSizes {
  /** Code of every chunk, source maps apart. */
  readonly totalBytes: number;
  /** What every command loads: the entry chunk and the chunks it imports. */
  readonly startupBytes: number;
  /** What `check --checks tmc` loads: the above, and the run-check chunk with its imports. */
  readonly checkTmcBytes: number;
  readonly chunks: number;
}

export function cliBundleSizes(metafile: Metafile): CliBundleSizes {
  const code = Object.keys(metafile.outputs).filter((file) => file.endsWith('.mjs'));
  const bytes = (files: Iterable<string>) =>
    [...files].reduce((sum, file) => sum + metafile.outputs[file]!.bytes, 0);
  const startup = loadedWith(metafile, outputOf(metafile, 'lambdas/cli/main.ts'));
  const run = loadedWith(metafile, outputOf(metafile, 'lambdas/cli/run-check.ts'));
  return {
    totalBytes: bytes(code),
    startupBytes: bytes(startup),
    checkTmcBytes: bytes(new Set([...startup, ...run])),
    chunks: code.length,
  };
}

/** Builds into `outdir` (default dist/, whose old chunks are removed first); returns esbuild's metafile. */
export async function buildCli(outdir: string = CLI_OUT_DIR): Promise<Metafile> {
  if (outdir === CLI_OUT_DIR) {
    rmSync(CLI_CHUNK_DIR, { recursive: true, force: true });
    for (const old of ['tmc-health.js', 'tmc-health.js.map']) rmSync(join(CLI_OUT_DIR, old), { force: true });
  }
  const result = await build({ ...CLI_BUILD_OPTIONS, outdir, metafile: true });
  return result.metafile;
}

if (require.main === module) {
  buildCli().catch((error: unknown) => {
    process.stderr.write(`build:cli failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
