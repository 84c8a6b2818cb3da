import { CATALOGUE } from '../../lambdas/core/catalogue';
import {
  CLOCK_SKEW_TOLERANCE_MINUTES,
  evaluateFleet,
  memberResourceKey,
} from '../../lambdas/core/fleet/evaluate-fleet';
import type { MemberHeartbeat } from '../../lambdas/core/fleet/heartbeat';
import { heartbeatUpdateOf } from '../../lambdas/core/fleet/heartbeat';
import type { RunReport } from '../../lambdas/core/fleet/run-report-types';
import { makeFindingId, type Finding } from '../../lambdas/core/finding';

const HUB = '999999999999';
const MEMBER_A = '111111111111';
const MEMBER_B = '222222222222';
const NOW = new Date('2026-05-01T12:00:00.000Z');
const LIMIT = 45;
const minutesAgo = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000).toISOString();

function heartbeat(overrides: Partial<MemberHeartbeat> = {}): MemberHeartbeat {
  return {
    accountId: MEMBER_A,
    family: 'credentials',
    lastReportAt: minutesAgo(10),
    runId: 'run-1',
    regions: ['us-west-2', 'eu-west-1'],
    failing: 2,
    errored: 1,
    findingCount: 17,
    parts: 1,
    partsReceived: 1,
    ...overrides,
  };
}

const only = (findings: Finding[]): Finding => {
  expect(findings).toHaveLength(1);
  return findings[0]!;
};

describe('evaluateFleet: one verdict per heartbeat', () => {
  it.each([
    // [case, last report, status, minutesSilent]
    ['just reported', minutesAgo(0), 'PASS', 0],
    ['well within the limit', minutesAgo(10), 'PASS', 10],
    ['exactly at the limit (not older than it)', minutesAgo(LIMIT), 'PASS', LIMIT],
    ['a second past the limit', new Date(NOW.getTime() - LIMIT * 60_000 - 1000).toISOString(), 'FAIL', LIMIT],
    ['days silent', minutesAgo(3 * 24 * 60), 'FAIL', 3 * 24 * 60],
    ['slightly ahead of the hub clock (within tolerance)', minutesAgo(-2), 'PASS', 0],
    ['exactly at the tolerance', minutesAgo(-CLOCK_SKEW_TOLERANCE_MINUTES), 'PASS', 0],
  ] as const)('%s -> %s', (_case, lastReportAt, status, minutesSilent) => {
    const finding = only(evaluateFleet([heartbeat({ lastReportAt })], NOW, LIMIT, HUB));
    expect(finding.status).toBe(status);
    expect(finding.severity).toBe(status === 'FAIL' ? 'HIGH' : 'INFORMATIONAL');
    expect(finding.evidence).toMatchObject({
      minutesSilent,
      lastReportAt,
      lastRunId: 'run-1',
      clockSkew: false,
      silentAfterMinutes: LIMIT,
    });
  });

  it.each([
    ['6 minutes ahead', -6, 6],
    ['two hours ahead', -120, 120],
  ] as const)('a report dated %s is clock skew: ERROR, never PASS', (_case, minutes, minutesAhead) => {
    const finding = only(evaluateFleet([heartbeat({ lastReportAt: minutesAgo(minutes) })], NOW, LIMIT, HUB));
    expect(finding.status).toBe('ERROR');
    expect(finding.severity).toBe('HIGH');
    expect(finding.evidence).toMatchObject({
      clockSkew: true,
      minutesAhead,
      minutesSilent: null,
      clockSkewToleranceMinutes: CLOCK_SKEW_TOLERANCE_MINUTES,
    });
    expect(finding.message).toContain('clock skew');
    expect(finding.remediation.text).toContain('clockSkew');
  });
});

