import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

/** Runs bin/app.ts as the CDK CLI would, with the context the CLI passes in CDK_CONTEXT_JSON. */
function runApp(context: Record<string, unknown>): {
  status: number | null;
  stderr: string;
  files: string[];
} {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'tmc-health-cdk-'));
  try {
    const result = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', 'bin/app.ts'], {
      cwd: ROOT,
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: outdir },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { status: result.status, stderr: result.stderr, files: fs.readdirSync(outdir).sort() };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

test('bin/app.ts: invalid configuration exits 1 with the message only, no stack trace', () => {
  const { status, stderr } = runApp({ tokenMaxAgeHours: '-5', notificationEmail: 'ops@example.com' });
  expect(status).toBe(1);
  expect(stderr).toContain('Invalid configuration (2 problems):');
  expect(stderr).toContain('tokenMaxAgeHours: must be a positive number (got "-5")');
  expect(stderr).toContain('Did you mean "notificationEmails"?');
  expect(stderr).not.toMatch(/\n\s+at /);
}, 60_000);

test('bin/app.ts: IRSA keys are validated too (typo suggestion, page budget)', () => {
  const { status, stderr } = runApp({ irsaRegion: 'eu-west-1', irsaMaxPagesPerRegion: '1000' });
  expect(status).toBe(1);
  expect(stderr).toContain('irsaRegion: unknown configuration key. Did you mean "irsaRegions"?');
  expect(stderr).toContain('irsaMaxPagesPerRegion: 2 region(s) × 1000 pages');
  expect(stderr).not.toMatch(/\n\s+at /);
}, 60_000);

test('bin/app.ts: mode=hub writes the asset bucket stacks, the hub and the member template', () => {
  const { status, stderr, files } = runApp({
    'aws:cdk:bundling-stacks': [],
    mode: 'hub',
    organizationId: 'o-a1b2c3d4e5',
    memberOrganizationalUnitIds: 'ou-ab12-34cd56ef',
    memberRegions: 'eu-west-1',
  });
  expect(stderr).not.toMatch(/\n\s+at /);
  expect(status).toBe(0);
  expect(files.filter((file) => file.endsWith('.template.json'))).toEqual([
    'TmcHealthHub.template.json',
    expect.stringMatching(/^TmcHealthHubMemberTemplate[0-9A-F]{8}\.template\.json$/),
    'TmcHealthMemberAssets-eu-west-1.template.json',
  ]);
}, 60_000);

test('bin/app.ts: mode=hub without its keys exits 1 naming each', () => {
  const { status, stderr } = runApp({ mode: 'hub' });
  expect(status).toBe(1);
  expect(stderr).toContain('Invalid configuration (3 problems):');
  for (const key of ['organizationId', 'memberOrganizationalUnitIds', 'memberRegions']) {
    expect(stderr).toContain(`  - ${key}: is required with mode=hub`);
  }
  expect(stderr).not.toMatch(/\n\s+at /);
}, 60_000);
