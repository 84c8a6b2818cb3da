/**
 * End-to-end: the built `tmc-health` command (node bin/tmc-health.js, the bundle npm ci builds) run as a child
 * process against moto, exactly as an engineer runs it: configured only through the standard AWS environment
 * (AWS_ENDPOINT_URL, AWS_REGION, static test credentials), with no profile and a throw-away HOME.
 *
 * Each test seeds its own uniquely named credential and restricts the run to it with --credential, so nothing
 * else in moto matters. The terminal test runs the human output in a real terminal (tmux, else `script`) at 100
 * columns.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import type { Finding } from '../../lambdas/core/finding';
import type { RunSummary } from '../../lambdas/core/run-summary';
import {
  destroyClients,
  drainEvents,
  MOTO_ACCOUNT_ID,
  publishingSinks,
  seedTmcCredential,
  sleep,
  TEST_REGION,
  testClients,
  uniqueName,
  type SeedOptions,
  type TestClients,
} from './support';
import { isolatedCliEnv, runCliProcess } from './support/cli-process';

jest.setTimeout(120_000);

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'tmc-health.js');
const schema = JSON.parse(readFileSync(join(ROOT, 'docs', 'finding-schema.json'), 'utf8'));
const validateFinding = new Ajv2020({ allErrors: true, strict: false, validateFormats: false }).compile(
  schema,
);

/** A resource-retriever Lambda missing and the schedule rule disabled: two FAILs. */
const BROKEN: SeedOptions = { omitFunction: 'resource-retriever', ruleState: 'DISABLED' };

let clients: TestClients;
let home: string;

beforeAll(() => {
  // Always rebuild: a stale dist/ from an older checkout must not be what gets tested.
  execFileSync('npm', ['run', '--silent', 'build:cli'], { cwd: ROOT, stdio: 'pipe' });
  clients = testClients();
  home = mkdtempSync(join(tmpdir(), 'tmc-health-cli-'));
});
afterAll(() => {
  destroyClients(clients);
  rmSync(home, { recursive: true, force: true });
});

const cliEnv = (extra: Record<string, string> = {}) => isolatedCliEnv(home, extra);

const runCli = (args: readonly string[], env: Record<string, string> = cliEnv()) =>
  runCliProcess(BIN, args, env);

/** The TMC family only: moto has no CloudTrail LookupEvents (IRSA through the CLI is in cli-irsa.test.ts). */
const check = (credential: string, ...extra: string[]) =>
  runCli(['check', '--checks', 'tmc', '--region', TEST_REGION, '--credential', credential, ...extra]);

function problems(findings: readonly Finding[]) {
  return findings
    .filter((finding) => finding.status !== 'PASS')
    .map((finding) => ({
      checkId: finding.checkId,
      status: finding.status,
      component: finding.tmc?.component,
    }))
    .sort((a, b) => a.checkId.localeCompare(b.checkId));
}

