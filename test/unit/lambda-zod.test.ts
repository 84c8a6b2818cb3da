/**
 * The Lambda handlers and the CLI use zod/mini, never the full `zod` build (issue 12): `zod` re-exports every locale
 * and adds about 455 KB (minified) to each bundle, zod/mini with the English locale about 30 KB; for the CLI, which
 * loads it on every command, that is start-up time too. Code in a handler's or the CLI's import graph takes zod
 * from lambdas/core/zod.ts (which imports 'zod/mini' and 'zod/locales'); only lib/ (the CDK app) keeps the full
 * build.
 *
 * The graph is followed from lambdas/handlers/*.ts and lambdas/cli/main.ts through relative imports, found with a regex (comments
 * stripped), like import-cycles.test.ts. Type-only imports count too: they cost nothing in the bundle, but a
 * classic type on a mini schema is a mistake waiting to happen. zod/mini's own `z` object is refused as well:
 * importing it by name keeps every locale in the bundle (esbuild cannot tree-shake an object that escapes), so
 * the last tests bundle each checker, and the CLI, and look at what esbuild kept.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { build, type Metafile } from 'esbuild';
import {
  BUNDLE_MAIN_FIELDS,
  BUNDLE_TARGET,
  LAMBDA_UNUSED_CREDENTIAL_PROVIDERS,
} from '../../lib/constructs/bundling';
import { CLI_BUILD_OPTIONS } from '../../scripts/build-cli';

const ROOT = resolve(__dirname, '..', '..');
const HANDLERS = join(ROOT, 'lambdas', 'handlers');
const CLI_MAIN = join(ROOT, 'lambdas', 'cli', 'main.ts');
const ZOD_MODULE = join(ROOT, 'lambdas', 'core', 'zod.ts');
/** The only zod entry points a Lambda may import. */
const ALLOWED_ZOD = new Set(['zod/mini', 'zod/locales']);

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function sourceOf(file: string): string {
  return readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '');
}

/** Every module specifier of a file: `import ... from`, `export ... from`, `import '...'`, `import(...)`, `require(...)`. */
function specifiersOf(file: string): string[] {
  const text = sourceOf(file);
  const patterns = [
    /^\s*(?:import|export)\b[^;]*?\bfrom\s*['"]([^'"]+)['"]/gm,
    /^\s*import\s*['"]([^'"]+)['"]/gm,
    /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  return patterns.flatMap((pattern) => [...text.matchAll(pattern)].map((match) => match[1]!));
}

/** Specifiers from which a file imports the name `z` by name (`import { z } from ...`, `{ type z as zod }`). */
function namedZImportsOf(file: string): string[] {
  return [...sourceOf(file).matchAll(/^\s*import\s+(?:type\s+)?\{([^}]*)\}\s*from\s*['"]([^'"]+)['"]/gm)]
    .filter((match) =>
      match[1]!.split(',').some((name) => /^(?:type\s+)?z(?:\s+as\s+\w+)?$/.test(name.trim())),
    )
    .map((match) => match[2]!);
}

function resolveRelative(file: string, specifier: string): string | undefined {
  const base = resolve(dirname(file), specifier);
  return [`${base}.ts`, join(base, 'index.ts'), base].find(isFile);
}

const isZod = (specifier: string): boolean => specifier === 'zod' || specifier.startsWith('zod/');

/** Walks the relative-import graph from `entries`; returns the files reached and every disallowed zod import. */
function scan(
  entries: readonly string[],
  zodModule: string = ZOD_MODULE,
): { files: string[]; problems: string[] } {
  const seen = new Set<string>();
  const problems: string[] = [];
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const where = relative(ROOT, file);
    for (const specifier of specifiersOf(file)) {
      if (specifier.startsWith('.')) {
        const target = resolveRelative(file, specifier);
        if (target === undefined) problems.push(`${where}: cannot resolve '${specifier}'`);
        else if (target.endsWith('.ts')) queue.push(target);
      } else if (isZod(specifier) && !ALLOWED_ZOD.has(specifier)) {
        problems.push(
          `${where} imports '${specifier}' (the full zod build): import * as z from lambdas/core/zod.ts`,
        );
      }
    }
    for (const specifier of namedZImportsOf(file)) {
      const target = specifier.startsWith('.') ? resolveRelative(file, specifier) : undefined;
      if (specifier === 'zod/mini' || target === zodModule) {
        problems.push(
          `${where} imports { z } from '${specifier}': that object holds all of zod, every locale included; ` +
            'import * as z from lambdas/core/zod.ts',
        );
      }
    }
  }
  return { files: [...seen].map((file) => relative(ROOT, file)).sort(), problems };
}

const handlerEntries = (): string[] =>
  readdirSync(HANDLERS)
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
    .map((name) => join(HANDLERS, name));

