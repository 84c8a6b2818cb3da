/**
 * The exporter's check of a finding event (lambdas/core/security-hub/finding-event.ts, zod/mini) agrees with the
 * published finding event schema (lambdas/core/lifecycle/event-schemas.ts, full zod, what the registry and
 * docs/schemas/finding-event.json hold), and its envelope constants with what the checkers put on the bus.
 */
import { EVENT_DETAIL_TYPE, EVENT_SOURCE } from '../../lambdas/adapters/publish-eventbridge';
import type { Finding } from '../../lambdas/core/finding';
import {
  FINDING_DETAIL_TYPE,
  EVENT_SOURCE as SCHEMA_EVENT_SOURCE,
  lifecycleFindingSchema,
} from '../../lambdas/core/lifecycle/event-schemas';
import {
  FINDING_EVENT_DETAIL_TYPE,
  FINDING_EVENT_SOURCE,
  findingEventDetailSchema,
  parseFindingEvent,
} from '../../lambdas/core/security-hub/finding-event';

const ACCOUNT = '111122223333';

const plain: Finding = {
  schemaVersion: '1.0',
  findingId: 'b'.repeat(32),
  checkId: 'tmc.lambda.missing',
  status: 'FAIL',
  severity: 'CRITICAL',
  title: 'data-sync Lambda missing',
  message: 'The function is gone.',
  accountId: ACCOUNT,
  region: 'eu-west-1',
  resource: { type: 'AWS::Lambda::Function', name: 'data-sync' },
  tmc: { credentialName: 'prod', component: 'data-sync' },
  evidence: { tagged: true, count: 2, list: ['a'] },
  remediation: { text: 'Recreate it.', whoCanFix: 'TMC admin', runbookUrl: 'docs/checks.md#x' },
  observedAt: '2026-12-01T10:00:00.000Z',
};
const lifecycle = {
  ...plain,
  state: 'NEW',
  transition: 'OPENED',
  firstObservedAt: '2026-12-01T10:00:00.000Z',
  lastObservedAt: '2026-12-01T10:00:00.000Z',
  occurrenceCount: 1,
  sequence: 1,
  idempotencyKey: `${plain.findingId}#1`,
};

describe('the exporter reads what the checkers publish', () => {
  it('the same source and detail-type as the publisher and the registry', () => {
    expect([FINDING_EVENT_SOURCE, FINDING_EVENT_DETAIL_TYPE]).toEqual([EVENT_SOURCE, EVENT_DETAIL_TYPE]);
    expect([FINDING_EVENT_SOURCE, FINDING_EVENT_DETAIL_TYPE]).toEqual([
      SCHEMA_EVENT_SOURCE,
      FINDING_DETAIL_TYPE,
    ]);
  });

  const cases: [string, unknown][] = [
    ['a plain finding (no ledger)', plain],
    ['a lifecycle transition', lifecycle],
    ['a resolution', { ...lifecycle, state: 'RESOLVED', transition: 'RESOLVED', status: 'PASS' }],
    [
      'a suppressed one',
      { ...lifecycle, suppression: { state: 'SUPPRESSED', reason: 'known', expires: '2027-01-01' } },
    ],
    ['an unknown transition', { ...lifecycle, transition: 'REOPENED' }],
    ['an unknown state', { ...lifecycle, state: 'OPEN' }],
    ['a zero occurrence count', { ...lifecycle, occurrenceCount: 0 }],
    ['a fractional sequence', { ...lifecycle, sequence: 1.5 }],
    ['an empty idempotency key', { ...lifecycle, idempotencyKey: '' }],
    ['firstObservedAt not ISO', { ...lifecycle, firstObservedAt: 'today' }],
    [
      'a suppression not SUPPRESSED',
      { ...lifecycle, suppression: { state: 'ON', reason: 'r', expires: 'e' } },
    ],
    ['a suppression without an expiry', { ...lifecycle, suppression: { state: 'SUPPRESSED', reason: 'r' } }],
    ['a short finding id', { ...plain, findingId: 'abc' }],
    ['an unknown check', { ...plain, checkId: 'tmc.unknown' }],
    ['no remediation', { ...plain, remediation: undefined }],
    ['another schema version', { ...plain, schemaVersion: '2.0' }],
  ];

  it.each(cases)('%s: the same verdict as the published schema', (_name, value) => {
    expect(findingEventDetailSchema.safeParse(value).success).toBe(
      lifecycleFindingSchema.safeParse(value).success,
    );
  });

  it('the cases cover both verdicts', () => {
    const verdicts = cases.map(([, value]) => lifecycleFindingSchema.safeParse(value).success);
    expect(verdicts.filter(Boolean).length).toBeGreaterThanOrEqual(4);
    expect(verdicts.filter((ok) => !ok).length).toBeGreaterThanOrEqual(10);
  });
});

describe('parseFindingEvent', () => {
  const event = (overrides: Record<string, unknown> = {}) => ({
    source: 'tmc-health',
    'detail-type': 'TMC Health Finding',
    account: ACCOUNT,
    detail: lifecycle,
    ...overrides,
  });

  it('an event of this account with a finding of this account is a finding', () => {
    expect(parseFindingEvent(event(), ACCOUNT)).toEqual({ kind: 'finding', finding: lifecycle });
  });

  it.each<[string, unknown, string]>([
    ['null', null, 'malformed'],
    ['an array', [event()], 'malformed'],
    ['another detail-type', event({ 'detail-type': 'TMC Health Check Run' }), 'not-a-finding-event'],
    ['no source', event({ source: undefined }), 'not-a-finding-event'],
    ['another account', event({ account: '210987654321' }), 'foreign-account'],
    ['no account', event({ account: undefined }), 'foreign-account'],
    [
      "another account's finding",
      event({ detail: { ...lifecycle, accountId: '210987654321' } }),
      'foreign-account',
    ],
    ['no detail', event({ detail: undefined }), 'malformed'],
    ['a detail that is a string', event({ detail: JSON.stringify(lifecycle) }), 'malformed'],
  ])('%s: skipped as %s', (_name, value, reason) => {
    expect(parseFindingEvent(value, ACCOUNT)).toMatchObject({ kind: 'skipped', reason });
  });

  it('a malformed detail names the first bad field', () => {
    expect(parseFindingEvent(event({ detail: { ...lifecycle, severity: 'SEVERE' } }), ACCOUNT)).toMatchObject(
      {
        kind: 'skipped',
        reason: 'malformed',
        detail: expect.stringMatching(/^detail\.severity: /),
      },
    );
  });
});
