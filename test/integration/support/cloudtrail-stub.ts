/**
 * A stand-in for ONE AWS API, CloudTrail `LookupEvents`, because moto (5.2.5) does not implement it. Everything
 * else in the integration tier talks to moto through AWS_ENDPOINT_URL; the code under test reaches this stub
 * through the per-service override AWS_ENDPOINT_URL_CLOUDTRAIL=<stub.endpoint>.
 *
 * Protocol: AWS JSON 1.1, as @aws-sdk/client-cloudtrail sends it (verified against a real client call, see
 * test/integration/irsa-stub.test.ts): `POST /`, content-type `application/x-amz-json-1.1`, header
 * `X-Amz-Target: CloudTrail_20131101.LookupEvents` (the SDK omits the `com.amazonaws.cloudtrail.v20131101.`
 * namespace the service model carries; both spellings are accepted), timestamps as epoch seconds (fractional),
 * errors as HTTP 400 with `{"__type": "<Code>", "message": "..."}`.
 *
 * Behaviour modelled on the real API:
 * - events are per region: the region is read from the SigV4 credential scope of the Authorization header;
 * - at most one LookupAttribute (EventName, EventId, Username, EventSource, ReadOnly, AccessKeyId);
 * - StartTime and EndTime are both inclusive; StartTime after EndTime is InvalidTimeRangeException;
 * - results are NEWEST FIRST (ties broken by event id, so paging is deterministic), MaxResults 1..50
 *   (default 50), with an opaque NextToken that is bound to the query (reusing it with other parameters is
 *   InvalidNextTokenException) and that points after the last event returned, so events seeded between two
 *   pages (newer ones, as in real life) neither shift nor repeat the pages still to come;
 * - 2 requests per second per region (the documented LookupEvents quota): an accepted request beyond 2 in any
 *   sliding 1-second window is refused with HTTP 400 ThrottlingException "Rate exceeded". Refused requests do not
 *   consume the window, so a client that backs off gets through.
 * - any other operation is HTTP 400 UnknownOperationException.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One event as the test seeds it; `cloudTrailEvent` is the record CloudTrail would store. */
export interface StubEvent {
  readonly eventId: string;
  readonly eventName: string;
  readonly eventTime: Date;
  readonly eventSource: string;
  readonly username?: string;
  readonly accessKeyId?: string;
  readonly readOnly?: boolean;
  /** The full record; an object is JSON-encoded, a string is served verbatim (to seed malformed records). */
  readonly cloudTrailEvent: object | string;
}

export interface CloudTrailStubOptions {
  /** Accepted requests per region in any sliding window of `windowMs`. Default 2 (the real quota). */
  readonly requestsPerWindow?: number;
  readonly windowMs?: number;
  /** Server-side delay before answering an accepted request, to mimic the real API's latency. Default 0. */
  readonly latencyMs?: number;
}

export interface RegionStats {
  /** Every LookupEvents request received, throttled or not. */
  requests: number;
  throttled: number;
  /** Requests answered with a page of events (HTTP 200). */
  pages: number;
  /** Events returned over all pages. */
  eventsServed: number;
  /** Other client errors (bad parameters, bad token). */
  rejected: number;
  /** Arrival times (epoch ms) of the first and last request, to time a scan from the server's side. */
  firstRequestAt?: number;
  lastRequestAt?: number;
}

export interface CloudTrailStubStats {
  readonly requests: number;
  readonly throttled: number;
  readonly pages: number;
  readonly eventsServed: number;
  readonly rejected: number;
  readonly unknownOperations: number;
  readonly byRegion: Readonly<Record<string, Readonly<RegionStats>>>;
  /** Most requests accepted in any 1-second window, per region (never above the quota, by construction). */
  readonly maxAcceptedPerWindow: Readonly<Record<string, number>>;
}

export interface CloudTrailStub {
  readonly endpoint: string;
  /** Adds events to a region (kept alongside earlier seeds). */
  seed(region: string, events: readonly StubEvent[]): void;
  /**
   * Every LookupEvents in `region` answers this error (HTTP 400), as a region the caller may not read does
   * (an SCP or a missing permission: AccessDeniedException). Until `clear()`.
   */
  denyRegion(region: string, code?: string): void;
  /** Removes every event, every denied region, and resets the statistics and the rate windows. */
  clear(): void;
  /** Resets the statistics and the rate windows, keeping the events. */
  resetStats(): void;
  stats(): CloudTrailStubStats;
  close(): Promise<void>;
}

export const LOOKUP_EVENTS_TARGETS = [
  'CloudTrail_20131101.LookupEvents',
  'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents',
] as const;

const MAX_RESULTS = 50;
const JSON_11 = 'application/x-amz-json-1.1';

class ClientError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface LookupRequest {
  readonly attribute?: { readonly key: string; readonly value: string };
  readonly startMs?: number;
  readonly endMs?: number;
  readonly maxResults: number;
  readonly nextToken?: string;
}

