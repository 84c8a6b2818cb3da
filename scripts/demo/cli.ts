/**
 * The real `tmc-health` command, as a user runs it (`npx tmc-health` is `node bin/tmc-health.js`, which loads the
 * bundle dist/tmc-health.mjs and its chunks): built first when the bundle is missing or older than its sources, then run as a
 * child process configured only through the standard AWS environment.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { devNull } from 'node:os';
import { join } from 'node:path';
import { DemoSetupError } from './setup-error';

export const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'tmc-health.js');
const BUNDLE = join(ROOT, 'dist', 'tmc-health.mjs');

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return path.endsWith('.ts') || path.endsWith('.json') ? stat.mtimeMs : 0;
  return Math.max(0, ...readdirSync(path).map((entry) => newestMtime(join(path, entry))));
}

/**
 * Why the bundle needs building, or undefined when it is up to date with lambdas/, package-lock.json and the build
 * script.
 */
export function bundleOutdated(): string | undefined {
  if (!existsSync(BUNDLE)) return 'dist/tmc-health.mjs is missing';
  const sources = Math.max(
    newestMtime(join(ROOT, 'lambdas')),
    newestMtime(join(ROOT, 'package-lock.json')),
    newestMtime(join(ROOT, 'scripts', 'build-cli.ts')),
  );
  return sources > statSync(BUNDLE).mtimeMs ? 'dist/tmc-health.mjs is older than its sources' : undefined;
}

/** Runs package.json's `build:cli` (the esbuild bundle) when needed; says so on `log`. */
export function ensureCliBuilt(log: (line: string) => void): void {
  const reason = bundleOutdated();
  if (reason === undefined) return;
  log(`Building the CLI (${reason}): npm run build:cli`);
  // Whatever the build prints goes to stderr: stdout is the CLI's (one JSON document with --json).
  const build = spawnSync('npm', ['run', '--silent', 'build:cli'], { cwd: ROOT, stdio: ['ignore', 2, 2] });
  if (build.error) throw new DemoSetupError(`npm run build:cli could not start: ${build.error.message}`);
  if (build.status !== 0)
    throw new DemoSetupError(
      `npm run build:cli failed (exit ${build.status ?? build.signal}): see its messages above`,
    );
}

export interface CliEndpoints {
  /** Every AWS service but CloudTrail (moto, here behind the backdating proxy). */
  readonly aws: string;
  /** CloudTrail LookupEvents (the stub). */
  readonly cloudTrail: string;
  readonly region: string;
}

/**
 * `inherit`: the CLI writes straight to the demo's stdout and stderr and sees them as they are, so on a terminal it
 * renders exactly as for a user (colour, the terminal's width, the progress line). `capture` (the test): both are
 * collected, stdout also passed to `write` as it comes, without colour, at a fixed width.
 */
export type CliOutput =
  | { readonly mode: 'inherit' }
  | { readonly mode: 'capture'; readonly columns: number; readonly write: (chunk: string) => void };

export interface CliRun {
  readonly args: readonly string[];
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  /** Both empty when inherited. */
  readonly stderr: string;
}

/**
 * The child's environment: the caller's, minus anything that could reach a real account (AWS_*, TMC_HEALTH_*), plus
 * the emulator's endpoints and fake credentials; when captured, no colour and a fixed width.
 */
export function cliEnvironment(endpoints: CliEndpoints, output: CliOutput): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(AWS_|TMC_HEALTH_)/.test(name)) continue;
    if (output.mode === 'capture' && ['FORCE_COLOR', 'NO_COLOR', 'COLUMNS'].includes(name)) continue;
    env[name] = value;
  }
  return {
    ...env,
    AWS_ENDPOINT_URL: endpoints.aws,
    AWS_ENDPOINT_URL_CLOUDTRAIL: endpoints.cloudTrail,
    AWS_REGION: endpoints.region,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    // No profile, no ~/.aws files, no instance metadata: nothing but the emulator can answer.
    AWS_CONFIG_FILE: devNull,
    AWS_SHARED_CREDENTIALS_FILE: devNull,
    AWS_EC2_METADATA_DISABLED: 'true',
    ...(output.mode === 'capture' ? { NO_COLOR: '1', COLUMNS: String(output.columns) } : {}),
  };
}

export function runCli(args: readonly string[], endpoints: CliEndpoints, output: CliOutput): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: cliEnvironment(endpoints, output),
      stdio: output.mode === 'capture' ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (output.mode === 'capture') output.write(chunk);
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ args, code, signal, stdout, stderr }));
  });
}
