import { CATALOGUE } from '../../lambdas/core/catalogue';
import { CHECK_DESCRIPTIONS } from '../../lambdas/core/check-descriptions';
import { formatEvidence, renderTable, TABLE_MIN_WIDTH } from '../../lambdas/cli/render-table';
import { createStyle, shouldUseColour, stripAnsi, visibleWidth } from '../../lambdas/cli/style';
import { EXIT } from '../../lambdas/cli/exit-codes';
import type { Finding } from '../../lambdas/core/finding';
import type { CheckOutcome } from '../../lambdas/cli/run-check';
import {
  combinedOutcome,
  FakeStream,
  foldCounts,
  harness,
  irsaRun,
  linesTooWide,
  outcomeOf,
  SCENARIOS,
} from './support';

const HEADER = /^COMPONENT\s+CHECK\s+STATUS\s+SEVERITY\s+EVIDENCE$/;
/** A row of a credential table (wide form): component, check id, status. */
const ROW = /^(\S+)\s+(\S+)\s+(PASS|FAIL|ERROR)\s/;

const plainStyle = createStyle(false);
const render = (
  outcome: CheckOutcome,
  options: { width?: number; all?: boolean; failingOnly?: boolean } = {},
) =>
  renderTable(outcome.findings, outcome.summary, {
    width: options.width ?? 100,
    style: plainStyle,
    ...(outcome.irsa ? { irsa: outcome.irsa } : {}),
    ...(options.all ? { all: true } : {}),
    ...(options.failingOnly ? { failingOnly: true } : {}),
  });
const rowsOf = (out: string, status?: string) =>
  out
    .split('\n')
    .filter((line) => ROW.test(line))
    .filter((line) => status === undefined || ROW.exec(line)![3] === status);

