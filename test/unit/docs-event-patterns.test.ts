import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { CheckId, Finding, Severity, Status } from '../../lambdas/core/finding';
import {
  REMEDIATION_DETAIL_TYPE,
  remediationDetailSchema,
  type RemediationDetail,
} from '../../lambdas/core/lifecycle/remediation-event';
import { buildRunSummaryEvent } from '../../lambdas/core/lifecycle/run-event';
import type { LedgerEntry, LifecycleFinding } from '../../lambdas/core/lifecycle/types';
import { plannedTransition } from '../fixtures/planned-transition';

/**
 * The rule patterns in docs/events.md ("## Patterns", one ```json block per "###" heading) are checked here
 * against sample events built with the lifecycle code itself, with a small matcher for the subset of EventBridge
 * pattern syntax the docs use (exact values, prefix, exists, numeric, anything-but; comparison operators on leaf
 * values only, as EventBridge documents). Each pattern must match the samples it is meant for and reject the
 * ones it is meant to leave out, so the docs cannot drift into invalid syntax or into patterns that do not do
 * what their heading says.
 */

const ROOT = path.join(__dirname, '..', '..');
const EVENTS_MD = readFileSync(path.join(ROOT, 'docs', 'events.md'), 'utf8');
const REMEDIATION_MD = readFileSync(path.join(ROOT, 'docs', 'remediation-example.md'), 'utf8');

// ------------------------------------------------------------------------------------------ markdown