describe('evaluateFleet: the finding', () => {
  it('names the member, the family, the last report time, run and minutes silent; FAIL carries the remediation', () => {
    const finding = only(
      evaluateFleet([heartbeat({ lastReportAt: minutesAgo(95), runId: 'run-42' })], NOW, LIMIT, HUB, {
        runbookBaseUrl: 'https://wiki.example.com/tmc',
      }),
    );
    expect(finding).toMatchObject({
      checkId: 'fleet.member.silent',
      status: 'FAIL',
      accountId: MEMBER_A,
      region: 'global',
      resource: { type: 'AWS::Organizations::Account', name: `${MEMBER_A}/credentials` },
      findingId: makeFindingId(
        'fleet.member.silent',
        MEMBER_A,
        'global',
        memberResourceKey(MEMBER_A, 'credentials'),
      ),
      observedAt: NOW.toISOString(),
      title: `Member account ${MEMBER_A}: credential checker has stopped reporting`,
      remediation: {
        whoCanFix: CATALOGUE['fleet.member.silent'].whoCanFix,
        runbookUrl: 'https://wiki.example.com/tmc#fleet-member-silent',
      },
    });
    expect(finding.message).toContain('95 minutes');
    expect(finding.message).toContain('run-42');
    expect(finding.evidence).toEqual({
      memberAccountId: MEMBER_A,
      family: 'credentials',
      lastReportAt: minutesAgo(95),
      lastRunId: 'run-42',
      regions: ['us-west-2', 'eu-west-1'],
      lastRunFailing: 2,
      lastRunErrored: 1,
      lastRunFindings: 17,
      lastRunParts: '1/1',
      silentAfterMinutes: LIMIT,
      hubAccountId: HUB,
      minutesSilent: 95,
      clockSkew: false,
    });
    for (const command of [
      'aws cloudformation list-stack-instances',
      '--call-as DELEGATED_ADMIN',
      'aws lambda get-function-configuration',
      'aws scheduler get-schedule',
      'aws logs tail',
    ]) {
      expect(finding.remediation.text).toContain(command);
    }
  });

  it('keeps the same finding id from PASS to FAIL to skew, so the lifecycle tracks one finding', () => {
    const ids = [minutesAgo(1), minutesAgo(500), minutesAgo(-60)].map(
      (lastReportAt) => only(evaluateFleet([heartbeat({ lastReportAt })], NOW, LIMIT, HUB)).findingId,
    );
    expect(new Set(ids).size).toBe(1);
  });

  it('one finding per account and family, sorted, never mixed', () => {
    const findings = evaluateFleet(
      [
        heartbeat({ accountId: MEMBER_B, family: 'irsa', lastReportAt: minutesAgo(5) }),
        heartbeat({ accountId: MEMBER_A, family: 'irsa', lastReportAt: minutesAgo(300) }),
        heartbeat({ accountId: MEMBER_A, family: 'credentials', lastReportAt: minutesAgo(5) }),
        heartbeat({ accountId: MEMBER_B, family: 'credentials', lastReportAt: minutesAgo(300) }),
      ],
      NOW,
      LIMIT,
      HUB,
    );
    expect(findings.map((f) => [f.accountId, f.resource.name, f.status])).toEqual([
      [MEMBER_A, `${MEMBER_A}/credentials`, 'PASS'],
      [MEMBER_A, `${MEMBER_A}/irsa`, 'FAIL'],
      [MEMBER_B, `${MEMBER_B}/credentials`, 'FAIL'],
      [MEMBER_B, `${MEMBER_B}/irsa`, 'PASS'],
    ]);
    expect(new Set(findings.map((f) => f.findingId)).size).toBe(4);
    expect(findings[1]!.title).toContain('IRSA checker');
  });

  it('of two heartbeats for one member and family, the later report counts', () => {
    const finding = only(
      evaluateFleet(
        [
          heartbeat({ lastReportAt: minutesAgo(300), runId: 'old' }),
          heartbeat({ lastReportAt: minutesAgo(3), runId: 'new' }),
        ],
        NOW,
        LIMIT,
        HUB,
      ),
    );
    expect([finding.status, finding.evidence.lastRunId]).toEqual(['PASS', 'new']);
  });

  it('says how many parts of a split run arrived', () => {
    const finding = only(evaluateFleet([heartbeat({ parts: 3, partsReceived: 2 })], NOW, LIMIT, HUB));
    expect(finding.evidence.lastRunParts).toBe('2/3');
  });

  it('no heartbeats, no findings', () => {
    expect(evaluateFleet([], NOW, LIMIT, HUB)).toEqual([]);
  });

  it.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY])('refuses a threshold of %s', (limit) => {
    expect(() => evaluateFleet([heartbeat()], NOW, limit, HUB)).toThrow(RangeError);
  });
});