describe('human output', () => {
  test.each([
    [160, 2],
    [100, 2],
    [80, 2],
    // The credential table's problem rows need 62 columns before their evidence: stacked at 76, the account's
    // checker row (narrower identifiers) still a table.
    [TABLE_MIN_WIDTH, 1],
    [TABLE_MIN_WIDTH - 1, 0],
    [60, 0],
    [40, 0],
  ])('every line fits in %i columns (%i table headers, else stacked)', (width, headers) => {
    const { findings, summary } = outcomeOf(SCENARIOS.failingAndErroring());
    const out = renderTable(findings, summary, { width, style: createStyle(true) });
    expect(linesTooWide(out, width)).toEqual([]);
    const plain = out.split('\n').map(stripAnsi);
    expect(plain.filter((line) => HEADER.test(line))).toHaveLength(headers);
    expect(plain).toContain('Credential prod-eks  us-west-2');
    expect(plain.filter((line) => line.includes('tmc.lambda.missing'))).not.toHaveLength(0);
    if (headers === 0) expect(plain).toContain('FAIL HIGH tmc.lambda.missing');
  });

  test('problems first, then one line per credential for what passed, the remediation, the summary', () => {
    const out = render(outcomeOf(SCENARIOS.failing()));
    expect(out).not.toContain('\u001b');
    const lines = out.split('\n');
    // The report opens on the problem: the credential's heading, the header, the FAIL row.
    expect(lines.slice(0, 3)).toEqual([
      'Credential prod-eks  us-west-2',
      expect.stringMatching(HEADER),
      expect.stringMatching(/^event-rule\s+tmc\.event-rule\.disabled\s+FAIL\s+HIGH\s+state=DISABLED/),
    ]);
    // No PASS row: the 17 PASS findings are two lines under Passed.
    expect(rowsOf(out, 'PASS')).toEqual([]);
    const passed = lines.slice(lines.indexOf('Passed (--all lists every check)'));
    expect(passed.slice(0, 4)).toEqual([
      'Passed (--all lists every check)',
      '  prod-eks  us-west-2  14 checks passed',
      '  Account   us-west-2   3 checks passed: TMC credentials found; all 2 AWS reads succeeded',
      '',
    ]);
    expect(out).toContain('Problems and remediation (1)');
    expect(out).toContain('1. FAIL HIGH tmc.event-rule.disabled (us-west-2 / prod-eks / event-rule)');
    expect(out).toContain(
      '     1. Enable the rule: `aws events enable-rule --name <rule> --region <region>`.',
    );
    expect(out).toContain('   Runbook: docs/checks.md#');
    expect(out.replace(/\s+/g, ' ')).toContain(
      'Summary: 1 FAIL, 0 ERROR, 17 PASS (folded into 2 lines above). 1 credential in us-west-2, account 111122223333.',
    );
    expect(out.indexOf('Credential prod-eks')).toBeLessThan(out.indexOf('Passed'));
    expect(out.indexOf('Passed')).toBeLessThan(out.indexOf('Problems and remediation'));
    expect(out.indexOf('Problems and remediation')).toBeLessThan(out.indexOf('Summary:'));
  });

  test('--all: every check as a row, problems first in each table, the reads that succeeded in a line', () => {
    const outcome = outcomeOf(SCENARIOS.failing());
    const out = render(outcome, { all: true });
    const rows = rowsOf(out);
    const credentialRows = outcome.findings.filter((f) => f.tmc?.credentialName === 'prod-eks');
    expect(rows).toHaveLength(credentialRows.length + 1); // and the account's tmc.credential.not-found
    expect(rows[0]).toMatch(/^event-rule\s+tmc\.event-rule\.disabled\s+FAIL\s/);
    expect(rows.slice(1).every((row) => /\sPASS\s/.test(row))).toBe(true);
    expect(out).toContain(
      'All 2 AWS reads succeeded: tagging:GetResources, lambda:GetFunctionConfiguration.',
    );
    expect(out).not.toContain('Passed (');
    expect(out).toContain('Summary: 1 FAIL, 0 ERROR, 17 PASS. 1 credential');
  });

  test('--failing: only FAIL and ERROR, nothing of what passed; all healthy says so in one line', () => {
    const out = render(outcomeOf(SCENARIOS.failing()), { failingOnly: true });
    expect(rowsOf(out)).toHaveLength(1);
    expect(rowsOf(out, 'PASS')).toEqual([]);
    expect(out).not.toContain('Passed');
    expect(out).toContain('tmc.event-rule.disabled');
    expect(out).toContain('Summary: 1 FAIL, 0 ERROR, 17 PASS (not listed: --failing).');
    const none = render(outcomeOf(SCENARIOS.healthy()), { failingOnly: true });
    expect(none.split('\n')[0]).toBe('No FAIL or ERROR.');
    expect(none).not.toMatch(HEADER);
    expect(none).not.toContain('Passed');
  });

  test('piped (wholeEvidence): a long evidence value is wrapped whole, never cut', () => {
    const { findings, summary } = outcomeOf(SCENARIOS.failing());
    const long = findings.map((finding) =>
      finding.status === 'FAIL'
        ? { ...finding, evidence: { ...finding.evidence, note: `${'word '.repeat(80)}END-OF-EVIDENCE` } }
        : finding,
    );
    const cut = renderTable(long, summary, { width: 100, style: plainStyle });
    const whole = renderTable(long, summary, { width: 100, style: plainStyle, wholeEvidence: true });
    expect(cut).not.toContain('END-OF-EVIDENCE');
    expect(whole).toContain('END-OF-EVIDENCE');
    expect(linesTooWide(whole, 100)).toEqual([]);
  });

  test('all PASS: it says so first, one line per credential, no problems section', () => {
    const out = render(outcomeOf(SCENARIOS.healthy()));
    expect(out.split('\n')[0]).toBe('No FAIL or ERROR.');
    expect(out).not.toContain('Problems');
    expect(out).not.toMatch(HEADER);
    expect(out).toContain('  prod-eks  us-west-2  15 checks passed\n');
    expect(out).toContain('Summary: 0 FAIL, 0 ERROR, 18 PASS (folded into 2 lines above).');
  });

  test('a repeated check explains its remediation once', () => {
    const findings = SCENARIOS.erroring();
    const { summary } = outcomeOf(findings);
    const out = renderTable(findings, summary, { width: 100, style: plainStyle });
    expect(out).toContain('Remediation: as for tmc.lambda.not-invoked above.');
  });

  test('evidence: key=value, empty values skipped, ARNs shortened', () => {
    expect(
      formatEvidence({
        state: 'DISABLED',
        reason: null,
        none: [],
        targets: ['arn:aws:lambda:us-west-2:111122223333:function:acme-data-sync'],
        count: 3,
        ok: false,
      }),
    ).toBe('state=DISABLED targets=function:acme-data-sync count=3 ok=false');
  });

  test('colour on a terminal, plain when piped, NO_COLOR, --no-color', async () => {
    const run = async (tty: boolean, env: Record<string, string>, ...flags: string[]) => {
      const cli = harness({ findings: SCENARIOS.failing(), env, stdout: new FakeStream(tty, 100) });
      await cli.run('check', ...flags);
      return cli.stdout.text.includes('\u001b[');
    };
    expect(await run(true, {})).toBe(true);
    expect(await run(false, {})).toBe(false);
    expect(await run(true, { NO_COLOR: '1' })).toBe(false);
    expect(await run(true, {}, '--no-color')).toBe(false);
    expect(await run(false, { FORCE_COLOR: '1' })).toBe(true);
    expect(await run(false, { FORCE_COLOR: '1' }, '--no-color')).toBe(false);
    expect(await run(true, { FORCE_COLOR: '0' })).toBe(false);
  });

  test('the width follows the terminal, else $COLUMNS, else 100', async () => {
    const longest = async (stdout: FakeStream, env: Record<string, string> = {}) => {
      const cli = harness({ findings: SCENARIOS.failingAndErroring(), stdout, env });
      await cli.run('check', '--no-color');
      return Math.max(...cli.stdout.text.split('\n').map((line) => line.length));
    };
    expect(await longest(new FakeStream(true, 72))).toBeLessThanOrEqual(72);
    expect(await longest(new FakeStream(false), { COLUMNS: '64' })).toBeLessThanOrEqual(64);
    const piped = await longest(new FakeStream(false));
    expect(piped).toBeLessThanOrEqual(100);
    expect(piped).toBeGreaterThan(90);
  });
});

