import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { evaluateCredentials } from '../../lambdas/core/evaluate-credentials';
import {
  EVENT_SCHEMAS,
  JSON_SCHEMA_DRAFT_04,
  eventSchemaDocument,
  eventSchemaDocuments,
  lifecycleFindingSchema,
  type EventSchemaSpec,
} from '../../lambdas/core/lifecycle/event-schemas';
import { planTransitions } from '../../lambdas/core/lifecycle/plan-transitions';
import { remediationDetailSchema } from '../../lambdas/core/lifecycle/remediation-event';
import { buildRunSummaryEvent } from '../../lambdas/core/lifecycle/run-event';
import { registryName } from '../../lib/constructs/event-schemas';
import { ACCOUNT, NOW, REGION, fn, healthyRegion, rule, settings, snapshot } from '../fixtures/inventory';
import { synth } from './helpers';

const DOCS = join(__dirname, '..', '..', 'docs', 'schemas');

type Json = Record<string, unknown>;

/** Every keyword JSON Schema draft-04 defines (core and validation); anything else would be ignored or refused. */
const DRAFT_04_KEYWORDS = new Set([
  '$schema', 'id', '$ref', 'title', 'description', 'default', 'multipleOf', 'maximum', 'exclusiveMaximum',
  'minimum', 'exclusiveMinimum', 'maxLength', 'minLength', 'pattern', 'additionalItems', 'items', 'maxItems',
  'minItems', 'uniqueItems', 'maxProperties', 'minProperties', 'required', 'additionalProperties', 'definitions',
  'properties', 'patternProperties', 'dependencies', 'enum', 'type', 'allOf', 'anyOf', 'oneOf', 'not', 'format',
]); // prettier-ignore

/** Every schema node of a document, with its JSON pointer. */
function schemaNodes(node: unknown, pointer = '#'): [string, Json][] {
  if (typeof node !== 'object' || node === null) return [];
  if (Array.isArray(node)) return node.flatMap((item, index) => schemaNodes(item, `${pointer}/${index}`));
  const schema = node as Json;
  const found: [string, Json][] = [[pointer, schema]];
  for (const [keyword, value] of Object.entries(schema)) {
    if (['properties', 'patternProperties', 'definitions', 'dependencies'].includes(keyword)) {
      for (const [name, child] of Object.entries(value as Json)) {
        found.push(...schemaNodes(child, `${pointer}/${keyword}/${name}`));
      }
    } else if (
      ['items', 'additionalItems', 'additionalProperties', 'not', 'allOf', 'anyOf', 'oneOf'].includes(keyword)
    ) {
      found.push(...schemaNodes(value, `${pointer}/${keyword}`));
    }
  }
  return found;
}

/**
 * Ajv 8 has no draft-04 mode (and ajv-draft-04 is not installed): rewrite the only draft-04 construct zod emits
 * that later drafts read differently, boolean exclusiveMinimum/Maximum, and validate as draft-07.
 */
