import type { Context } from 'aws-lambda';
import { PublishError } from '../../lambdas/core/publishing';
import type { Finding } from '../../lambdas/core/finding';
import { observeRun, PUBLISH_RESERVE_MS, runDeadline } from '../../lambdas/app/observe-run';
import { createTelemetry, emitMetricRecords } from '../../lambdas/adapters/telemetry';
import { useEnv } from '../fixtures/env';

const context = {
  functionName: 'tmc-health-checker',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-west-2:111122223333:function:tmc-health-checker',
  memoryLimitInMB: '512',
  awsRequestId: 'request-1',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

const failing: Finding = {
  schemaVersion: '1.0',
  findingId: 'a'.repeat(32),
  checkId: 'tmc.token.stale',
  status: 'FAIL',
  severity: 'HIGH',
  title: 'token stale',
  message: 'the token is old',
  accountId: '111122223333',
  region: 'us-west-2',
  resource: { type: 'AWS::SSM::Parameter', name: '/tmc/prod/token' },
  tmc: { credentialName: 'prod', component: 'auth-token' },
  evidence: {},
  remediation: { text: 'rotate', whoCanFix: 'TMC admin', runbookUrl: 'docs/checks.md#x' },
  observedAt: '2026-12-01T00:00:00.000Z',
};

/** Captures what Powertools writes (EMF blobs and JSON log lines); with POWERTOOLS_DEV it uses the global console. */
function captureStdout(): { lines: () => Record<string, unknown>[]; restore: () => void } {
  const written: unknown[] = [];
  const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((method) =>
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      written.push(args[0]);
    }),
  );
  return {
    lines: () =>
      written.flatMap((item) => {
        if (typeof item !== 'string' || !item.trim().startsWith('{')) return [];
        return [JSON.parse(item) as Record<string, unknown>];
      }),
    restore: () => spies.forEach((spy) => spy.mockRestore()),
  };
}

const POWERTOOLS_TO_STDOUT = {
  POWERTOOLS_DEV: 'true', // Powertools writes to process.stdout instead of its own console
  POWERTOOLS_METRICS_DISABLED: 'false', // POWERTOOLS_DEV alone would disable metrics
  POWERTOOLS_LOG_LEVEL: 'INFO',
};

function emfValues(lines: readonly Record<string, unknown>[], metric: string): unknown[] {
  return lines.filter((line) => '_aws' in line && metric in line).map((line) => line[metric]);
}

describe('observeRun', () => {
  useEnv({ ...POWERTOOLS_TO_STDOUT, TMC_HEALTH_DETAILED_METRICS: 'true' }, { each: true }); // detailedMetrics=true; off is tested below

  it('logs each problem with runId, checkId and credentialName as keys, and emits the run metrics', async () => {
    const out = captureStdout();
    try {
      const telemetry = createTelemetry('tmc-health-checker');
      await observeRun(
        telemetry,
        context,
        'credential check',
        () => Promise.resolve('result'),
        () => ({ runId: 'run-1', findings: [failing], apiCalls: 9, summary: { ok: true } }),
      );
    } finally {
      out.restore();
    }
    const lines = out.lines();
    const warning = lines.find((line) => line.message === 'token stale');
    expect(warning).toMatchObject({
      runId: 'run-1',
      checkId: 'tmc.token.stale',
      credentialName: 'prod',
      level: 'WARN',
    });
    expect(emfValues(lines, 'RunCompleted')).toEqual([1]);
    expect(emfValues(lines, 'ApiCalls')).toEqual([9]);
    const failByStatus = lines.find((line) => 'Findings' in line && line.status === 'FAIL');
    expect(failByStatus).toMatchObject({ Findings: 1, service: 'tmc-health-checker' });
  });

  it('a publish failure emits PublishFailures 1 and RunCompleted 0, logs the error, and rethrows', async () => {
    const out = captureStdout();
    const error = new PublishError('bus down', {
      publisher: 'eventbridge',
      failedCount: 1,
      errorCodes: { InternalFailure: 1 },
      findingIds: [],
    });
    try {
      await expect(
        observeRun(
          createTelemetry('tmc-health-checker'),
          context,
          'credential check',
          () => Promise.reject(error),
          () => {
            throw new Error('not reached');
          },
        ),
      ).rejects.toBe(error);
    } finally {
      out.restore();
    }
    const lines = out.lines();
    expect(emfValues(lines, 'PublishFailures')).toEqual([1]);
    expect(emfValues(lines, 'RunCompleted')).toEqual([0]);
    expect(lines.some((line) => line.level === 'ERROR' && line.message === 'credential check failed')).toBe(
      true,
    );
  });
});

