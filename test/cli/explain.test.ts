import { CATALOGUE } from '../../lambdas/core/catalogue';
import { CHECK_DESCRIPTIONS } from '../../lambdas/core/check-descriptions';
import { CAUSE_CATALOGUE } from '../../lambdas/core/irsa/cause-catalogue';
import { DIAGNOSIS_CAUSES } from '../../lambdas/core/irsa/types';
import { CHECK_IDS } from '../../lambdas/core/finding';
import { EXIT } from '../../lambdas/cli/exit-codes';
import { suggestCheckIds } from '../../lambdas/cli/render-explain';
import { harness } from './support';

describe('tmc-health explain', () => {
  test.each(CHECK_IDS)('%s: the catalogue text, wrapped to the terminal, exit 0', async (checkId) => {
    const cli = harness({ env: { NO_COLOR: '1' } });
    expect(await cli.run('explain', checkId)).toBe(EXIT.OK);
    const out = cli.stdout.text;
    const check = { ...CATALOGUE[checkId], ...CHECK_DESCRIPTIONS[checkId] };
    expect(out.split('\n')[0]).toBe(checkId);
    for (const heading of ['Verifies.', 'What a failure means.', 'Who can fix it.', 'How.']) {
      expect(out).toContain(heading);
    }
    const flat = out.replace(/\s+/g, ' ');
    for (const text of [check.name, check.verifies, check.meaning, check.whoCanFix, ...check.steps]) {
      expect(flat).toContain(text.replace(/\*\*/g, '').replace(/\s+/g, ' '));
    }
    expect(out).toMatch(/^ {2}1\. /m);
    for (const line of out.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
    expect(out).not.toContain('**');
    expect(cli.stderr.text).toBe('');
  });

  test('bold headings in colour when asked for', async () => {
    const cli = harness({ env: { FORCE_COLOR: '1' } });
    await cli.run('explain', 'tmc.token.stale');
    expect(cli.stdout.text).toContain('\u001b[1mtmc.token.stale\u001b[22m');
  });

  test('an unknown id exits 2 with suggestions', async () => {
    const cli = harness();
    expect(await cli.run('explain', 'token.stale')).toBe(EXIT.USAGE);
    expect(cli.stderr.text).toBe(
      "tmc-health: error: unknown check id or IRSA cause 'token.stale'. Did you mean: tmc.token.stale? " +
        'Run `tmc-health explain` to list all checks and causes.\n',
    );
    expect(cli.stdout.text).toBe('');
  });

  test('an id like nothing known exits 2 without suggestions', async () => {
    const cli = harness();
    expect(await cli.run('explain', 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz')).toBe(EXIT.USAGE);
    expect(cli.stderr.text).not.toContain('Did you mean');
    expect(cli.stderr.text).toContain('tmc-health explain');
  });

  test('suggestions: substrings first, then typos', () => {
    expect(suggestCheckIds('event-rule')).toEqual([
      'tmc.event-rule.missing',
      'tmc.event-rule.disabled',
      'tmc.event-rule.wrong-target',
    ]);
    expect(suggestCheckIds('tmc.lamda.erors')).toContain('tmc.lambda.errors');
    expect(suggestCheckIds('checker.eror')).toEqual(['checker.error']);
  });

  const flat = (text: string) => text.replace(/\*\*/g, '').replace(/\s+/g, ' ');

  test.each(DIAGNOSIS_CAUSES)('explain %s: that cause alone, wrapped, exit 0', async (cause) => {
    const cli = harness({ env: { NO_COLOR: '1' } });
    expect(await cli.run('explain', cause)).toBe(EXIT.OK);
    const out = cli.stdout.text;
    expect(out.split('\n')[0]).toBe(cause);
    const row = CAUSE_CATALOGUE[cause];
    for (const [heading, text] of [
      ['What it means.', row.meaning],
      ['How it shows in the pod.', row.inThePod],
      ['Who fixes it.', row.whoFixes],
      ['The fix.', row.fix],
    ] as const) {
      expect(out).toContain(heading);
      expect(flat(out)).toContain(flat(text));
    }
    // One cause only: no other cause's row.
    for (const other of DIAGNOSIS_CAUSES.filter((name) => name !== cause)) {
      expect(out.split('\n')).not.toContain(other);
    }
    for (const line of out.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
    expect(cli.stderr.text).toBe('');
  });

  test('explain sub-mismatch prints its row: the SDK error, who fixes it and the command', async () => {
    const cli = harness({ env: { NO_COLOR: '1' } });
    await cli.run('explain', 'sub-mismatch');
    const out = flat(cli.stdout.text);
    expect(out).toContain('Not authorized to perform sts:AssumeRoleWithWebIdentity');
    expect(out).toContain('system:serviceaccount:<namespace>:<serviceaccount>');
    expect(out).toContain('aws iam update-assume-role-policy --role-name <role>');
  });

  test('explain irsa.assume-role.denied includes the cause table as one block per cause', async () => {
    const cli = harness({ env: { NO_COLOR: '1' } });
    expect(await cli.run('explain', 'irsa.assume-role.denied')).toBe(EXIT.OK);
    const lines = cli.stdout.text.split('\n');
    for (const cause of DIAGNOSIS_CAUSES) {
      const at = lines.indexOf(cause);
      expect(at).toBeGreaterThan(0);
      expect(lines.slice(at + 1, at + 4).join(' ')).toContain('What it means:');
    }
    expect(cli.stdout.text).not.toMatch(/^\|/m);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(100);
  });

  test('a mistyped cause is suggested', async () => {
    const cli = harness();
    expect(await cli.run('explain', 'wildcard-under-stringequals')).toBe(EXIT.USAGE);
    expect(cli.stderr.text).toContain('Did you mean: wildcard-under-string-equals');
  });

  test('an unknown argument is matched against check ids and causes alike', async () => {
    expect(suggestCheckIds('token')).toEqual(['tmc.token.missing', 'tmc.token.stale', 'invalid-token']);
    const cli = harness();
    expect(await cli.run('explain', 'sub-mismtach')).toBe(EXIT.USAGE);
    expect(cli.stderr.text).toContain('Did you mean: sub-mismatch');
  });

  test('without an id it lists every check', async () => {
    const cli = harness();
    expect(await cli.run('explain')).toBe(EXIT.OK);
    for (const id of CHECK_IDS) expect(cli.stdout.text).toContain(id);
    for (const cause of DIAGNOSIS_CAUSES) expect(cli.stdout.text).toContain(cause);
  });
});
