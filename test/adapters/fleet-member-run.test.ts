/**
 * Member mode (issue 13) at the app level: with a forwarder, a checker run hands the hub exactly what its
 * lifecycle stage would have received (every finding, PASS included, and the regions it covered), and nothing
 * goes to the publisher or the lifecycle. The accounts are the fault-injection fakes, answering through
 * aws-sdk-client-mock.
 */
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandInput,
  type PutEventsCommandOutput,
} from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import 'aws-sdk-client-mock-jest';
import { runCredentialCheck, type CredentialCheckResult } from '../../lambdas/app/credential-check';
import { runIrsaCheck } from '../../lambdas/app/irsa-check';
import type { LifecycleStage } from '../../lambdas/app/lifecycle-stage';
import { createRegionClients } from '../../lambdas/adapters/clients';
import { gzipBase64Codec } from '../../lambdas/adapters/fleet/report-codec';
import {
  EventBridgeReportForwarder,
  type RunReportForwarder,
  type RunReportForwardInput,
} from '../../lambdas/adapters/fleet/report-forwarder';
import type { IrsaClients } from '../../lambdas/adapters/irsa/gather-irsa';
import { TokenBucket } from '../../lambdas/adapters/irsa/rate-limiter';
import { DynamoWatermarkStore } from '../../lambdas/adapters/irsa/watermark-store';
import { EventBridgeFindingPublisher } from '../../lambdas/adapters/publish-eventbridge';
import { PublishError, type FindingPublisher, type PublishReport } from '../../lambdas/core/publishing';
import { parseRunReportDetail } from '../../lambdas/core/fleet/run-report-parse';
import type { RunReport } from '../../lambdas/core/fleet/run-report-types';
import { checkerSettingsSchema } from '../../lambdas/core/settings';
import { instantLimiterClock } from '../fixtures/irsa';
import * as credentialAccount from './faults/credential-account';
import { faultError } from './faults/fault-kinds';
import * as irsaAccount from './faults/irsa-account';
import { forwardingSink, lifecycleSink, publishingSink } from '../../lambdas/app/run-sink';

const HUB_BUS = 'arn:aws:events:us-east-1:999988887777:event-bus/tmc-health-fleet';

/** Records what it is handed; fails with a PublishError when asked to. */
class RecordingForwarder implements RunReportForwarder {
  readonly inputs: RunReportForwardInput[] = [];
  /** PutItem calls (watermark saves) made before each forward. */
  readonly savesBefore: number[] = [];
  constructor(private readonly fail = false) {}

  forward(input: RunReportForwardInput): Promise<PublishReport> {
    this.inputs.push(input);
    this.savesBefore.push(dynamodb.commandCalls(PutItemCommand).length);
    if (this.fail) {
      return Promise.reject(
        new PublishError('hub bus refused', {
          publisher: 'run-report',
          failedCount: 1,
          errorCodes: { AccessDeniedException: 1 },
          findingIds: input.findings.map((f) => f.findingId),
        }),
      );
    }
    return Promise.resolve({
      publisher: 'run-report',
      findingCount: input.findings.length,
      delivered: 1,
      apiCalls: 1,
    });
  }
}

const publisher = { publish: jest.fn() } as unknown as FindingPublisher & { publish: jest.Mock };
const lifecycle = { run: jest.fn() } as unknown as LifecycleStage & { run: jest.Mock };
// The fakes' own mocks of these clients: PutEvents reaches the credential account's EventBridge mock.
const dynamodb = irsaAccount.COMMAND.PutItem[0];
const eventBridge = credentialAccount.mocks.events;

function acceptAll(request: PutEventsCommandInput): PutEventsCommandOutput {
  return {
    $metadata: {},
    FailedEntryCount: 0,
    Entries: (request.Entries ?? []).map((_, i) => ({ EventId: `event-${i}` })),
  };
}

function sentReports(): RunReport[] {
  return eventBridge
    .commandCalls(PutEventsCommand)
    .flatMap((call) => call.args[0].input.Entries ?? [])
    .map((entry) => {
      const parsed = parseRunReportDetail(JSON.parse(entry.Detail ?? 'null'), gzipBase64Codec());
      if (!parsed.ok) throw new Error(parsed.problem);
      return parsed.report;
    });
}

function realForwarder(maxDetailBytes?: number): EventBridgeReportForwarder {
  return new EventBridgeReportForwarder(
    new EventBridgeFindingPublisher(new EventBridgeClient({ region: 'us-east-1' }), {
      eventBusName: HUB_BUS,
      sleep: () => Promise.resolve(),
    }),
    { now: () => credentialAccount.NOW, ...(maxDetailBytes ? { maxDetailBytes } : {}) },
  );
}

