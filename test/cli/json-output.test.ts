import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { EXIT } from '../../lambdas/cli/exit-codes';
import { harness, SCENARIOS } from './support';

const schema = JSON.parse(readFileSync(join(__dirname, '..', '..', 'docs', 'finding-schema.json'), 'utf8'));
const validateFinding = new Ajv2020({ allErrors: true, strict: false, validateFormats: false }).compile(
  schema,
);

describe('tmc-health check --json', () => {
  test.each(Object.entries(SCENARIOS))(
    '%s: one document {findings, summary}, every finding valid against docs/finding-schema.json',
    async (_name, scenario) => {
      const findings = scenario();
      const cli = harness({ findings, env: { FORCE_COLOR: '1' } });
      await cli.run('check', '--json');
      const document = JSON.parse(cli.stdout.text);
      expect(Object.keys(document).sort()).toEqual(['findings', 'summary']);
      expect(document.findings).toHaveLength(findings.length);
      for (const finding of document.findings) {
        const valid = validateFinding(finding);
        expect(validateFinding.errors ?? []).toEqual([]);
        expect(valid).toBe(true);
      }
      // Exactly what the Lambda publishes: the same objects, nothing added or renamed.
      expect(document.findings).toEqual(JSON.parse(JSON.stringify(findings)));
      expect(document.summary).toMatchObject({
        accountId: '111122223333',
        regions: ['us-west-2'],
        findings: findings.length,
        byStatus: {
          FAIL: findings.filter((f) => f.status === 'FAIL').length,
          ERROR: findings.filter((f) => f.status === 'ERROR').length,
          PASS: findings.filter((f) => f.status === 'PASS').length,
        },
      });
      // Nothing else on stdout (no colour codes even with FORCE_COLOR), nothing on a non-TTY stderr.
      expect(cli.stdout.text).not.toContain('\u001b');
      expect(cli.stdout.text.trim().split('\n').at(-1)).toBe('}');
      expect(cli.stderr.text).toBe('');
    },
  );

  test('--json with a FAIL still exits 1', async () => {
    const cli = harness({ findings: SCENARIOS.failing() });
    expect(await cli.run('check', '--json')).toBe(EXIT.FAIL);
  });
});
