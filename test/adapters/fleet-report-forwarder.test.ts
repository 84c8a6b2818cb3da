import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandInput,
  type PutEventsCommandOutput,
} from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { gzipBase64Codec, MAX_DECODED_BYTES } from '../../lambdas/adapters/fleet/report-codec';
import {
  createRunReportForwarder,
  EventBridgeReportForwarder,
  FORWARDER_PUBLISHER,
  type RunReportForwardInput,
} from '../../lambdas/adapters/fleet/report-forwarder';
import { EventBridgeFindingPublisher } from '../../lambdas/adapters/publish-eventbridge';
import { PublishError } from '../../lambdas/core/publishing';
import type { Finding, Status } from '../../lambdas/core/finding';
import { buildFinding } from '../../lambdas/core/finding-factory';
import { parseRunReportDetail } from '../../lambdas/core/fleet/run-report-parse';
import {
  RUN_REPORT_DETAIL_TYPE,
  RUN_REPORT_SOURCE,
  type RunReport,
} from '../../lambdas/core/fleet/run-report-types';

const ACCOUNT = '111122223333';
const HUB_BUS = 'arn:aws:events:eu-central-1:999988887777:event-bus/tmc-health-fleet';
const NOW = new Date('2026-11-22T12:00:05.000Z');
const codec = gzipBase64Codec();
const eventBridge = mockClient(EventBridgeClient);
const sleep = jest.fn((_ms: number) => Promise.resolve());

function finding(region: string, name: string, status: Status = 'FAIL'): Finding {
  return buildFinding(
    { accountId: ACCOUNT, region, observedAt: '2026-11-22T12:00:01.000Z', runbookBaseUrl: 'docs/checks.md' },
    {
      checkId: 'tmc.lambda.unhealthy',
      status,
      title: `${name} in ${region}`,
      message: `${name} is ${status}`,
      resource: {
        type: 'AWS::Lambda::Function',
        arn: `arn:aws:lambda:${region}:${ACCOUNT}:function:${name}`,
        name,
      },
      resourceKey: name,
      evidence: { state: status === 'PASS' ? 'Active' : 'Failed' },
    },
  );
}

const input: RunReportForwardInput = {
  family: 'irsa',
  run: {
    runId: 'run-7',
    accountId: ACCOUNT,
    regions: ['us-east-1', 'us-west-2'],
    startedAt: '2026-11-22T12:00:00.000Z',
  },
  findings: [
    finding('us-east-1', 'a', 'PASS'),
    finding('us-east-1', 'b'),
    finding('us-west-2', 'c', 'PASS'),
    finding('us-west-2', 'd', 'ERROR'),
  ],
  coveredRegions: ['us-east-1'],
  failedOperations: ['us-west-2 cloudtrail:LookupEvents'],
  apiCalls: 9,
};

function forwarder(maxDetailBytes?: number): EventBridgeReportForwarder {
  const events = new EventBridgeFindingPublisher(new EventBridgeClient({ region: 'eu-central-1' }), {
    eventBusName: HUB_BUS,
    sleep,
    random: () => 0.5,
  });
  return new EventBridgeReportForwarder(events, {
    now: () => NOW,
    ...(maxDetailBytes ? { maxDetailBytes } : {}),
  });
}

function acceptAll(request: PutEventsCommandInput): PutEventsCommandOutput {
  return {
    $metadata: {},
    FailedEntryCount: 0,
    Entries: (request.Entries ?? []).map((_, i) => ({ EventId: `event-${i}` })),
  };
}

/** Fails the entries of the parts numbered in `failing` with `code`, accepts the rest. */
function failParts(failing: readonly number[], code: string) {
  return (request: PutEventsCommandInput): PutEventsCommandOutput => {
    const entries = (request.Entries ?? []).map((entry, i) => {
      const part = (JSON.parse(entry.Detail ?? '{}') as { part: number }).part;
      return failing.includes(part) ? { ErrorCode: code, ErrorMessage: code } : { EventId: `event-${i}` };
    });
    return { $metadata: {}, FailedEntryCount: entries.filter((e) => e.ErrorCode).length, Entries: entries };
  };
}

const sentEntries = () =>
  eventBridge.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []);

function sentReports(): RunReport[] {
  return sentEntries().map((entry) => {
    const parsed = parseRunReportDetail(JSON.parse(entry.Detail ?? 'null'), codec);
    if (!parsed.ok) throw new Error(parsed.problem);
    return parsed.report;
  });
}