interface Cursor {
  /** Hash of the query the token belongs to. */
  readonly q: string;
  readonly t: number;
  readonly id: string;
}

const ATTRIBUTE_FIELDS: Readonly<Record<string, (event: StubEvent) => string | undefined>> = {
  EventName: (event) => event.eventName,
  EventId: (event) => event.eventId,
  Username: (event) => event.username,
  EventSource: (event) => event.eventSource,
  ReadOnly: (event) => String(event.readOnly ?? false),
  AccessKeyId: (event) => event.accessKeyId,
};

function regionOf(headers: http.IncomingHttpHeaders): string | undefined {
  const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/cloudtrail\/aws4_request/.exec(
    String(headers.authorization ?? ''),
  );
  return scope?.[1];
}

function epochMs(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return Math.round(value * 1000);
  throw new ClientError('ValidationException', `${field} must be epoch seconds`);
}

function parseRequest(body: string): LookupRequest {
  let raw: Record<string, unknown>;
  try {
    raw = body.trim() === '' ? {} : (JSON.parse(body) as Record<string, unknown>);
  } catch {
    throw new ClientError('SerializationException', 'request body is not JSON');
  }
  const attributes = raw.LookupAttributes;
  let attribute: LookupRequest['attribute'];
  if (attributes !== undefined) {
    if (!Array.isArray(attributes) || attributes.length > 1)
      throw new ClientError('InvalidLookupAttributesException', 'at most one lookup attribute is supported');
    const first = attributes[0] as { AttributeKey?: unknown; AttributeValue?: unknown } | undefined;
    if (first) {
      const key = String(first.AttributeKey);
      if (!(key in ATTRIBUTE_FIELDS))
        throw new ClientError('InvalidLookupAttributesException', `unsupported attribute key ${key}`);
      attribute = { key, value: String(first.AttributeValue) };
    }
  }
  const startMs = epochMs(raw.StartTime, 'StartTime');
  const endMs = epochMs(raw.EndTime, 'EndTime');
  if (startMs !== undefined && endMs !== undefined && startMs > endMs)
    throw new ClientError('InvalidTimeRangeException', 'StartTime is after EndTime');
  const maxResults = raw.MaxResults === undefined ? MAX_RESULTS : Number(raw.MaxResults);
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > MAX_RESULTS)
    throw new ClientError('InvalidMaxResultsException', `MaxResults must be 1..${MAX_RESULTS}`);
  const nextToken = typeof raw.NextToken === 'string' ? raw.NextToken : undefined;
  return { attribute, startMs, endMs, maxResults, nextToken };
}

/** The query a token is bound to: everything but the token and the page size. */
function queryHash(region: string, request: LookupRequest): string {
  return createHash('sha256')
    .update(JSON.stringify([region, request.attribute, request.startMs, request.endMs]))
    .digest('hex')
    .slice(0, 16);
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64');
}

function decodeCursor(token: string, expectedQuery: string): Cursor {
  try {
    const cursor = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as Cursor;
    if (cursor.q === expectedQuery && typeof cursor.t === 'number' && typeof cursor.id === 'string')
      return cursor;
  } catch {
    // fall through
  }
  throw new ClientError('InvalidNextTokenException', 'the token is invalid or belongs to another query');
}

