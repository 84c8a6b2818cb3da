/**
 * The layers point one way: core <- adapters <- app <- handlers and cli, and the CDK code (lib/, bin/) reaches
 * into lambdas/ for core's constants and types only. core is pure (no SDK, no adapter), adapters know nothing of
 * a run, and nothing below a Lambda entry point or the CLI depends on either. A wrong import fails here with the
 * file and what it may not import.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { importsOf, ROOT, sourceFiles } from '../fixtures/import-graph';

type Layer = 'core' | 'adapters' | 'app' | 'handlers' | 'cli' | 'lib' | 'bin';

/** What each layer may import, itself included. */
const MAY_IMPORT: Readonly<Record<Layer, readonly Layer[]>> = {
  core: ['core'],
  adapters: ['core', 'adapters'],
  app: ['core', 'adapters', 'app'],
  handlers: ['core', 'adapters', 'app', 'handlers'],
  cli: ['core', 'adapters', 'app', 'cli'],
  lib: ['core', 'lib'],
  bin: ['core', 'lib', 'bin'],
};

function layerOf(root: string, file: string): Layer | undefined {
  const parts = relative(root, file).split(sep);
  if (parts[0] === 'lambdas')
    return (['core', 'adapters', 'app', 'handlers', 'cli'] as const).find((l) => l === parts[1]);
  return parts[0] === 'lib' || parts[0] === 'bin' ? parts[0] : undefined;
}

function violations(root: string, files: readonly string[]): string[] {
  return files.flatMap((file) => {
    const from = layerOf(root, file);
    if (from === undefined) return [];
    return importsOf(file).flatMap((target) => {
      const to = layerOf(root, target);
      return to !== undefined && !MAY_IMPORT[from].includes(to)
        ? [`${relative(root, file)} (${from}) imports ${relative(root, target)} (${to})`]
        : [];
    });
  });
}

it('every import in lambdas/, lib/ and bin/ points down the layers', () => {
  const files = ['lambdas', 'lib', 'bin'].flatMap((dir) => sourceFiles(join(ROOT, dir)));
  expect(files.length).toBeGreaterThan(100);
  expect(violations(ROOT, files)).toEqual([]);
});

/** Imports from lib/ or bin/ into lambdas/ that land outside lambdas/core (the CDK code takes constants and types). */
function libReachBeyondCore(root: string, files: readonly string[]): string[] {
  const lambdas = join(root, 'lambdas') + sep;
  const core = join(root, 'lambdas', 'core') + sep;
  return files.flatMap((file) => {
    const from = relative(root, file).split(sep)[0];
    if (from !== 'lib' && from !== 'bin') return [];
    return importsOf(file)
      .filter((target) => target.startsWith(lambdas) && !target.startsWith(core))
      .map((target) => `${relative(root, file)} imports ${relative(root, target)}`);
  });
}

it('lib/ and bin/ import nothing of lambdas/ but lambdas/core', () => {
  const files = ['lib', 'bin'].flatMap((dir) => sourceFiles(join(ROOT, dir)));
  expect(files.some((file) => importsOf(file).some((t) => t.includes(`${sep}lambdas${sep}core${sep}`)))).toBe(
    true,
  );
  expect(libReachBeyondCore(ROOT, files)).toEqual([]);
});

it('core imports no SDK or Powertools package', () => {
  const offenders = sourceFiles(join(ROOT, 'lambdas', 'core')).filter((file) =>
    /from\s+'@aws-sdk\/|from\s+'@smithy\/|from\s+'@aws-lambda-powertools\//.test(readFileSync(file, 'utf8')),
  );
  expect(offenders.map((file) => relative(ROOT, file))).toEqual([]);
});

it('the rule fails on a deliberate wrong import', () => {
  const root = mkdtempSync(join(tmpdir(), 'layers-'));
  try {
    for (const dir of ['lambdas/core', 'lambdas/adapters', 'lambdas/app', 'lambdas/cli', 'lib'])
      mkdirSync(join(root, dir), { recursive: true });
    writeFileSync(join(root, 'lambdas/adapters/store.ts'), 'export const STORE = 1;\n');
    writeFileSync(join(root, 'lambdas/cli/flags.ts'), 'export const FLAG = 1;\n');
    // A contract left in app: an adapter implementing it would have to import upwards.
    writeFileSync(
      join(root, 'lambdas/app/run-sink.ts'),
      'export interface RunSink { readonly kind: string }\n',
    );
    writeFileSync(
      join(root, 'lambdas/adapters/sink.ts'),
      "import type { RunSink } from '../app/run-sink';\nexport const sink: RunSink = { kind: 'publish' };\n",
    );
    writeFileSync(
      join(root, 'lib/construct.ts'),
      "import { STORE } from '../lambdas/adapters/store';\nexport const z = STORE;\n",
    );
    writeFileSync(
      join(root, 'lambdas/core/evaluate.ts'),
      "import { STORE } from '../adapters/store';\nexport const x = STORE;\n",
    );
    writeFileSync(
      join(root, 'lib/stack.ts'),
      "import type { FLAG } from '../lambdas/cli/flags';\nexport type y = typeof FLAG;\n",
    );
    const files = [
      'lambdas/core/evaluate.ts',
      'lib/stack.ts',
      'lib/construct.ts',
      'lambdas/adapters/store.ts',
      'lambdas/adapters/sink.ts',
    ].map((f) => join(root, f));
    expect(violations(root, files)).toEqual([
      'lambdas/core/evaluate.ts (core) imports lambdas/adapters/store.ts (adapters)',
      'lib/stack.ts (lib) imports lambdas/cli/flags.ts (cli)',
      'lib/construct.ts (lib) imports lambdas/adapters/store.ts (adapters)',
      'lambdas/adapters/sink.ts (adapters) imports lambdas/app/run-sink.ts (app)',
    ]);
    expect(libReachBeyondCore(root, files)).toEqual([
      'lib/stack.ts imports lambdas/cli/flags.ts',
      'lib/construct.ts imports lambdas/adapters/store.ts',
    ]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
