import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack, aws_events as events } from 'aws-cdk-lib';
import { AwsSolutionsChecksWithoutDeprecationNoise } from '../../lib/aws-solutions-checks';
import { HUB_CONTEXT } from './helpers';

const ROOT = path.join(__dirname, '..', '..');
const CDK_JSON = JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};

interface Run {
  readonly status: number | null;
  readonly output: string;
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, CI: 'true', ...env } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, output }));
  });
}

const outdirs: string[] = [];
function outdir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quiet-synth-'));
  outdirs.push(dir);
  return dir;
}
afterAll(() => outdirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/**
 * ts-node without its type check: what these runs print is the question, and the types are tsc's job (`npm run
 * build`, every file of bin/ and lib/). The check cost about 25 s of CPU a run (the whole program, aws-cdk-lib's
 * declarations included); tsconfig.json's isolatedModules makes the emitted JavaScript the same either way.
 */
const TS_NODE_TRANSPILE_ONLY = { TS_NODE_TRANSPILE_ONLY: 'true' };

/** `npm run synth` itself: the CLI, cdk.json's context, esbuild for real (its output is part of what must be quiet). */
function npmRunSynth(): Promise<Run> {
  return run(
    'npm',
    ['run', '--silent', 'synth', '--', '--no-notices', '-o', outdir()],
    TS_NODE_TRANSPILE_ONLY,
  );
}

/**
 * The hub app as the CLI runs it (CDK_CONTEXT_JSON, CDK_OUTDIR), cdk.json's context and the hub's, bundling skipped
 * (the CLI refuses `aws:` keys in -c): what bin/app.ts itself prints, deprecation notices included.
 */
function hubApp(): Promise<Run> {
  const context = { ...CDK_JSON.context, ...HUB_CONTEXT, 'aws:cdk:bundling-stacks': [] };
  return run(process.execPath, [require.resolve('ts-node/dist/bin'), '--prefer-ts-exts', 'bin/app.ts'], {
    ...TS_NODE_TRANSPILE_ONLY,
    CDK_CONTEXT_JSON: JSON.stringify(context),
    CDK_OUTDIR: outdir(),
  });
}

let single: Run;
let hub: Run;
beforeAll(async () => {
  [single, hub] = await Promise.all([npmRunSynth(), hubApp()]);
}, 120_000);

test('npm run synth succeeds and prints its outcome line only: no feature flag notice, no bundling lines', () => {
  expect(single.output).not.toMatch(/not configured/i);
  expect(single.output).not.toMatch(/Bundling asset|index\.js|Done in/);
  expect(single).toEqual({
    status: 0,
    output: 'synth: ok, every stack synthesized and cdk-nag AwsSolutions passed\n',
  });
});

test('the hub app synthesizes with every cdk-nag rule and prints no deprecation notice', () => {
  expect(hub.output).not.toMatch(/deprecated/i);
  expect(hub).toEqual({ status: 0, output: '' });
  // The plugin ran and found nothing: CDK writes its report either way, listing only the plugins that objected.
  const report = JSON.parse(
    fs.readFileSync(path.join(outdirs[outdirs.length - 1]!, 'validation-report.json'), 'utf8'),
  ) as { pluginReports: unknown[] };
  expect(report.pluginReports).toEqual([]);
});

test('the hub app writes the asset bucket stacks (one per member region), the hub and the member template', () => {
  const files = fs
    .readdirSync(outdirs[outdirs.length - 1]!)
    .filter((file) => file.endsWith('.template.json'));
  expect(files.sort()).toEqual([
    'TmcHealthHub.template.json',
    expect.stringMatching(/^TmcHealthHubMemberTemplate[0-9A-F]{8}\.template\.json$/),
    'TmcHealthMemberAssets-eu-west-1.template.json',
    'TmcHealthMemberAssets-us-east-1.template.json',
  ]);
});

test('cdk.json sets every feature flag the installed aws-cdk-lib recommends, at its recommended value', () => {
  // The list `cdk init` writes for this aws-cdk-lib version; an upgrade that adds a flag fails here first.
  const recommended = JSON.parse(
    fs.readFileSync(require.resolve('aws-cdk-lib/recommended-feature-flags.json'), 'utf8'),
  ) as Record<string, unknown>;
  const unset = Object.entries(recommended).filter(
    ([flag, value]) => JSON.stringify(CDK_JSON.context[flag]) !== JSON.stringify(value),
  );
  expect(unset).toEqual([]);
});

test('the quiet cdk-nag pack keeps EventBusOpenAccess: an open bus policy is still a violation', () => {
  const stack = new Stack(new App(), 'OpenBus');
  new events.CfnEventBusPolicy(stack, 'Open', {
    statementId: 'open',
    statement: { Effect: 'Allow', Principal: '*', Action: 'events:PutEvents', Resource: '*' },
  });
  const before = process.env.JSII_DEPRECATED;
  const report = new AwsSolutionsChecksWithoutDeprecationNoise().validateScope(stack);
  expect(report.violations.map((violation) => violation.ruleName)).toContain('AwsSolutions-EVB1');
  // The switch is set only while the rules run.
  expect(process.env.JSII_DEPRECATED).toBe(before);
});
