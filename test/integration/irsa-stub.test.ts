/**
 * The CloudTrail LookupEvents stub (support/cloudtrail-stub.ts) checked with the real @aws-sdk/client-cloudtrail:
 * routing through AWS_ENDPOINT_URL_CLOUDTRAIL, newest-first pagination, inclusive time filter, query-bound tokens,
 * the 2 requests/s/region quota and region isolation. The IRSA end-to-end tests rely on each of these.
 */
import {
  CloudTrailClient,
  DescribeTrailsCommand,
  LookupEventsCommand,
  paginateLookupEvents,
  type Event,
  type LookupEventsCommandInput,
} from '@aws-sdk/client-cloudtrail';
import { startCloudTrailStub, type CloudTrailStub } from './support/cloudtrail-stub';
import { withEnv } from '../fixtures/env';
import {
  eksIssuer,
  malformedWebIdentityEvent,
  spreadCalls,
  unrelatedEvent,
  WEB_IDENTITY_EVENT,
  webIdentityEvent,
  type WebIdentityCall,
} from './support/irsa-fixtures';

jest.setTimeout(60_000);

const ACCOUNT = '123456789012';
const T0 = new Date('2026-01-10T12:00:00Z');
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

const call = (overrides: Partial<WebIdentityCall> = {}): WebIdentityCall => ({
  roleArn: `arn:aws:iam::${ACCOUNT}:role/app`,
  namespace: 'payments',
  serviceAccount: 'api',
  issuer: eksIssuer('us-west-2', 'EXAMPLED539D4633E53DE1B71EXAMPLE'),
  providerAccount: ACCOUNT,
  region: 'us-west-2',
  eventTime: T0,
  errorCode: 'AccessDenied',
  ...overrides,
});

const BY_NAME = {
  LookupAttributes: [{ AttributeKey: 'EventName' as const, AttributeValue: WEB_IDENTITY_EVENT }],
};

const clients: CloudTrailClient[] = [];
function client(stub: CloudTrailStub, region = 'us-west-2', maxAttempts = 1): CloudTrailClient {
  const created = new CloudTrailClient({
    endpoint: stub.endpoint,
    region,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts,
  });
  clients.push(created);
  return created;
}

async function allPages(
  ct: CloudTrailClient,
  input: LookupEventsCommandInput,
): Promise<{ pages: Event[][]; events: Event[] }> {
  const pages: Event[][] = [];
  for await (const page of paginateLookupEvents({ client: ct }, input)) pages.push(page.Events ?? []);
  return { pages, events: pages.flat() };
}

const seconds = (event: Event) => event.EventTime!.getTime();

let stub: CloudTrailStub;
/** Same stub without the quota, for tests about paging and filters only. */
let unlimited: CloudTrailStub;

beforeAll(async () => {
  stub = await startCloudTrailStub();
  unlimited = await startCloudTrailStub({ requestsPerWindow: 1_000_000 });
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  await stub.close();
  await unlimited.close();
});
beforeEach(() => {
  stub.clear();
  unlimited.clear();
});

