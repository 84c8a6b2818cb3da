/**
 * The Security Hub export behind the finding lifecycle, through the bus: the stage puts its transitions on
 * EventBridge, and the exporter (lambdas/app/security-hub-export.ts) imports exactly those events, so a problem is
 * imported when it opens (and on escalation or reminder), not every run, and its resolution updates the same
 * Security Hub finding to ARCHIVED. A failed import throws, so the exporter's invocation fails (Lambda retries it,
 * then its failure queue keeps it); the checker's own run is no longer affected.
 */
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import {
  BatchImportFindingsCommand,
  SecurityHubClient,
  type BatchImportFindingsCommandInput,
} from '@aws-sdk/client-securityhub';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { LifecycleStage, type EventSink } from '../../lambdas/app/lifecycle-stage';
import { exportFindingEvents } from '../../lambdas/app/security-hub-export';
import type { EventToPut } from '../../lambdas/adapters/publish-eventbridge';
import {
  SecurityHubFindingPublisher,
  securityHubImporter,
} from '../../lambdas/adapters/publish-security-hub';
import { PublishError, type PublishReport, type RunInfo } from '../../lambdas/core/publishing';
import type { Finding, Status } from '../../lambdas/core/finding';
import { lifecycleSettingsSchema } from '../../lambdas/core/lifecycle/settings';
import { MemoryLedger } from '../fixtures/lifecycle-fakes';

const ACCOUNT = '111122223333';
const OTHER_ACCOUNT = '210987654321';
const REGION = 'us-west-2';
const START = Date.parse('2026-11-22T00:00:00.000Z');
const ID = 'a'.repeat(32);
const ASFF_ID = `tmc-health/tmc.event-rule.disabled/${ID}`;

function finding(status: Status, at: number, accountId = ACCOUNT): Finding {
  return {
    schemaVersion: '1.0',
    findingId: ID,
    checkId: 'tmc.event-rule.disabled',
    status,
    severity: status === 'PASS' ? 'INFORMATIONAL' : 'HIGH',
    title: status === 'PASS' ? 'Event rule enabled' : 'Event rule disabled',
    message: status === 'PASS' ? 'The rule is enabled.' : 'The rule is DISABLED.',
    accountId,
    region: REGION,
    resource: { type: 'AWS::Events::Rule', arn: `arn:aws:events:${REGION}:${accountId}:rule/r`, name: 'r' },
    tmc: { credentialName: 'prod', component: 'event-rule' },
    evidence: {},
    remediation: { text: 'Enable it.', whoCanFix: 'admin', runbookUrl: 'docs/checks.md#x' },
    observedAt: new Date(at).toISOString(),
  };
}

/** The bus: keeps each entry as EventBridge would deliver it to the exporter's rule. */
class RecordingBus implements EventSink {
  readonly busName = 'tmc-health-test';
  readonly delivered: Record<string, unknown>[] = [];
  putEvents(events: readonly EventToPut[]): Promise<PublishReport> {
    for (const { entry } of events) {
      this.delivered.push({
        version: '0',
        id: `event-${this.delivered.length}`,
        'detail-type': entry.DetailType,
        source: entry.Source,
        account: ACCOUNT,
        time: (entry.Time ?? new Date()).toISOString(),
        region: REGION,
        resources: entry.Resources ?? [],
        detail: JSON.parse(entry.Detail ?? '{}') as unknown,
      });
    }
    return Promise.resolve({
      publisher: 'eventbridge',
      findingCount: events.length,
      delivered: events.length,
      apiCalls: 1,
    });
  }
  detailEntry(detailType: string, detail: object, time: Date): PutEventsRequestEntry {
    return { Source: 'tmc-health', DetailType: detailType, Detail: JSON.stringify(detail), Time: time };
  }
  /** What arrived since the last call. */
  take(): Record<string, unknown>[] {
    return this.delivered.splice(0, this.delivered.length);
  }
}

const securityHub = mockClient(SecurityHubClient);
const imported = (): { Id?: string; RecordState?: string; Compliance?: string; Workflow?: string }[][] =>
  securityHub.commandCalls(BatchImportFindingsCommand).map((call) =>
    (call.args[0].input.Findings ?? []).map((f) => ({
      Id: f.Id,
      RecordState: f.RecordState,
      Compliance: f.Compliance?.Status,
      Workflow: f.Workflow?.Status,
    })),
  );

const publisher = () =>
  new SecurityHubFindingPublisher(securityHubImporter(REGION), {
    region: REGION,
    sleep: () => Promise.resolve(),
    maxAttempts: 2,
  });

function exportEvents(events: readonly unknown[]) {
  return exportFindingEvents(
    { events, accountId: ACCOUNT, region: REGION, invocationId: 'req-1', now: new Date(START) },
    publisher(),
  );
}

function setup() {
  const ledger = new MemoryLedger();
  const bus = new RecordingBus();
  let now = START;
  const stage = new LifecycleStage(
    {
      settings: lifecycleSettingsSchema.parse({ ledgerTableName: 'ledger' }),
      tableName: 'ledger',
      homeRegion: REGION,
      runbookBaseUrl: 'docs/checks.md',
    },
    {
      ledger,
      events: bus,
      fallback: { publish: () => Promise.reject(new Error('the ledger is readable: no fallback')) },
      now: () => new Date(now),
    },
  );
  /** One checker run, then the exporter on every finding event it put on the bus (not the run summary's). */
  const runOnce = async (status: Status) => {
    now += 15 * 60_000;
    const run: RunInfo = {
      runId: `run-${now}`,
      accountId: ACCOUNT,
      regions: [REGION],
      startedAt: new Date(now).toISOString(),
    };
    const report = await stage.run({
      family: 'credentials',
      run,
      findings: [finding(status, now)],
      coveredRegions: [REGION],
      failedOperations: [],
      apiCalls: 0,
    });
    const findingEvents = bus.take().filter((event) => event['detail-type'] === 'TMC Health Finding');
    return { report, exported: await exportEvents(findingEvents) };
  };
  return { ledger, runOnce };
}

