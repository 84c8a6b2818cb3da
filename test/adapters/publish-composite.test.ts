import type { Finding } from '../../lambdas/core/finding';
import { CompositePublisher } from '../../lambdas/adapters/composite-publisher';
import {
  PublishError,
  type FindingPublisher,
  type PublishReport,
  type RunInfo,
} from '../../lambdas/core/publishing';

const run: RunInfo = {
  runId: 'run-1',
  accountId: '123456789012',
  regions: ['us-west-2'],
  startedAt: '2024-05-01T12:00:00Z',
};
const findings = [{ findingId: 'a' }, { findingId: 'b' }] as unknown as Finding[];

const succeeding = (name: string, delivered: number): FindingPublisher & { publish: jest.Mock } => ({
  publish: jest.fn((given: readonly Finding[]): Promise<PublishReport> =>
    Promise.resolve({ publisher: name, findingCount: given.length, delivered, apiCalls: 1 }),
  ),
});

const failing = (error: Error): FindingPublisher & { publish: jest.Mock } => ({
  publish: jest.fn(() => Promise.reject(error)),
});

describe('CompositePublisher', () => {
  it('hands the same findings and run to every publisher and sums their reports', async () => {
    const first = succeeding('eventbridge', 2);
    const second = succeeding('sns', 1);
    const report = await new CompositePublisher([first, second]).publish(findings, run);

    for (const part of [first, second]) expect(part.publish).toHaveBeenCalledWith(findings, run);
    expect(report).toEqual({
      publisher: 'composite',
      findingCount: 2,
      delivered: 3,
      apiCalls: 2,
      parts: [
        { publisher: 'eventbridge', findingCount: 2, delivered: 2, apiCalls: 1 },
        { publisher: 'sns', findingCount: 2, delivered: 1, apiCalls: 1 },
      ],
    });
  });

  it('still runs the others when one fails, then throws one PublishError covering every failure', async () => {
    const eventBridgeFailure = new PublishError('EventBridge: 2 of 2 findings not published', {
      publisher: 'eventbridge',
      failedCount: 2,
      errorCodes: { ThrottlingException: 2 },
      findingIds: ['a', 'b'],
    });
    const sns = succeeding('sns', 1);
    const bug = new TypeError('boom');
    const error = await new CompositePublisher([failing(eventBridgeFailure), sns, failing(bug)])
      .publish(findings, run)
      .catch((e: unknown) => e);

    expect(sns.publish).toHaveBeenCalledTimes(1);
    expect(error).toBeInstanceOf(PublishError);
    const failure = error as PublishError;
    expect(failure.message).toBe(
      '2 of 3 publishers failed: EventBridge: 2 of 2 findings not published | TypeError: boom',
    );
    expect(failure.failedCount).toBe(3);
    expect(failure.errorCodes).toEqual({ ThrottlingException: 2, TypeError: 1 });
    expect(failure.findingIds).toEqual(['a', 'b']);
    expect(failure.partialReports).toEqual([
      { publisher: 'sns', findingCount: 2, delivered: 1, apiCalls: 1 },
    ]);
    expect((failure.cause as AggregateError).errors).toEqual([eventBridgeFailure, bug]);
  });

  it('is itself a FindingPublisher, so composites nest', async () => {
    const inner = new CompositePublisher([succeeding('eventbridge', 2)]);
    const report = await new CompositePublisher([inner, succeeding('sns', 1)]).publish(findings, run);
    expect(report.delivered).toBe(3);
    expect(report.parts?.[0]?.publisher).toBe('composite');
  });
});
