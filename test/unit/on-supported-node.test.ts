import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * scripts/on-supported-node.sh, the wrapper of `npm test`: on a Node below the floor it switches to the pinned
 * Node 24 (scripts/use-node24.sh, cached in .cache/ by then: CI and every earlier run fetched it) in one line;
 * where it cannot, it stops at once with the command to run. Driven with a fake `node` (and `uname`) first on PATH.
 */
const ROOT = join(__dirname, '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'on-supported-node.sh');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'on-supported-node-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function fake(name: string, output: string): void {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\necho '${output}'\n`);
  chmodSync(path, 0o755);
}

function run(...command: string[]) {
  const result = spawnSync('bash', [SCRIPT, ...command], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` },
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout.trim(), stderr: result.stderr.trim() };
}

test('on a supported Node it runs the command as it is, silently', () => {
  fake('node', 'v22.3.0');
  expect(run('node', '--version')).toEqual({ status: 0, stdout: 'v22.3.0', stderr: '' });
});

test('on Node 20 it says so in one line and runs the command on the pinned Node 24', () => {
  fake('node', 'v20.20.2');
  const result = run('node', '--version');
  expect(result.status).toBe(0);
  expect(result.stdout).toMatch(/^v24\.\d+\.\d+$/);
  expect(result.stderr.split('\n')).toEqual([
    "Node v20.20.2 is older than 22: running on the project's pinned Node 24 (scripts/use-node24.sh).",
  ]);
});

test('where the pinned Node cannot run, it stops at once with what to do', () => {
  fake('node', 'v20.20.2');
  fake('uname', 'Darwin');
  const result = run('node', '--version');
  expect(result.status).toBe(1);
  expect(result.stdout).toBe('');
  expect(result.stderr).toContain('install Node 24 (e.g. nvm install 24), then run the command again');
});

test('with no command it prints its usage', () => {
  expect(run().status).toBe(2);
});