/** Under the whole report's size (about 2 KB), over each region's: one part per region. */
const SPLIT_LIMIT = 1_500;

beforeEach(() => {
  eventBridge.reset();
  sleep.mockClear();
});

describe('EventBridgeReportForwarder', () => {
  it('puts one run report event on the hub bus: source, detail type, time, every finding PASS included', async () => {
    eventBridge.on(PutEventsCommand).callsFake(acceptAll);
    const report = await forwarder().forward(input);
    expect(report).toEqual({ publisher: FORWARDER_PUBLISHER, findingCount: 4, delivered: 1, apiCalls: 1 });
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    const [entry] = sentEntries();
    expect(entry).toMatchObject({
      EventBusName: HUB_BUS,
      Source: RUN_REPORT_SOURCE,
      DetailType: RUN_REPORT_DETAIL_TYPE,
      Resources: [],
      Time: NOW,
    });
    expect(sentReports()).toEqual([
      {
        family: 'irsa',
        accountId: ACCOUNT,
        runId: 'run-7',
        regions: ['us-east-1', 'us-west-2'],
        coveredRegions: ['us-east-1'],
        failedOperations: ['us-west-2 cloudtrail:LookupEvents'],
        apiCalls: 9,
        startedAt: '2026-11-22T12:00:00.000Z',
        finishedAt: NOW.toISOString(),
        part: 1,
        parts: 1,
        findings: input.findings,
      },
    ]);
  });

  it('a report over the limit goes as one event per region, in one call', async () => {
    eventBridge.on(PutEventsCommand).callsFake(acceptAll);
    const report = await forwarder(SPLIT_LIMIT).forward(input);
    expect(report).toMatchObject({ delivered: 2, apiCalls: 1, findingCount: 4 });
    expect(sentReports().map((r) => [r.part, r.parts, r.coveredRegions, r.findings.length])).toEqual([
      [1, 2, ['us-east-1'], 2],
      [2, 2, [], 2],
    ]);
  });

  it('retries only the entries EventBridge failed transiently (FailedEntryCount), then succeeds', async () => {
    eventBridge
      .on(PutEventsCommand)
      .callsFakeOnce(failParts([2], 'ThrottlingException'))
      .callsFake(acceptAll);
    const report = await forwarder(SPLIT_LIMIT).forward(input);
    expect(report).toMatchObject({ delivered: 2, apiCalls: 2 });
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls[1]!.args[0].input.Entries).toHaveLength(1);
    expect(JSON.parse(calls[1]!.args[0].input.Entries![0]!.Detail!)).toMatchObject({ part: 2 });
    expect(sleep).toHaveBeenCalledTimes(1);
  });

  it('a part that cannot be delivered fails the run with a PublishError naming its findings', async () => {
    eventBridge.on(PutEventsCommand).callsFake(failParts([2], 'AccessDeniedException'));
    const error = await forwarder(SPLIT_LIMIT)
      .forward(input)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishError);
    expect(error).toMatchObject({
      publisher: FORWARDER_PUBLISHER,
      failedCount: 1,
      errorCodes: { AccessDeniedException: 1 },
      findingIds: input.findings.filter((f) => f.region === 'us-west-2').map((f) => f.findingId),
      partialReports: [{ publisher: 'eventbridge', findingCount: 2, delivered: 1, apiCalls: 1 }],
    });
    expect((error as Error).message).toMatch(
      /^Run report \(irsa run run-7\) not delivered to the hub: EventBridge: 1 of 2 run report parts not published to bus arn:aws:events:eu-central-1:999988887777:event-bus\/tmc-health-fleet/,
    );
    // Permanent: not retried.
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
  });

  it('transient failures that outlast the retries fail the run too', async () => {
    eventBridge.on(PutEventsCommand).callsFake(failParts([1], 'InternalFailure'));
    const error = await forwarder()
      .forward(input)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      errorCodes: { InternalFailure: 1 },
      findingIds: input.findings.map((f) => f.findingId),
    });
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 4);
  });

  it('a whole call refused (no permission on the hub bus) is a PublishError', async () => {
    eventBridge
      .on(PutEventsCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const error = await forwarder()
      .forward(input)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishError);
    expect(error).toMatchObject({ publisher: FORWARDER_PUBLISHER, errorCodes: { AccessDeniedException: 1 } });
  });

  it('a region too big alone: every part is sent (an ERROR finding in its place), then the run fails', async () => {
    eventBridge.on(PutEventsCommand).callsFake(acceptAll);
    const many = Array.from({ length: 30 }, (_, i) => finding('us-west-2', `fn-${i}`));
    const big = { ...input, findings: [...input.findings, ...many] };
    const lost = big.findings.filter((f) => f.region === 'us-west-2').map((f) => f.findingId);
    const error = await forwarder(2_000)
      .forward(big)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishError);
    expect(error).toMatchObject({
      publisher: FORWARDER_PUBLISHER,
      failedCount: 1,
      errorCodes: { ReportTooLarge: 1 },
      findingIds: lost,
      partialReports: [{ publisher: FORWARDER_PUBLISHER, findingCount: 34, delivered: 2, apiCalls: 1 }],
    });
    expect((error as Error).message).toMatch(
      /^Run report \(irsa run run-7\) sent in 2 part\(s\) to .*, but irsa run report: us-west-2 \(32 findings, \d+ bytes over the 2000-byte limit\) even alone/,
    );
    const reports = sentReports();
    expect(reports[0]!.findings).toHaveLength(2);
    expect(reports[1]!.findings).toEqual([
      expect.objectContaining({ checkId: 'checker.error', status: 'ERROR', region: 'us-west-2' }),
    ]);
  });

  it('a region too big and a part not delivered: one PublishError with both', async () => {
    eventBridge.on(PutEventsCommand).callsFake(failParts([1], 'AccessDeniedException'));
    const many = Array.from({ length: 30 }, (_, i) => finding('us-west-2', `fn-${i}`));
    const big = { ...input, findings: [...input.findings, ...many] };
    const error = await forwarder(2_000)
      .forward(big)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      failedCount: 2,
      errorCodes: { AccessDeniedException: 1, ReportTooLarge: 1 },
      findingIds: expect.arrayContaining(big.findings.map((f) => f.findingId)),
    });
    expect((error as PublishError).findingIds).toHaveLength(big.findings.length);
  });

  it('anything else than a PublishError from the sink goes through unchanged', async () => {
    const bug = new TypeError('bug');
    const broken = new EventBridgeReportForwarder(
      { busName: HUB_BUS, putEvents: () => Promise.reject(bug) },
      { now: () => NOW },
    );
    await expect(broken.forward(input)).rejects.toBe(bug);
  });
});

