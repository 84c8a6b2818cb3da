/**
 * One timed run of the built CLI, `node bin/tmc-health.js <args>` (what `tmc-health` runs: the bundle in dist/ with
 * Node's compile cache on), in the demo's environment for the CLI (scripts/demo/cli.ts: the emulator's endpoint and
 * fake credentials, nothing that could reach a real account). The clock covers the whole child process, Node's
 * start and the bundle's load included, as a user waits for it. runNode times any other node command the same way.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { cliEnvironment, ROOT, type CliEndpoints } from '../demo/cli';

const BIN = join(ROOT, 'bin', 'tmc-health.js');

export interface TimedRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export function runBundle(args: readonly string[], endpoints: CliEndpoints): Promise<TimedRun> {
  return runNode([BIN, ...args], endpoints);
}

/** `node <args>` (this process's node), timed like runBundle, in the same environment. */
export function runNode(nodeArgs: readonly string[], endpoints: CliEndpoints): Promise<TimedRun> {
  const env = cliEnvironment(endpoints, { mode: 'capture', columns: 100, write: () => undefined });
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...nodeArgs], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout, stderr, ms: Math.round(performance.now() - started) }),
    );
  });
}