describe('check --all and --failing through the command', () => {
  test('--all lists every PASS row; the default folds them; --failing hides them', async () => {
    const run = async (...flags: string[]) => {
      const cli = harness({ findings: SCENARIOS.failing() });
      expect(await cli.run('check', '--checks', 'tmc', ...flags)).toBe(EXIT.FAIL);
      return cli.stdout.text;
    };
    expect(rowsOf(await run('--all'), 'PASS')).toHaveLength(15);
    expect(rowsOf(await run(), 'PASS')).toEqual([]);
    expect(await run()).toContain('Passed (--all lists every check)');
    expect(rowsOf(await run('--failing'), 'PASS')).toEqual([]);
    expect(await run('--failing')).not.toContain('Passed');
  });

  test('--all with --failing is a usage error naming both', async () => {
    const cli = harness();
    expect(await cli.run('check', '--all', '--failing')).toBe(EXIT.USAGE);
    expect(cli.stderr.text).toBe(
      'tmc-health: error: --all: not with --failing (--all lists every check, --failing only FAIL and ERROR)\n',
    );
    expect(cli.requests).toHaveLength(0);
  });
});

/** Every mix of findings the summary must agree with, with and without IRSA. */
const OUTCOMES: readonly [string, () => CheckOutcome][] = [
  ['healthy', () => outcomeOf(SCENARIOS.healthy())],
  ['failing', () => outcomeOf(SCENARIOS.failing())],
  ['erroring', () => outcomeOf(SCENARIOS.erroring())],
  ['failing and erroring', () => outcomeOf(SCENARIOS.failingAndErroring())],
  ['failing with IRSA', () => combinedOutcome(SCENARIOS.failing(), irsaRun())],
  ['IRSA with a failed read', () => combinedOutcome(SCENARIOS.healthy(), irsaRun({ lookupFails: true }))],
  ['IRSA alone, incomplete', () => combinedOutcome(undefined, irsaRun({ incomplete: true }))],
];