describe('createRunReportForwarder', () => {
  it("sends from a client in the hub bus's region", async () => {
    eventBridge.on(PutEventsCommand).callsFake(acceptAll);
    await createRunReportForwarder(HUB_BUS, 'us-east-1', { sleep, now: () => NOW }).forward(input);
    const client = eventBridge.send.getCall(0).thisValue as EventBridgeClient;
    expect(await client.config.region()).toBe('eu-central-1');
    expect(sentEntries()[0]).toMatchObject({ EventBusName: HUB_BUS });
  });
});

describe('gzipBase64Codec', () => {
  it('round trips, and refuses what is not base64, not gzip, or decompresses past the limit', () => {
    expect(codec.decode(codec.encode('[{"a":"é"}]'))).toBe('[{"a":"é"}]');
    expect(() => codec.decode('not base64!')).toThrow('not base64');
    expect(() => codec.decode(Buffer.from('plain').toString('base64'))).toThrow(/incorrect header check/);
    const bomb = codec.encode('0'.repeat(2_000));
    expect(() => gzipBase64Codec(1_000).decode(bomb)).toThrow(/inflates to more than 1000 bytes/);
    expect(() => gzipBase64Codec(2_000).decode(bomb)).not.toThrow();
    expect(MAX_DECODED_BYTES).toBe(4 * 1024 * 1024);
  });

  it('stops inflating at the limit: a 32 MiB bomb costs about the limit, not 32 MiB', () => {
    const bomb = codec.encode('[' + '{},'.repeat(11 * 1024 * 1024) + '{}]');
    expect(bomb.length).toBeLessThan(200_000);
    const before = process.memoryUsage().arrayBuffers;
    expect(() => codec.decode(bomb)).toThrow(RangeError);
    // What zlib had inflated when it stopped, at most the limit plus one chunk, is all that was ever allocated.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(2 * MAX_DECODED_BYTES);
  });
});