/** Newest first; equal times by descending event id. Negative when a comes first. */
function newestFirst(a: { t: number; id: string }, b: { t: number; id: string }): number {
  if (a.t !== b.t) return b.t - a.t;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

function toWire(event: StubEvent): Record<string, unknown> {
  return {
    EventId: event.eventId,
    EventName: event.eventName,
    ReadOnly: String(event.readOnly ?? false),
    ...(event.accessKeyId ? { AccessKeyId: event.accessKeyId } : {}),
    EventTime: event.eventTime.getTime() / 1000,
    EventSource: event.eventSource,
    ...(event.username ? { Username: event.username } : {}),
    Resources: [],
    CloudTrailEvent:
      typeof event.cloudTrailEvent === 'string'
        ? event.cloudTrailEvent
        : JSON.stringify(event.cloudTrailEvent),
  };
}

const emptyRegionStats = (): RegionStats => ({
  requests: 0,
  throttled: 0,
  pages: 0,
  eventsServed: 0,
  rejected: 0,
});

export async function startCloudTrailStub(options: CloudTrailStubOptions = {}): Promise<CloudTrailStub> {
  const limit = options.requestsPerWindow ?? 2;
  const windowMs = options.windowMs ?? 1000;
  const latencyMs = options.latencyMs ?? 0;

  /** Per region, kept sorted newest first. */
  let events = new Map<string, StubEvent[]>();
  let regionStats = new Map<string, RegionStats>();
  let unknownOperations = 0;
  /** Per region, the arrival times of accepted requests still inside the window. */
  let windows = new Map<string, number[]>();
  let maxAccepted = new Map<string, number>();

  const statsFor = (region: string): RegionStats => {
    let stats = regionStats.get(region);
    if (!stats) regionStats.set(region, (stats = emptyRegionStats()));
    return stats;
  };

  /** Admits a request into the region's sliding window, or says it is over the quota. */
  const admit = (region: string, now: number): boolean => {
    const recent = (windows.get(region) ?? []).filter((at) => now - at < windowMs);
    if (recent.length >= limit) {
      windows.set(region, recent);
      return false;
    }
    recent.push(now);
    windows.set(region, recent);
    maxAccepted.set(region, Math.max(maxAccepted.get(region) ?? 0, recent.length));
    return true;
  };

  const lookup = (region: string, request: LookupRequest): Record<string, unknown> => {
    const query = queryHash(region, request);
    const cursor = request.nextToken === undefined ? undefined : decodeCursor(request.nextToken, query);
    const matching = (events.get(region) ?? []).filter((event) => {
      const t = event.eventTime.getTime();
      if (request.startMs !== undefined && t < request.startMs) return false;
      if (request.endMs !== undefined && t > request.endMs) return false;
      if (request.attribute && ATTRIBUTE_FIELDS[request.attribute.key]!(event) !== request.attribute.value)
        return false;
      return !cursor || newestFirst({ t, id: event.eventId }, cursor) > 0;
    });
    const page = matching.slice(0, request.maxResults);
    const last = page[page.length - 1];
    const more = matching.length > page.length && last !== undefined;
    const stats = statsFor(region);
    stats.pages++;
    stats.eventsServed += page.length;
    return {
      Events: page.map(toWire),
      ...(more
        ? { NextToken: encodeCursor({ q: query, t: last.eventTime.getTime(), id: last.eventId }) }
        : {}),
    };
  };

  const reply = (response: http.ServerResponse, status: number, body: object) => {
    response.writeHead(status, {
      'content-type': JSON_11,
      'x-amzn-requestid': createHash('md5').update(String(Math.random())).digest('hex'),
    });
    response.end(JSON.stringify(body));
  };
  const fail = (response: http.ServerResponse, code: string, message: string) =>
    reply(response, 400, { __type: code, message });

  const deniedRegions = new Map<string, string>();
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      if (request.method !== 'POST' || !(LOOKUP_EVENTS_TARGETS as readonly string[]).includes(target)) {
        unknownOperations++;
        fail(
          response,
          'UnknownOperationException',
          `the CloudTrail stub serves LookupEvents only, not "${target}"`,
        );
        return;
      }
      const region = regionOf(request.headers);
      if (!region) {
        fail(response, 'MissingAuthenticationTokenException', 'no SigV4 credential scope for cloudtrail');
        return;
      }
      const denied = deniedRegions.get(region);
      if (denied !== undefined) {
        statsFor(region).rejected++;
        fail(response, denied, `User is not authorized to perform: cloudtrail:LookupEvents in ${region}`);
        return;
      }
      const stats = statsFor(region);
      const now = Date.now();
      stats.requests++;
      stats.firstRequestAt ??= now;
      stats.lastRequestAt = now;
      if (!admit(region, now)) {
        stats.throttled++;
        fail(response, 'ThrottlingException', 'Rate exceeded');
        return;
      }
      let body: Record<string, unknown>;
      try {
        body = lookup(region, parseRequest(Buffer.concat(chunks).toString('utf8')));
      } catch (error) {
        if (!(error instanceof ClientError)) throw error;
        stats.rejected++;
        fail(response, error.code, error.message);
        return;
      }
      if (latencyMs > 0) setTimeout(() => reply(response, 200, body), latencyMs);
      else reply(response, 200, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const resetStats = () => {
    regionStats = new Map();
    windows = new Map();
    maxAccepted = new Map();
    unknownOperations = 0;
  };

  return {
    endpoint: `http://127.0.0.1:${port}`,
    seed(region, seeded) {
      const merged = [...(events.get(region) ?? []), ...seeded];
      merged.sort((a, b) =>
        newestFirst({ t: a.eventTime.getTime(), id: a.eventId }, { t: b.eventTime.getTime(), id: b.eventId }),
      );
      events.set(region, merged);
    },
    denyRegion(region, code = 'AccessDeniedException') {
      deniedRegions.set(region, code);
    },
    clear() {
      events = new Map();
      deniedRegions.clear();
      resetStats();
    },
    resetStats,
    stats() {
      const byRegion = Object.fromEntries([...regionStats].map(([region, s]) => [region, { ...s }]));
      const sum = (field: 'requests' | 'throttled' | 'pages' | 'eventsServed' | 'rejected') =>
        [...regionStats.values()].reduce((total, s) => total + s[field], 0);
      return {
        requests: sum('requests'),
        throttled: sum('throttled'),
        pages: sum('pages'),
        eventsServed: sum('eventsServed'),
        rejected: sum('rejected'),
        unknownOperations,
        byRegion,
        maxAcceptedPerWindow: Object.fromEntries(maxAccepted),
      };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
