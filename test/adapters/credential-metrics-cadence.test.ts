/**
 * The credential check's metrics cadence at the app level (`metricsIntervalMinutes`,
 * lambdas/core/checks/metrics-cadence.ts): with an hour's interval and a 15-minute schedule, only the first run of
 * each hour reads GetMetricData. A run that does not read hands `unreadChecks` (the metric checks) to its sink,
 * the lifecycle stage in single-account mode, the run report to the hub in member mode, so an open metric finding
 * stays open through the runs between two reads (never resolved, never counted absent) and resolves only after a
 * run that read healthy metrics.
 *
 * The account is the fault-injection fake (answering through aws-sdk-client-mock); the lifecycle's stores are
 * the in-memory fakes, with `goneAfterRuns: 1` so one run that wrongly counted a finding absent would resolve it.
 */
import { GetMetricDataCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandInput,
  type PutEventsCommandOutput,
} from '@aws-sdk/client-eventbridge';
import 'aws-sdk-client-mock-jest';
import { runCredentialCheck } from '../../lambdas/app/credential-check';
import { runFleetIntake } from '../../lambdas/app/fleet-intake';
import { LifecycleStage, type LifecycleRunInput } from '../../lambdas/app/lifecycle-stage';
import { forwardingSink, lifecycleSink, type RunSink } from '../../lambdas/app/run-sink';
import { createRegionClients } from '../../lambdas/adapters/clients';
import { gzipBase64Codec } from '../../lambdas/adapters/fleet/report-codec';
import { EventBridgeReportForwarder } from '../../lambdas/adapters/fleet/report-forwarder';
import { EventBridgeFindingPublisher } from '../../lambdas/adapters/publish-eventbridge';
import { METRIC_CHECK_IDS } from '../../lambdas/core/checks/metrics-cadence';
import type { Finding } from '../../lambdas/core/finding';
import { parseRunReportDetail } from '../../lambdas/core/fleet/run-report-parse';
import { lifecycleSettingsSchema } from '../../lambdas/core/lifecycle/settings';
import type { PublishReport } from '../../lambdas/core/publishing';
import { checkerSettingsSchema } from '../../lambdas/core/settings';
import { MemoryLedger, RecordingEvents } from '../fixtures/lifecycle-fakes';
import * as account from './faults/credential-account';

const { ACCOUNT, OK_REGION, REGIONS, CREDENTIALS, NOW } = account;
const HUB_ACCOUNT = '999988887777';
const HUB_BUS = `arn:aws:events:us-east-1:${HUB_ACCOUNT}:event-bus/tmc-health-fleet`;
const settings = checkerSettingsSchema.parse({
  regions: [...REGIONS],
  credentialNames: [...CREDENTIALS],
  metricsIntervalMinutes: 60,
  schedulePeriodMinutes: 15,
});
const METRIC_CHECKS = new Set<string>(METRIC_CHECK_IDS);
/** Each credential's data-sync and resource-retriever function, in each region: one errors FAIL each. */
const FUNCTIONS = REGIONS.length * CREDENTIALS.length * 2;
const minutesAfter = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000);

/** Whether the fake account's functions report errors in the metrics (tmc.lambda.errors FAILs). */
let functionsFail = true;

function installAccount(): void {
  account.installAccount({
    GetMetricData: async (input, getClient) => {
      await account.regionOf(getClient);
      const queries = (input as GetMetricDataCommandInput).MetricDataQueries ?? [];
      return {
        MetricDataResults: queries.map((query) => ({
          Id: query.Id,
          StatusCode: 'Complete',
          Values: query.Id!.endsWith('_invocations')
            ? [12]
            : query.Id!.endsWith('_errors') && functionsFail
              ? [4]
              : [0],
        })),
      };
    },
  });
  account.mocks.events
    .on(PutEventsCommand)
    .callsFake((request: PutEventsCommandInput): PutEventsCommandOutput => ({
      $metadata: {},
      FailedEntryCount: 0,
      Entries: (request.Entries ?? []).map((_, i) => ({ EventId: `event-${i}` })),
    }));
}

const metricReads = () => account.mocks.cloudwatch.commandCalls(GetMetricDataCommand).length;
const metricFindings = (findings: readonly Finding[]) =>
  findings.filter((finding) => METRIC_CHECKS.has(finding.checkId));

