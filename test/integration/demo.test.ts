/**
 * `npm run demo` (scripts/demo/) against the tier's moto: it seeds the pretend account, runs the real CLI as a
 * child process and stops what it started. The assertions read the CLI's human report as a user would, against
 * what the demo says it seeded (names, causes, counts), so a demo that shows the wrong thing, or a CLI that stops
 * seeing a seeded fault, fails here. Then the flags the demo passes through to `tmc-health check` (--json, --all,
 * --failing, --credential, --since), each a run of its own.
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { CliSummary } from '../../lambdas/cli/summary';
import type { Finding } from '../../lambdas/core/finding';
import { STALE_TOKEN_AGE_DAYS } from '../../scripts/demo/account';
import { runDemo, type DemoResult } from '../../scripts/demo/demo';
import { unexpectedRun } from '../../scripts/demo/messages';
import { foldCounts, linesTooWide, trustPolicyBlocks } from '../cli/support';
import { motoEndpoint } from './support';

jest.setTimeout(120_000);

/** The width the CLI gives itself without a terminal or COLUMNS, and the one README's demo paragraph is about. */
const COLUMNS = 100;
/** A terminal's first screen. */
const FIRST_SCREEN = 40;

interface Run {
  readonly result: DemoResult;
  /** The demo's own lines and the CLI's report, as they reach a terminal. */
  readonly output: string;
  /** The demo's own lines alone. */
  readonly narration: string;
}

async function demo(flags: readonly string[] = []): Promise<Run> {
  let output = '';
  let narration = '';
  const result = await runDemo({
    motoEndpoint: motoEndpoint(),
    flags,
    write: (text) => {
      output += text;
      narration += text;
    },
    width: COLUMNS,
    cli: { mode: 'capture', columns: COLUMNS, write: (text) => (output += text) },
  });
  return { result, output, narration };
}

