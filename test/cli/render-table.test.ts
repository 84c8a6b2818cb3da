import { formatEvidence, renderTable, TABLE_MIN_WIDTH } from '../../lambdas/cli/render-table';
import { renderRow } from '../../lambdas/cli/table-layout';
import { createStyle, shouldUseColour, stripAnsi, visibleWidth } from '../../lambdas/cli/style';
import { wrapText } from '../../lambdas/cli/text';
import { FakeStream, harness, outcomeOf, SCENARIOS } from './support';

const HEADER = /^COMPONENT\s+CHECK\s+STATUS\s+SEVERITY\s+EVIDENCE$/;

describe('human output', () => {
  test.each([
    [160, 2],
    [100, 2],
    [80, 2],
    [TABLE_MIN_WIDTH, 2],
    [TABLE_MIN_WIDTH - 1, 0],
    [60, 0],
    [40, 0],
  ])('every line fits in %i columns (%i table headers, else stacked)', (width, headers) => {
    const { findings, summary } = outcomeOf(SCENARIOS.failingAndErroring());
    const out = renderTable(findings, summary, { width, style: createStyle(true) });
    const lines = out.split('\n');
    for (const line of lines) expect(visibleWidth(line)).toBeLessThanOrEqual(width);
    const plain = lines.map(stripAnsi);
    expect(plain.filter((line) => HEADER.test(line))).toHaveLength(headers);
    expect(plain).toContain('Credential prod-eks  us-west-2');
    expect(plain.filter((line) => line.includes('tmc.lambda.missing'))).not.toHaveLength(0);
    if (headers === 0) expect(plain).toContain('FAIL HIGH tmc.lambda.missing');
  });

  test('a table per credential, then the remediation of each problem, then the summary', () => {
    const { findings, summary } = outcomeOf(SCENARIOS.failing());
    const out = renderTable(findings, summary, { width: 100, style: createStyle(false) });
    expect(out).not.toContain('\u001b');
    expect(out).toMatch(/^event-rule\s+tmc\.event-rule\.disabled\s+FAIL\s+HIGH\s+state=DISABLED/m);
    expect(out).toContain('Problems and remediation (1)');
    expect(out).toContain('1. FAIL HIGH tmc.event-rule.disabled (us-west-2 / prod-eks / event-rule)');
    expect(out).toContain(
      '     1. Enable the rule: `aws events enable-rule --name <rule> --region <region>`.',
    );
    expect(out).toContain('   Runbook: docs/checks.md#');
    expect(out).toContain(
      'Summary: 1 FAIL, 0 ERROR, 17 PASS. 1 credential in us-west-2, account 111122223333.',
    );
    expect(out.indexOf('Credential prod-eks')).toBeLessThan(out.indexOf('Problems and remediation'));
    expect(out.indexOf('Problems and remediation')).toBeLessThan(out.indexOf('Summary:'));
  });

  test('--failing: only FAIL and ERROR rows; a table without any says how many passed', () => {
    const { findings, summary } = outcomeOf(SCENARIOS.failing());
    const full = renderTable(findings, summary, { width: 100, style: createStyle(false) });
    const out = renderTable(findings, summary, { width: 100, style: createStyle(false), failingOnly: true });
    expect(full).toMatch(/\sPASS\s/);
    const rows = out.split('\n').filter((line) => /^\S+\s+\S+\s+(PASS|FAIL|ERROR)\s/.test(line));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.filter((line) => /\sPASS\s/.test(line))).toEqual([]);
    expect(out).toContain('tmc.event-rule.disabled');
    const healthy = outcomeOf(SCENARIOS.healthy());
    const none = renderTable(healthy.findings, healthy.summary, {
      width: 100,
      style: createStyle(false),
      failingOnly: true,
    });
    expect(none).toMatch(/no FAIL or ERROR \(\d+ passed\)/);
    expect(none).not.toMatch(HEADER);
  });

  test('piped (wholeEvidence): a long evidence value is wrapped whole, never cut', () => {
    const { findings, summary } = outcomeOf(SCENARIOS.failing());
    const long = findings.map((finding) =>
      finding.status === 'FAIL'
        ? { ...finding, evidence: { ...finding.evidence, note: `${'word '.repeat(80)}END-OF-EVIDENCE` } }
        : finding,
    );
    const cut = renderTable(long, summary, { width: 100, style: createStyle(false) });
    const whole = renderTable(long, summary, { width: 100, style: createStyle(false), wholeEvidence: true });
    expect(cut).not.toContain('END-OF-EVIDENCE');
    expect(whole).toContain('END-OF-EVIDENCE');
    for (const line of whole.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });

  test('all PASS: no problems section', () => {
    const { findings, summary } = outcomeOf(SCENARIOS.healthy());
    const out = renderTable(findings, summary, { width: 100, style: createStyle(false) });
    expect(out).not.toContain('Problems');
    expect(out).toContain('Summary: 0 FAIL, 0 ERROR, 18 PASS.');
  });

  test('a repeated check explains its remediation once', () => {
    const findings = SCENARIOS.erroring();
    const { summary } = outcomeOf(findings);
    const out = renderTable(findings, summary, { width: 100, style: createStyle(false) });
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

describe('wrapText', () => {
  test('wraps on spaces and breaks long words after a separator', () => {
    expect(wrapText('aaa bbb ccc', 7)).toEqual(['aaa bbb', 'ccc']);
    expect(wrapText('targets=function:acme-data-sync', 20)).toEqual(['targets=function:', 'acme-data-sync']);
    expect(wrapText('x'.repeat(12), 5)).toEqual(['xxxxx', 'xxxxx', 'xx']);
  });
});

describe('checker rows', () => {
  test('the API operations that succeeded share one row; failures keep theirs', () => {
    const findings = SCENARIOS.failingAndErroring();
    const { summary } = outcomeOf(findings);
    const out = renderTable(findings, summary, { width: 120, style: createStyle(false) });
    const checkerRows = out.split('\n').filter((line) => line.startsWith('checker '));
    expect(checkerRows).toHaveLength(2);
    expect(checkerRows[0]).toMatch(/ERROR\s+HIGH\s+service=cloudwatch operation=GetMetricData/);
    expect(checkerRows[1]).toMatch(/PASS\s+INFO\s+operationsSucceeded=tagging:GetResources,lambda:/);
  });
});

describe('cut evidence', () => {
  test('a cut row ends at a whole value, never mid-number', () => {
    const { findings } = outcomeOf(SCENARIOS.healthy());
    const finding = findings.find((f) => f.status === 'PASS' && f.checkId === 'tmc.lambda.not-invoked')!;
    const columns = [
      {
        header: 'EVIDENCE',
        width: 40,
        cell: () => 'invocations=12 errors=0 throttles=0 windowMinutes=30 region=us-west-2',
        maxLines: () => 1,
      },
    ];
    for (const width of [30, 31, 32, 33, 34, 35, 36, 40, 44, 48, 52]) {
      const [line] = renderRow([{ ...columns[0]!, width }], finding, createStyle(false));
      expect(line!.length).toBeLessThanOrEqual(width);
      expect(line).toMatch(/ \.\.\.$/);
      const kept = line!.replace(/ \.\.\.$/, '');
      expect(
        `${'invocations=12 errors=0 throttles=0 windowMinutes=30 region=us-west-2'} `.startsWith(`${kept} `),
      ).toBe(true);
    }
  });
});