/** The `## heading` section of a markdown document, up to the next `## ` heading. */
function section(markdown: string, heading: string): string {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.trim() === `## ${heading}`);
  if (start < 0) throw new Error(`no "## ${heading}" section`);
  const end = lines.findIndex((line, index) => index > start && /^## /.test(line));
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

function jsonBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```json\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? '');
}

/** `### heading` -> its single json block; subsections without one (e.g. CLI examples) are skipped. */
function documentedPatterns(markdown: string): Map<string, string> {
  const patterns = new Map<string, string>();
  const parts = section(markdown, 'Patterns').split(/^### /m).slice(1);
  for (const part of parts) {
    const heading = (part.split('\n')[0] ?? '').trim();
    const blocks = jsonBlocks(part);
    if (blocks.length > 1)
      throw new Error(`"### ${heading}" has ${blocks.length} json blocks; one pattern each`);
    if (blocks[0] !== undefined) patterns.set(heading, blocks[0]);
  }
  return patterns;
}

// ------------------------------------------------------------------------------------------- matcher

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const NUMERIC_OPERATORS = new Set(['<', '<=', '=', '>', '>=']);

/** Throws on anything outside the syntax subset (so an unsupported or misspelt operator fails the test). */
function validatePattern(pattern: unknown, where = '$'): void {
  if (!isObject(pattern)) throw new Error(`${where}: a pattern level must be an object`);
  for (const [key, value] of Object.entries(pattern)) {
    const at = `${where}.${key}`;
    if (isObject(value)) validatePattern(value, at);
    else if (Array.isArray(value)) {
      if (value.length === 0) throw new Error(`${at}: an empty list matches nothing`);
      for (const condition of value) validateCondition(condition, at);
    } else
      throw new Error(`${at}: values must be lists (["x"]) or nested objects, got ${JSON.stringify(value)}`);
  }
}

function validateCondition(condition: Json, at: string): void {
  if (!isObject(condition)) return; // an exact value
  const keys = Object.keys(condition);
  if (keys.length !== 1) throw new Error(`${at}: an operator object has exactly one key`);
  const [operator] = keys;
  const operand = condition[operator as string];
  switch (operator) {
    case 'prefix':
      if (typeof operand !== 'string') throw new Error(`${at}: prefix takes a string`);
      return;
    case 'exists':
      if (typeof operand !== 'boolean') throw new Error(`${at}: exists takes true or false`);
      return;
    case 'anything-but':
      if (!(typeof operand === 'string' || typeof operand === 'number' || Array.isArray(operand))) {
        throw new Error(`${at}: anything-but takes a value or a list here`);
      }
      return;
    case 'numeric': {
      if (!Array.isArray(operand) || operand.length === 0 || operand.length % 2 !== 0) {
        throw new Error(`${at}: numeric takes operator/number pairs`);
      }
      for (let i = 0; i < operand.length; i += 2) {
        const op = operand[i];
        if (typeof op !== 'string' || !NUMERIC_OPERATORS.has(op) || typeof operand[i + 1] !== 'number') {
          throw new Error(`${at}: numeric pair ${JSON.stringify(operand.slice(i, i + 2))} is invalid`);
        }
      }
      return;
    }
    default:
      throw new Error(`${at}: operator ${String(operator)} is not supported by this test's matcher`);
  }
}

/** Leaf values at a path: objects are intermediate nodes, not leaves (EventBridge compares leaves only). */
function leaves(value: Json | undefined): (string | number | boolean | null)[] {
  if (value === undefined || isObject(value)) return [];
  if (Array.isArray(value))
    return value.flatMap((item) => (isObject(item) || Array.isArray(item) ? [] : [item]));
  return [value];
}

function conditionMatches(condition: Json, values: (string | number | boolean | null)[]): boolean {
  if (!isObject(condition)) return values.some((value) => value === condition);
  const [operator, operand] = Object.entries(condition)[0] as [string, Json];
  switch (operator) {
    case 'prefix':
      return values.some((value) => typeof value === 'string' && value.startsWith(operand as string));
    case 'exists':
      return values.length > 0 === operand;
    case 'anything-but': {
      const excluded = Array.isArray(operand) ? operand : [operand];
      return values.length > 0 && values.some((value) => !excluded.includes(value));
    }
    case 'numeric': {
      const pairs = operand as Json[];
      return values.some((value) => {
        if (typeof value !== 'number') return false;
        for (let i = 0; i < pairs.length; i += 2) {
          const bound = pairs[i + 1] as number;
          const ok = {
            '<': value < bound,
            '<=': value <= bound,
            '=': value === bound,
            '>': value > bound,
            '>=': value >= bound,
          }[pairs[i] as string];
          if (!ok) return false;
        }
        return true;
      });
    }
    default:
      throw new Error(`unsupported operator ${operator}`);
  }
}

function matches(pattern: JsonObject, event: Json | undefined): boolean {
  return Object.entries(pattern).every(([key, sub]) => {
    const value = isObject(event) ? event[key] : undefined;
    if (Array.isArray(sub)) return sub.some((condition) => conditionMatches(condition, leaves(value)));
    return matches(sub as JsonObject, value);
  });
}

// ------------------------------------------------------------------------------------------- samples

const ACCOUNT = '111122223333';
const REGION = 'us-west-2';
const NOW = new Date('2026-11-22T12:00:00.000Z');
const EARLIER = '2026-11-21T10:00:00.000Z';

function finding(
  id: string,
  checkId: CheckId,
  status: Status,
  severity: Severity,
  extra: Partial<Finding> = {},
): Finding {
  return {
    schemaVersion: '1.0',
    findingId: createHash('md5').update(id).digest('hex'),
    checkId,
    status,
    severity: status === 'PASS' ? 'INFORMATIONAL' : severity,
    title: `${checkId} sample`,
    message: `${checkId} sample message`,
    accountId: ACCOUNT,
    region: REGION,
    resource: {
      type: 'AWS::Lambda::Function',
      arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${id}`,
      name: id,
    },
    evidence: {},
    remediation: { text: 'steps', whoCanFix: 'someone', runbookUrl: 'docs/checks.md#x' },
    observedAt: NOW.toISOString(),
    ...extra,
  };
}

function openEntry(f: Finding): LedgerEntry {
  return {
    findingId: f.findingId,
    open: true,
    status: 'FAIL',
    severity: 'HIGH',
    firstObservedAt: EARLIER,
    lastObservedAt: EARLIER,
    occurrenceCount: 5,
    lastNotifiedAt: EARLIER,
    sequence: 1,
    absentRuns: 0,
    finding: { ...f, status: 'FAIL', severity: 'HIGH' },
  };
}

function transition(f: Finding, previous?: LedgerEntry): LifecycleFinding {
  return plannedTransition(f, NOW, previous);
}

function envelope(detailType: string, detail: object): JsonObject {
  return JSON.parse(
    JSON.stringify({
      version: '0',
      id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
      'detail-type': detailType,
      source: 'tmc-health',
      account: ACCOUNT,
      time: NOW.toISOString(),
      region: REGION,
      resources: [],
      detail,
    }),
  ) as JsonObject;
}

const dataSync = (status: Status): Finding =>
  finding('prod-eks-data-sync', 'tmc.lambda.not-invoked', status, 'HIGH', {
    tmc: { credentialName: 'prod-eks', component: 'data-sync' },
  });
const irsa = (id: string, namespace: string, cause: string): Finding =>
  finding(id, 'irsa.assume-role.denied', 'FAIL', 'HIGH', {
    resource: { type: 'AWS::IAM::Role', arn: `arn:aws:iam::${ACCOUNT}:role/${id}`, name: id },
    irsa: {
      serviceAccount: `system:serviceaccount:${namespace}:app`,
      namespace,
      oidcProvider: `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.${REGION}.amazonaws.com/id/EXAMPLE`,
      errorCode: 'AccessDenied',
      count: 3,
      firstSeen: EARLIER,
      lastSeen: NOW.toISOString(),
      sampleEventIds: ['e1'],
    },
    evidence: { cause },
  });
const checkerError = finding('checker-error', 'checker.error', 'ERROR', 'HIGH', {
  resource: { type: 'AWS::API::Operation', name: 'dynamodb:BatchGetItem' },
});
const opened = transition(dataSync('FAIL'));

function remediation(outcome: RemediationDetail['outcome']): RemediationDetail {
  return remediationDetailSchema.parse({
    schemaVersion: '1.0',
    runId: 'run-1',
    action: 'retrigger-data-sync',
    outcome,
    findingId: opened.findingId,
    idempotencyKey: opened.idempotencyKey,
    checkId: 'tmc.lambda.not-invoked',
    accountId: ACCOUNT,
    region: REGION,
    credentialName: 'prod-eks',
    functionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:prod-eks-data-sync`,
    reason: outcome === 'SKIPPED' ? 'token is stale' : 'invoked',
    at: NOW.toISOString(),
  });
}

function runSummary(check: 'credentials' | 'irsa', findings: Finding[]): JsonObject {
  const { detailType, detail } = buildRunSummaryEvent({
    run: { runId: `run-${check}`, accountId: ACCOUNT, regions: [REGION], startedAt: EARLIER },
    check,
    findings,
    transitions: [],
    failedOperations: findings.some((f) => f.status === 'ERROR') ? [`${REGION} dynamodb:BatchGetItem`] : [],
    durationMs: 1200,
    apiCalls: 9,
    finishedAt: NOW.toISOString(),
  });
  return envelope(detailType, detail);
}

const finding_ = (event: LifecycleFinding | Finding): JsonObject => envelope('TMC Health Finding', event);

const SAMPLES: Record<string, JsonObject> = {
  opened: finding_(opened),
  reminder: finding_(transition(dataSync('FAIL'), openEntry(dataSync('FAIL')))),
  resolved: finding_(transition(dataSync('PASS'), openEntry(dataSync('FAIL')))),
  suppressedOpened: finding_({
    ...opened,
    suppression: { state: 'SUPPRESSED', reason: 'CHG-1', expires: '2026-12-31' },
  }),
  ruleOpenedMedium: finding_(
    transition(
      finding('staging-eks-rule', 'tmc.event-rule.disabled', 'FAIL', 'MEDIUM', {
        resource: { type: 'AWS::Events::Rule', name: 'staging-eks-rule' },
        tmc: { credentialName: 'staging-eks', component: 'event-rule' },
      }),
    ),
  ),
  irsaPayments: finding_(transition(irsa('payments-role', 'payments', 'sub-mismatch'))),
  irsaBatch: finding_(transition(irsa('batch-role', 'batch', 'aud-mismatch'))),
  errorOpened: finding_(transition(checkerError)),
  statelessError: finding_(checkerError),
  runWithErrors: runSummary('credentials', [dataSync('FAIL'), checkerError]),
  quietIrsaRun: runSummary('irsa', []),
  remediationSkipped: envelope(REMEDIATION_DETAIL_TYPE, remediation('SKIPPED')),
  remediationInvoked: envelope(REMEDIATION_DETAIL_TYPE, remediation('INVOKED')),
};
type Sample = keyof typeof SAMPLES;

/** Per "### heading" under "## Patterns": the samples the pattern must match, and those it must not. */
const EXPECTATIONS: Record<string, { match: Sample[]; reject: Sample[] }> = {
  'All HIGH and above': {
    match: ['opened', 'reminder', 'suppressedOpened', 'irsaPayments', 'errorOpened', 'statelessError'],
    reject: ['resolved', 'ruleOpenedMedium', 'runWithErrors', 'remediationSkipped'],
  },
  'Only OPENED': {
    match: ['opened', 'ruleOpenedMedium', 'irsaPayments', 'errorOpened'],
    reject: ['reminder', 'resolved', 'statelessError', 'runWithErrors'],
  },
  'One credential': {
    match: ['opened', 'reminder', 'resolved'],
    reject: ['ruleOpenedMedium', 'irsaPayments', 'statelessError', 'runWithErrors'],
  },
  'One check': { match: ['ruleOpenedMedium'], reject: ['opened', 'resolved', 'errorOpened'] },
  'Exclude suppressed findings': {
    match: ['opened', 'irsaPayments'],
    reject: ['suppressedOpened', 'ruleOpenedMedium', 'resolved', 'reminder'],
  },
  'RESOLVED for one check': { match: ['resolved'], reject: ['opened', 'reminder', 'ruleOpenedMedium'] },
  'Data-sync stopped (remediation trigger)': {
    match: ['opened'],
    reject: ['suppressedOpened', 'reminder', 'resolved', 'ruleOpenedMedium', 'statelessError'],
  },
  'IRSA denials in one namespace': { match: ['irsaPayments'], reject: ['irsaBatch', 'opened'] },
  'IRSA denials with a given cause': { match: ['irsaPayments'], reject: ['irsaBatch', 'opened'] },
  'The checker could not look': {
    match: ['errorOpened', 'statelessError'],
    reject: ['opened', 'runWithErrors'],
  },
  'Stateless events': { match: ['statelessError'], reject: ['errorOpened', 'opened', 'runWithErrors'] },
  'Run summary with failed checks': {
    match: ['runWithErrors'],
    reject: ['quietIrsaRun', 'errorOpened', 'statelessError'],
  },
  'Run summaries of one check': { match: ['runWithErrors'], reject: ['quietIrsaRun', 'opened'] },
  'Remediation that did not invoke': {
    match: ['remediationSkipped'],
    reject: ['remediationInvoked', 'opened'],
  },
};

// --------------------------------------------------------------------------------------------- tests

const documented = documentedPatterns(EVENTS_MD);

describe('the matcher used to check the docs', () => {
  const suppressed = SAMPLES.suppressedOpened as JsonObject;
  it('treats objects as intermediate nodes: exists on the suppression object cannot exclude it', () => {
    // Why the docs test suppression.state: EventBridge compares leaves only.
    expect(matches({ detail: { suppression: [{ exists: false }] } }, suppressed)).toBe(true);
    expect(matches({ detail: { suppression: { state: [{ exists: false }] } } }, suppressed)).toBe(false);
  });
  it('refuses syntax it does not know', () => {
    expect(() => validatePattern({ detail: { status: 'FAIL' } })).toThrow(/lists/);
    expect(() => validatePattern({ detail: { status: [{ wildcard: 'F*' }] } })).toThrow(/not supported/);
    expect(() => validatePattern({ detail: { n: [{ numeric: ['>>', 0] }] } })).toThrow(/invalid/);
  });
  it('matches numeric ranges, prefixes and array values', () => {
    const event = { detail: { n: 3, tags: ['a', 'bc'] } };
    expect(matches({ detail: { n: [{ numeric: ['>', 0, '<=', 3] }] } }, event)).toBe(true);
    expect(matches({ detail: { n: [{ numeric: ['>', 3] }] } }, event)).toBe(false);
    expect(matches({ detail: { tags: [{ prefix: 'b' }] } }, event)).toBe(true);
  });
});

describe('docs/events.md patterns', () => {
  it('documents a pattern for every expectation, and an expectation exists for every pattern', () => {
    expect([...documented.keys()].sort()).toEqual(Object.keys(EXPECTATIONS).sort());
  });

  it.each([...documented.entries()])(
    '"%s" is a valid pattern that does what its heading says',
    (heading, text) => {
      const pattern = JSON.parse(text) as unknown;
      validatePattern(pattern);
      const expectation = EXPECTATIONS[heading];
      if (!expectation) throw new Error(`no expectation for "${heading}"`);
      const wrong = [
        ...expectation.match
          .filter((name) => !matches(pattern as JsonObject, SAMPLES[name]))
          .map((n) => `misses ${n}`),
        ...expectation.reject
          .filter((name) => matches(pattern as JsonObject, SAMPLES[name]))
          .map((n) => `matches ${n}`),
      ];
      expect(wrong).toEqual([]);
    },
  );

  it('every pattern names the source and the detail-type', () => {
    for (const text of documented.values()) {
      const pattern = JSON.parse(text) as JsonObject;
      expect(pattern.source).toEqual(['tmc-health']);
      expect(pattern['detail-type']).toHaveLength(1);
    }
  });
});

describe('docs/remediation-example.md', () => {
  it('triggers on the pattern documented in events.md', () => {
    const [trigger] = jsonBlocks(section(REMEDIATION_MD, 'The trigger'));
    expect(JSON.parse(trigger ?? 'null')).toEqual(
      JSON.parse(documented.get('Data-sync stopped (remediation trigger)') ?? 'null'),
    );
  });
});
