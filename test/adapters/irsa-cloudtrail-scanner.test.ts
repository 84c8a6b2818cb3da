import { CloudTrailClient, LookupEventsCommand, type Event } from '@aws-sdk/client-cloudtrail';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { scanRegion } from '../../lambdas/adapters/irsa/cloudtrail-scanner';
import { TokenBucket, type LimiterClock } from '../../lambdas/adapters/irsa/rate-limiter';
import { advance, planScan } from '../../lambdas/core/irsa/watermark';

const cloudtrail = mockClient(CloudTrailClient);
const client = new CloudTrailClient({ region: 'us-west-2', maxAttempts: 1 });
const REGION = 'us-west-2';
const ROLE = 'arn:aws:iam::111122223333:role/AccessEC2role';
const SETTINGS = { lookbackMinutes: 60, overlapMinutes: 15 };
const NOW = new Date('2025-03-01T12:00:00.000Z');

/** Advances only when the code under test sleeps: the limiter runs instantly and its waits are observable. */
class FakeClock implements LimiterClock {
  time = 0;
  readonly sleeps: number[] = [];
  now = (): number => this.time;
  sleep = (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.time += ms;
    return Promise.resolve();
  };
}

const throttle = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

/** A LookupEvents event; `denied` false for a successful call. */
function trailEvent(id: string, eventTime: string, denied = true): Event {
  const record = {
    eventVersion: '1.08',
    eventID: id,
    eventTime,
    eventName: 'AssumeRoleWithWebIdentity',
    userIdentity: {
      type: 'WebIdentityUser',
      userName: 'system:serviceaccount:serverless:aws-sdk',
      identityProvider: 'oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE',
    },
    requestParameters: { roleArn: ROLE, roleSessionName: 's' },
    ...(denied ? { errorCode: 'AccessDenied', errorMessage: 'Not authorized' } : {}),
  };
  return {
    EventId: id,
    EventTime: new Date(eventTime),
    EventName: 'AssumeRoleWithWebIdentity',
    CloudTrailEvent: JSON.stringify(record),
  };
}

/** `count` events newest first, one per second ending at `newest`. */
function newestFirst(count: number, newest: string, prefix: string): Event[] {
  const end = Date.parse(newest);
  return Array.from({ length: count }, (_, index) =>
    trailEvent(`${prefix}-${index}`, new Date(end - index * 1000).toISOString(), index % 2 === 0),
  );
}

function options(maxPages: number, clock = new FakeClock()) {
  return { maxPages, limiter: new TokenBucket({ clock }), retry: { sleep: clock.sleep, random: () => 0.5 } };
}

beforeEach(() => cloudtrail.reset());

