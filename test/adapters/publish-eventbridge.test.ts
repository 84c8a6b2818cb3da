import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandInput,
  type PutEventsCommandOutput,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { FINDING_SCHEMA_VERSION, type Finding } from '../../lambdas/core/finding';
import {
  batchBySize,
  EVENT_DETAIL_TYPE,
  EVENT_SOURCE,
  EventBridgeFindingPublisher,
  MAX_CALL_BYTES,
  MAX_ENTRY_BYTES,
  putEventsEntrySize,
} from '../../lambdas/adapters/publish-eventbridge';
import { PublishError, type RunInfo } from '../../lambdas/core/publishing';

const run: RunInfo = {
  runId: 'run-1',
  accountId: '123456789012',
  regions: ['us-west-2'],
  startedAt: '2024-05-01T12:00:00.000Z',
};

function finding(index: number, overrides: Partial<Finding> = {}): Finding {
  return {
    schemaVersion: FINDING_SCHEMA_VERSION,
    findingId: `finding-${index}`,
    checkId: 'tmc.lambda.unhealthy',
    status: index % 3 === 0 ? 'PASS' : 'FAIL',
    severity: 'HIGH',
    title: `finding ${index}`,
    message: 'message',
    accountId: run.accountId,
    region: 'us-west-2',
    resource: {
      type: 'AWS::Lambda::Function',
      arn: `arn:aws:lambda:us-west-2:123456789012:function:fn-${index}`,
      name: `fn-${index}`,
    },
    tmc: { credentialName: 'prod-eks', component: 'data-sync' },
    evidence: { state: 'Failed' },
    remediation: { text: 'fix it', whoCanFix: 'platform team', runbookUrl: 'docs/checks.md#x' },
    observedAt: '2024-05-01T12:00:05.000Z',
    ...overrides,
  };
}

const findings = (count: number, overrides: Partial<Finding> = {}): Finding[] =>
  Array.from({ length: count }, (_, i) => finding(i + 1, overrides));

const eventBridge = mockClient(EventBridgeClient);
const sleep = jest.fn((_ms: number) => Promise.resolve());

function publisher(
  eventBusName = 'tmc-health',
  extra: { maxCallBytes?: number } = {},
): EventBridgeFindingPublisher {
  return new EventBridgeFindingPublisher(new EventBridgeClient({ region: 'us-west-2' }), {
    eventBusName,
    sleep,
    random: () => 0.5,
    ...extra,
  });
}

/** EventBridge accepting everything it is sent. */
function acceptAll(input: PutEventsCommandInput): PutEventsCommandOutput {
  return {
    $metadata: {},
    FailedEntryCount: 0,
    Entries: (input.Entries ?? []).map((_, i) => ({ EventId: `event-${i}` })),
  };
}

/** Fails the entries whose finding id is in `failing` with `code`, accepts the rest. */
function failEntries(failing: ReadonlySet<string>, code: string) {
  return (input: PutEventsCommandInput): PutEventsCommandOutput => {
    const results = (input.Entries ?? []).map((entry, i) =>
      failing.has(findingIdOf(entry)) ? { ErrorCode: code, ErrorMessage: 'nope' } : { EventId: `event-${i}` },
    );
    return {
      $metadata: {},
      FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length,
      Entries: results,
    };
  };
}

const findingIdOf = (entry: PutEventsRequestEntry): string =>
  (JSON.parse(entry.Detail ?? '{}') as { findingId: string }).findingId;

const sentEntries = (): PutEventsRequestEntry[][] =>
  eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries ?? []);

const awsError = (name: string, httpStatusCode: number): Error =>
  Object.assign(new Error(`${name} from the mock`), { name, $metadata: { httpStatusCode } });

beforeEach(() => {
  eventBridge.reset();
  sleep.mockClear();
});