/** A lifecycle stage on in-memory stores, its clock the run's, and the inputs it was handed. */
function lifecycle() {
  const ledger = new MemoryLedger();
  const events = new RecordingEvents();
  let clock = NOW;
  const stage = new LifecycleStage(
    {
      settings: lifecycleSettingsSchema.parse({ ledgerTableName: 'ledger', goneAfterRuns: 1 }),
      tableName: 'ledger',
      homeRegion: OK_REGION,
      runbookBaseUrl: 'docs/checks.md',
    },
    {
      ledger,
      events,
      fallback: {
        publish: () => Promise.reject(new Error('the ledger is readable: no fallback publish expected')),
      },
      now: () => clock,
    },
  );
  const inputs: LifecycleRunInput[] = [];
  const run = stage.run.bind(stage);
  jest.spyOn(stage, 'run').mockImplementation((input) => {
    inputs.push(input);
    return run(input);
  });
  return { stage, ledger, events, inputs, setClock: (at: Date) => (clock = at) };
}

/** One scheduled run of the credential check, due at `at`. */
function scheduledRun(at: Date, sink: RunSink) {
  return runCredentialCheck(
    { accountId: ACCOUNT, settings, defaultRegion: OK_REGION, scheduledTime: at },
    {
      clientsFor: (region) => createRegionClients(region, { maxAttempts: 1 }),
      sink,
      apiCalls: () => 10,
      now: () => at,
    },
  );
}

beforeEach(() => {
  functionsFail = true;
  installAccount();
});
afterEach(() => jest.restoreAllMocks());

describe('metrics cadence through the lifecycle (single-account mode)', () => {
  it('keeps an open metric finding open between two reads, and resolves it after a healthy read', async () => {
    const { stage, ledger, events, inputs, setClock } = lifecycle();
    const sink = lifecycleSink(stage);

    // 12:00, the first run of the hour: the metrics are read, the functions' errors are FAILs.
    setClock(NOW);
    const first = await scheduledRun(NOW, sink);
    expect(metricReads()).toBeGreaterThan(0);
    const failing = metricFindings(first.findings).filter((finding) => finding.status === 'FAIL');
    expect(failing.map((finding) => finding.checkId)).toEqual(failing.map(() => 'tmc.lambda.errors'));
    expect(failing.length).toBe(FUNCTIONS);
    expect(inputs[0]).not.toHaveProperty('unreadChecks');
    const ids = failing.map((finding) => finding.findingId).sort();
    expect(
      events.transitions
        .filter((t) => t.transition === 'OPENED')
        .map((t) => t.findingId)
        .sort(),
    ).toEqual(ids);
    const opened = new Map(ids.map((id) => [id, ledger.entries.get(id)!]));
    expect([...opened.values()].every((entry) => entry.open && entry.status === 'FAIL')).toBe(true);

    // 12:15, 12:30, 12:45: not this hour's first run. No GetMetricData, no metric finding, and the stage is told.
    for (const minutes of [15, 30, 45]) {
      const at = minutesAfter(minutes);
      setClock(at);
      events.clear();
      const reads = metricReads();
      const between = await scheduledRun(at, sink);

      expect(metricReads()).toBe(reads);
      expect(metricFindings(between.findings)).toEqual([]);
      expect(between.summary.metricsNextReadAfter).toBe(minutesAfter(60).toISOString());
      expect(inputs.at(-1)!.unreadChecks).toEqual([...METRIC_CHECK_IDS]);
      // Every region was examined: only unreadChecks keeps the findings from counting as gone.
      expect([...inputs.at(-1)!.coveredRegions].sort()).toEqual([...REGIONS].sort());
      expect(events.transitions.filter((t) => ids.includes(t.findingId))).toEqual([]);
      for (const id of ids) expect(ledger.entries.get(id)).toEqual(opened.get(id));
    }

    // 13:00, the next hour's first run: read again, healthy now, so each one resolves.
    const at = minutesAfter(60);
    setClock(at);
    events.clear();
    functionsFail = false;
    const healthy = await scheduledRun(at, sink);

    expect(metricFindings(healthy.findings).every((finding) => finding.status === 'PASS')).toBe(true);
    expect(inputs.at(-1)).not.toHaveProperty('unreadChecks');
    expect(
      events.transitions
        .filter((t) => ids.includes(t.findingId))
        .map((t) => [t.findingId, t.transition])
        .sort(),
    ).toEqual(ids.map((id) => [id, 'RESOLVED']));
    for (const id of ids) expect(ledger.entries.get(id)).toMatchObject({ open: false, status: 'PASS' });
  });

  it("(the test's control) the same run between reads without unreadChecks would resolve them as gone", async () => {
    const { stage, ledger, events, inputs, setClock } = lifecycle();
    setClock(NOW);
    const first = await scheduledRun(NOW, lifecycleSink(stage));
    const ids = metricFindings(first.findings)
      .filter((finding) => finding.status === 'FAIL')
      .map((finding) => finding.findingId);
    expect(ids.length).toBeGreaterThan(0);

    const at = minutesAfter(15);
    setClock(at);
    events.clear();
    await scheduledRun(at, {
      kind: 'lifecycle',
      deliver: async (input) => {
        const { unreadChecks, ...withoutUnread } = input;
        expect(unreadChecks).toEqual([...METRIC_CHECK_IDS]);
        return { lifecycle: await stage.run(withoutUnread) };
      },
    });

    expect(inputs.at(-1)).not.toHaveProperty('unreadChecks');
    for (const id of ids) expect(ledger.entries.get(id)?.open).toBe(false);
  });
});