it('no file a Lambda handler imports uses the full zod build', () => {
  const entries = handlerEntries();
  expect(entries.length).toBeGreaterThanOrEqual(2);
  const { files, problems } = scan(entries);
  // The walk really reached the code that validates settings and events, through the one zod module.
  expect(files).toEqual(
    expect.arrayContaining([
      'lambdas/core/zod.ts',
      'lambdas/core/settings.ts',
      'lambdas/core/irsa/settings.ts',
      'lambdas/core/lifecycle/settings.ts',
    ]),
  );
  expect(problems).toEqual([]);
});

it('no file the CLI imports uses the full zod build, nor anything of the CDK app (lib/)', () => {
  const { files, problems } = scan([CLI_MAIN]);
  // The walk reached the flag checks and the settings they validate with, through the one zod module.
  expect(files).toEqual(
    expect.arrayContaining([
      'lambdas/cli/check-options.ts',
      'lambdas/core/aws-names.ts',
      'lambdas/core/zod.ts',
      'lambdas/core/settings.ts',
    ]),
  );
  expect(problems).toEqual([]);
  // lib/config/aws-names.ts once brought all of aws-cdk-lib (1.5 MB minified) in for its region list.
  expect(files.filter((file) => file.startsWith('lib/'))).toEqual([]);
});

it('lambdas/core/zod.ts builds on zod/mini with the English locale', () => {
  expect([...new Set(specifiersOf(ZOD_MODULE))].sort()).toEqual(['zod/locales', 'zod/mini']);
  expect(namedZImportsOf(ZOD_MODULE)).toEqual([]);
});

it('the scan finds a classic zod import and a named z import anywhere in the graph, and ignores comments', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lambda-zod-'));
  try {
    mkdirSync(join(dir, 'core'));
    const write = (path: string, text: string): void => writeFileSync(join(dir, path), text);
    write('handler.ts', "import { a } from './core';\nexport const handler = a;\n");
    write(
      'core/index.ts',
      "/** Never import from 'zod' here. */\nexport { b as a } from './b';\nimport * as z from './zod';\nvoid z;\n",
    );
    write('core/zod.ts', "export * from 'zod/mini';\n");
    write('core/b.ts', "import type {\n  z,\n} from 'zod';\nimport { c } from './c';\nexport const b = c;\n");
    write('core/c.ts', "import { string, z as zod } from './zod';\nexport const c = [string, zod];\n");
    const { files, problems } = scan([join(dir, 'handler.ts')], join(dir, 'core', 'zod.ts'));
    expect(files).toHaveLength(5);
    expect(problems).toEqual([
      expect.stringMatching(/core\/b\.ts imports 'zod' \(the full zod build\)/),
      expect.stringMatching(/core\/c\.ts imports \{ z \} from '\.\/zod'/),
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The zod files esbuild kept (bytes > 0) in every output of a build: paths under node_modules/zod/. */
function zodFilesOf(metafile: Metafile): { path: string; bytes: number }[] {
  return Object.values(metafile.outputs).flatMap((output) =>
    Object.entries(output.inputs)
      .filter(([path, input]) => path.includes('node_modules/zod/') && input.bytesInOutput > 0)
      .map(([path, input]) => ({
        path: path.slice(path.indexOf('node_modules/zod/') + 17),
        bytes: input.bytesInOutput,
      })),
  );
}

function expectMiniWithEnglishOnly(zod: readonly { path: string; bytes: number }[]): void {
  const paths = zod.map((file) => file.path);
  expect(paths).toContain('v4/locales/en.js');
  expect(paths.filter((path) => path.startsWith('v4/locales/') && path !== 'v4/locales/en.js')).toEqual([]);
  expect(paths.filter((path) => path.startsWith('v4/classic/') || path.startsWith('v3/'))).toEqual([]);
  // About 30 KB minified when measured (the full build was about 455 KB).
  expect(zod.reduce((sum, file) => sum + file.bytes, 0)).toBeLessThan(40_000);
}

it('the CLI bundle keeps zod/mini with its English locale only: no other locale, no classic zod', async () => {
  const outdir = mkdtempSync(join(tmpdir(), 'cli-zod-'));
  try {
    const result = await build({
      ...CLI_BUILD_OPTIONS,
      outdir,
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    expectMiniWithEnglishOnly(zodFilesOf(result.metafile));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}, 30_000);

it.each(['credential-check.ts', 'irsa-check.ts'])(
  'the %s bundle keeps zod/mini with its English locale only: no other locale, no classic zod',
  async (handler) => {
    const result = await build({
      entryPoints: [join(HANDLERS, handler)],
      bundle: true,
      // What the stack's bundling does (lib/constructs/bundling.ts): ES module builds first.
      mainFields: [...BUNDLE_MAIN_FIELDS],
      external: [...LAMBDA_UNUSED_CREDENTIAL_PROVIDERS],
      platform: 'node',
      target: BUNDLE_TARGET,
      format: 'cjs',
      minify: true,
      write: false,
      metafile: true,
      outfile: join(tmpdir(), 'lambda-zod-bundle.js'),
      logLevel: 'silent',
    });
    expectMiniWithEnglishOnly(zodFilesOf(result.metafile));
  },
  30_000,
);