describe('tmc-health cli against moto', () => {
  test('cli: a healthy credential exits 0', async () => {
    const name = uniqueName('cli-healthy');
    await seedTmcCredential(clients, name);
    const run = await check(name, '--json');
    expect(run.stderr).toBe('');
    const { findings } = JSON.parse(run.stdout) as { findings: Finding[] };
    expect(problems(findings)).toEqual([]);
    expect(run.code).toBe(0);
  });

  test('cli: a broken credential exits 1 with the right findings in --json', async () => {
    const name = uniqueName('cli-broken');
    await seedTmcCredential(clients, name, BROKEN);
    const run = await check(name, '--json');
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('');
    const document = JSON.parse(run.stdout) as { findings: Finding[]; summary: RunSummary };
    expect(Object.keys(document).sort()).toEqual(['findings', 'summary']);
    for (const finding of document.findings) {
      expect(validateFinding(finding) ? [] : validateFinding.errors).toEqual([]);
      expect(finding).toMatchObject({ accountId: MOTO_ACCOUNT_ID, region: TEST_REGION });
    }
    expect(problems(document.findings)).toEqual([
      { checkId: 'tmc.event-rule.disabled', status: 'FAIL', component: 'event-rule' },
      { checkId: 'tmc.lambda.missing', status: 'FAIL', component: 'resource-retriever' },
    ]);
    const credentialFindings = document.findings.filter((f) => f.tmc !== undefined);
    expect(new Set(credentialFindings.map((f) => f.tmc!.credentialName))).toEqual(new Set([name]));
    expect(document.summary).toMatchObject({
      accountId: MOTO_ACCOUNT_ID,
      regions: [TEST_REGION],
      credentials: 1,
      byStatus: { FAIL: 2, ERROR: 0 },
    });
  });

  test('cli: a broken credential exits 1 with the right findings in the human output', async () => {
    const name = uniqueName('cli-broken');
    await seedTmcCredential(clients, name, BROKEN);
    const run = await check(name);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(''); // stderr is not a terminal: no spinner
    const out = run.stdout;
    expect(out).not.toContain('\u001b['); // not a terminal: no colour
    expect(out).toContain(`Credential ${name}  ${TEST_REGION}`);
    expect(out).toMatch(/^COMPONENT\s+CHECK\s+STATUS\s+SEVERITY\s+EVIDENCE$/m);
    expect(out).toMatch(/^resource-retriever\s+tmc\.lambda\.missing\s+FAIL\s+HIGH\s/m);
    expect(out).toMatch(/^event-rule\s+tmc\.event-rule\.disabled\s+FAIL\s+HIGH\s+state=DISABLED/m);
    expect(out).toContain('Problems and remediation (2)');
    expect(out).toContain(`tmc.lambda.missing (${TEST_REGION} / ${name} / resource-retriever)`);
    expect(out).toContain('Enable the rule: `aws events enable-rule');
    // What passed is folded: no PASS row, one line for the credential, the summary says how many.
    expect(out).not.toMatch(/^\S+\s+\S+\s+PASS\s/m);
    expect(out).toMatch(new RegExp(`^  ${name} +${TEST_REGION} +\\d+ checks passed$`, 'm'));
    expect(out.replace(/\s+/g, ' ')).toMatch(
      /Summary: 2 FAIL, 0 ERROR, \d+ PASS \(folded into 2 lines above\)\. 1 credential in us-west-2, account 123456789012\./,
    );
    for (const line of out.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });

  test('cli: --publish sends the findings through the Lambda publisher', async () => {
    const name = uniqueName('cli-publish');
    await seedTmcCredential(clients, name, BROKEN);
    // A custom bus: moto fails PutEvents on the default bus once it holds TMC's schedule rule (support/moto.ts).
    const sinks = await publishingSinks(clients, {
      prefix: name,
      eventBusName: `${name}-bus`,
    });
    const run = await check(
      name,
      '--json',
      '--publish',
      '--event-bus',
      sinks.eventBusName,
      '--topic-arn',
      sinks.topicArn,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^Published \d+ findings \(\d+ delivered\) to event bus /);
    const printed = (JSON.parse(run.stdout) as { findings: Finding[] }).findings;
    const events = await drainEvents<Finding>(clients, sinks.ruleQueueUrl);
    // The FAIL rule's queue holds exactly the FAIL findings printed. (Compared without remediation.text: moto
    // substitutes `<region>`-style placeholders in delivered event bodies.)
    const comparable = (findings: readonly Finding[]) =>
      findings
        .map((finding) => ({ ...finding, remediation: { ...finding.remediation, text: '' } }))
        .sort((a, b) => a.findingId.localeCompare(b.findingId));
    expect(comparable(events.map((event) => event.detail))).toEqual(
      comparable(printed.filter((f) => f.status === 'FAIL')),
    );
    expect(events).toHaveLength(2);
    // Only FAIL and ERROR are published (docs/events.md, stateless publishing); PASS stays on the screen.
    const published = (stderr: string) => Number(/^Published (\d+) findings/.exec(stderr)?.[1]);
    expect(printed.some((finding) => finding.status === 'PASS')).toBe(true);
    expect(published(run.stderr)).toBe(printed.filter((finding) => finding.status !== 'PASS').length);

    const all = await check(
      name,
      '--json',
      '--publish-all',
      '--event-bus',
      sinks.eventBusName,
      '--topic-arn',
      sinks.topicArn,
    );
    const printedAll = (JSON.parse(all.stdout) as { findings: Finding[] }).findings;
    expect(published(all.stderr)).toBe(printedAll.length);
    await drainEvents<Finding>(clients, sinks.ruleQueueUrl);
  });

  test('cli: an unreachable endpoint exits 3 with a one-line message, no stack trace', async () => {
    const port = await closedPort();
    const started = Date.now();
    const run = await runCli(
      ['check', '--checks', 'tmc', '--region', TEST_REGION],
      cliEnv({ AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`, AWS_MAX_ATTEMPTS: '1' }),
    );
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^tmc-health: error: cannot reach AWS STS in us-west-2 \(ECONNREFUSED\)/);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  test('cli: usage errors exit 2 before any AWS call', async () => {
    const run = await runCli(
      ['check', '--checks', 'nope'],
      cliEnv({ AWS_ENDPOINT_URL: 'http://127.0.0.1:9' }),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--checks: unknown check family 'nope'");
    const noRegion = await runCli(['check'], { ...cliEnv(), AWS_REGION: '' });
    expect(noRegion.code).toBe(2);
    expect(noRegion.stderr).toContain('no region to check');
  });

  test('cli: the human output is readable in a 100-column terminal', async () => {
    const terminal = terminalRunner();
    if (terminal === undefined) {
      console.warn('terminal test skipped: neither tmux nor script (util-linux) is installed');
      return;
    }
    const name = uniqueName('cli-tty');
    await seedTmcCredential(clients, name, BROKEN);
    const screen = await terminal(
      ['check', '--checks', 'tmc', '--region', TEST_REGION, '--credential', name],
      cliEnv(),
    );
    const lines = screen.lines;
    expect(screen.exitCode).toBe(1);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(100);
    expect(lines).toContainEqual(
      expect.stringMatching(/^COMPONENT {2,}CHECK {2,}STATUS {2}SEVERITY {2}EVIDENCE$/),
    );
    expect(lines).toContainEqual(`Credential ${name}  ${TEST_REGION}`);
    expect(lines).toContainEqual(
      expect.stringMatching(/^event-rule\s+tmc\.event-rule\.disabled\s+FAIL\s+HIGH\s+state=DISABLED/),
    );
    expect(lines.some((line) => line.startsWith('Summary: 2 FAIL'))).toBe(true);
    // Colour was on (a terminal) and the spinner cleaned up after itself.
    expect(screen.sawColour).toBe(true);
    expect(lines.join('\n')).not.toMatch(/Scanning|Identifying/);
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

interface Screen {
  /** What the terminal shows, one entry per line (joined where the terminal wrapped), escape codes removed. */
  readonly lines: string[];
  readonly exitCode: number;
  readonly sawColour: boolean;
}

type TerminalRunner = (args: readonly string[], env: Record<string, string>) => Promise<Screen>;

const has = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;

/** tmux when installed, else util-linux `script`; CLI_TEST_TERMINAL=script forces the fallback. */
function terminalRunner(): TerminalRunner | undefined {
  if (process.env.CLI_TEST_TERMINAL !== 'script' && has('tmux')) return runInTmux;
  if (has('script')) return runInScript;
  return undefined;
}

const shellQuote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

/** A shell script that runs the CLI with exactly `env`, then prints its exit code as a marker. */
function writeScript(dir: string, args: readonly string[], env: Record<string, string>): string {
  const script = join(dir, 'run.sh');
  writeFileSync(
    script,
    [
      ...Object.entries({ ...env, TERM: 'xterm-256color' }).map(([k, v]) => `export ${k}=${shellQuote(v)}`),
      `${shellQuote(process.execPath)} ${shellQuote(BIN)} ${args.map(shellQuote).join(' ')}`,
      'echo "__EXIT_$?__"',
    ].join('\n'),
  );
  return script;
}

/** tmux on a private socket, a detached 100x50 session; capture-pane -J joins lines the terminal wrapped. */
async function runInTmux(args: readonly string[], env: Record<string, string>): Promise<Screen> {
  const dir = mkdtempSync(join(tmpdir(), 'tmc-health-tmux-'));
  const socket = join(dir, 'tmux.sock');
  const tmux = (...tmuxArgs: string[]) =>
    execFileSync('tmux', ['-S', socket, ...tmuxArgs], {
      encoding: 'utf8',
      env: { ...process.env, TMUX: '' },
    });
  try {
    const script = writeScript(dir, args, env);
    tmux(
      '-f',
      '/dev/null',
      'new-session',
      '-d',
      '-s',
      'cli',
      '-x',
      '100',
      '-y',
      '50',
      `bash ${shellQuote(script)}; sleep 600`,
    );
    tmux('set-option', '-t', 'cli', 'history-limit', '10000');
    const capture = (escapes: boolean) =>
      tmux('capture-pane', '-p', '-J', ...(escapes ? ['-e'] : []), '-S', '-', '-t', 'cli');
    const deadline = Date.now() + 60_000;
    let text = capture(false);
    while (!/__EXIT_\d+__/.test(text)) {
      if (Date.now() > deadline) throw new Error(`the CLI did not finish in tmux; screen:\n${text}`);
      await sleep(200);
      text = capture(false);
    }
    const exitCode = Number(/__EXIT_(\d+)__/.exec(text)![1]);
    const lines = text
      .replace(/\s+$/, '')
      .split('\n')
      .map((line) => line.trimEnd());
    return {
      lines: lines.filter((line) => !line.startsWith('__EXIT_')),
      exitCode,
      sawColour: capture(true).includes('\u001b['),
    };
  } finally {
    try {
      tmux('kill-server');
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

const CSI = new RegExp(String.raw`\u001b\[[0-9;?]*[A-Za-z]`, 'g');
const COLOUR = new RegExp(String.raw`\u001b\[3\dm`);

/** util-linux `script` gives a pseudo-terminal; `stty cols 100` sets its width. Output is raw, so replay it. */
async function runInScript(args: readonly string[], env: Record<string, string>): Promise<Screen> {
  const dir = mkdtempSync(join(tmpdir(), 'tmc-health-script-'));
  try {
    const script = writeScript(dir, args, env);
    const raw = await new Promise<string>((resolve, reject) => {
      const child = spawn(
        'script',
        ['-qec', `stty cols 100 rows 50; bash ${shellQuote(script)}`, '/dev/null'],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      child.on('error', reject);
      child.on('close', () => resolve(out));
    });
    const exitCode = Number(/__EXIT_(\d+)__/.exec(raw)?.[1] ?? -1);
    // Replay carriage returns and line clears like a terminal would: keep what follows the last \r of each line.
    const lines = raw
      .replace(/\r\n/g, '\n')
      .split('\n')
      .map((line) => line.split('\r').at(-1)!.replace(CSI, '').trimEnd())
      .filter((line) => !line.startsWith('__EXIT_'));
    return { lines, exitCode, sawColour: COLOUR.test(raw) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
