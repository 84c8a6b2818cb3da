import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../../lambdas/cli/exit-codes';
import { writeCorrections } from '../../lambdas/cli/fix-dir';
import type { Finding } from '../../lambdas/core/finding';
import { combinedOutcome, harness, irsaRun } from './support';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fix-dir-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const corrected = () => irsaRun().findings.filter((f) => f.correction?.trustPolicy !== undefined);

describe('tmc-health check --fix-dir', () => {
  test('one file per role, the whole trust policy, and the command that applies it', async () => {
    const out = join(dir, 'fixes');
    const cli = harness({ outcome: combinedOutcome(undefined, irsaRun()) });
    expect(await cli.run('check', '--checks', 'irsa', '--fix-dir', out)).toBe(EXIT.FAIL);
    expect(readdirSync(out).sort()).toEqual(['AccessEC2role.json', 'irsa-batch-jobs.json']);
    for (const finding of corrected()) {
      const name = finding.correction!.roleName;
      const document = JSON.parse(readFileSync(join(out, `${name}.json`), 'utf8')) as {
        Version: string;
        Statement: unknown[];
      };
      expect(document).toEqual(finding.correction!.trustPolicy);
      expect(document.Version).toBe('2012-10-17');
      expect(cli.stdout.text).toContain(
        `  aws iam update-assume-role-policy --role-name ${name} --policy-document file://${out}/${name}.json\n`,
      );
    }
    expect(cli.stdout.text).toContain(
      `Wrote ${out}/AccessEC2role.json: the whole trust policy of role AccessEC2role. Fill in <namespace>, <serviceaccount> first`,
    );
  });

  test('under --json the commands go to stderr: stdout stays one JSON document, the policy an object', async () => {
    const cli = harness({ outcome: combinedOutcome(undefined, irsaRun()) });
    await cli.run('check', '--checks', 'irsa', '--json', '--fix-dir', dir);
    const report = JSON.parse(cli.stdout.text) as { findings: Finding[] };
    const withCorrection = report.findings.filter((f) => f.correction);
    expect(withCorrection.map((f) => typeof f.correction!.trustPolicy)).toEqual(['object', 'object']);
    expect(cli.stderr.text).toContain('aws iam update-assume-role-policy --role-name irsa-batch-jobs');
  });

  test('a role name that is not an IAM one (a path) is refused, naming it; nothing is written outside', async () => {
    const [finding] = corrected();
    const hostile: Finding = { ...finding!, correction: { ...finding!.correction!, roleName: '../escaped' } };
    const result = await writeCorrections(join(dir, 'in'), [hostile]);
    expect(result.written).toEqual([]);
    expect(result.lines.join('\n')).toMatch(/^Not written: '\.\.\/escaped' is not an IAM role name/);
    expect(existsSync(join(dir, 'escaped.json'))).toBe(false);
  });

  test('a symbolic link at the file name is not followed', async () => {
    const [finding] = corrected();
    const target = join(dir, 'elsewhere.txt');
    writeFileSync(target, 'untouched');
    symlinkSync(target, join(dir, `${finding!.correction!.roleName}.json`));
    await expect(writeCorrections(dir, [finding!])).rejects.toThrow(/^--fix-dir: cannot write /);
    expect(readFileSync(target, 'utf8')).toBe('untouched');
  });

  test('no correction in the run: says so, writes nothing', async () => {
    const result = await writeCorrections(join(dir, 'none'), []);
    expect(result.lines).toEqual([
      '--fix-dir: no IRSA finding of this run has a trust policy correction; nothing written.',
    ]);
    expect(existsSync(join(dir, 'none'))).toBe(false);
  });

  test('every flag error at once, each naming --fix-dir; the help states the flag', async () => {
    const cli = harness();
    expect(
      await cli.run(
        'check',
        '--checks',
        'tmc',
        '--fix-dir',
        ' ',
        '--accounts',
        '111122223333',
        '--since',
        'x',
      ),
    ).toBe(EXIT.USAGE);
    const err = cli.stderr.text;
    expect(err).toContain('--fix-dir: give a directory');
    expect(err).toContain('--fix-dir: not with --accounts');
    expect(err).toContain('--fix-dir: needs the irsa check family');
    expect(err).toContain('--since');
    expect(cli.requests).toEqual([]);
    const help = harness();
    await help.run('check', '--help');
    expect(help.stdout.text.replace(/\s+/g, ' ')).toContain('--fix-dir <dir> write each IRSA finding');
  });
});