beforeEach(() => {
  publisher.publish.mockReset();
  lifecycle.run.mockReset();
});

describe('runCredentialCheck with a forwarder (member mode)', () => {
  const { ACCOUNT, FAULT_REGION, OK_REGION, REGIONS, CREDENTIALS, NOW } = credentialAccount;
  const settings = checkerSettingsSchema.parse({ regions: [...REGIONS], credentialNames: [...CREDENTIALS] });

  /** Discovery denied in the fault region: that region is not covered, the other is. */
  function installWithDiscoveryDenied(): void {
    credentialAccount.installAccount({
      GetResources: async (input, getClient) => {
        if ((await credentialAccount.regionOf(getClient)) === FAULT_REGION) throw faultError('access-denied');
        return credentialAccount.healthy.GetResources(input, getClient);
      },
    });
    eventBridge.on(PutEventsCommand).callsFake(acceptAll);
  }

  const check = (forwarder: RunReportForwarder) =>
    runCredentialCheck(
      { accountId: ACCOUNT, settings, defaultRegion: OK_REGION },
      {
        clientsFor: (region) => createRegionClients(region, { maxAttempts: 1 }),
        sink: forwardingSink(forwarder),
        apiCalls: () => 42,
        now: () => NOW,
      },
    );

  it('hands the forwarder what the lifecycle would get: every finding, PASS included, covered regions', async () => {
    installWithDiscoveryDenied();
    const forwarder = new RecordingForwarder();
    const result = await check(forwarder);

    expect(forwarder.inputs).toEqual([
      {
        family: 'credentials',
        run: result.run,
        findings: result.findings,
        coveredRegions: [OK_REGION],
        failedOperations: [`${FAULT_REGION} tagging:GetResources`],
        apiCalls: 42,
      },
    ]);
    const statuses = new Set(forwarder.inputs[0]!.findings.map((f) => f.status));
    expect(statuses).toEqual(new Set(['PASS', 'ERROR']));
    expect(forwarder.inputs[0]!.findings.filter((f) => f.status === 'PASS').length).toBeGreaterThan(10);
    expect(result.publishReport).toEqual({
      publisher: 'run-report',
      findingCount: result.findings.length,
      delivered: 1,
      apiCalls: 1,
    });
    expect(result.lifecycle).toBeUndefined();
    expect(publisher.publish).not.toHaveBeenCalled();
    expect(lifecycle.run).not.toHaveBeenCalled();
  });

  it('through EventBridge: the hub decodes the same findings and coverage, whole or split by region', async () => {
    installWithDiscoveryDenied();
    const whole = await check(realForwarder());
    expect(sentReports()).toEqual([
      expect.objectContaining({
        family: 'credentials',
        accountId: ACCOUNT,
        runId: whole.run.runId,
        regions: [...REGIONS],
        coveredRegions: [OK_REGION],
        part: 1,
        parts: 1,
        findings: whole.findings,
      }),
    ]);

    // One byte under the whole report: one part per region.
    const wholeBytes = Buffer.byteLength(
      eventBridge.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!.Detail!,
    );
    installWithDiscoveryDenied();
    const split = await check(realForwarder(wholeBytes - 1));
    const parts = sentReports();
    expect(parts.map((part) => [part.part, part.parts, part.coveredRegions])).toEqual([
      [1, 2, []],
      [2, 2, [OK_REGION]],
    ]);
    expect(parts[0]!.findings).toEqual(split.findings.filter((f) => f.region === FAULT_REGION));
    expect(parts[1]!.findings).toEqual(split.findings.filter((f) => f.region === OK_REGION));
    expect(publisher.publish).not.toHaveBeenCalled();
  });

  it('a report the hub bus refuses fails the run with the PublishError', async () => {
    installWithDiscoveryDenied();
    await expect(check(new RecordingForwarder(true))).rejects.toThrow(PublishError);
    expect(publisher.publish).not.toHaveBeenCalled();
  });

  it('a refused report first hands the handler what the run found (logged before the invocation fails)', async () => {
    installWithDiscoveryDenied();
    const found: CredentialCheckResult[] = [];
    await expect(
      runCredentialCheck(
        { accountId: ACCOUNT, settings, defaultRegion: OK_REGION },
        {
          clientsFor: (region) => createRegionClients(region, { maxAttempts: 1 }),
          sink: forwardingSink(new RecordingForwarder(true)),
          now: () => NOW,
          onDeliveryFailed: (result) => found.push(result),
        },
      ),
    ).rejects.toThrow(PublishError);
    expect(found).toHaveLength(1);
    expect(found[0]!.findings.some((finding) => finding.status === 'ERROR')).toBe(true);
    expect(found[0]!.summary.accountId).toBe(ACCOUNT);
    expect(found[0]!.publishReport).toBeUndefined();
  });

  it('without a forwarder the lifecycle path is unchanged', async () => {
    installWithDiscoveryDenied();
    lifecycle.run.mockResolvedValue({});
    await runCredentialCheck(
      { accountId: ACCOUNT, settings, defaultRegion: OK_REGION },
      {
        clientsFor: (region) => createRegionClients(region, { maxAttempts: 1 }),
        sink: lifecycleSink(lifecycle),
        apiCalls: () => 42,
        now: () => NOW,
      },
    );
    expect(lifecycle.run).toHaveBeenCalledWith(
      expect.objectContaining({ family: 'credentials', coveredRegions: [OK_REGION], apiCalls: 42 }),
    );
    expect(publisher.publish).not.toHaveBeenCalled();
  });
});