describe('the summary counts what is shown', () => {
  test.each(OUTCOMES)(
    '%s: the Passed lines add up to the PASS count, and the summary says how many',
    (_, make) => {
      const outcome = make();
      const out = render(outcome);
      const passed = outcome.summary.byStatus.PASS;
      const counts = foldCounts(out);
      expect(counts.reduce((sum, count) => sum + count, 0)).toBe(passed);
      expect(counts.every((count) => count > 0)).toBe(true);
      expect(rowsOf(out, 'PASS')).toEqual([]);
      const summary = out.slice(out.indexOf('Summary:')).replace(/\s+/g, ' ');
      expect(summary).toContain(
        `${passed} PASS (folded into ${counts.length} line${counts.length === 1 ? '' : 's'} above).`,
      );
      // And the problems: every FAIL and ERROR is numbered once in the remediation list.
      const problems = outcome.findings.filter((f) => f.status !== 'PASS').length;
      if (problems > 0) expect(out).toContain(`Problems and remediation (${problems})`);
      else expect(out).not.toContain('Problems and remediation');
      expect(out.match(/^\d+\. (FAIL|ERROR) /gm) ?? []).toHaveLength(problems);
    },
  );

  test.each(OUTCOMES)('%s, --all: PASS rows and the reads lines add up to the PASS count', (_, make) => {
    const outcome = make();
    const out = render(outcome, { all: true, width: 160 });
    const rows = rowsOf(out, 'PASS').length;
    const reads = [
      ...out.matchAll(/^(?:All |IRSA: (?:all )?)?(\d+) (?:other )?AWS reads? succeeded: /gm),
    ].reduce((sum, match) => sum + Number(match[1]), 0);
    expect(rows + reads).toBe(outcome.summary.byStatus.PASS);
    expect(foldCounts(out)).toEqual([]);
  });
});

describe('order: problems first, most severe first', () => {
  test('a section with a HIGH problem comes before one with only a MEDIUM one, whatever the family', () => {
    const outcome = combinedOutcome(SCENARIOS.staleToken(), irsaRun());
    const out = render(outcome);
    const headings = out.split('\n').filter((line) => /^(Credential|Account|IRSA) /.test(line));
    expect(headings).toEqual(['IRSA  us-west-2', 'IRSA  us-east-1', 'Credential prod-eks  us-west-2']);
    const numbered = out.match(/^\d+\. \S+ \S+ \S+/gm);
    expect(numbered).toEqual([
      '1. FAIL HIGH irsa.assume-role.denied',
      '2. FAIL HIGH irsa.assume-role.denied',
      '3. FAIL HIGH irsa.assume-role.denied',
      '4. FAIL MEDIUM tmc.token.stale',
    ]);
  });

  test('within a table: by severity, a FAIL before an ERROR of the same severity', () => {
    const out = render(outcomeOf(SCENARIOS.failingAndErroring()));
    const credential = out.slice(0, out.indexOf('\n\n'));
    expect(rowsOf(credential).map((row) => ROW.exec(row)!.slice(1, 4).join(' '))).toEqual([
      'resource-retriever tmc.lambda.missing FAIL',
      'data-sync tmc.lambda.not-invoked ERROR',
      'data-sync tmc.lambda.errors ERROR',
      'data-sync tmc.lambda.throttled ERROR', // MEDIUM
    ]);
  });
});