describe('evaluateFleet: unreadable heartbeats are ERROR, never silence or health', () => {
  it.each([
    // [case, item, attributed to, title part]
    ['a member item with a bad field', { accountId: MEMBER_A, family: 'irsa' }, MEMBER_A, 'IRSA checker'],
    ['keys that name no account', { accountId: 'not-an-account', family: 'irsa' }, HUB, 'IRSA checker'],
    ['keys that name no family', { accountId: MEMBER_B, family: 'dns' }, HUB, "'dns' checker"],
    [
      'a family name inherited by every object',
      { accountId: MEMBER_B, family: 'toString' },
      HUB,
      "'toString' checker",
    ],
  ] as const)(
    '%s: ERROR, attributed to the member only when its keys name one',
    (_case, keys, accountId, label) => {
      const finding = only(
        evaluateFleet([], NOW, LIMIT, HUB, {
          unreadable: [{ ...keys, reason: 'failing is not a number (N)' }],
        }),
      );
      expect(finding).toMatchObject({ status: 'ERROR', severity: 'HIGH', accountId, region: 'global' });
      expect(finding.title).toContain(label);
      expect(finding.evidence).toMatchObject({
        reason: 'failing is not a number (N)',
        memberAccountId: keys.accountId,
      });
    },
  );

  it('an unreadable item takes the place of a readable one under the same key, with the same finding id', () => {
    const readable = only(evaluateFleet([heartbeat({ lastReportAt: minutesAgo(500) })], NOW, LIMIT, HUB));
    const unreadable = only(
      evaluateFleet([heartbeat({ lastReportAt: minutesAgo(500) })], NOW, LIMIT, HUB, {
        unreadable: [{ accountId: MEMBER_A, family: 'credentials', reason: 'regions is not a list (L)' }],
      }),
    );
    expect(unreadable.status).toBe('ERROR');
    expect(unreadable.findingId).toBe(readable.findingId);
  });

  it('a heartbeat whose time is not a date is unreadable, not PASS', () => {
    const finding = only(evaluateFleet([heartbeat({ lastReportAt: 'yesterday' })], NOW, LIMIT, HUB));
    expect(finding.status).toBe('ERROR');
    expect(finding.evidence.reason).toContain('lastReportAt is not a date');
  });
});

describe('heartbeatUpdateOf', () => {
  const report = (overrides: Partial<RunReport> = {}): RunReport => ({
    family: 'irsa',
    accountId: MEMBER_A,
    runId: 'run-9',
    regions: ['us-east-1'],
    coveredRegions: ['us-east-1'],
    failedOperations: [],
    apiCalls: 4,
    startedAt: '2026-05-01T11:58:00.000Z',
    finishedAt: '2026-05-01T13:59:30+02:00',
    part: 2,
    parts: 3,
    findings: (['FAIL', 'FAIL', 'ERROR', 'PASS'] as const).map(
      (status, index) => ({ findingId: String(index), status }) as unknown as Finding,
    ),
    ...overrides,
  });

  it('counts the part and normalises the report time to UTC so stored times compare as strings', () => {
    expect(heartbeatUpdateOf(report())).toEqual({
      accountId: MEMBER_A,
      family: 'irsa',
      reportedAt: '2026-05-01T11:59:30.000Z',
      runId: 'run-9',
      regions: ['us-east-1'],
      part: 2,
      parts: 3,
      failing: 2,
      errored: 1,
      findingCount: 4,
    });
  });

  it('refuses a report time that is not a date', () => {
    expect(() => heartbeatUpdateOf(report({ finishedAt: 'soon' }))).toThrow(RangeError);
  });
});
