/**
 * No import cycles in the shipped code (lambdas/, lib/, bin/): a cycle makes module initialisation order matter
 * and two files that can only be understood together. Relative imports only; type-only imports count too, since a
 * type cycle is still two files that know each other.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { importsOf, ROOT, sourceFiles } from '../fixtures/import-graph';

function findCycles(files: readonly string[]): string[][] {
  const graph = new Map(files.map((file) => [file, importsOf(file)]));
  const cycles: string[][] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'visiting');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'visiting') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  return cycles.map((cycle) => cycle.map((file) => relative(ROOT, file)));
}

it('the shipped code has no import cycles', () => {
  const files = ['lambdas', 'lib', 'bin'].flatMap((dir) => sourceFiles(join(ROOT, dir)));
  expect(files.length).toBeGreaterThan(50);
  expect(findCycles(files)).toEqual([]);
});

it('the detector finds a cycle when there is one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cycles-'));
  try {
    writeFileSync(join(dir, 'a.ts'), "import { b } from './b';\nexport const a = b;\n");
    writeFileSync(join(dir, 'b.ts'), "import type { c } from './c';\nexport const b: c = 1;\n");
    writeFileSync(join(dir, 'c.ts'), "export type { a } from './a';\nexport type c = number;\n");
    const cycles = findCycles(['a.ts', 'b.ts', 'c.ts'].map((name) => join(dir, name)));
    expect(cycles.map((cycle) => cycle.map((file) => file.split('/').pop()))).toEqual([
      ['a.ts', 'b.ts', 'c.ts', 'a.ts'],
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