describe('EventBridgeFindingPublisher', () => {
  it('sends 25 findings, PASS included, as 3 calls of at most 10 entries', async () => {
    eventBridge.on(PutEventsCommand).callsFake(acceptAll);
    const report = await publisher().publish(findings(25), run);

    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 3);
    expect(sentEntries().map((entries) => entries.length)).toEqual([10, 10, 5]);
    expect(sentEntries().flat().map(findingIdOf)).toEqual(findings(25).map((f) => f.findingId));
    expect(report).toEqual({ publisher: 'eventbridge', findingCount: 25, delivered: 25, apiCalls: 3 });
    expect(sleep).not.toHaveBeenCalled();
  });

  it('builds each entry from the finding', async () => {
    eventBridge.on(PutEventsCommand).callsFake(acceptAll);
    const withArn = finding(1);
    const withoutArn = finding(2, {
      status: 'PASS',
      resource: { type: 'AWS::SSM::Parameter', name: 'token' },
    });
    await publisher().publish([withArn, withoutArn], run);

    expect(eventBridge).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        {
          EventBusName: 'tmc-health',
          Source: EVENT_SOURCE,
          DetailType: EVENT_DETAIL_TYPE,
          Detail: JSON.stringify(withArn),
          Resources: [withArn.resource.arn!],
          Time: new Date(withArn.observedAt),
        },
        {
          EventBusName: 'tmc-health',
          Source: 'tmc-health',
          DetailType: 'TMC Health Finding',
          Detail: JSON.stringify(withoutArn),
          Resources: [],
          Time: new Date(withoutArn.observedAt),
        },
      ],
    });
  });

  it('passes a bus ARN (central bus in another account) through as EventBusName', async () => {
    eventBridge.on(PutEventsCommand).callsFake(acceptAll);
    const busArn = 'arn:aws:events:us-west-2:999999999999:event-bus/central-health';
    await publisher(busArn).publish(findings(2), run);
    expect(sentEntries()[0]!.map((entry) => entry.EventBusName)).toEqual([busArn, busArn]);
  });

  it('makes no call for no findings', async () => {
    const report = await publisher().publish([], run);
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 0);
    expect(report.delivered).toBe(0);
  });

  it('splits calls by the 256 KB entry-size budget when details are large', async () => {
    eventBridge.on(PutEventsCommand).callsFake(acceptAll);
    // About 55 KB each: four fit under the 256 KB budget, five do not.
    const large = findings(8, { evidence: { dump: 'x'.repeat(55_000) } });
    await publisher().publish(large, run);

    const calls = sentEntries();
    expect(calls.map((entries) => entries.length)).toEqual([4, 4]);
    for (const entries of calls) {
      expect(entries.reduce((sum, entry) => sum + putEventsEntrySize(entry), 0)).toBeLessThanOrEqual(
        MAX_CALL_BYTES,
      );
    }
  });

  it('honours a smaller per-call budget', async () => {
    eventBridge.on(PutEventsCommand).callsFake(acceptAll);
    const entrySize = putEventsEntrySize({ ...sentShape(finding(1)) });
    await publisher('tmc-health', { maxCallBytes: entrySize * 2 }).publish(
      [finding(1), finding(2), finding(3)],
      run,
    );
    expect(sentEntries().map((entries) => entries.length)).toEqual([2, 1]);
  });

  it('retries only the entries reported failed, then succeeds', async () => {
    eventBridge
      .on(PutEventsCommand)
      .callsFakeOnce(failEntries(new Set(['finding-2']), 'ThrottlingException'))
      .callsFake(acceptAll);
    const report = await publisher().publish(findings(3), run);

    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 2);
    expect(sentEntries()[1]!.map(findingIdOf)).toEqual(['finding-2']);
    expect(sleep).toHaveBeenCalledTimes(1);
    expect(report).toEqual({ publisher: 'eventbridge', findingCount: 3, delivered: 3, apiCalls: 2 });
  });

  it('throws PublishError naming count and codes when entries keep failing', async () => {
    eventBridge
      .on(PutEventsCommand)
      .callsFake(failEntries(new Set(['finding-4', 'finding-5']), 'InternalFailure'));
    const error = await publisher()
      .publish(findings(12), run)
      .then(
        () => undefined,
        (e: unknown) => e,
      );

    expect(error).toBeInstanceOf(PublishError);
    const failure = error as PublishError;
    expect(failure.failedCount).toBe(2);
    expect(failure.errorCodes).toEqual({ InternalFailure: 2 });
    expect([...failure.findingIds].sort()).toEqual(['finding-4', 'finding-5']);
    expect(failure.message).toMatch(/2 of 12 findings not published to bus tmc-health .*InternalFailure x2/);
    // First attempt: 2 calls (10 + 2); three retries of the two failed entries: 1 call each.
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 5);
    expect(failure.partialReports).toEqual([
      { publisher: 'eventbridge', findingCount: 12, delivered: 10, apiCalls: 5 },
    ]);
  });

  it('backs off exponentially between attempts', async () => {
    eventBridge.on(PutEventsCommand).callsFake(failEntries(new Set(['finding-1']), 'ThrottlingException'));
    await expect(publisher().publish(findings(1), run)).rejects.toThrow(PublishError);
    // random() = 0.5 of a ceiling of 200, 400, 800 ms.
    expect(sleep.mock.calls.map(([ms]) => ms)).toEqual([100, 200, 400]);
  });

  it('does not retry entries failing with a permanent code', async () => {
    eventBridge.on(PutEventsCommand).callsFake(failEntries(new Set(['finding-1']), 'MalformedDetail'));
    await expect(publisher().publish(findings(2), run)).rejects.toMatchObject({
      name: 'PublishError',
      failedCount: 1,
      errorCodes: { MalformedDetail: 1 },
    });
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
  });

  it('retries a call rejected as a whole by throttling', async () => {
    eventBridge.on(PutEventsCommand).rejectsOnce(awsError('ThrottlingException', 400)).callsFake(acceptAll);
    const report = await publisher().publish(findings(3), run);
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 2);
    expect(sentEntries()[1]).toHaveLength(3);
    expect(report.delivered).toBe(3);
  });

  it('gives up at once on a non-transient whole-call error', async () => {
    eventBridge.on(PutEventsCommand).rejects(awsError('AccessDeniedException', 400));
    await expect(publisher().publish(findings(3), run)).rejects.toMatchObject({
      name: 'PublishError',
      failedCount: 3,
      errorCodes: { AccessDeniedException: 3 },
    });
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    expect(sleep).not.toHaveBeenCalled();
  });

  it('treats a failure count without per-entry results as all entries failed', async () => {
    eventBridge.on(PutEventsCommand).resolvesOnce({ FailedEntryCount: 1, Entries: [] }).callsFake(acceptAll);
    const report = await publisher().publish(findings(2), run);
    expect(sentEntries()[1]).toHaveLength(2);
    expect(report.delivered).toBe(2);
  });

  it('refuses an entry over 256 KB loudly, without truncating it, and still sends the others', async () => {
    eventBridge.on(PutEventsCommand).callsFake(acceptAll);
    const huge = finding(99, { evidence: { dump: 'x'.repeat(MAX_ENTRY_BYTES) } });
    const error = await publisher()
      .publish([finding(1), huge, finding(2)], run)
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'PublishError', failedCount: 1, errorCodes: { EntryTooLarge: 1 } });
    expect((error as PublishError).findingIds).toEqual(['finding-99']);
    expect((error as Error).message).toContain('over 262144 bytes');
    expect(sentEntries().flat().map(findingIdOf)).toEqual(['finding-1', 'finding-2']);
  });
});

