import {
  announcementWindow,
  budgetLeft,
  REALTIME_ANNOUNCEMENT_LIMITS,
  spendAnnouncement,
} from '../../lambdas/core/irsa/announcement-budget';
import { DEFAULT_IRSA_SCHEDULE } from '../../lib/config/irsa-config-schema';
import { denialFindingId, evaluateIrsa } from '../../lambdas/core/irsa/evaluate-irsa';
import { parseTrailEvent } from '../../lambdas/core/irsa/parse-event';
import {
  decideClaim,
  decodeClaim,
  encodeClaim,
  isCloudTrailApiCallEvent,
  LEASE_MARGIN_MS,
  leaseCovers,
  leftToScanReason,
  MAX_REALTIME_CLAIMS,
  parseRealtimeEvent,
  realtimeScan,
  REALTIME_SOURCE,
  type ClaimState,
} from '../../lambdas/core/irsa/realtime';
import {
  irsaSettingsFromEnvironment,
  irsaSettingsSchema,
  irsaSettingsToEnvironment,
} from '../../lambdas/core/irsa/settings';
import type { WebIdentityDenial } from '../../lambdas/core/irsa/types';
import { willBeReadAgain, type Watermark } from '../../lambdas/core/irsa/watermark';
import { ACCOUNT, REGION, ROLE_ARN, SEED_EVENT, rawEvent, trailRecord } from '../fixtures/irsa';
import { cloudTrailApiCallEvent } from '../fixtures/irsa-realtime';

const settings = irsaSettingsSchema.parse({ overlapMinutes: 15 });
const NOW = new Date('2026-11-22T12:00:00.000Z');