function toDraft07(node: unknown): unknown {
  if (typeof node !== 'object' || node === null) return node;
  if (Array.isArray(node)) return node.map(toDraft07);
  const out: Json = {};
  for (const [key, value] of Object.entries(node as Json)) {
    if (key === '$schema') continue;
    out[key] = ['exclusiveMinimum', 'exclusiveMaximum'].includes(key) ? value : toDraft07(value);
  }
  for (const [exclusive, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (out[exclusive] === true) {
      out[exclusive] = out[bound];
      delete out[bound];
    } else if (out[exclusive] === false) delete out[exclusive];
  }
  return out;
}

function validator(document: Json) {
  return new Ajv({ strict: false, validateFormats: false, allErrors: true }).compile(
    toDraft07(document) as Json,
  );
}

function envelope(detailType: string, detail: unknown): Json {
  // As EventBridge delivers it: the publisher's fields plus the envelope it adds.
  return JSON.parse(
    JSON.stringify({
      version: '0',
      id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
      'detail-type': detailType,
      source: 'tmc-health',
      account: ACCOUNT,
      time: NOW.replace('.000', ''),
      region: REGION,
      resources: [],
      detail,
    }),
  ) as Json;
}

/** Real lifecycle findings: the evaluation's findings through the transition planner (first run: all OPENED). */
function lifecycleEvents() {
  const region = healthyRegion(['prod-eks', 'dev-eks']);
  const findings = evaluateCredentials(
    snapshot({
      ...region,
      functions: [
        ...region.functions.filter((f) => f.credentialName === 'prod-eks'),
        fn('dev-eks', 'data-sync', {
          metrics: { ok: true, value: { windowMinutes: 30, invocations: 0, errors: 0, throttles: 0 } },
        }),
      ],
      rules: [rule('prod-eks', { state: 'DISABLED' })],
    }),
    settings,
  );
  const plan = planTransitions({
    findings,
    ledger: new Map(),
    now: new Date(NOW),
    settings: { reminderHours: 24, goneAfterRuns: 3 },
    covers: () => true,
  });
  return { findings, events: plan.transitions.map((planned) => planned.event) };
}

const remediationDetail = remediationDetailSchema.parse({
  schemaVersion: '1.0',
  runId: 'run-1',
  action: 'retrigger-data-sync',
  outcome: 'INVOKED',
  findingId: '0123456789abcdef0123456789abcdef',
  idempotencyKey: '0123456789abcdef0123456789abcdef#1',
  checkId: 'tmc.lambda.not-invoked',
  accountId: ACCOUNT,
  region: REGION,
  credentialName: 'dev-eks',
  functionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:dev-eks-data-sync`,
  reason: 'dev-eks-data-sync was not invoked in the last 30 minutes; its token is fresh',
  at: NOW,
});

function specOf(name: string): EventSchemaSpec {
  const spec = EVENT_SCHEMAS.find((candidate) => candidate.name === name);
  if (!spec) throw new Error(`no schema ${name}`);
  return spec;
}

describe('event schema documents (JSON Schema draft-04, whole event)', () => {
  test.each(EVENT_SCHEMAS.map((spec) => [spec.name, spec] as const))(
    '%s: draft-04 keywords only, $schema at the root only',
    (_name, spec) => {
      const document = eventSchemaDocument(spec);
      expect(document.$schema).toBe(JSON_SCHEMA_DRAFT_04);
      for (const [pointer, node] of schemaNodes(document)) {
        for (const keyword of Object.keys(node)) {
          expect({ pointer, keyword, allowed: DRAFT_04_KEYWORDS.has(keyword) }).toEqual({
            pointer,
            keyword,
            allowed: true,
          });
        }
        if (pointer !== '#') expect(node.$schema).toBeUndefined();
        for (const exclusive of ['exclusiveMinimum', 'exclusiveMaximum']) {
          if (exclusive in node) expect(typeof node[exclusive]).toBe('boolean');
        }
      }
    },
  );

  test.each(EVENT_SCHEMAS.map((spec) => [spec.name, spec] as const))(
    '%s: the envelope fields are required and detail-type and source are pinned',
    (_name, spec) => {
      const document = eventSchemaDocument(spec);
      expect(document.required).toEqual([
        'version',
        'id',
        'detail-type',
        'source',
        'account',
        'time',
        'region',
        'resources',
        'detail',
      ]);
      const properties = document.properties as Record<string, Json>;
      expect(properties['detail-type']?.enum).toEqual([spec.detailType]);
      expect(properties.source?.enum).toEqual(['tmc-health']);
    },
  );

  test('the finding document accepts every real lifecycle finding event, and plain findings', () => {
    const { findings, events } = lifecycleEvents();
    expect(events.length).toBeGreaterThan(0);
    const validate = validator(eventSchemaDocument(specOf('tmc-health@Finding')));
    for (const event of events) {
      expect(lifecycleFindingSchema.safeParse(event).error).toBeUndefined();
      expect(validate(envelope('TMC Health Finding', event))).toBe(true);
    }
    // Without a ledger the checkers publish plain findings: the same schema.
    for (const finding of findings) expect(validate(envelope('TMC Health Finding', finding))).toBe(true);
    const suppressed = {
      ...events[0],
      suppression: { state: 'SUPPRESSED', reason: 'maintenance', expires: '2030-01-31' },
    };
    expect(validate(envelope('TMC Health Finding', suppressed))).toBe(true);
  });

  test('the finding document rejects a wrong transition, detail-type or missing envelope field', () => {
    const { events } = lifecycleEvents();
    const validate = validator(eventSchemaDocument(specOf('tmc-health@Finding')));
    expect(validate(envelope('TMC Health Finding', { ...events[0], transition: 'REOPENED' }))).toBe(false);
    expect(validate(envelope('TMC Health Finding', { ...events[0], sequence: 0 }))).toBe(false);
    expect(validate(envelope('TMC Health Check Run', events[0]))).toBe(false);
    const { account: _account, ...withoutAccount } = envelope('TMC Health Finding', events[0]);
    void _account;
    expect(validate(withoutAccount)).toBe(false);
  });

  test('the run summary document accepts a real run summary event and rejects a broken one', () => {
    const { findings, events } = lifecycleEvents();
    const { detail, detailType } = buildRunSummaryEvent({
      run: { runId: 'run-1', accountId: ACCOUNT, regions: [REGION], startedAt: NOW },
      check: 'credentials',
      findings,
      transitions: events,
      failedOperations: [],
      durationMs: 1234.5,
      apiCalls: 12,
      finishedAt: NOW,
    });
    const validate = validator(eventSchemaDocument(specOf('tmc-health@CheckRun')));
    expect(validate(envelope(detailType, detail))).toBe(true);
    expect(validate(envelope(detailType, { ...detail, heartbeat: false }))).toBe(false);
    expect(validate(envelope(detailType, { ...detail, durationMs: -1 }))).toBe(false);
  });

  test('the remediation document accepts a remediation event and rejects an unknown outcome', () => {
    const validate = validator(eventSchemaDocument(specOf('tmc-health@Remediation')));
    expect(validate(envelope('TMC Health Remediation', remediationDetail))).toBe(true);
    expect(validate(envelope('TMC Health Remediation', { ...remediationDetail, outcome: 'DONE' }))).toBe(
      false,
    );
  });

  test.each(EVENT_SCHEMAS.map((spec) => [spec.fileName, spec] as const))(
    'docs/schemas/%s is the generated one (run `npm run docs`)',
    (fileName, spec) => {
      const generated = execFileSync(
        process.execPath,
        [require.resolve('prettier/bin/prettier.cjs'), '--stdin-filepath', join(DOCS, fileName)],
        { input: `${JSON.stringify(eventSchemaDocument(spec), null, 2)}\n`, encoding: 'utf8' },
      );
      expect(readFileSync(join(DOCS, fileName), 'utf8')).toBe(generated);
    },
  );
});

describe('the schema registry in the stack', () => {
  const { template } = synth();

  test('one registry named after the stack, three draft-04 schemas with the documents as content', () => {
    template.resourceCountIs('AWS::EventSchemas::Registry', 1);
    template.hasResourceProperties('AWS::EventSchemas::Registry', {
      RegistryName: 'TmcHealthChecker-events',
    });
    const schemas = Object.values(
      template.findResources('AWS::EventSchemas::Schema') as Record<string, { Properties: Json }>,
    ).map((resource) => resource.Properties);
    expect(schemas.map((schema) => schema.SchemaName).sort()).toEqual([
      'tmc-health@CheckRun',
      'tmc-health@Finding',
      'tmc-health@Remediation',
    ]);
    for (const schema of schemas) {
      expect(schema.Type).toBe('JSONSchemaDraft4');
      expect(schema.RegistryName).toEqual({
        'Fn::GetAtt': [expect.stringMatching(/^EventSchemasRegistry/), 'RegistryName'],
      });
      const content = schema.Content as string;
      // The registry's limit on schema content.
      expect(content.length).toBeLessThan(100_000);
      const spec = specOf(schema.SchemaName as string);
      expect(JSON.parse(content)).toEqual(eventSchemaDocument(spec));
    }
  });

  test('registry names keep to [A-Za-z0-9._-] and 64 characters', () => {
    expect(registryName('TmcHealthChecker')).toBe('TmcHealthChecker-events');
    const long = registryName(`My-${'x'.repeat(120)}`);
    expect(long).toHaveLength(64);
    expect(long).toMatch(/^[A-Za-z0-9._-]+-events$/);
    expect(registryName('a b/c')).toBe('a-b-c-events');
  });

  test('eventSchemaDocuments lists the three events in order', () => {
    expect(eventSchemaDocuments().map(({ spec }) => spec.detailType)).toEqual([
      'TMC Health Finding',
      'TMC Health Check Run',
      'TMC Health Remediation',
    ]);
  });
});
