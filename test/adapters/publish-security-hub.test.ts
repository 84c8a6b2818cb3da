import {
  BatchImportFindingsCommand,
  SecurityHubClient,
  type BatchImportFindingsCommandInput,
  type BatchImportFindingsCommandOutput,
} from '@aws-sdk/client-securityhub';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { FINDING_SCHEMA_VERSION, type Finding } from '../../lambdas/core/finding';
import type { LifecycleFinding } from '../../lambdas/core/lifecycle/types';
import { asffIdOf } from '../../lambdas/core/security-hub/asff';
import {
  MAX_FINDINGS_PER_IMPORT,
  SecurityHubFindingPublisher,
  securityHubImporter,
} from '../../lambdas/adapters/publish-security-hub';
import { PublishError, type RunInfo } from '../../lambdas/core/publishing';

const ACCOUNT = '123456789012';
const PRODUCT_ARN = `arn:aws:securityhub:eu-west-1:${ACCOUNT}:product/${ACCOUNT}/default`;
const run: RunInfo = {
  runId: 'run-1',
  accountId: ACCOUNT,
  regions: ['eu-west-1'],
  startedAt: '2024-05-01T12:00:00.000Z',
};

function finding(index: number, overrides: Partial<Finding> = {}): Finding {
  return {
    schemaVersion: FINDING_SCHEMA_VERSION,
    findingId: `finding-${index}`,
    checkId: 'tmc.lambda.unhealthy',
    status: 'FAIL',
    severity: 'HIGH',
    title: `finding ${index}`,
    message: 'message',
    accountId: ACCOUNT,
    region: 'eu-west-1',
    resource: {
      type: 'AWS::Lambda::Function',
      arn: `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:fn-${index}`,
      name: `fn-${index}`,
    },
    tmc: { credentialName: 'prod-eks', component: 'data-sync' },
    evidence: {},
    remediation: { text: 'fix it', whoCanFix: 'platform team', runbookUrl: 'docs/checks.md#x' },
    observedAt: '2024-05-01T12:00:05.000Z',
    ...overrides,
  };
}

const fails = (count: number): Finding[] => Array.from({ length: count }, (_, i) => finding(i + 1));
const idOf = (index: number) => asffIdOf(finding(index));

const securityHub = mockClient(SecurityHubClient);
const sleep = jest.fn((_ms: number) => Promise.resolve());

function publisher(maxAttempts?: number): SecurityHubFindingPublisher {
  return new SecurityHubFindingPublisher(securityHubImporter('eu-west-1'), {
    region: 'eu-west-1',
    sleep,
    random: () => 0.5,
    now: () => new Date('2024-05-01T12:01:00.000Z'),
    ...(maxAttempts === undefined ? {} : { maxAttempts }),
  });
}

function acceptAll(input: BatchImportFindingsCommandInput): BatchImportFindingsCommandOutput {
  return {
    $metadata: {},
    FailedCount: 0,
    SuccessCount: input.Findings?.length ?? 0,
    FailedFindings: [],
  };
}

/** Fails the findings whose ASFF Id is in `failing` with `code`, imports the rest. */
function failSome(failing: ReadonlySet<string>, code: string) {
  return (input: BatchImportFindingsCommandInput): BatchImportFindingsCommandOutput => {
    const failed = (input.Findings ?? []).filter((f) => failing.has(f.Id!));
    return {
      $metadata: {},
      FailedCount: failed.length,
      SuccessCount: (input.Findings?.length ?? 0) - failed.length,
      FailedFindings: failed.map((f) => ({ Id: f.Id!, ErrorCode: code, ErrorMessage: `${code}!` })),
    };
  };
}

function throttle(): Error {
  return Object.assign(new Error('Rate exceeded'), {
    name: 'ThrottlingException',
    $metadata: { httpStatusCode: 429 },
  });
}

const sentIds = (): string[][] =>
  securityHub
    .commandCalls(BatchImportFindingsCommand)
    .map((call) => (call.args[0].input.Findings ?? []).map((f) => f.Id!));