describe('metrics cadence through the hub (member mode)', () => {
  const codec = gzipBase64Codec();
  let clock = NOW;
  const forwarder = new EventBridgeReportForwarder(
    new EventBridgeFindingPublisher(new EventBridgeClient({ region: OK_REGION, maxAttempts: 1 }), {
      eventBusName: HUB_BUS,
      sleep: () => Promise.resolve(),
    }),
    { now: () => clock },
  );

  /** The run reports put on the hub bus since the last call, as EventBridge hands them to the hub's intake. */
  function takeReportEvents() {
    const entries = account.mocks.events
      .commandCalls(PutEventsCommand)
      .flatMap((call) => call.args[0].input.Entries ?? []);
    account.mocks.events.resetHistory();
    return entries.map((entry) => ({
      version: '0',
      id: `event-${clock.getTime()}`,
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: ACCOUNT,
      time: clock.toISOString(),
      region: OK_REGION,
      resources: [],
      detail: JSON.parse(entry.Detail!) as unknown,
    }));
  }

  it('the run report carries unreadChecks; the hub keeps the open metric finding open, then resolves it', async () => {
    const hub = lifecycle();
    const intake = (event: ReturnType<typeof takeReportEvents>[number]) =>
      runFleetIntake(
        { event, hubAccountId: HUB_ACCOUNT, homeRegion: OK_REGION, runbookBaseUrl: 'docs/checks.md' },
        {
          codec,
          stageFor: () => hub.stage,
          heartbeats: {
            record: () => Promise.resolve({ outcome: 'recorded' }),
            latestReport: () => Promise.resolve(undefined),
          },
          rejections: {
            publish: (): Promise<PublishReport> => Promise.reject(new Error('no report should be rejected')),
          },
          now: () => clock,
        },
      );
    const memberRun = async (minutes: number) => {
      clock = minutesAfter(minutes);
      hub.setClock(clock);
      const result = await scheduledRun(clock, forwardingSink(forwarder));
      const events = takeReportEvents();
      expect(events).toHaveLength(1);
      const parsed = parseRunReportDetail(events[0]!.detail, codec);
      if (!parsed.ok) throw new Error(parsed.problem);
      const outcome = await intake(events[0]!);
      expect(outcome.outcome).toBe('accepted');
      return { result, report: parsed.report };
    };

    const read = await memberRun(0);
    expect(read.report).not.toHaveProperty('unreadChecks');
    const ids = metricFindings(read.result.findings)
      .filter((finding) => finding.status === 'FAIL')
      .map((finding) => finding.findingId)
      .sort();
    expect(ids.length).toBe(FUNCTIONS);
    for (const id of ids) expect(hub.ledger.entries.get(id)?.open).toBe(true);

    const between = await memberRun(15);
    expect(between.report.unreadChecks).toEqual([...METRIC_CHECK_IDS]);
    expect(metricFindings(between.report.findings)).toEqual([]);
    expect(hub.inputs.at(-1)!.unreadChecks).toEqual([...METRIC_CHECK_IDS]);
    for (const id of ids) expect(hub.ledger.entries.get(id)).toMatchObject({ open: true, absentRuns: 0 });

    functionsFail = false;
    hub.events.clear();
    const healthy = await memberRun(60);
    expect(healthy.report).not.toHaveProperty('unreadChecks');
    expect(hub.events.transitions.filter((t) => ids.includes(t.findingId)).map((t) => t.transition)).toEqual(
      ids.map(() => 'RESOLVED'),
    );
    for (const id of ids) expect(hub.ledger.entries.get(id)?.open).toBe(false);
  });
});