describe('IRSA integration: CloudTrail LookupEvents stub', () => {
  test('the real SDK reaches it through AWS_ENDPOINT_URL_CLOUDTRAIL while AWS_ENDPOINT_URL points elsewhere', async () => {
    unlimited.seed('eu-west-1', [webIdentityEvent(call({ region: 'eu-west-1' }))]);
    const variables = {
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9', // nothing listens there: a request to it would fail
      AWS_ENDPOINT_URL_CLOUDTRAIL: unlimited.endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
    };
    await withEnv(variables, async () => {
      const ct = new CloudTrailClient({ region: 'eu-west-1', maxAttempts: 1 });
      clients.push(ct);
      const out = await ct.send(new LookupEventsCommand(BY_NAME));
      expect(out.Events).toHaveLength(1);
      const [event] = out.Events!;
      expect(event).toMatchObject({
        EventName: WEB_IDENTITY_EVENT,
        Username: 'system:serviceaccount:payments:api',
      });
      const record = JSON.parse(event!.CloudTrailEvent!);
      expect(record).toMatchObject({
        eventID: event!.EventId,
        errorCode: 'AccessDenied',
        userIdentity: { type: 'WebIdentityUser', userName: 'system:serviceaccount:payments:api' },
        requestParameters: { roleArn: `arn:aws:iam::${ACCOUNT}:role/app` },
      });
      expect(unlimited.stats().byRegion['eu-west-1']).toMatchObject({
        requests: 1,
        pages: 1,
        eventsServed: 1,
      });
    });
  });

  test('pages newest first, 50 at most, with ties and without loss or repetition', async () => {
    // 130 events over 10 minutes at 1-second precision: several share a second, so the order needs a tie-breaker.
    const seeded = [
      ...spreadCalls(call(), 100, minutes(0), minutes(10)),
      ...spreadCalls(call({ serviceAccount: 'worker' }), 30, minutes(0), minutes(10)),
    ];
    unlimited.seed('us-west-2', seeded);
    const { pages, events } = await allPages(client(unlimited), { ...BY_NAME, MaxResults: 50 });

    expect(pages.map((page) => page.length)).toEqual([50, 50, 30]);
    expect(new Set(events.map((e) => e.EventId)).size).toBe(130);
    expect(new Set(events.map((e) => e.EventId))).toEqual(new Set(seeded.map((e) => e.eventId)));
    for (let i = 1; i < events.length; i++)
      expect(seconds(events[i - 1]!)).toBeGreaterThanOrEqual(seconds(events[i]!));
    expect(events[0]!.EventTime!.getTime()).toBe(Math.max(...seeded.map((e) => e.eventTime.getTime())));
    expect(unlimited.stats()).toMatchObject({ pages: 3, eventsServed: 130, throttled: 0 });
  });

  test('StartTime and EndTime are inclusive and combine with the EventName filter', async () => {
    unlimited.seed('us-west-2', [
      webIdentityEvent(call({ eventTime: minutes(-1), sequence: 1 })), // before the window
      webIdentityEvent(call({ eventTime: minutes(0), sequence: 2 })), // exactly StartTime
      webIdentityEvent(call({ eventTime: minutes(5), sequence: 3 })),
      webIdentityEvent(call({ eventTime: minutes(10), sequence: 4 })), // exactly EndTime
      webIdentityEvent(call({ eventTime: minutes(11), sequence: 5 })), // after the window
      unrelatedEvent('us-west-2', minutes(5)), // another event name, inside the window
      malformedWebIdentityEvent('us-west-2', minutes(6)), // served as is: the record is the reader's problem
    ]);
    const { events } = await allPages(client(unlimited), {
      ...BY_NAME,
      StartTime: minutes(0),
      EndTime: minutes(10),
    });
    expect(events.map((e) => e.EventTime!.toISOString())).toEqual(
      [minutes(10), minutes(6), minutes(5), minutes(0)].map((d) => d.toISOString()),
    );
    expect(events.some((e) => e.EventName !== WEB_IDENTITY_EVENT)).toBe(false);
    expect(() => JSON.parse(events[1]!.CloudTrailEvent!) as unknown).toThrow();

    const all = await allPages(client(unlimited), {});
    expect(all.events).toHaveLength(7);
  });

  test('a NextToken is bound to its query, and newer events seeded between pages do not shift the rest', async () => {
    const seeded = spreadCalls(call(), 60, minutes(0), minutes(10));
    unlimited.seed('us-west-2', seeded);
    const ct = client(unlimited);
    const input = { ...BY_NAME, StartTime: minutes(0), EndTime: minutes(60), MaxResults: 25 };
    const first = await ct.send(new LookupEventsCommand(input));
    expect(first.NextToken).toEqual(expect.any(String));

    await expect(
      ct.send(new LookupEventsCommand({ ...input, StartTime: minutes(1), NextToken: first.NextToken })),
    ).rejects.toMatchObject({ name: 'InvalidNextTokenException', $metadata: { httpStatusCode: 400 } });

    // New events arrive at the head of the newest-first list: the token keeps pointing after the last one read.
    unlimited.seed(
      'us-west-2',
      spreadCalls(call({ sequence: 999, serviceAccount: 'late' }), 10, minutes(20), minutes(21)),
    );
    const rest: Event[] = [];
    let token = first.NextToken;
    while (token) {
      const page = await ct.send(new LookupEventsCommand({ ...input, NextToken: token }));
      rest.push(...(page.Events ?? []));
      token = page.NextToken;
    }
    const ids = [...first.Events!, ...rest].map((e) => e.EventId);
    expect(ids).toHaveLength(60);
    expect(new Set(ids)).toEqual(new Set(seeded.map((e) => e.eventId)));
  });

  test('rejects bad parameters like the real API', async () => {
    const ct = client(unlimited);
    await expect(ct.send(new LookupEventsCommand({ MaxResults: 51 }))).rejects.toMatchObject({
      name: 'InvalidMaxResultsException',
    });
    await expect(
      ct.send(new LookupEventsCommand({ StartTime: minutes(10), EndTime: minutes(0) })),
    ).rejects.toMatchObject({ name: 'InvalidTimeRangeException' });
    await expect(ct.send(new DescribeTrailsCommand({}))).rejects.toMatchObject({
      name: 'UnknownOperationException',
    });
    expect(unlimited.stats()).toMatchObject({ rejected: 2, unknownOperations: 1, pages: 0 });
  });

  test('throttles beyond 2 requests per second per region with ThrottlingException', async () => {
    stub.seed('us-west-2', [webIdentityEvent(call())]);
    const ct = client(stub, 'us-west-2', 1); // no SDK retry: see every refusal
    const burst = await Promise.allSettled(
      Array.from({ length: 5 }, () => ct.send(new LookupEventsCommand(BY_NAME))),
    );
    const refused = burst.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(burst.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    expect(refused).toHaveLength(3);
    for (const r of refused)
      expect(r.reason).toMatchObject({
        name: 'ThrottlingException',
        message: 'Rate exceeded',
        $metadata: { httpStatusCode: 400 },
      });
    expect(stub.stats().byRegion['us-west-2']).toMatchObject({ requests: 5, throttled: 3, pages: 2 });

    // Refused requests do not use up the window: one second after the burst, requests go through again.
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    await expect(ct.send(new LookupEventsCommand(BY_NAME))).resolves.toMatchObject({
      Events: [expect.anything()],
    });
  });

  test("the SDK's retries get a paced-out scan through, never above 2 accepted requests in any second", async () => {
    stub.seed('us-west-2', spreadCalls(call(), 300, minutes(0), minutes(30)));
    const ct = client(stub, 'us-west-2', 10);
    const started = Date.now();
    const { pages, events } = await allPages(ct, { ...BY_NAME, MaxResults: 50 });
    const elapsed = Date.now() - started;
    expect(pages).toHaveLength(6);
    expect(new Set(events.map((e) => e.EventId)).size).toBe(300);
    const stats = stub.stats();
    expect(stats.maxAcceptedPerWindow['us-west-2']).toBeLessThanOrEqual(2);
    expect(stats.pages).toBe(6);
    expect(stats.requests).toBe(6 + stats.throttled);
    // 6 accepted requests at 2 per sliding second: the last cannot start before 2 s after the first.
    expect(elapsed).toBeGreaterThanOrEqual(2_000);
  });

  test('regions are isolated: events and quotas are per region', async () => {
    stub.seed('us-west-2', [webIdentityEvent(call({ region: 'us-west-2', sequence: 1 }))]);
    stub.seed('us-east-1', [
      webIdentityEvent(call({ region: 'us-east-1', sequence: 2 })),
      webIdentityEvent(call({ region: 'us-east-1', sequence: 3 })),
    ]);
    const west = client(stub, 'us-west-2', 1);
    const east = client(stub, 'us-east-1', 1);
    const results = await Promise.all([
      west.send(new LookupEventsCommand(BY_NAME)),
      west.send(new LookupEventsCommand(BY_NAME)),
      east.send(new LookupEventsCommand(BY_NAME)),
      east.send(new LookupEventsCommand(BY_NAME)),
    ]);
    expect(results.map((r) => r.Events!.length)).toEqual([1, 1, 2, 2]);
    const westRecord = JSON.parse(results[0]?.Events?.[0]?.CloudTrailEvent ?? '{}');
    expect(westRecord.awsRegion).toBe('us-west-2');
    for (const event of results[2]?.Events ?? [])
      expect(JSON.parse(event.CloudTrailEvent ?? '{}').awsRegion).toBe('us-east-1');
    // Four requests at once, two per region: within each region's quota.
    expect(stub.stats()).toMatchObject({ requests: 4, throttled: 0 });
    // A third one in us-west-2 is over its quota while us-east-1's is untouched by it.
    await expect(west.send(new LookupEventsCommand(BY_NAME))).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
    expect(stub.stats().byRegion['us-east-1']).toMatchObject({ requests: 2, throttled: 0 });
    await expect(
      client(stub, 'eu-central-1', 1).send(new LookupEventsCommand(BY_NAME)),
    ).resolves.toMatchObject({
      Events: [],
    });
  });
});
