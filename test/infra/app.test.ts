import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

interface AppRun {
  readonly status: number | null;
  readonly stderr: string;
}

/**
 * Runs bin/app.ts as the CDK CLI would, with the context the CLI passes in CDK_CONTEXT_JSON. Asynchronous, so the
 * runs of this file go side by side: each is a process of its own, and the jest worker would otherwise wait on
 * them one after the other while the machine's other core stays idle.
 */
function runApp(context: Record<string, unknown>): Promise<AppRun> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'tmc-health-cdk-'));
  return new Promise<AppRun>((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'bin/app.ts'], {
      cwd: ROOT,
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: outdir },
      timeout: 60_000,
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr }));
  }).finally(() => fs.rmSync(outdir, { recursive: true, force: true }));
}

// The hub's successful synth (its files, its silence) is test/infra/quiet-synth.test.ts's: it runs the hub app once
// for both questions.
const CONTEXTS = {
  invalid: { tokenMaxAgeHours: '-5', notificationEmail: 'ops@example.com' },
  irsa: { irsaRegion: 'eu-west-1', irsaMaxPagesPerRegion: '1000' },
  hubWithoutKeys: { mode: 'hub' },
} as const;
const runs = new Map<keyof typeof CONTEXTS, AppRun>();
beforeAll(async () => {
  const names = Object.keys(CONTEXTS) as (keyof typeof CONTEXTS)[];
  const results = await Promise.all(names.map((name) => runApp({ ...CONTEXTS[name] })));
  names.forEach((name, index) => runs.set(name, results[index]!));
}, 120_000);
const run = (name: keyof typeof CONTEXTS): AppRun => runs.get(name)!;

test('bin/app.ts: invalid configuration exits 1 with the message only, no stack trace', () => {
  const { status, stderr } = run('invalid');
  expect(status).toBe(1);
  expect(stderr).toContain('Invalid configuration (2 problems):');
  expect(stderr).toContain('tokenMaxAgeHours: must be a positive number (got "-5")');
  expect(stderr).toContain('Did you mean "notificationEmails"?');
  expect(stderr).not.toMatch(/\n\s+at /);
});

test('bin/app.ts: IRSA keys are validated too (typo suggestion, page budget)', () => {
  const { status, stderr } = run('irsa');
  expect(status).toBe(1);
  expect(stderr).toContain('irsaRegion: unknown configuration key. Did you mean "irsaRegions"?');
  expect(stderr).toContain('irsaMaxPagesPerRegion: 2 region(s) × 1000 pages');
  expect(stderr).not.toMatch(/\n\s+at /);
});

test('bin/app.ts: mode=hub without its keys exits 1 naming each', () => {
  const { status, stderr } = run('hubWithoutKeys');
  expect(status).toBe(1);
  expect(stderr).toContain('Invalid configuration (3 problems):');
  for (const key of ['organizationId', 'memberOrganizationalUnitIds', 'memberRegions']) {
    expect(stderr).toContain(`  - ${key}: is required with mode=hub`);
  }
  expect(stderr).not.toMatch(/\n\s+at /);
});
