import { CATALOGUE } from '../../lambdas/core/catalogue';
import { CHECK_IDS } from '../../lambdas/core/finding';
import { EXIT } from '../../lambdas/cli/exit-codes';
import { suggestCheckIds } from '../../lambdas/cli/render-explain';
import { harness } from './support';

describe('tmc-health explain', () => {
  test.each(CHECK_IDS)('%s: the catalogue text, wrapped to the terminal, exit 0', async (checkId) => {
    const cli = harness({ env: { NO_COLOR: '1' } });
    expect(await cli.run('explain', checkId)).toBe(EXIT.OK);
    const out = cli.stdout.text;
    const check = CATALOGUE[checkId];
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
      "tmc-health: error: unknown check id 'token.stale'. Did you mean: tmc.token.stale? " +
        'Run `tmc-health explain` to list all checks.\n',
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

  test('without an id it lists every check', async () => {
    const cli = harness();
    expect(await cli.run('explain')).toBe(EXIT.OK);
    for (const id of CHECK_IDS) expect(cli.stdout.text).toContain(id);
  });
});