describe('parseRealtimeEvent: the EventBridge event, through the scan’s record parser', () => {
  it('the same denial as LookupEvents gives for the same record', () => {
    const event = cloudTrailApiCallEvent({ eventId: 'rt-1', eventTime: '2026-11-22T11:59:30Z' });
    const viaEventBridge = parseRealtimeEvent(event, ACCOUNT);
    const viaLookupEvents = parseTrailEvent(
      {
        eventId: 'rt-1',
        eventTime: '2026-11-22T11:59:30.000Z',
        cloudTrailEvent: JSON.stringify(event.detail),
      },
      REGION,
    );
    expect(viaEventBridge).toEqual(viaLookupEvents);
    expect(viaEventBridge).toMatchObject({
      kind: 'denial',
      denial: { eventId: 'rt-1', eventTime: '2026-11-22T11:59:30.000Z', region: REGION, roleArn: ROLE_ARN },
    });
  });

  it("the troubleshooting guide's record, as EventBridge would carry it (its eventID and eventTime added)", () => {
    const detail = {
      ...(JSON.parse(SEED_EVENT) as Record<string, unknown>),
      eventSource: 'sts.amazonaws.com',
      awsRegion: 'eu-west-1',
      eventID: 'seed-rt',
      eventTime: '2023-02-06T15:50:41Z',
    };
    const event = { 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.sts', detail };
    expect(parseRealtimeEvent(event, '')).toMatchObject({
      kind: 'denial',
      denial: { eventId: 'seed-rt', region: 'eu-west-1', errorCode: 'AccessDenied' },
    });
  });

  it('the region is where STS logged the call (awsRegion), else the envelope’s', () => {
    const globalEndpoint = cloudTrailApiCallEvent({ region: 'us-east-1', envelopeRegion: 'eu-west-1' });
    expect(parseRealtimeEvent(globalEndpoint, ACCOUNT)).toMatchObject({ denial: { region: 'us-east-1' } });
    const withoutAwsRegion = cloudTrailApiCallEvent({ envelopeRegion: 'eu-central-1' });
    delete withoutAwsRegion.detail.awsRegion;
    expect(parseRealtimeEvent(withoutAwsRegion, ACCOUNT)).toMatchObject({
      denial: { region: 'eu-central-1' },
    });
  });

  it('a successful call is not a denial', () => {
    expect(parseRealtimeEvent(cloudTrailApiCallEvent({ errorCode: null }), ACCOUNT)).toEqual({
      kind: 'success',
    });
  });

  const malformed: [string, (event: ReturnType<typeof cloudTrailApiCallEvent>) => unknown, string][] = [
    ['not an object', () => 'AssumeRoleWithWebIdentity', 'event is not a JSON object'],
    ['an array', () => [], 'event is not a JSON object'],
    ['another detail-type', (e) => ({ ...e, 'detail-type': 'Scheduled Event' }), 'unexpected detail-type'],
    ['another source', (e) => ({ ...e, source: 'aws.iam' }), 'unexpected source'],
    ['no detail', (e) => ({ ...e, detail: undefined }), 'detail is not a CloudTrail record'],
    [
      'a string detail',
      (e) => ({ ...e, detail: JSON.stringify(e.detail) }),
      'detail is not a CloudTrail record',
    ],
    [
      'another eventSource',
      (e) => ({ ...e, detail: { ...e.detail, eventSource: 'iam.amazonaws.com' } }),
      'unexpected eventSource',
    ],
    ['another account', (e) => ({ ...e, account: '999988887777' }), 'event from another account'],
    [
      'no region anywhere',
      (e) => ({ ...e, region: undefined, detail: { ...e.detail, awsRegion: '' } }),
      'missing awsRegion',
    ],
    [
      'another eventName',
      (e) => ({ ...e, detail: { ...e.detail, eventName: 'AssumeRole' } }),
      'unexpected eventName',
    ],
    ['no event id', (e) => ({ ...e, detail: { ...e.detail, eventID: undefined } }), 'missing event id'],
    [
      'a bad eventTime',
      (e) => ({ ...e, detail: { ...e.detail, eventTime: 'yesterday' } }),
      'missing or invalid eventTime',
    ],
    [
      'no roleArn',
      (e) => ({ ...e, detail: { ...e.detail, requestParameters: {} } }),
      'missing requestParameters.roleArn',
    ],
  ];

  it.each(malformed)('%s: skipped with its reason, never thrown', (_name, mutate, reason) => {
    const parsed = parseRealtimeEvent(mutate(cloudTrailApiCallEvent()), ACCOUNT);
    expect(parsed).toMatchObject({ kind: 'skipped', record: { source: REALTIME_SOURCE, reason } });
  });

  it('tells the rule’s events from the schedule’s', () => {
    expect(isCloudTrailApiCallEvent(cloudTrailApiCallEvent())).toBe(true);
    expect(isCloudTrailApiCallEvent({})).toBe(false);
    expect(isCloudTrailApiCallEvent({ 'detail-type': 'Scheduled Event', source: 'aws.scheduler' })).toBe(
      false,
    );
    expect(isCloudTrailApiCallEvent(null)).toBe(false);
  });

  it('LookupEvents records still parse as before (the record parser is shared, not copied)', () => {
    const raw = rawEvent({ eventId: 'lookup-1' });
    expect(parseTrailEvent(raw, REGION)).toMatchObject({ kind: 'denial', denial: { eventId: 'lookup-1' } });
    expect(parseTrailEvent({ ...raw, cloudTrailEvent: '{' }, REGION)).toMatchObject({
      kind: 'skipped',
      record: { source: 'cloudtrail:LookupEvents', reason: 'malformed CloudTrailEvent JSON' },
    });
  });
});

describe('the one-denial scan a real-time run diagnoses', () => {
  const denial = (
    parseRealtimeEvent(cloudTrailApiCallEvent({ eventId: 'rt-2' }), ACCOUNT) as {
      denial: WebIdentityDenial;
    }
  ).denial;

  it('covers nothing (never complete) and carries the denial', () => {
    expect(realtimeScan(denial)).toMatchObject({
      region: REGION,
      complete: false,
      pages: 0,
      eventsScanned: 1,
      denials: [denial],
    });
  });

  it('its finding id is the one the evaluation gives the group', () => {
    const findings = evaluateIrsa(
      {
        accountId: ACCOUNT,
        observedAt: NOW.toISOString(),
        scans: [{ ok: true, value: realtimeScan(denial) }],
        roles: new Map(),
        providers: { ok: true, value: [] },
        failures: [],
        succeededOperations: [],
      },
      settings,
    );
    const group = findings.find((finding) => finding.checkId === 'irsa.assume-role.denied');
    expect(group?.findingId).toBe(denialFindingId(ACCOUNT, denial));
    expect(group?.irsa?.count).toBe(1);
  });
});

describe('decideClaim: the watermark decides who counts a denial', () => {
  const watermark: Watermark = {
    highWater: '2026-11-22T11:45:00.000Z',
    gaps: [{ from: '2026-11-22T09:00:00.000Z', to: '2026-11-22T09:10:00.000Z' }],
    recentEventIds: [{ id: 'scanned', eventTime: '2026-11-22T11:40:00.000Z' }],
  };
  const state = (extra: Partial<ClaimState> = {}): ClaimState => ({
    version: 4,
    watermark,
    claims: [],
    ...extra,
  });
  const event = (id: string, eventTime: string) => ({ id, eventTime });

  it('a denial the next scan will read, not yet counted: claim it', () => {
    expect(decideClaim(event('new', '2026-11-22T11:59:00.000Z'), state(), NOW, settings)).toEqual({
      kind: 'claim',
    });
    // Inside the overlap the next scan re-reads, and inside a gap.
    expect(decideClaim(event('new', '2026-11-22T11:31:00.000Z'), state(), NOW, settings).kind).toBe('claim');
    expect(decideClaim(event('new', '2026-11-22T09:05:00.000Z'), state(), NOW, settings).kind).toBe('claim');
  });

  it('counted by a scan (the watermark remembers it) or by real time (claimed): not again', () => {
    expect(decideClaim(event('scanned', '2026-11-22T11:40:00.000Z'), state(), NOW, settings)).toEqual({
      kind: 'counted',
      by: 'scan',
    });
    const claimed = state({ claims: [event('mine', '2026-11-22T11:58:00.000Z')] });
    expect(decideClaim(event('mine', '2026-11-22T11:58:00.000Z'), claimed, NOW, settings)).toEqual({
      kind: 'counted',
      by: 'realtime',
    });
  });

  it('a time the scans are done with is theirs, counted or not', () => {
    // Before highWater - overlap (11:30) and outside the gap.
    expect(decideClaim(event('late', '2026-11-22T11:29:59.000Z'), state(), NOW, settings)).toEqual({
      kind: 'read-by-scan',
    });
    expect(willBeReadAgain(watermark, '2026-11-22T11:29:59.000Z', settings)).toBe(false);
    expect(willBeReadAgain(watermark, '2026-11-22T11:30:00.000Z', settings)).toBe(true);
  });

  it('before the first scan saved a watermark every denial is still to be read', () => {
    expect(
      decideClaim(event('old', '2026-11-20T00:00:00.000Z'), { version: 0, claims: [] }, NOW, settings).kind,
    ).toBe('claim');
  });

  it('a live lease over the denial’s time: a scan in progress may be counting it', () => {
    const lease = { scanTo: '2026-11-22T11:59:30.000Z', until: '2026-11-22T12:06:00.000Z', version: 4 };
    const leased = state({ lease });
    expect(decideClaim(event('e', '2026-11-22T11:59:00.000Z'), leased, NOW, settings)).toEqual({
      kind: 'scan-in-progress',
      until: lease.until,
    });
    // Within the margin after the window's end: still covered (one-second CloudTrail precision).
    const edge = new Date(Date.parse(lease.scanTo) + LEASE_MARGIN_MS).toISOString();
    expect(decideClaim(event('e', edge), leased, NOW, settings).kind).toBe('scan-in-progress');
    // After the window: the scan cannot read it.
    const after = new Date(Date.parse(lease.scanTo) + LEASE_MARGIN_MS + 1).toISOString();
    expect(decideClaim(event('e', after), leased, NOW, settings).kind).toBe('claim');
    // Expired: the scan has certainly ended.
    expect(
      decideClaim(event('e', '2026-11-22T11:59:00.000Z'), leased, new Date(lease.until), settings).kind,
    ).toBe('claim');
    // Taken at an older version: its holder can no longer save (another scan saved since).
    expect(
      decideClaim(
        event('e', '2026-11-22T11:59:00.000Z'),
        state({ lease: { ...lease, version: 3 } }),
        NOW,
        settings,
      ).kind,
    ).toBe('claim');
    expect(leaseCovers(undefined, '2026-11-22T11:59:00.000Z', 4, NOW)).toBe(false);
  });

  it('a full claim set or an unreadable watermark: left to the scan', () => {
    const full = Array.from({ length: MAX_REALTIME_CLAIMS }, (_, i) =>
      event(`c${i}`, '2026-11-22T11:50:00.000Z'),
    );
    const decision = decideClaim(
      event('e', '2026-11-22T11:59:00.000Z'),
      state({ claims: full }),
      NOW,
      settings,
    );
    expect(decision).toEqual({ kind: 'claims-full' });
    expect(leftToScanReason(decision)).toContain(String(MAX_REALTIME_CLAIMS));
    expect(
      decideClaim(
        event('e', '2026-11-22T11:59:00.000Z'),
        { version: 2, unreadable: true, claims: [] },
        NOW,
        settings,
      ),
    ).toEqual({ kind: 'watermark-unreadable' });
  });

  it('the account’s announcements for the window spent: left to the scan, and no wait for a scan in progress', () => {
    const limits = { perWindow: 2, windowMinutes: 15 };
    const spent = state({ announcements: { window: '2026-11-22T12:00:00.000Z', announced: 2 } });
    const decision = decideClaim(event('e', '2026-11-22T11:59:00.000Z'), spent, NOW, settings, limits);
    expect(decision).toEqual({ kind: 'budget-spent', perWindow: 2, windowEnd: '2026-11-22T12:15:00.000Z' });
    expect(leftToScanReason(decision)).toBe(
      '2 real-time announcements already made in this account until 2026-11-22T12:15:00.000Z: ' +
        'the next scheduled run reports it in its digest',
    );
    // Decided before the lease: waiting for the scan would end in not announcing either way.
    const lease = { scanTo: '2026-11-22T11:59:30.000Z', until: '2026-11-22T12:06:00.000Z', version: 4 };
    expect(
      decideClaim(event('e', '2026-11-22T11:59:00.000Z'), { ...spent, lease }, NOW, settings, limits).kind,
    ).toBe('budget-spent');
    // Counted already is still "counted" (a duplicate delivery costs no budget and says what happened).
    expect(decideClaim(event('scanned', '2026-11-22T11:40:00.000Z'), spent, NOW, settings, limits).kind).toBe(
      'counted',
    );
    // One left, or a count of an earlier window: claim.
    const oneLeft = state({ announcements: { window: '2026-11-22T12:00:00.000Z', announced: 1 } });
    expect(decideClaim(event('e', '2026-11-22T11:59:00.000Z'), oneLeft, NOW, settings, limits).kind).toBe(
      'claim',
    );
    const earlier = state({ announcements: { window: '2026-11-22T11:45:00.000Z', announced: 99 } });
    expect(decideClaim(event('e', '2026-11-22T11:59:00.000Z'), earlier, NOW, settings, limits).kind).toBe(
      'claim',
    );
    // An unreadable count (decoded as Infinity) is spent for its window.
    const unreadable = state({
      announcements: { window: '2026-11-22T12:00:00.000Z', announced: Number.POSITIVE_INFINITY },
    });
    expect(decideClaim(event('e', '2026-11-22T11:59:00.000Z'), unreadable, NOW, settings).kind).toBe(
      'budget-spent',
    );
  });
});

describe('the real-time announcement budget, per account and window', () => {
  const limits = { perWindow: 3, windowMinutes: 15 };

  it('windows start at whole multiples of their length (UTC)', () => {
    expect(announcementWindow(new Date('2026-11-22T12:14:59.999Z'), limits)).toEqual({
      start: '2026-11-22T12:00:00.000Z',
      end: '2026-11-22T12:15:00.000Z',
    });
    expect(announcementWindow(new Date('2026-11-22T12:15:00.000Z'), limits).start).toBe(
      '2026-11-22T12:15:00.000Z',
    );
  });

  it('counts only the current window; a new window starts over', () => {
    const at = new Date('2026-11-22T12:05:00.000Z');
    expect(budgetLeft(undefined, at, limits)).toBe(3);
    expect(budgetLeft({ window: '2026-11-22T12:00:00.000Z', announced: 1 }, at, limits)).toBe(2);
    expect(budgetLeft({ window: '2026-11-22T12:00:00.000Z', announced: 7 }, at, limits)).toBe(0);
    expect(budgetLeft({ window: '2026-11-22T11:45:00.000Z', announced: 3 }, at, limits)).toBe(3);
    expect(budgetLeft({ window: 'garbage', announced: 3 }, at, limits)).toBe(3);
  });

  it('a spend continues this window’s count or starts the window, for the account given', () => {
    const at = new Date('2026-11-22T12:05:00.000Z');
    expect(spendAnnouncement(ACCOUNT, undefined, at, limits)).toEqual({
      accountId: ACCOUNT,
      window: '2026-11-22T12:00:00.000Z',
      perWindow: 3,
      continues: false,
    });
    expect(
      spendAnnouncement(ACCOUNT, { window: '2026-11-22T12:00:00.000Z', announced: 1 }, at, limits).continues,
    ).toBe(true);
    expect(
      spendAnnouncement(ACCOUNT, { window: '2026-11-22T11:45:00.000Z', announced: 1 }, at, limits).continues,
    ).toBe(false);
  });

  it('the default: a handful of emails per window at most, over the default schedule’s 15 minutes', () => {
    expect(REALTIME_ANNOUNCEMENT_LIMITS.perWindow).toBeGreaterThan(0);
    expect(REALTIME_ANNOUNCEMENT_LIMITS.perWindow).toBeLessThanOrEqual(4);
    // The window is the default schedule's interval: what is past the budget is in the next digest by then.
    expect(DEFAULT_IRSA_SCHEDULE).toBe(`rate(${REALTIME_ANNOUNCEMENT_LIMITS.windowMinutes} minutes)`);
  });
});

describe('claims as stored', () => {
  it('round-trip, and anything else is dropped', () => {
    const claim = { id: 'd3b1e6f2-0000-4000-8000-000000000001', eventTime: '2026-11-22T11:59:00.000Z' };
    expect(decodeClaim(encodeClaim(claim))).toEqual(claim);
    for (const bad of ['', '|', 'x|y', `${claim.eventTime}|`, `|${claim.id}`]) {
      expect(decodeClaim(bad)).toBeUndefined();
    }
  });
});

describe('trailRecord fixtures are read-only management events', () => {
  it('as CloudTrail records AssumeRoleWithWebIdentity (what makes the rule state necessary)', () => {
    expect(trailRecord()).toMatchObject({
      readOnly: true,
      managementEvent: true,
      eventCategory: 'Management',
    });
  });
});

describe('the function’s switch: TMC_HEALTH_IRSA_REALTIME', () => {
  it('off unless true; written only when set', () => {
    expect(irsaSettingsFromEnvironment({}).realtime).toBe(false);
    expect(irsaSettingsFromEnvironment({ TMC_HEALTH_IRSA_REALTIME: 'false' }).realtime).toBe(false);
    expect(irsaSettingsFromEnvironment({ TMC_HEALTH_IRSA_REALTIME: 'true' }).realtime).toBe(true);
    expect(() => irsaSettingsFromEnvironment({ TMC_HEALTH_IRSA_REALTIME: 'yes' })).toThrow(
      'TMC_HEALTH_IRSA_REALTIME: must be true or false (got "yes")',
    );
    expect(irsaSettingsToEnvironment({ realtime: true })).toEqual({ TMC_HEALTH_IRSA_REALTIME: 'true' });
    expect(irsaSettingsToEnvironment({})).toEqual({});
    expect(irsaSettingsFromEnvironment(irsaSettingsToEnvironment({ realtime: true }))).toMatchObject({
      realtime: true,
    });
  });
});