beforeEach(() => {
  securityHub.reset();
  sleep.mockClear();
});

describe('SecurityHubFindingPublisher', () => {
  it('imports only the FAILs, in the default product, and counts them', async () => {
    securityHub.on(BatchImportFindingsCommand).callsFake(acceptAll);
    const report = await publisher().publish(
      [finding(1), finding(2, { status: 'PASS' }), finding(3, { status: 'ERROR' }), finding(4)],
      run,
    );
    expect(report).toEqual({ publisher: 'securityhub', findingCount: 4, delivered: 2, apiCalls: 1 });
    const [call] = securityHub.commandCalls(BatchImportFindingsCommand);
    expect(call!.args[0].input.Findings!.map((f) => [f.Id, f.ProductArn, f.RecordState])).toEqual([
      [idOf(1), PRODUCT_ARN, 'ACTIVE'],
      [idOf(4), PRODUCT_ARN, 'ACTIVE'],
    ]);
  });

  it('nothing to export: no call at all', async () => {
    const report = await publisher().publish([finding(1, { status: 'PASS' })], run);
    expect(report).toEqual({ publisher: 'securityhub', findingCount: 1, delivered: 0, apiCalls: 0 });
    expect(securityHub.commandCalls(BatchImportFindingsCommand)).toHaveLength(0);
  });

  it.each([
    [1, [1]],
    [100, [100]],
    [101, [100, 1]],
    [250, [100, 100, 50]],
  ])('%i findings go in batches of at most 100: %j', async (count, sizes) => {
    securityHub.on(BatchImportFindingsCommand).callsFake(acceptAll);
    const report = await publisher().publish(fails(count), run);
    expect(sentIds().map((ids) => ids.length)).toEqual(sizes);
    expect(Math.max(...sentIds().map((ids) => ids.length))).toBeLessThanOrEqual(MAX_FINDINGS_PER_IMPORT);
    expect(report.delivered).toBe(count);
    expect(report.apiCalls).toBe(sizes.length);
  });

  it('the same finding twice in one run is imported once (the last wins)', async () => {
    securityHub.on(BatchImportFindingsCommand).callsFake(acceptAll);
    await publisher().publish([finding(1, { title: 'first' }), finding(1, { title: 'second' })], run);
    const [call] = securityHub.commandCalls(BatchImportFindingsCommand);
    expect(call!.args[0].input.Findings!.map((f) => f.Title)).toEqual(['second']);
  });

  it('partial failure: only the failed findings are retried, after a backoff', async () => {
    securityHub
      .on(BatchImportFindingsCommand)
      .callsFakeOnce(failSome(new Set([idOf(2), idOf(3)]), 'InternalException'))
      .callsFake(acceptAll);
    const report = await publisher().publish(fails(4), run);
    expect(sentIds()).toEqual([
      [idOf(1), idOf(2), idOf(3), idOf(4)],
      [idOf(2), idOf(3)],
    ]);
    expect(report).toEqual({ publisher: 'securityhub', findingCount: 4, delivered: 4, apiCalls: 2 });
    expect(sleep).toHaveBeenCalledTimes(1);
  });

  it('throttled, then imported: the whole batch goes again', async () => {
    securityHub.on(BatchImportFindingsCommand).rejectsOnce(throttle()).callsFake(acceptAll);
    const report = await publisher().publish(fails(3), run);
    expect(sentIds()).toHaveLength(2);
    expect(sentIds()[1]).toEqual(sentIds()[0]);
    expect(report).toEqual({ publisher: 'securityhub', findingCount: 3, delivered: 3, apiCalls: 2 });
  });

  it('FailedCount without FailedFindings: every finding of the batch is retried (a re-import only updates)', async () => {
    securityHub
      .on(BatchImportFindingsCommand)
      .resolvesOnce({ FailedCount: 1, SuccessCount: 1, FailedFindings: [] })
      .callsFake(acceptAll);
    const report = await publisher().publish(fails(2), run);
    expect(sentIds()).toEqual([
      [idOf(1), idOf(2)],
      [idOf(1), idOf(2)],
    ]);
    expect(report.delivered).toBe(2);
  });

  it('still throttled after every attempt: a PublishError counting each finding, bounded retries', async () => {
    securityHub.on(BatchImportFindingsCommand).rejects(throttle());
    const error = await publisher(3)
      .publish(fails(2), run)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishError);
    expect(error).toMatchObject({
      publisher: 'securityhub',
      failedCount: 2,
      errorCodes: { ThrottlingException: 2 },
      findingIds: ['finding-1', 'finding-2'],
      partialReports: [{ publisher: 'securityhub', findingCount: 2, delivered: 0, apiCalls: 3 }],
    });
    expect(sentIds()).toHaveLength(3);
    expect(sleep).toHaveBeenCalledTimes(2);
    expect((error as Error).message).toMatch(
      new RegExp(`^Security Hub: 2 of 2 findings not imported into ${PRODUCT_ARN} after up to 3 attempts`),
    );
  });

  it('a permanent per-finding failure is not retried; the others are imported', async () => {
    securityHub
      .on(BatchImportFindingsCommand)
      .callsFake(failSome(new Set([idOf(2)]), 'InvalidInputException'));
    const error = await publisher()
      .publish(fails(3), run)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      failedCount: 1,
      errorCodes: { InvalidInputException: 1 },
      findingIds: ['finding-2'],
      partialReports: [{ delivered: 2, apiCalls: 1 }],
    });
    expect(sentIds()).toHaveLength(1);
    expect(sleep).not.toHaveBeenCalled();
  });

  it('Security Hub not enabled: fails at once and says how to enable it', async () => {
    securityHub.on(BatchImportFindingsCommand).rejects(
      Object.assign(new Error('Account 123456789012 is not subscribed to AWS Security Hub'), {
        name: 'InvalidAccessException',
        $metadata: { httpStatusCode: 401 },
      }),
    );
    const error = await publisher()
      .publish(fails(1), run)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishError);
    expect(sentIds()).toHaveLength(1);
    expect((error as Error).message).toMatch(/InvalidAccessException x1/);
    expect((error as Error).message).toMatch(/aws securityhub enable-security-hub --region eu-west-1/);
  });

  it('access denied: names the permission and the product ARN', async () => {
    securityHub.on(BatchImportFindingsCommand).rejects(
      Object.assign(new Error('denied'), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    const error = await publisher()
      .publish(fails(1), run)
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      `the role needs securityhub:BatchImportFindings on ${PRODUCT_ARN}`,
    );
  });

  it('lifecycle transitions: OPENED active, RESOLVED archived under the same Id, an ERROR transition left out', async () => {
    securityHub.on(BatchImportFindingsCommand).callsFake(acceptAll);
    const lifecycle = (base: Finding, transition: LifecycleFinding['transition']): LifecycleFinding => ({
      ...base,
      state: transition === 'RESOLVED' ? 'RESOLVED' : 'NEW',
      transition,
      firstObservedAt: '2024-04-30T00:00:00.000Z',
      lastObservedAt: base.observedAt,
      occurrenceCount: 1,
      sequence: 1,
      idempotencyKey: `${base.findingId}#1`,
    });
    const report = await publisher().publish(
      [
        lifecycle(finding(1), 'OPENED'),
        lifecycle(finding(2, { status: 'PASS', severity: 'INFORMATIONAL' }), 'RESOLVED'),
        lifecycle(finding(3, { status: 'ERROR' }), 'OPENED'),
      ],
      run,
    );
    const [call] = securityHub.commandCalls(BatchImportFindingsCommand);
    expect(
      call!.args[0].input.Findings!.map((f) => [
        f.Id,
        f.RecordState,
        f.Compliance?.Status,
        f.Workflow?.Status,
      ]),
    ).toEqual([
      [idOf(1), 'ACTIVE', 'FAILED', 'NEW'],
      [idOf(2), 'ARCHIVED', 'PASSED', 'RESOLVED'],
    ]);
    expect(report.delivered).toBe(2);
  });
});
