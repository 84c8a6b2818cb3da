/**
 * The Security Hub export behind the finding lifecycle (issue 14): the stage hands Security Hub the transitions
 * only, so a problem is imported when it opens (and on escalation or reminder), not every run, and its
 * resolution updates the same Security Hub finding to ARCHIVED. A failed import fails the delivery like a failed
 * PutEvents: the ledger does not advance and the next run sends the transition again (an update, same Id).
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
const REGION = 'us-west-2';
const START = Date.parse('2026-11-22T00:00:00.000Z');
const ID = 'a'.repeat(32);
const ASFF_ID = `tmc-health/tmc.event-rule.disabled/${ID}`;

function finding(status: Status, at: number): Finding {
  return {
    schemaVersion: '1.0',
    findingId: ID,
    checkId: 'tmc.event-rule.disabled',
    status,
    severity: status === 'PASS' ? 'INFORMATIONAL' : 'HIGH',
    title: status === 'PASS' ? 'Event rule enabled' : 'Event rule disabled',
    message: status === 'PASS' ? 'The rule is enabled.' : 'The rule is DISABLED.',
    accountId: ACCOUNT,
    region: REGION,
    resource: { type: 'AWS::Events::Rule', arn: `arn:aws:events:${REGION}:${ACCOUNT}:rule/r`, name: 'r' },
    tmc: { credentialName: 'prod', component: 'event-rule' },
    evidence: {},
    remediation: { text: 'Enable it.', whoCanFix: 'admin', runbookUrl: 'docs/checks.md#x' },
    observedAt: new Date(at).toISOString(),
  };
}

class AcceptingEvents implements EventSink {
  readonly busName = 'tmc-health-test';
  putEvents(events: readonly EventToPut[]): Promise<PublishReport> {
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

function setup() {
  const ledger = new MemoryLedger();
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
      events: new AcceptingEvents(),
      securityHub: new SecurityHubFindingPublisher(securityHubImporter(REGION), {
        region: REGION,
        sleep: () => Promise.resolve(),
        maxAttempts: 2,
      }),
      fallback: { publish: () => Promise.reject(new Error('the ledger is readable: no fallback')) },
      now: () => new Date(now),
    },
  );
  const runOnce = (status: Status) => {
    now += 15 * 60_000;
    const run: RunInfo = {
      runId: `run-${now}`,
      accountId: ACCOUNT,
      regions: [REGION],
      startedAt: new Date(now).toISOString(),
    };
    return stage.run({
      family: 'credentials',
      run,
      findings: [finding(status, now)],
      coveredRegions: [REGION],
      failedOperations: [],
      apiCalls: 0,
    });
  };
  return { ledger, runOnce };
}

beforeEach(() => securityHub.reset());

describe('Security Hub behind the lifecycle', () => {
  it('imports OPENED, nothing while quiet, then RESOLVED under the same Id', async () => {
    securityHub.on(BatchImportFindingsCommand).callsFake((input: BatchImportFindingsCommandInput) => ({
      FailedCount: 0,
      SuccessCount: input.Findings?.length ?? 0,
      FailedFindings: [],
    }));
    const { runOnce } = setup();

    const opened = await runOnce('FAIL');
    expect(opened.publishReports.find((r) => r.publisher === 'securityhub')).toMatchObject({ delivered: 1 });
    await runOnce('FAIL');
    await runOnce('PASS');

    expect(imported()).toEqual([
      [{ Id: ASFF_ID, RecordState: 'ACTIVE', Compliance: 'FAILED', Workflow: 'NEW' }],
      [{ Id: ASFF_ID, RecordState: 'ARCHIVED', Compliance: 'PASSED', Workflow: 'RESOLVED' }],
    ]);
  });

  it('a failed import fails the delivery, leaves the ledger, and the next run sends the transition again', async () => {
    securityHub
      .on(BatchImportFindingsCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const { ledger, runOnce } = setup();

    await expect(runOnce('FAIL')).rejects.toThrow(PublishError);
    await expect(runOnce('FAIL')).rejects.toThrow(
      /Transitions not delivered, ledger not advanced.*Security Hub: 1 of 1 findings not imported/,
    );
    expect(ledger.entries.size).toBe(0);

    securityHub.reset();
    securityHub
      .on(BatchImportFindingsCommand)
      .resolves({ FailedCount: 0, SuccessCount: 1, FailedFindings: [] });
    const report = await runOnce('FAIL');
    expect(report.transitions.map((t) => t.transition)).toEqual(['OPENED']);
    expect(imported()).toEqual([
      [{ Id: ASFF_ID, RecordState: 'ACTIVE', Compliance: 'FAILED', Workflow: 'NEW' }],
    ]);
    expect(ledger.entries.get(ID)?.open).toBe(true);
  });
});
