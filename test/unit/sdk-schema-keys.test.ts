import * as fs from 'node:fs';
import * as path from 'node:path';
import { compileFunction } from 'node:vm';
import { transformSync } from 'esbuild';
import { literalKeys, versionOnly } from '../../lib/bundling/sdk-schema-keys';

const ROOT = path.join(__dirname, '..', '..');

describe('literalKeys: computed keys naming a string constant become that literal', () => {
  test.each([
    [
      'after {',
      'const _h = "http";\nexport var A = { [_h]: ["GET", "/x", 200] };',
      'export var A = { "http": [',
    ],
    [
      'after ,',
      'const _e = "error";\nconst _c = "client";\nexport var B = { [_e]: _c, [_c]: 400 };',
      '{ "error": _c, "client": 400 }',
    ],
    [
      'a URL with "functions" in it',
      'const _h = "http";\nexport var C = { [_h]: ["GET", "/functions/{Name}", 200] };',
      '{ "http": ["GET"',
    ],
  ])('%s', (_name, source, expected) => {
    expect(literalKeys(source)).toContain(expected);
  });

  test.each([
    ['an array in a ternary is not a key', 'const _h = "http";\nexport var A = x ? [_h] : [];'],
    [
      'a name that is no string constant of the file',
      'import { _h } from "./other";\nexport var A = { [_h]: 1 };',
    ],
    [
      'a file with a function (it could shadow a constant)',
      'const _h = "http";\nfunction f(_h) { return { [_h]: 1 }; }',
    ],
    ['a file with an arrow taking a parameter', 'const _h = "http";\nexport var f = (_h) => ({ [_h]: 1 });'],
    ['a constant declared twice', 'const _h = "http";\nconst _h = "other";\nexport var A = { [_h]: 1 };'],
  ])('left as it is: %s', (_name, source) => {
    expect(literalKeys(source)).toBe(source);
  });
});

describe('versionOnly', () => {
  test('keeps the version alone', () => {
    expect(versionOnly(JSON.stringify({ name: 'x', version: '3.1.0', description: 'long' }))).toBe(
      '{"version":"3.1.0"}',
    );
  });
  test('a package.json without a version is an error, not an empty version', () => {
    expect(() => versionOnly('{"name":"x"}')).toThrow(/without a version/);
  });
});

/**
 * Every schema file of the clients the project depends on, loaded as written and as rewritten: the exported values
 * must be the same (functions compared by their text, `() => Shape$` in both). The rewrite must not be a no-op
 * either: each file has computed keys to rewrite.
 */
const CLIENTS = fs
  .readdirSync(path.join(ROOT, 'node_modules', '@aws-sdk'))
  .filter((name) => name.startsWith('client-'))
  .flatMap((client) => {
    const dir = path.join(ROOT, 'node_modules', '@aws-sdk', client, 'dist-es', 'schemas');
    return fs.existsSync(dir)
      ? fs
          .readdirSync(dir)
          .filter((file) => /^schemas_\d+\.js$/.test(file))
          .map((file) => path.join(dir, file))
      : [];
  });

/**
 * What the schema files import (the SDK's TypeRegistry, its error classes): one stand-in that answers every call,
 * `new` and property with itself, the same for both texts, so only the files' own values are compared.
 */
const STAND_IN: unknown = new Proxy(function standIn() {}, {
  get: (_target, key) => (key === 'toJSON' || key === 'then' ? undefined : STAND_IN),
  apply: () => STAND_IN,
  construct: () => STAND_IN as object,
});

function exportsOf(source: string): unknown {
  const { code } = transformSync(source, { loader: 'js', format: 'cjs', platform: 'node', target: 'node22' });
  const module = { exports: {} as Record<string, unknown> };
  compileFunction(code, ['require', 'module', 'exports'])(() => STAND_IN, module, module.exports);
  return JSON.parse(
    JSON.stringify(module.exports, (_key, value: unknown) =>
      typeof value === 'function' ? `fn:${value === STAND_IN ? 'import' : String(value)}` : value,
    ),
  );
}

test('there are schema files to check', () => {
  expect(CLIENTS.length).toBeGreaterThanOrEqual(10);
});

test.each(CLIENTS.map((file) => [path.relative(ROOT, file), file]))(
  '%s: the same exports, rewritten',
  (_name, file) => {
    const source = fs.readFileSync(file, 'utf8');
    const rewritten = literalKeys(source);
    expect(rewritten).not.toBe(source);
    expect(rewritten).not.toMatch(/[{,]\s*\[_[A-Za-z0-9]+\]\s*:/);
    const before = exportsOf(source);
    expect(Object.keys(before as object).length).toBeGreaterThan(10);
    expect(exportsOf(rewritten)).toEqual(before);
  },
);
