/**
 * `npm run demo` (scripts/demo/) against the tier's moto: it seeds the pretend account, runs the real CLI as a
 * child process and stops what it started. The assertions read the CLI's human report as a user would, against
 * what the demo says it seeded (names, causes, counts), so a demo that shows the wrong thing, or a CLI that stops
 * seeing a seeded fault, fails here.
 */
import { connect } from 'node:net';
import { STALE_TOKEN_AGE_DAYS } from '../../scripts/demo/account';
import { runDemo, type DemoResult } from '../../scripts/demo/demo';
import { unexpectedRun } from '../../scripts/demo/messages';
import { motoEndpoint } from './support';

jest.setTimeout(120_000);

/** Wide enough that no table row wraps, so each row is one line. */
const COLUMNS = 220;

let result: DemoResult;
let output: string;

beforeAll(async () => {
  output = '';
  result = await runDemo({
    motoEndpoint: motoEndpoint(),
    write: (text) => (output += text),
    width: COLUMNS,
    cli: { mode: 'capture', columns: COLUMNS, write: (text) => (output += text) },
  });
});

/** The lines of the block that starts with `title` (a table heading), up to the next blank line. */
function block(title: string): string[] {
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
function credentialRows(name: string, region: string): Row[] {
  const [heading, ...rows] = block(`Credential ${name}  ${region}`);
  expect(heading).toMatch(/^COMPONENT\s+CHECK\s+STATUS\s+SEVERITY\s+EVIDENCE/);
  return rows
    .filter((line) => !line.startsWith(' '))
    .map((line) => {
      const [component = '', check = '', status = ''] = line.split(/\s+/);
      return { component, check, status };
    });
}

describe('npm run demo against moto', () => {
  it('ran the CLI to its report: exit 1 for the seeded FAILs, which the demo counts as success', () => {
    expect(result.cli.code).toBe(1);
    expect(unexpectedRun(result.cli)).toBeUndefined();
    // No crash, no stack trace, no endpoint the CLI could not read.
    expect(result.cli.stderr).not.toMatch(/Error|UnexpectedResponse|\n\s+at /);
    expect(output).toContain(result.cli.stdout);
  });

  it('says what it seeds, that a proxy backdates the token, and what to run next', () => {
    expect(output).toMatch(/^tmc-health demo: /m);
    expect(output).toContain(`${result.account.healthy}, healthy`);
    expect(output).toContain(result.account.broken);
    expect(output).toMatch(/cannot backdate a parameter[^]*proxy/);
    expect(output).toContain('tmc-health exited 1');
    expect(output).toContain('npx tmc-health explain ');
    expect(output).toContain('npm run synth');
    expect(output).toContain('npx cdk deploy');
    // The proxy really rewrote the answer the CLI read.
    expect(result.backdatedAnswers).toBeGreaterThan(0);
  });

  it('the broken credential: tmc.token.stale and tmc.lambda.missing (resource-retriever) FAIL, nothing else', () => {
    const rows = credentialRows(result.account.broken, 'us-west-2');
    const problems = rows.filter((row) => row.status !== 'PASS');
    expect(problems).toEqual(
      expect.arrayContaining([
        { component: 'resource-retriever', check: 'tmc.lambda.missing', status: 'FAIL' },
        { component: 'auth-token', check: 'tmc.token.stale', status: 'FAIL' },
      ]),
    );
    expect(problems).toHaveLength(2);
    const stale = block(`Credential ${result.account.broken}  us-west-2`).find((line) =>
      /tmc\.token\.stale\s+FAIL/.test(line),
    );
    expect(stale).toContain(`ageHours=${STALE_TOKEN_AGE_DAYS * 24}`);
  });

  it("the healthy credential's checks all PASS, for both Lambdas, the rule and the token", () => {
    const rows = credentialRows(result.account.healthy, 'us-west-2');
    expect(rows.filter((row) => row.status !== 'PASS')).toEqual([]);
    for (const [component, check] of [
      ['data-sync', 'tmc.lambda.missing'],
      ['data-sync', 'tmc.lambda.not-invoked'],
      ['resource-retriever', 'tmc.lambda.missing'],
      ['event-rule', 'tmc.event-rule.disabled'],
      ['auth-token', 'tmc.token.stale'],
    ]) {
      expect(rows).toContainEqual({ component, check, status: 'PASS' });
    }
  });

  it('the IRSA tables list each seeded denial with its cause and count, per region', () => {
    expect(result.account.denials.length).toBeGreaterThanOrEqual(2);
    expect(new Set(result.account.denials.map((denial) => denial.cause)).size).toBe(
      result.account.denials.length,
    );
    for (const denial of result.account.denials) {
      const [, , namespace, serviceAccount] = denial.subject.split(':');
      const rows = block(`IRSA  ${denial.region}`).filter((line) => line.startsWith(`${denial.roleName} `));
      expect(rows).toHaveLength(1);
      expect(rows[0]!.split(/\s+/).slice(0, 4)).toEqual([
        denial.roleName,
        `${namespace}/${serviceAccount}`,
        denial.cause,
        String(denial.count),
      ]);
      expect(rows[0]).toMatch(/\sFAIL\s+HIGH$/);
    }
  });

  it('the summary counts exactly the seeded problems', () => {
    const fails = 2 + result.account.denials.length;
    expect(output).toMatch(new RegExp(`^Summary: ${fails} FAIL, 0 ERROR, \\d+ PASS\\.`, 'm'));
  });

  it('left nothing listening: the CloudTrail stub and the proxy are closed', async () => {
    for (const endpoint of Object.values(result.servers)) {
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

describe('what the demo counts as a good run', () => {
  const run = (code: number | null, signal: NodeJS.Signals | null = null) => ({
    args: ['check'],
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
});