describe('scanRegion', () => {
  it('asks only for AssumeRoleWithWebIdentity over the planned window, 50 per page, following NextToken', async () => {
    const page1 = newestFirst(50, '2025-03-01T11:59:00.000Z', 'p1');
    const page2 = newestFirst(50, '2025-03-01T11:58:00.000Z', 'p2');
    const page3 = newestFirst(7, '2025-03-01T11:57:00.000Z', 'p3');
    cloudtrail
      .on(LookupEventsCommand)
      .resolvesOnce({ Events: page1, NextToken: 't2' })
      .resolvesOnce({ Events: page2, NextToken: 't3' })
      .resolvesOnce({ Events: page3 });
    const planned = planScan(undefined, NOW, SETTINGS);

    const result = await scanRegion(client, REGION, planned, options(10));

    expect(cloudtrail).toHaveReceivedCommandTimes(LookupEventsCommand, 3);
    expect(cloudtrail).toHaveReceivedNthCommandWith(1, LookupEventsCommand, {
      LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'AssumeRoleWithWebIdentity' }],
      StartTime: new Date('2025-03-01T11:00:00.000Z'),
      EndTime: NOW,
      MaxResults: 50,
    });
    expect(cloudtrail.commandCalls(LookupEventsCommand)[0]!.args[0].input.NextToken).toBeUndefined();
    expect(cloudtrail).toHaveReceivedNthSpecificCommandWith(2, LookupEventsCommand, { NextToken: 't2' });
    expect(cloudtrail).toHaveReceivedNthSpecificCommandWith(3, LookupEventsCommand, { NextToken: 't3' });
    expect(result.failure).toBeUndefined();
    expect(result.scan.ok).toBe(true);
    if (!result.scan.ok) return;
    const scan = result.scan.value;
    expect(scan).toMatchObject({ region: REGION, pages: 3, eventsScanned: 107, complete: true });
    // Only failed calls are denials: every other event above is a success.
    expect(scan.denials).toHaveLength(25 + 25 + 4);
    expect(scan.denials[0]).toMatchObject({
      eventId: 'p1-0',
      roleArn: ROLE,
      errorCode: 'AccessDenied',
      region: REGION,
    });
    expect(scan.ranges).toEqual([{ ...planned[0], pages: 3, complete: true }]);
    expect({ from: scan.from, to: scan.to }).toEqual({ from: planned[0]!.from, to: planned[0]!.to });
  });

  it('stops at the page budget and records the unread oldest part as a gap for the next run', async () => {
    cloudtrail
      .on(LookupEventsCommand)
      .resolvesOnce({ Events: newestFirst(50, '2025-03-01T11:59:00.000Z', 'p1'), NextToken: 't2' })
      .resolvesOnce({ Events: newestFirst(50, '2025-03-01T11:40:00.000Z', 'p2'), NextToken: 't3' })
      .resolves({ Events: newestFirst(50, '2025-03-01T11:20:00.000Z', 'never'), NextToken: 'more' });
    const planned = planScan(undefined, NOW, SETTINGS);

    const result = await scanRegion(client, REGION, planned, options(2));

    expect(cloudtrail).toHaveReceivedCommandTimes(LookupEventsCommand, 2);
    const oldestRead = new Date(Date.parse('2025-03-01T11:40:00.000Z') - 49_000).toISOString();
    expect(result.ranges).toEqual([{ ...planned[0], pages: 2, complete: false, oldestSeen: oldestRead }]);
    expect(result.scan.ok && result.scan.value).toMatchObject({
      complete: false,
      pages: 2,
      from: oldestRead,
    });
    const next = advance(undefined, { ranges: result.ranges, counted: [] }, SETTINGS);
    expect(next.gaps).toEqual([{ from: '2025-03-01T11:00:00.000Z', to: oldestRead }]);
    expect(planScan(next, new Date('2025-03-01T12:05:00.000Z'), SETTINGS)[0]).toEqual({
      kind: 'gap',
      from: '2025-03-01T11:00:00.000Z',
      to: oldestRead,
    });
  });

  it('shares one budget across the planned ranges: those never reached are reported unread', async () => {
    cloudtrail.on(LookupEventsCommand).resolves({ Events: newestFirst(3, '2025-03-01T10:05:00.000Z', 'g') });
    const planned = planScan(
      {
        highWater: '2025-03-01T11:50:00.000Z',
        gaps: [
          { from: '2025-03-01T10:00:00.000Z', to: '2025-03-01T10:10:00.000Z' },
          { from: '2025-03-01T10:20:00.000Z', to: '2025-03-01T10:30:00.000Z' },
        ],
        recentEventIds: [],
      },
      NOW,
      SETTINGS,
    );

    const result = await scanRegion(client, REGION, planned, options(1));

    expect(result.ranges.map((range) => [range.kind, range.pages, range.complete])).toEqual([
      ['gap', 1, true],
      ['gap', 0, false],
      ['window', 0, false],
    ]);
    expect(result.scan.ok && result.scan.value.complete).toBe(false);
  });

  it('reads the window first, within half the budget while gaps are pending, so a backlog cannot starve it', async () => {
    const WINDOW_START = '2025-03-01T11:35:00.000Z';
    cloudtrail.on(LookupEventsCommand).callsFake((input: { StartTime: Date }) =>
      input.StartTime.toISOString() === WINDOW_START
        ? // A flood: the window never ends within the budget.
          { Events: newestFirst(50, '2025-03-01T11:59:00.000Z', 'w'), NextToken: 'more' }
        : { Events: newestFirst(3, new Date(input.StartTime.getTime() + 60_000).toISOString(), 'g') },
    );
    const planned = planScan(
      {
        highWater: '2025-03-01T11:50:00.000Z',
        gaps: [
          { from: '2025-03-01T10:00:00.000Z', to: '2025-03-01T10:10:00.000Z' },
          { from: '2025-03-01T10:20:00.000Z', to: '2025-03-01T10:30:00.000Z' },
        ],
        recentEventIds: [],
      },
      NOW,
      SETTINGS,
    );

    const result = await scanRegion(client, REGION, planned, options(7));

    // The newest denials come first; the gaps take one page each; the window gets the pages they left.
    expect(cloudtrail.commandCalls(LookupEventsCommand)[0]!.args[0].input.StartTime).toEqual(
      new Date(WINDOW_START),
    );
    expect(result.ranges.map((range) => [range.kind, range.pages, range.complete])).toEqual([
      ['gap', 1, true],
      ['gap', 1, true],
      ['window', 5, false],
    ]);

    // Gaps that take every page they can get still leave the window its half.
    cloudtrail.reset();
    cloudtrail.on(LookupEventsCommand).callsFake((input: { StartTime: Date }) => ({
      Events: newestFirst(50, new Date(input.StartTime.getTime() + 60_000).toISOString(), 'x'),
      NextToken: 'more',
    }));
    const starved = await scanRegion(client, REGION, planned, options(7));
    expect(starved.ranges.map((range) => [range.kind, range.pages])).toEqual([
      ['gap', 4],
      ['gap', 0],
      ['window', 3],
    ]);
  });

  it('retries a ThrottlingException that outlasted the SDK, spaced out, and completes', async () => {
    cloudtrail
      .on(LookupEventsCommand)
      .rejectsOnce(throttle())
      .resolvesOnce({ Events: newestFirst(2, '2025-03-01T11:59:00.000Z', 'a') });
    const clock = new FakeClock();

    const result = await scanRegion(client, REGION, planScan(undefined, NOW, SETTINGS), options(5, clock));

    expect(cloudtrail).toHaveReceivedCommandTimes(LookupEventsCommand, 2);
    expect(result.failure).toBeUndefined();
    expect(result.scan.ok && result.scan.value).toMatchObject({ complete: true, eventsScanned: 2 });
    expect(clock.sleeps.some((ms) => ms >= 500)).toBe(true);
  });

  it('keeps what was read when throttling persists mid-scan, reports it, and leaves the rest as a gap', async () => {
    cloudtrail
      .on(LookupEventsCommand)
      .resolvesOnce({ Events: newestFirst(50, '2025-03-01T11:59:00.000Z', 'p1'), NextToken: 't2' })
      .rejects(throttle());

    const result = await scanRegion(client, REGION, planScan(undefined, NOW, SETTINGS), options(10));

    expect(cloudtrail).toHaveReceivedCommandTimes(LookupEventsCommand, 1 + 3);
    expect(result.failure).toMatchObject({
      service: 'cloudtrail',
      operation: 'LookupEvents',
      region: REGION,
      errorName: 'ThrottlingException',
    });
    expect(result.scan.ok && result.scan.value).toMatchObject({
      complete: false,
      pages: 1,
      eventsScanned: 50,
    });
    expect(result.ranges[0]).toMatchObject({
      complete: false,
      pages: 1,
      oldestSeen: '2025-03-01T11:58:11.000Z',
    });
  });

  it('fails the scan (never throws) when not a single page could be read', async () => {
    cloudtrail
      .on(LookupEventsCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));

    const result = await scanRegion(client, REGION, planScan(undefined, NOW, SETTINGS), options(10));

    expect(cloudtrail).toHaveReceivedCommandTimes(LookupEventsCommand, 1);
    expect(result.scan).toEqual({
      ok: false,
      failure: expect.objectContaining({ errorName: 'AccessDeniedException' }),
    });
    expect(result.ranges[0]).toMatchObject({ pages: 0, complete: false });
  });

  it('counts malformed events as skipped, never fatal', async () => {
    cloudtrail.on(LookupEventsCommand).resolves({
      Events: [
        { EventId: 'bad', EventTime: new Date('2025-03-01T11:59:00Z'), CloudTrailEvent: '{not json' },
        trailEvent('good', '2025-03-01T11:58:00.000Z'),
      ],
    });

    const result = await scanRegion(client, REGION, planScan(undefined, NOW, SETTINGS), options(10));

    expect(result.scan.ok && result.scan.value.skipped).toHaveLength(1);
    expect(result.scan.ok && result.scan.value.denials.map((denial) => denial.eventId)).toEqual(['good']);
  });
});
