import type { FleetBatchResult, FleetIntakeResult } from '../../lambdas/app/fleet-intake';
import {
  fleetBatchMetrics,
  fleetBatchOutcome,
  fleetReportLogEntries,
} from '../../lambdas/app/fleet-intake-report';
import type { LifecycleReport } from '../../lambdas/app/lifecycle-stage';
import type { Finding } from '../../lambdas/core/finding';
import type { LifecycleFinding } from '../../lambdas/core/lifecycle/types';
import { METRIC_NAMES, type MetricRecord } from '../../lambdas/core/observability';
import { PublishError } from '../../lambdas/core/publishing';

/** What the hub intake's handler logs and counts of a batch, shaped apart from the handler. */

const finding = (id: string, status: Finding['status'] = 'FAIL'): Finding =>
  ({ findingId: id, status, checkId: 'irsa.assume-role.denied', title: id }) as unknown as Finding;
const transition = (id: string): LifecycleFinding =>
  ({ ...finding(id), transition: 'OPENED' }) as LifecycleFinding;

const report = { accountId: '111122223333', family: 'irsa', runId: 'member-run' } as never;
const memberMetric: MetricRecord = {
  name: METRIC_NAMES.findings,
  unit: 'Count' as const,
  value: 2,
  dimensions: { AccountId: '111122223333' },
};

const acceptedResult: FleetIntakeResult = {
  outcome: 'accepted',
  report,
  findings: [finding('a'), finding('b', 'PASS')],
  lifecycle: {
    transitions: [transition('a')],
    publishReports: [{ publisher: 'eventbridge', findingCount: 1, delivered: 1, apiCalls: 2 }],
  } as unknown as LifecycleReport,
  heartbeat: { status: 'saved' } as never,
  metrics: [memberMetric],
};
const rejectedResult: FleetIntakeResult = {
  outcome: 'rejected',
  problem: 'not a run report',
  finding: finding('rejected'),
  publishReport: { publisher: 'eventbridge', findingCount: 1, delivered: 1, apiCalls: 3 },
  metrics: [{ name: METRIC_NAMES.runReportRejected, unit: 'Count', value: 1 }],
};
const publishFailure = new PublishError('SNS down', {
  publisher: 'sns',
  failedCount: 1,
  errorCodes: { InternalError: 1 },
  findingIds: [],
});

const batch: FleetBatchResult = {
  records: [
    { messageId: 'm1', ok: true, result: acceptedResult },
    { messageId: 'm2', ok: true, result: rejectedResult },
    { messageId: 'm3', ok: false, error: publishFailure },
    { messageId: 'm4', ok: false, error: 'not an Error' },
  ],
  batchItemFailures: [{ itemIdentifier: 'm3' }, { itemIdentifier: 'm4' }],
  digests: [{ runId: 'digest-run', accounts: ['111122223333'], runs: 1, transitions: 1 }],
};

describe('fleetBatchMetrics', () => {
  it('keeps each report metric, names the failed messages, and counts transitions and publish failures', () => {
    const metrics = fleetBatchMetrics(batch);
    expect(metrics.reports).toEqual([memberMetric, rejectedResult.metrics[0]]);
    expect(metrics.failed.map((failed) => failed.messageId)).toEqual(['m3', 'm4']);
    expect(metrics.batch.map((record) => [record.name, record.value])).toEqual(
      expect.arrayContaining([[METRIC_NAMES.publishFailures, 1]]),
    );
    expect(metrics.batch.some((record) => record.name === METRIC_NAMES.transitions)).toBe(true);
    const names: readonly string[] = [METRIC_NAMES.transitions, METRIC_NAMES.publishFailures];
    expect(metrics.batch.every((record) => names.includes(record.name))).toBe(true);
  });

  it('no publish failure: no PublishFailures metric at all', () => {
    const metrics = fleetBatchMetrics({ ...batch, records: batch.records.slice(0, 2) });
    expect(metrics.failed).toEqual([]);
    expect(metrics.batch.some((record) => record.name === METRIC_NAMES.publishFailures)).toBe(false);
  });
});

describe('fleetReportLogEntries (what the fleet dashboard queries with the custom metrics off)', () => {
  const partOf = (part: number, failing: number): FleetIntakeResult => ({
    ...acceptedResult,
    report: {
      accountId: '111122223333',
      family: 'irsa',
      runId: 'member-run',
      part,
      parts: 2,
      regions: [],
      coveredRegions: [],
      findings: 3,
      failing,
      errored: 1,
      finishedAt: '2026-12-01T00:00:00.000Z',
    },
  });

  it('one entry per report taken: member, family, failing and erroring; the run counted with its first part', () => {
    const entries = fleetReportLogEntries({
      ...batch,
      records: [
        { messageId: 'p1', ok: true, result: partOf(1, 2) },
        { messageId: 'p2', ok: true, result: partOf(2, 5) },
        { messageId: 'm2', ok: true, result: { ...rejectedResult, accountId: '444455556666' } },
        { messageId: 'm3', ok: false, error: publishFailure },
      ],
    });
    expect(entries).toEqual([
      expect.objectContaining({
        outcome: 'accepted',
        accountId: '111122223333',
        family: 'irsa',
        part: 1,
        failing: 2,
        errored: 1,
        runsReported: 1,
      }),
      expect.objectContaining({ outcome: 'accepted', part: 2, failing: 5, runsReported: 0 }),
      { outcome: 'rejected', accountId: '444455556666' },
    ]);
  });
});

describe('fleetBatchOutcome', () => {
  const outcome = fleetBatchOutcome(batch, 5);

  it('is named after the first digest, else the first message', () => {
    expect(outcome.runId).toBe('digest-run');
    expect(fleetBatchOutcome({ ...batch, digests: [] }, 0).runId).toBe('m1');
  });

  it('counts every finding but logs only the changes and the rejections', () => {
    expect(outcome.findings.map((f) => f.findingId)).toEqual(['a', 'b', 'rejected']);
    expect(outcome.loggedFindings?.map((f) => f.findingId)).toEqual(['a', 'rejected']);
  });

  it('adds the publishing calls of accepted and rejected reports to the batch calls', () => {
    expect(outcome.apiCalls).toBe(5 + 2 + 3);
  });

  it('summarizes each message, failed ones with their error', () => {
    expect(outcome.summary).toMatchObject({
      messages: 4,
      reports: [
        { messageId: 'm1', outcome: 'accepted' },
        { messageId: 'm2', outcome: 'rejected', problem: 'not a run report', accountId: null },
        { messageId: 'm3', outcome: 'failed', error: 'PublishError: SNS down' },
        { messageId: 'm4', outcome: 'failed', error: 'not an Error' },
      ],
      digests: [{ runId: 'digest-run', sent: false }],
      batchItemFailures: ['m3', 'm4'],
    });
  });
});