describe('putEventsEntrySize', () => {
  it.each<[string, PutEventsRequestEntry, number]>([
    ['Time counts 14 bytes', { Time: new Date(), Source: 'ab', DetailType: 'c' }, 17],
    ['no Time, no Detail', { Source: 'ab', DetailType: 'c' }, 3],
    [
      'Detail and Resources count UTF-8 bytes',
      { Source: 's', DetailType: 'd', Detail: '"é"', Resources: ['r1', 'ř'] },
      10,
    ],
  ])('%s', (_label, entry, expected) => {
    expect(putEventsEntrySize(entry)).toBe(expected);
  });
});

describe('batchBySize', () => {
  const items = (...sizes: number[]) => sizes.map((size, id) => ({ id, size }));

  it.each([
    ['count limit', items(...Array<number>(23).fill(1)), 10, 100, [10, 10, 3]],
    ['byte limit', items(40, 40, 40, 10, 90), 10, 100, [2, 2, 1]],
    ['exactly at the byte limit', items(50, 50, 1), 10, 100, [2, 1]],
    ['an item alone over the limit still gets its own batch', items(10, 150, 10), 10, 100, [1, 1, 1]],
    ['nothing', items(), 10, 100, []],
  ])('%s', (_label, input, maxEntries, maxBytes, expected) => {
    expect(batchBySize(input, maxEntries, maxBytes).map((batch) => batch.length)).toEqual(expected);
  });
});

/** The entry shape the publisher produces, for size arithmetic in tests. */
function sentShape(f: Finding): PutEventsRequestEntry {
  return {
    Source: EVENT_SOURCE,
    DetailType: EVENT_DETAIL_TYPE,
    Detail: JSON.stringify(f),
    Resources: f.resource.arn ? [f.resource.arn] : [],
    Time: new Date(f.observedAt),
  };
}
