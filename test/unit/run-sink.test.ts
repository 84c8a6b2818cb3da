import type { LifecycleStage } from '../../lambdas/app/lifecycle-stage';
import { checkerRunOutcome, certainlyEnded, accountOfFunction } from '../../lambdas/app/observe-run';
import {
  forwardingSink,
  lifecycleSink,
  publishingSink,
  type CheckerRunInput,
} from '../../lambdas/app/run-sink';
import type { Finding } from '../../lambdas/core/finding';
import type { PublishReport } from '../../lambdas/core/publishing';

/** The three sinks a checker's run can go to: each hands the run to its one target and reports what it did. */

const run = {
  runId: 'run-1',
  accountId: '111122223333',
  regions: ['eu-west-1'],
  startedAt: '2025-03-01T12:00:00.000Z',
};
const findings = [{ findingId: 'f1', status: 'FAIL' }] as unknown as Finding[];
const input: CheckerRunInput = {
  family: 'credentials',
  run,
  findings,
  coveredRegions: ['eu-west-1'],
  failedOperations: [],
  apiCalls: 4,
};
const report: PublishReport = { publisher: 'test', findingCount: 1, delivered: 1, apiCalls: 2 };

describe('run sinks', () => {
  it('forwarding: the whole run input to the hub, its publish report back', async () => {
    const forward = jest.fn(() => Promise.resolve(report));
    const sink = forwardingSink({ forward });
    expect(sink.kind).toBe('forward');
    await expect(sink.deliver(input)).resolves.toEqual({ publishReport: report });
    expect(forward).toHaveBeenCalledWith(input);
    expect(sink.isOpen).toBeUndefined();
  });

  it('lifecycle: the run input to the stage, its report back; isOpen asks the stage', async () => {
    const lifecycleReport = { mode: 'lifecycle' };
    const stage = {
      run: jest.fn(() => Promise.resolve(lifecycleReport)),
      isOpen: jest.fn((id: string) => Promise.resolve(id === 'open')),
    };
    const sink = lifecycleSink(stage as unknown as LifecycleStage);
    expect(sink.kind).toBe('lifecycle');
    await expect(sink.deliver(input)).resolves.toEqual({ lifecycle: lifecycleReport });
    expect(stage.run).toHaveBeenCalledWith(input);
    await expect(sink.isOpen?.('open')).resolves.toBe(true);
    await expect(sink.isOpen?.('other')).resolves.toBe(false);
  });

  it('publishing: the findings and the run to the publisher, its report back', async () => {
    const publish = jest.fn(() => Promise.resolve(report));
    const sink = publishingSink({ publish });
    expect(sink.kind).toBe('publish');
    await expect(sink.deliver(input)).resolves.toEqual({ publishReport: report });
    expect(publish).toHaveBeenCalledWith(findings, run);
  });

  it('a failed delivery throws through the sink', async () => {
    const sink = publishingSink({ publish: () => Promise.reject(new Error('bus down')) });
    await expect(sink.deliver(input)).rejects.toThrow('bus down');
  });
});

describe('checkerRunOutcome', () => {
  const result = { run, findings, uncheckedAtDeadline: 1, summary: { findings: 1 } };

  it('adds the publishing calls to the gathering calls and keeps the publish report in the summary', () => {
    expect(checkerRunOutcome({ ...result, publishReport: report }, 10)).toEqual({
      runId: 'run-1',
      findings,
      apiCalls: 12,
      uncheckedAtDeadline: 1,
      summary: { findings: 1, publish: report },
    });
  });

  it('a lifecycle run carries its report; without a publish report only the gathering calls count', () => {
    const lifecycle = { mode: 'lifecycle' } as never;
    expect(checkerRunOutcome({ ...result, lifecycle }, 10)).toMatchObject({ lifecycle, apiCalls: 10 });
  });
});

describe('invocation facts', () => {
  it('certainlyEnded: the remaining time plus a minute', () => {
    expect(certainlyEnded({ getRemainingTimeInMillis: () => 30_000 }, 0).getTime()).toBe(90_000);
  });

  it('accountOfFunction: the fifth field of the function ARN', () => {
    expect(accountOfFunction('arn:aws:lambda:eu-west-1:111122223333:function:checker')).toBe('111122223333');
    expect(accountOfFunction('not-an-arn')).toBe('');
  });
});
