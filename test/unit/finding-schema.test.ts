import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { execFileSync } from 'node:child_process';
import { evaluateCredentials } from '../../lambdas/core/evaluate-credentials';
import { renderCheckCatalogue } from '../../lambdas/core/explain';
import { CHECK_IDS } from '../../lambdas/core/finding';
import { findingJsonSchema, findingSchema } from '../../lambdas/core/finding-schema';
import { failure, fn, healthyRegion, parameter, rule, settings, snapshot } from '../fixtures/inventory';

const docs = join(__dirname, '..', '..', 'docs');

/** Formats like `npm run docs` does; prettier runs in a child process because its ESM loader cannot run under jest. */
function formatted(text: string, file: string): string {
  return execFileSync(
    process.execPath,
    [require.resolve('prettier/bin/prettier.cjs'), '--stdin-filepath', join(docs, file)],
    {
      input: text,
      encoding: 'utf8',
    },
  );
}

/** Findings of every status and most checks, to validate against the documented schema. */
function varietyOfFindings() {
  const region = healthyRegion(['prod-eks', 'dev-eks']);
  return evaluateCredentials(
    snapshot({
      ...region,
      functions: [
        ...region.functions.filter((f) => f.credentialName === 'prod-eks'),
        fn('dev-eks', 'data-sync', {
          metrics: { ok: false, failure: failure('GetMetricData', 'ThrottlingException', 'cloudwatch') },
        }),
      ],
      rules: [rule('prod-eks', { state: 'DISABLED' })],
      parameters: [parameter('prod-eks', { lastModifiedDate: '2020-01-01T00:00:00Z' })],
      failures: [failure('GetMetricData', 'ThrottlingException', 'cloudwatch')],
    }),
    { ...settings, credentialNames: ['prod-eks', 'dev-eks', 'gone-eks'] },
  );
}

describe('the documented finding schema', () => {
  const findings = varietyOfFindings();

  it('covers all three statuses in the sample', () => {
    expect(new Set(findings.map((f) => f.status))).toEqual(new Set(['PASS', 'FAIL', 'ERROR']));
  });

  it('accepts every finding the evaluation emits (zod)', () => {
    for (const finding of findings) expect(findingSchema.safeParse(finding).error).toBeUndefined();
  });

  it('accepts every finding through the JSON Schema file in docs/ (ajv, draft 2020-12)', () => {
    const validate = new Ajv2020({ strict: false, validateFormats: false }).compile(
      JSON.parse(readFileSync(join(docs, 'finding-schema.json'), 'utf8')),
    );
    for (const finding of findings) {
      expect(validate(JSON.parse(JSON.stringify(finding)))).toBe(true);
    }
    expect(validate({ ...findings[0], status: 'OK' })).toBe(false);
    expect(validate({ ...findings[0], findingId: undefined })).toBe(false);
  });

  it('docs/finding-schema.json is the generated one (run `npm run docs`)', () => {
    const generated = formatted(`${JSON.stringify(findingJsonSchema(), null, 2)}\n`, 'finding-schema.json');
    expect(readFileSync(join(docs, 'finding-schema.json'), 'utf8')).toBe(generated);
  });
});

describe('the check catalogue in docs/', () => {
  it('docs/checks.md is the generated one (run `npm run docs`)', () => {
    expect(readFileSync(join(docs, 'checks.md'), 'utf8')).toBe(
      formatted(renderCheckCatalogue(), 'checks.md'),
    );
  });

  it.each(CHECK_IDS.map((id) => [id]))('documents %s with an anchor', (id) => {
    const text = readFileSync(join(docs, 'checks.md'), 'utf8');
    expect(text).toContain(`<a id="${id.replace(/\./g, '-')}"></a>`);
    expect(text).toContain(`### ${id}`);
  });
});