/** The lines of the block that starts with `title` (a table heading), up to the next blank line. */
function block(output: string, title: string): string[] {
  const lines = output.split('\n');
  const start = lines.indexOf(title);
  if (start < 0) throw new Error(`no "${title}" in the demo's output:\n${output}`);
  const end = lines.indexOf('', start);
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

interface Row {
  readonly component: string;
  readonly check: string;
  readonly status: string;
}

/** The rows of a credential's table: `COMPONENT CHECK STATUS ...`, continuation lines (indented) skipped. */
function credentialRows(output: string, name: string, region: string): Row[] {
  const [heading, ...rows] = block(output, `Credential ${name}  ${region}`);
  expect(heading).toMatch(/^COMPONENT\s+CHECK\s+STATUS\s+SEVERITY\s+EVIDENCE/);
  return rows
    .filter((line) => !line.startsWith(' '))
    .map((line) => {
      const [component = '', check = '', status = ''] = line.split(/\s+/);
      return { component, check, status };
    });
}

const summaryOf = (output: string) => {
  const lines = output.split('\n');
  const start = lines.findIndex((line) => line.startsWith('Summary: '));
  const end = lines.findIndex((line, index) => index > start && !line.startsWith('  '));
  return lines.slice(start, end).join(' ').replace(/\s+/g, ' ');
};

describe('npm run demo against moto', () => {
  let run: Run;
  beforeAll(async () => {
    run = await demo();
  });

  it('ran the CLI to its report: exit 1 for the seeded FAILs, which the demo counts as success', () => {
    expect(run.result.cli.code).toBe(1);
    expect(unexpectedRun(run.result.cli)).toBeUndefined();
    // No crash, no stack trace, no endpoint the CLI could not read.
    expect(run.result.cli.stderr).not.toMatch(/Error|UnexpectedResponse|\n\s+at /);
    expect(run.output).toContain(run.result.cli.stdout);
  });

  it('says what it seeds, that a proxy backdates the token, and what to run next', () => {
    const { output, result } = run;
    expect(output).toMatch(/^tmc-health demo: /m);
    expect(output).toContain(`${result.account.healthy}, healthy`);
    expect(output).toContain(result.account.broken);
    expect(output.replace(/\s+/g, ' ')).toMatch(/cannot backdate a parameter[^]*proxy/);
    expect(output).toContain('tmc-health exited 1');
    expect(output).toContain('npx tmc-health explain ');
    expect(output).toContain('npm run demo -- --all');
    expect(output).toContain('npm run synth');
    expect(output).toContain('npx cdk deploy');
    // The proxy really rewrote the answer the CLI read.
    expect(result.backdatedAnswers).toBeGreaterThan(0);
  });

  it('the first screen shows every problem: both FAIL rows and every denied pair', () => {
    const screen = run.output.split('\n').slice(0, FIRST_SCREEN).join('\n');
    expect(screen).toMatch(/^resource-retriever\s+tmc\.lambda\.missing\s+FAIL\s+HIGH/m);
    expect(screen).toMatch(/^auth-token\s+tmc\.token\.stale\s+FAIL\s+MEDIUM/m);
    for (const denial of run.result.account.denials) {
      expect(screen).toMatch(new RegExp(`^${denial.roleName}\\s.*\\s${denial.cause}\\s.*FAIL HIGH$`, 'm'));
    }
    // And where everything that passed went.
    expect(screen).toContain('Passed (--all lists every check)');
  });

  it('the broken credential: tmc.lambda.missing (resource-retriever), then tmc.token.stale, its passes folded', () => {
    const { output, result } = run;
    expect(credentialRows(output, result.account.broken, 'us-west-2')).toEqual([
      { component: 'resource-retriever', check: 'tmc.lambda.missing', status: 'FAIL' },
      { component: 'auth-token', check: 'tmc.token.stale', status: 'FAIL' },
    ]);
    const table = block(output, `Credential ${result.account.broken}  us-west-2`).join(' ');
    expect(table.replace(/\s+/g, ' ')).toContain(`ageHours=${STALE_TOKEN_AGE_DAYS * 24}`);
    expect(output).toMatch(new RegExp(`^  ${result.account.broken} +us-west-2 +9 checks passed$`, 'm'));
  });

  it('the healthy credential has no table: one line, all its checks passed', () => {
    const { output, result } = run;
    expect(output).not.toContain(`Credential ${result.account.healthy}  us-west-2\n`);
    expect(output).toMatch(new RegExp(`^  ${result.account.healthy} +us-west-2 +15 checks passed$`, 'm'));
  });

  it('the IRSA tables list each seeded denial with its cause and count, per region', () => {
    const { output, result } = run;
    expect(result.account.denials.length).toBeGreaterThanOrEqual(2);
    expect(new Set(result.account.denials.map((denial) => denial.cause)).size).toBe(
      result.account.denials.length,
    );
    for (const denial of result.account.denials) {
      const [, , namespace, serviceAccount] = denial.subject.split(':');
      const rows = block(output, `IRSA  ${denial.region}`).filter((line) =>
        line.startsWith(`${denial.roleName} `),
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]!.split(/\s+/).slice(0, 4)).toEqual([
        denial.roleName,
        `${namespace}/${serviceAccount}`,
        denial.cause,
        String(denial.count),
      ]);
      expect(rows[0]).toMatch(/\sFAIL HIGH$/);
    }
  });

  it('the summary counts exactly the seeded problems, and what it folded, line for line', () => {
    const { output, result } = run;
    const fails = 2 + result.account.denials.length;
    const summary = summaryOf(output);
    const match = new RegExp(
      `^Summary: ${fails} FAIL, 0 ERROR, (\\d+) PASS \\(folded into (\\d+) lines above\\)\\.`,
    ).exec(summary);
    expect(match).not.toBeNull();
    const counts = foldCounts(output);
    expect(counts.reduce((sum, count) => sum + count, 0)).toBe(Number(match![1]));
    expect(counts).toHaveLength(Number(match![2]));
    expect(output).toContain(`Problems and remediation (${fails})`);
  });

  it('no identifier is broken: every line fits in 100 columns but for one token too long for any', () => {
    // A corrected trust policy is shown whole and never wrapped, so it pastes: its lines may overflow.
    const { blocks, rest } = trustPolicyBlocks(run.result.cli.stdout);
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) {
      expect(JSON.parse(block)).toEqual(expect.objectContaining({ Version: '2012-10-17' }));
    }
    expect(linesTooWide(rest, COLUMNS)).toEqual([]);
    for (const token of ['acme-staging-data-sync', 'wildcard-under-string-equals', 'AccessEC2role']) {
      expect(run.result.cli.stdout.split('\n').some((line) => line.includes(token))).toBe(true);
    }
    expect(run.result.cli.stdout).not.toMatch(/checker\.error\s+PASS/);
  });

  it('left nothing listening: the CloudTrail stub and the proxy are closed', async () => {
    for (const endpoint of Object.values(run.result.servers)) {
      const { hostname, port } = new URL(endpoint);
      const outcome = await new Promise<string>((resolve) => {
        const socket = connect(Number(port), hostname);
        socket.once('connect', () => {
          socket.destroy();
          resolve('connected');
        });
        socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      });
      expect(`${endpoint}: ${outcome}`).toBe(`${endpoint}: ECONNREFUSED`);
    }
  });
});