describe('the reads that succeeded have a name of their own', () => {
  const checkerPassRow = /checker\.error\s+PASS/;

  test.each([
    ['default', {}],
    ['--all', { all: true }],
  ] as const)('%s: no "checker.error PASS" row; it reads "AWS reads succeeded"', (_, options) => {
    const outcome = combinedOutcome(SCENARIOS.failing(), irsaRun());
    const out = render(outcome, options);
    expect(out).not.toMatch(checkerPassRow);
    expect(out).toMatch(/all 2 AWS reads succeeded/i);
    expect(out).toMatch(/all 4 AWS reads succeeded/);
  });

  test('when a read failed, the others are not "all": the failed one is the problem row', () => {
    const out = render(outcomeOf(SCENARIOS.failingAndErroring()));
    expect(out).toMatch(
      /^checker\s+checker\.error\s+ERROR\s+HIGH\s+service=cloudwatch operation=GetMetricData/m,
    );
    expect(out.replace(/\s+/g, ' ')).toContain(
      '3 checks passed: TMC credentials found; 2 other AWS reads succeeded',
    );
  });

  test('the catalogue names the check by what its PASS means (its id stays checker.error)', () => {
    expect(CATALOGUE['checker.error'].id).toBe('checker.error');
    expect(CHECK_DESCRIPTIONS['checker.error'].name).toBe('Every AWS call succeeded');
  });
});

describe('credential evidence cannot be read as found', () => {
  test('--credential nope: its own count is 0, the others are named as the others', () => {
    const findings = SCENARIOS.healthy().map((finding): Finding =>
      finding.checkId === 'tmc.credential.not-found'
        ? {
            ...finding,
            status: 'FAIL',
            severity: 'HIGH',
            tmc: { credentialName: 'nope' },
            evidence: { resourcesOfThisCredential: 0, resourcesOfOtherCredentials: 4 },
          }
        : finding,
    );
    const out = render(outcomeOf(findings));
    expect(out).toMatch(
      /^credential\s+tmc\.credential\.not-found\s+FAIL\s+HIGH\s+resourcesOfThisCredential=0\s+resourcesOfOtherCredentials=4$/m,
    );
    expect(out).not.toContain('taggedResourceCount');
  });
});

describe('colour decision', () => {
  test.each([
    [true, {}, true, true],
    [true, {}, false, false],
    [true, { TERM: 'dumb' }, true, false],
    [true, { NO_COLOR: '' }, true, true],
    [true, { NO_COLOR: 'yes' }, true, false],
    [true, { NO_COLOR: '1', FORCE_COLOR: '1' }, false, true],
    [true, { FORCE_COLOR: 'false' }, true, false],
    [false, { FORCE_COLOR: '1' }, true, false],
  ])('flag %s env %j tty %s -> %s', (colorFlag, env, stdoutIsTTY, expected) => {
    expect(shouldUseColour({ colorFlag, env, stdoutIsTTY })).toBe(expected);
  });
});

describe('colour never changes the layout', () => {
  test.each([160, 100, 60])('at %i columns the coloured report is the plain one, painted', (width) => {
    const outcome = combinedOutcome(SCENARIOS.failingAndErroring(), irsaRun());
    const options = { width, ...(outcome.irsa ? { irsa: outcome.irsa } : {}) };
    const coloured = renderTable(outcome.findings, outcome.summary, { ...options, style: createStyle(true) });
    const plain = renderTable(outcome.findings, outcome.summary, { ...options, style: plainStyle });
    expect(coloured).not.toBe(plain);
    expect(stripAnsi(coloured)).toBe(plain);
    for (const line of coloured.split('\n')) expect(visibleWidth(line)).toBe(stripAnsi(line).length);
  });
});