describe('runIrsaCheck with a forwarder (member mode)', () => {
  const { ACCOUNT, FAULT_REGION, OK_REGION, NOW, settings } = irsaAccount;

  function clients(): IrsaClients {
    return {
      cloudTrailFor: (region) => new CloudTrailClient({ region, maxAttempts: 1 }),
      iam: new IAMClient({ region: FAULT_REGION, maxAttempts: 1 }),
      watermarkStore: new DynamoWatermarkStore(
        new DynamoDBClient({ region: FAULT_REGION, maxAttempts: 1 }),
        'wm',
        () => NOW,
      ),
      limiterFor: () => new TokenBucket({ clock: instantLimiterClock() }),
      retry: { sleep: () => Promise.resolve() },
    };
  }

  const check = (forwarder: RunReportForwarder) =>
    runIrsaCheck(
      { accountId: ACCOUNT, settings, defaultRegion: FAULT_REGION },
      { clients: clients(), sink: forwardingSink(forwarder), apiCalls: () => 7, now: () => NOW },
    );

  it('forwards the findings (global ones included) and the completely scanned regions, then commits', async () => {
    // CloudTrail fails in one region (not covered); IAM denies one role (an ERROR finding in `global`).
    irsaAccount.install('LookupEvents', () => Promise.reject(faultError('throttling')));
    const forwarder = new RecordingForwarder();
    const result = await check(forwarder);
    expect(forwarder.inputs).toEqual([
      {
        family: 'irsa',
        run: result.run,
        findings: result.findings,
        coveredRegions: [OK_REGION],
        failedOperations: [`${FAULT_REGION} cloudtrail:LookupEvents`],
        apiCalls: 7,
      },
    ]);
    expect(result.findings.length).toBeGreaterThan(1);
    expect(result.publishReport).toMatchObject({ publisher: 'run-report' });
    expect(publisher.publish).not.toHaveBeenCalled();
    expect(lifecycle.run).not.toHaveBeenCalled();
    // The watermark moves only after the hub accepted the report.
    expect(forwarder.savesBefore).toEqual([0]);
    expect(result.watermarkCommits.map((commit) => [commit.region, commit.status])).toEqual(
      expect.arrayContaining([[OK_REGION, 'saved']]),
    );
  });

  it('global findings travel too', async () => {
    irsaAccount.install('GetRole', () => Promise.reject(faultError('access-denied')));
    const forwarder = new RecordingForwarder();
    const result = await check(forwarder);
    const global = result.findings.filter((f) => f.region === 'global');
    expect(global.length).toBeGreaterThan(0);
    expect(forwarder.inputs[0]!.findings).toEqual(expect.arrayContaining(global));
    expect(forwarder.inputs[0]!.coveredRegions).toEqual([FAULT_REGION, OK_REGION]);
  });

  it('a refused report fails the run and keeps the unread events for the next run, as a failed publish does', async () => {
    irsaAccount.install();
    const failing = new RecordingForwarder(true);
    await expect(check(failing)).rejects.toThrow('hub bus refused');
    const afterForwarder = dynamodb.commandCalls(PutItemCommand).map((call) => call.args[0].input.Item);

    irsaAccount.install();
    const failingPublisher: FindingPublisher = {
      publish: () =>
        Promise.reject(
          new PublishError('bus down', {
            publisher: 'eventbridge',
            failedCount: 1,
            errorCodes: {},
            findingIds: [],
          }),
        ),
    };
    await expect(
      runIrsaCheck(
        { accountId: ACCOUNT, settings, defaultRegion: FAULT_REGION },
        { clients: clients(), sink: publishingSink(failingPublisher), now: () => NOW },
      ),
    ).rejects.toThrow('bus down');
    const afterPublisher = dynamodb.commandCalls(PutItemCommand).map((call) => call.args[0].input.Item);
    expect(afterForwarder.length).toBeGreaterThan(0);
    expect(afterForwarder).toEqual(afterPublisher);
  });
});