describe('npm run demo -- <flags>: passed through to tmc-health check', () => {
  it('--json: the CLI stdout is one JSON document; the demo only narrates (on stderr, from main.ts)', async () => {
    const { result, narration } = await demo(['--json']);
    expect(result.cli.args).toEqual(['check', '--json']);
    expect(result.cli.code).toBe(1);
    const document = JSON.parse(result.cli.stdout) as { findings: Finding[]; summary: CliSummary };
    expect(Object.keys(document).sort()).toEqual(['findings', 'summary']);
    expect(document.summary.byStatus.FAIL).toBe(2 + result.account.denials.length);
    expect(narration).toContain('$ tmc-health check --json ');
    expect(narration).toContain('tmc-health exited 1');
    // The report the demo was written for is not described under flags.
    expect(narration).not.toContain('What you saw');
  });

  it('--json through main.ts (as npm run -s demo -- --json runs it): stdout parses, the narration is on stderr', async () => {
    const root = join(__dirname, '..', '..');
    const child = spawn(
      join(root, 'node_modules', '.bin', 'ts-node'),
      ['--transpile-only', join(root, 'scripts', 'demo', 'main.ts'), '--json', '--checks', 'tmc'],
      {
        cwd: root,
        env: { ...process.env, MOTO_ENDPOINT: motoEndpoint() },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    const document = JSON.parse(stdout) as { findings: Finding[] };
    expect(
      document.findings.some((finding) => finding.checkId === 'tmc.token.stale' && finding.status === 'FAIL'),
    ).toBe(true);
    expect(stderr).toMatch(/^tmc-health demo: /m);
    expect(stderr).toContain('$ tmc-health check --json --checks tmc ');
  });

  it('--all: every check a row, the healthy credential included; nothing folded', async () => {
    const { result, output } = await demo(['--all']);
    expect(result.cli.code).toBe(1);
    const rows = credentialRows(output, result.account.healthy, 'us-west-2');
    expect(rows).toHaveLength(15);
    expect(rows.every((row) => row.status === 'PASS')).toBe(true);
    for (const [component, check] of [
      ['data-sync', 'tmc.lambda.missing'],
      ['data-sync', 'tmc.lambda.not-invoked'],
      ['resource-retriever', 'tmc.lambda.missing'],
      ['event-rule', 'tmc.event-rule.disabled'],
      ['auth-token', 'tmc.token.stale'],
    ]) {
      expect(rows).toContainEqual({ component, check, status: 'PASS' });
    }
    // Problems still first: the broken credential's FAIL rows open its table, the healthy one comes later.
    expect(output.indexOf(`Credential ${result.account.broken}`)).toBeLessThan(
      output.indexOf(`Credential ${result.account.healthy}`),
    );
    expect(output).not.toContain('Passed (');
    expect(summaryOf(output)).toMatch(/^Summary: 5 FAIL, 0 ERROR, \d+ PASS\. /);
  });

  it('--failing: the problems alone, nothing of what passed', async () => {
    const { result, output } = await demo(['--failing']);
    expect(result.cli.code).toBe(1);
    // No PASS row in any table (the summary still counts them).
    expect(output).not.toMatch(/^\S+\s+\S+\s+PASS\s/m);
    expect(output).not.toContain('Passed (');
    expect(summaryOf(output)).toMatch(/ \d+ PASS \(not listed: --failing\)\. /);
  });

  it('--credential nope: not found, its own count 0, the other credentials counted as theirs', async () => {
    const { result, output } = await demo(['--credential', 'nope', '--checks', 'tmc']);
    expect(result.cli.code).toBe(1);
    expect(credentialRows(output, 'nope', 'us-west-2')).toEqual([
      { component: 'credential', check: 'tmc.credential.not-found', status: 'FAIL' },
    ]);
    const flat = output.replace(/\s+/g, ' ');
    expect(flat).toMatch(/resourcesOfThisCredential=0 resourcesOfOtherCredentials=\d+/);
    expect(flat).toMatch(
      /No resource tagged account\.tmc\.cloud\.vmware\.com=nope exists in us-west-2 \(the \d+ TMC-tagged resources there belong to other credentials\)/,
    );
    expect(output).not.toContain('taggedResourceCount');
  });

  it('--since 2h: the IRSA scan reads two hours of CloudTrail', async () => {
    const { result, output } = await demo(['--since', '2h']);
    expect(result.cli.code).toBe(1);
    // `CloudTrail 2026-12-07 10:36Z to 12:36Z` (the end's date only when it is another day).
    const scan = /^CloudTrail (\S+) (\S+)Z to (?:(\S+) )?(\S+)Z,/m.exec(output);
    expect(scan).not.toBeNull();
    const [, fromDay, fromTime, toDay = fromDay, toTime] = scan!;
    const minutes = (Date.parse(`${toDay}T${toTime}Z`) - Date.parse(`${fromDay}T${fromTime}Z`)) / 60_000;
    expect(minutes).toBe(120);
  });

  it('--credential acme-prod --checks tmc: exit 0 is a report too; a bad flag is not', async () => {
    const healthy = await demo(['--credential', 'acme-prod', '--checks', 'tmc']);
    expect(healthy.result.cli.code).toBe(0);
    expect(unexpectedRun(healthy.result.cli)).toBeUndefined();
    expect(healthy.output).toContain('tmc-health exited 0: everything shown passed');
    const bad = await demo(['--since', '99x']);
    expect(bad.result.cli.code).toBe(2);
    expect(bad.result.cli.stderr).toContain("--since: '99x' is not a duration");
    expect(unexpectedRun(bad.result.cli)).toMatch(/exited 2 \(a usage or configuration error\)/);
  });
});

describe('what the demo counts as a good run', () => {
  const run = (code: number | null, signal: NodeJS.Signals | null = null, args = ['check']) => ({
    args,
    code,
    signal,
    stdout: '',
    stderr: '',
  });

  it('only exit 1 (FAILs found) is the expected report', () => {
    expect(unexpectedRun(run(1))).toBeUndefined();
    expect(unexpectedRun(run(0))).toMatch(/exited 0 \(no FAIL at all/);
    expect(unexpectedRun(run(2))).toMatch(/exited 2 \(a usage or configuration error/);
    expect(unexpectedRun(run(3))).toMatch(/exited 3 \(a check could not run/);
    expect(unexpectedRun(run(134))).toMatch(/exited 134 \(it crashed/);
    expect(unexpectedRun(run(null, 'SIGKILL'))).toMatch(/killed by SIGKILL/);
  });

  it('with flags, exit 0 is a report as well; 2 and 3 still are not', () => {
    const flags = ['check', '--credential', 'acme-prod'];
    expect(unexpectedRun(run(0, null, flags))).toBeUndefined();
    expect(unexpectedRun(run(1, null, flags))).toBeUndefined();
    expect(unexpectedRun(run(2, null, flags))).toMatch(/exited 2 .*expects exit 0 or 1/);
    expect(unexpectedRun(run(3, null, flags))).toMatch(/exited 3 /);
  });
});