const accepting = () =>
  securityHub.on(BatchImportFindingsCommand).callsFake((input: BatchImportFindingsCommandInput) => ({
    FailedCount: 0,
    SuccessCount: input.Findings?.length ?? 0,
    FailedFindings: [],
  }));

beforeEach(() => securityHub.reset());

describe('the Security Hub export of the lifecycle transitions', () => {
  it('imports OPENED, nothing while quiet, then RESOLVED under the same Id', async () => {
    accepting();
    const { runOnce } = setup();

    const opened = await runOnce('FAIL');
    expect(opened.report.publishReports.map((r) => r.publisher)).not.toContain('securityhub');
    expect(opened.exported).toMatchObject({ received: 1, exported: 1, publishReport: { delivered: 1 } });
    const quiet = await runOnce('FAIL');
    expect(quiet.exported).toMatchObject({ received: 0, exported: 0 });
    expect(quiet.exported.publishReport).toBeUndefined();
    await runOnce('PASS');

    expect(imported()).toEqual([
      [{ Id: ASFF_ID, RecordState: 'ACTIVE', Compliance: 'FAILED', Workflow: 'NEW' }],
      [{ Id: ASFF_ID, RecordState: 'ARCHIVED', Compliance: 'PASSED', Workflow: 'RESOLVED' }],
    ]);
  });

  it('the import carries the lifecycle fields of the event (transition, occurrences, idempotency key)', async () => {
    accepting();
    const { runOnce } = setup();
    await runOnce('FAIL');
    const [call] = securityHub.commandCalls(BatchImportFindingsCommand);
    expect(call!.args[0].input.Findings![0]!.ProductFields).toMatchObject({
      'tmc-health/transition': 'OPENED',
      'tmc-health/occurrenceCount': '1',
      'tmc-health/idempotencyKey': `${ID}#1`,
    });
    expect(call!.args[0].input.Findings![0]!.ProductArn).toBe(
      `arn:aws:securityhub:${REGION}:${ACCOUNT}:product/${ACCOUNT}/default`,
    );
  });

  it('a failed import throws (the invocation fails); the checker run is not affected', async () => {
    securityHub
      .on(BatchImportFindingsCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const { ledger, runOnce } = setup();

    await expect(runOnce('FAIL')).rejects.toThrow(PublishError);
    await expect(runOnce('FAIL')).resolves.toBeDefined();
    // The ledger advanced with the run: the event, not the run, is what Lambda retries.
    expect(ledger.entries.get(ID)?.open).toBe(true);
    expect(securityHub.commandCalls(BatchImportFindingsCommand)).toHaveLength(2);
  });
});

describe('what the exporter skips', () => {
  const event = (detail: unknown, overrides: Record<string, unknown> = {}) => ({
    version: '0',
    id: 'e',
    'detail-type': 'TMC Health Finding',
    source: 'tmc-health',
    account: ACCOUNT,
    time: new Date(START).toISOString(),
    region: REGION,
    resources: [],
    detail,
    ...overrides,
  });

  it('PASS and ERROR findings are valid but not exported, and no call is made', async () => {
    const error = { ...finding('ERROR', START), checkId: 'checker.error' };
    const report = await exportEvents([event(finding('PASS', START)), event(error)]);
    expect(report).toMatchObject({ received: 2, exported: 0, notExported: 2 });
    expect(securityHub.commandCalls(BatchImportFindingsCommand)).toHaveLength(0);
  });

  it.each<[string, unknown, string]>([
    [
      'an event put in another account',
      event(finding('FAIL', START), { account: OTHER_ACCOUNT }),
      'foreign-account',
    ],
    [
      "a finding about another account's resources",
      event(finding('FAIL', START, OTHER_ACCOUNT)),
      'foreign-account',
    ],
    ['a detail that is no finding', event({ findingId: ID, status: 'FAIL' }), 'malformed'],
    ['an unknown transition', event({ ...finding('FAIL', START), transition: 'REOPENED' }), 'malformed'],
    [
      'a suppression without a reason',
      event({ ...finding('FAIL', START), suppression: { state: 'SUPPRESSED' } }),
      'malformed',
    ],
    ['a run summary', event({}, { 'detail-type': 'TMC Health Check Run' }), 'not-a-finding-event'],
    ['another source', event(finding('FAIL', START), { source: 'aws.events' }), 'not-a-finding-event'],
    ['no object at all', 'FAIL', 'malformed'],
  ])('%s is counted and skipped', async (_name, input, reason) => {
    accepting();
    const report = await exportEvents([input, event(finding('FAIL', START))]);
    expect(report.skipped).toMatchObject({ [reason]: 1 });
    expect(report.skippedExamples).toEqual([expect.stringMatching(new RegExp(`^${reason}: `))]);
    // The valid one beside it still goes.
    expect(report).toMatchObject({ received: 2, exported: 1 });
    expect(imported()).toEqual([[expect.objectContaining({ Id: ASFF_ID })]]);
  });

  it("a malformed detail's reason names the field, bounded", async () => {
    const report = await exportEvents([
      event({ ...finding('FAIL', START), ['x'.repeat(500)]: 1, title: '' }),
    ]);
    expect(report.skippedExamples[0]).toMatch(/^malformed: detail\.title: /);
    expect(report.skippedExamples[0]!.length).toBeLessThanOrEqual(220);
  });
});