describe('fleet telemetry (hub)', () => {
  useEnv({ ...POWERTOOLS_TO_STDOUT, TMC_HEALTH_DETAILED_METRICS: 'true' }, { each: true }); // detailedMetrics=true; off is tested below

  it('emits dimensionsOnly records with exactly AccountId and Family, as the fleet dashboard SEARCH expects', () => {
    const out = captureStdout();
    try {
      const { metrics } = createTelemetry('tmc-health-fleet-intake');
      if (metrics === undefined) throw new Error('detailedMetrics=true must give a metric set');
      emitMetricRecords(metrics, [
        {
          name: 'ChecksFailing',
          unit: 'Count',
          value: 3,
          dimensions: { AccountId: '111111111111', Family: 'irsa' },
          dimensionsOnly: true,
        },
        { name: 'Findings', unit: 'Count', value: 1, dimensions: { status: 'FAIL' } },
      ]);
      metrics.publishStoredMetrics();
    } finally {
      out.restore();
    }
    const lines = out.lines();
    const fleet = lines.find((line) => 'ChecksFailing' in line) as {
      _aws: { CloudWatchMetrics: { Dimensions: string[][] }[] };
    } & Record<string, unknown>;
    expect(fleet).toMatchObject({ ChecksFailing: 3, AccountId: '111111111111', Family: 'irsa' });
    expect(fleet.service).toBeUndefined();
    expect(fleet._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['AccountId', 'Family']]);
    // Other dimensioned records keep the function's service.
    expect(lines.find((line) => 'Findings' in line)).toMatchObject({ service: 'tmc-health-fleet-intake' });
  });

  it('logs only loggedFindings, while the metrics count every finding', async () => {
    const out = captureStdout();
    try {
      await observeRun(
        createTelemetry('tmc-health-fleet-intake'),
        context,
        'fleet intake',
        () => Promise.resolve('result'),
        () => ({
          runId: 'run-1',
          findings: [failing, failing],
          loggedFindings: [],
          apiCalls: 0,
          summary: {},
        }),
      );
    } finally {
      out.restore();
    }
    const lines = out.lines();
    expect(lines.some((line) => line.message === 'token stale')).toBe(false);
    expect(lines.find((line) => 'Findings' in line && line.status === 'FAIL')).toMatchObject({ Findings: 2 });
  });
});

describe('custom metrics off (the default: detailedMetrics unset)', () => {
  const saved = { ...process.env };
  beforeEach(() => {
    process.env.POWERTOOLS_DEV = 'true';
    process.env.POWERTOOLS_METRICS_DISABLED = 'false'; // Powertools itself would emit: only our switch is off
    process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
    delete process.env.TMC_HEALTH_DETAILED_METRICS;
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  it('a run writes no EMF line at all, and still logs its summary as a structured log', async () => {
    const out = captureStdout();
    try {
      const telemetry = createTelemetry('tmc-health-checker');
      expect(telemetry.metrics).toBeUndefined();
      await observeRun(
        telemetry,
        context,
        'credential check',
        () => Promise.resolve('result'),
        () => ({ runId: 'run-1', findings: [failing], apiCalls: 9, summary: { findings: 1 } }),
      );
    } finally {
      out.restore();
    }
    const lines = out.lines();
    expect(lines.filter((line) => '_aws' in line)).toEqual([]);
    expect(lines.find((line) => line.message === 'credential check complete')).toMatchObject({
      runId: 'run-1',
      runOutcome: 'delivered',
      summary: { findings: 1 },
    });
  });

  it('TMC_HEALTH_DETAILED_METRICS=false is off too; any other value fails, naming the key and the fix', () => {
    expect(createTelemetry('x', { TMC_HEALTH_DETAILED_METRICS: 'false' }).metrics).toBeUndefined();
    expect(createTelemetry('x', { TMC_HEALTH_DETAILED_METRICS: 'true' }).metrics).toBeDefined();
    expect(() => createTelemetry('x', { TMC_HEALTH_DETAILED_METRICS: 'yes' })).toThrow(
      /TMC_HEALTH_DETAILED_METRICS: must be true or false.*detailedMetrics/,
    );
  });

  it('a run whose delivery failed logs its problems and summary, then rejects with the delivery error', async () => {
    const out = captureStdout();
    const error = new PublishError('bus down', {
      publisher: 'eventbridge',
      failedCount: 1,
      errorCodes: { InternalFailure: 1 },
      findingIds: [],
    });
    try {
      await expect(
        observeRun<{ findings: Finding[] }>(
          createTelemetry('tmc-health-checker'),
          context,
          'credential check',
          (deliveryFailed) => {
            deliveryFailed({ findings: [failing] });
            return Promise.reject(error);
          },
          (found) => ({ runId: 'run-2', findings: found.findings, apiCalls: 3, summary: { findings: 1 } }),
        ),
      ).rejects.toBe(error);
    } finally {
      out.restore();
    }
    const lines = out.lines();
    const messages = lines.map((line) => line.message);
    // The problem, then the summary, then the failure: all before the invocation fails.
    expect(messages.indexOf('token stale')).toBeGreaterThanOrEqual(0);
    expect(messages.indexOf('token stale')).toBeLessThan(
      messages.indexOf('credential check could not deliver its findings'),
    );
    expect(
      lines.find((line) => line.message === 'credential check could not deliver its findings'),
    ).toMatchObject({ level: 'ERROR', runId: 'run-2', runOutcome: 'undelivered', summary: { findings: 1 } });
    expect(messages).toContain('credential check failed');
    expect(lines.filter((line) => '_aws' in line)).toEqual([]);
  });
});

describe('runDeadline', () => {
  it('keeps PUBLISH_RESERVE_MS of the remaining time for publishing', () => {
    const deadline = runDeadline({ getRemainingTimeInMillis: () => 300_000 }, 1_000_000);
    expect(deadline.getTime()).toBe(1_000_000 + 300_000 - PUBLISH_RESERVE_MS);
  });

  it('with less time left than the reserve, still gives gathering half of it (never a deadline in the past)', () => {
    const deadline = runDeadline({ getRemainingTimeInMillis: () => 40_000 }, 1_000_000);
    expect(deadline.getTime()).toBe(1_000_000 + 20_000);
  });
});
