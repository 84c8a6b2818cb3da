/**
 * Lambda bundles kept between test runs, for the infra tests that need a stack bundled but do not look at the
 * bundles (test/infra/bundling.test.ts and cli-bundle.test.ts do, and keep running esbuild for real).
 *
 * lib/constructs/handler-code.ts bundles with the project's esbuild through `node lib/bundling/bundle-handler.js
 * '<options>'`, run by child_process.spawnSync. While a file's tests run, `useBundleCache()` answers that call from a
 * cache directory when it holds a bundle made with the same options, by the same bundler and plugin, from the same
 * inputs: every file esbuild read (the entry, the checker's sources, node_modules, tsconfig.json) still has the
 * content it had, by SHA-256. Otherwise the bundler runs, its metafile names the inputs, and the bundle is stored.
 * Production synthesis (`cdk synth`) never loads this.
 */
// The module object itself (not a namespace copy), so that the spy replaces what aws-cdk-lib calls.
import childProcess from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const CACHE_DIR = path.join(os.tmpdir(), 'tmc-health-test-bundles');
const BUNDLING_DIR = path.join(__dirname, '..', '..', '..', 'lib', 'bundling');
const BUNDLER = path.join(BUNDLING_DIR, 'bundle-handler.js');

interface CachedInputs {
  /** Input path (relative to the working directory, as esbuild's metafile names it) and its SHA-256. */
  readonly inputs: readonly (readonly [string, string])[];
  /** The files written next to --outfile (the bundle and its source map). */
  readonly outputs: readonly string[];
}

export interface BundleCacheStats {
  hits: number;
  misses: number;
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** The bundler's options, when this call is the bundler's (with nothing else asked of it). */
function bundlerOptions(command: string, args: readonly string[]): Record<string, unknown> | undefined {
  if (command !== process.execPath || args.length !== 2 || args[0] !== BUNDLER) return undefined;
  return JSON.parse(args[1]!) as Record<string, unknown>;
}

/** The bundler and its plugin are no esbuild input: their text is part of the key. */
function bundlerSources(): string {
  return sha256(
    fs
      .readdirSync(BUNDLING_DIR)
      .sort()
      .map((file) => fs.readFileSync(path.join(BUNDLING_DIR, file), 'utf8'))
      .join('\0'),
  );
}

/** esbuild reads tsconfig.json without naming it among the inputs: its text is part of the key. */
function tsconfigOf(cwd: string): string {
  try {
    return sha256(fs.readFileSync(path.join(cwd, 'tsconfig.json')));
  } catch {
    return 'none';
  }
}

function unchanged(cwd: string, cached: CachedInputs): boolean {
  return cached.inputs.every(([file, hash]) => {
    try {
      return sha256(fs.readFileSync(path.resolve(cwd, file))) === hash;
    } catch {
      return false;
    }
  });
}

function answered(): childProcess.SpawnSyncReturns<Buffer> {
  return { pid: 0, output: [], stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), status: 0, signal: null };
}

/**
 * Registers hooks that route the file's esbuild bundling through the cache (see above) and restore spawnSync
 * after the file. Returns the counts, for a test that wants to know the cache was used.
 */
export function useBundleCache(): BundleCacheStats {
  const stats: BundleCacheStats = { hits: 0, misses: 0 };
  let spy: jest.SpyInstance | undefined;
  beforeAll(() => {
    const realSpawnSync = childProcess.spawnSync;
    spy = jest.spyOn(childProcess, 'spawnSync').mockImplementation(((
      command: string,
      args: readonly string[] = [],
      options: childProcess.SpawnSyncOptions = {},
    ) => {
      const bundling = bundlerOptions(command, args);
      if (bundling === undefined || typeof bundling.outfile !== 'string') {
        return realSpawnSync(command, args, options);
      }
      const { outfile, ...rest } = bundling;
      const outDir = path.dirname(outfile);
      const cwd = String(options.cwd ?? process.cwd());
      const key = sha256(JSON.stringify([cwd, rest, tsconfigOf(cwd), bundlerSources()]));
      const entryDir = path.join(CACHE_DIR, key);
      const manifest = path.join(entryDir, 'inputs.json');
      if (fs.existsSync(manifest)) {
        const cached = JSON.parse(fs.readFileSync(manifest, 'utf8')) as CachedInputs;
        if (unchanged(cwd, cached)) {
          for (const file of cached.outputs)
            fs.copyFileSync(path.join(entryDir, file), path.join(outDir, file));
          stats.hits += 1;
          return answered();
        }
      }
      stats.misses += 1;
      const metafile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tmc-health-meta-')), 'meta.json');
      const result = realSpawnSync(command, [...args, metafile], options);
      if (result.status === 0 && !result.error) {
        try {
          store(cwd, metafile, outDir, entryDir);
        } catch {
          // Not stored (e.g. an input esbuild names but that is no file): the next run bundles again.
        }
      }
      fs.rmSync(path.dirname(metafile), { recursive: true, force: true });
      return result;
    }) as typeof childProcess.spawnSync);
  });
  afterAll(() => spy?.mockRestore());
  return stats;
}

/** Stores a fresh bundle; written aside and renamed, so a concurrent worker never reads half an entry. */
function store(cwd: string, metafile: string, outDir: string, entryDir: string): void {
  const meta = JSON.parse(fs.readFileSync(metafile, 'utf8')) as { inputs: Record<string, unknown> };
  const inputs = Object.keys(meta.inputs).map(
    (file) => [file, sha256(fs.readFileSync(path.resolve(cwd, file)))] as const,
  );
  const outputs = fs.readdirSync(outDir).filter((file) => fs.statSync(path.join(outDir, file)).isFile());
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const staging = fs.mkdtempSync(path.join(CACHE_DIR, 'staging-'));
  for (const file of outputs) fs.copyFileSync(path.join(outDir, file), path.join(staging, file));
  fs.writeFileSync(
    path.join(staging, 'inputs.json'),
    JSON.stringify({ inputs, outputs } satisfies CachedInputs),
  );
  fs.rmSync(entryDir, { recursive: true, force: true });
  try {
    fs.renameSync(staging, entryDir);
  } catch {
    fs.rmSync(staging, { recursive: true, force: true }); // another worker stored the same bundle first
  }
}
