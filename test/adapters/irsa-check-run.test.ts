import { CloudTrailClient, LookupEventsCommand, type Event } from '@aws-sdk/client-cloudtrail';
import {
  GetOpenIDConnectProviderCommand,
  GetRoleCommand,
  IAMClient,
  ListOpenIDConnectProvidersCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { runIrsaCheck, type IrsaCheckResult } from '../../lambdas/app/irsa-check';
import type { LifecycleReport, LifecycleRunInput, LifecycleStage } from '../../lambdas/app/lifecycle-stage';
import type { IrsaClients } from '../../lambdas/adapters/irsa/gather-irsa';
import { TokenBucket } from '../../lambdas/adapters/irsa/rate-limiter';
import type { LoadResult, SaveResult, WatermarkStore } from '../../lambdas/adapters/irsa/watermark-store';
import { PublishError, type FindingPublisher, type PublishReport } from '../../lambdas/core/publishing';
import type { Finding } from '../../lambdas/core/finding';
import { irsaSettingsSchema } from '../../lambdas/core/irsa/settings';
import type { Watermark } from '../../lambdas/core/irsa/watermark';
import { instantLimiterClock, lookupEvent } from '../fixtures/irsa';
import { lifecycleSink, publishingSink } from '../../lambdas/app/run-sink';

const cloudtrail = mockClient(CloudTrailClient);
const iam = mockClient(IAMClient);
const ACCOUNT = '111122223333';
const ISSUER = 'oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';
const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/${ISSUER}`;
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const NOW = new Date('2025-03-01T12:00:00.000Z');
const settings = irsaSettingsSchema.parse({ regions: ['us-west-2', 'us-east-1'], watermarkTableName: 'wm' });

function trustFor(subject: string): string {
  return encodeURIComponent(
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: PROVIDER_ARN },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { [`${ISSUER}:sub`]: subject, [`${ISSUER}:aud`]: 'sts.amazonaws.com' } },
        },
      ],
    }),
  );
}

function denied(id: string, eventTime: string, role: string, serviceAccount = 'aws-sdk'): Event {
  return lookupEvent({
    eventId: id,
    eventTime,
    identityProvider: ISSUER,
    subject: `system:serviceaccount:serverless:${serviceAccount}`,
    roleArn: roleArn(role),
  });
}

/** Records every call in order, shared with the publisher, to prove publish happens before the commit. */
const calls: string[] = [];

class MemoryStore implements WatermarkStore {
  readonly items = new Map<string, { watermark: Watermark; version: number }>();
  conflictOn = new Set<string>();

  load(region: string): Promise<LoadResult> {
    calls.push(`load ${region}`);
    const item = this.items.get(region);
    return Promise.resolve({
      ok: true,
      value: item ? { region, version: item.version, watermark: item.watermark } : { region, version: 0 },
    });
  }

  save(region: string, watermark: Watermark, expectedVersion: number): Promise<SaveResult> {
    calls.push(`save ${region}`);
    if (this.conflictOn.has(region)) return Promise.resolve({ region, status: 'conflict' });
    const current = this.items.get(region)?.version ?? 0;
    if (current !== expectedVersion) return Promise.resolve({ region, status: 'conflict' });
    this.items.set(region, { watermark, version: current + 1 });
    return Promise.resolve({ region, status: 'saved', version: current + 1 });
  }
}

class RecordingPublisher implements FindingPublisher {
  readonly published: Finding[][] = [];
  fail = false;

  publish(findings: readonly Finding[]): Promise<PublishReport> {
    calls.push('publish');
    if (this.fail) {
      return Promise.reject(
        new PublishError('bus down', {
          publisher: 'eventbridge',
          failedCount: 1,
          errorCodes: {},
          findingIds: [],
        }),
      );
    }
    this.published.push([...findings]);
    return Promise.resolve({
      publisher: 'test',
      findingCount: findings.length,
      delivered: findings.length,
      apiCalls: 1,
    });
  }
}

function clientsWith(store: WatermarkStore | undefined): IrsaClients {
  return {
    cloudTrailFor: (region) => new CloudTrailClient({ region, maxAttempts: 1 }),
    iam: new IAMClient({ region: 'us-east-1', maxAttempts: 1 }),
    ...(store ? { watermarkStore: store } : {}),
    limiterFor: () => new TokenBucket({ clock: instantLimiterClock() }),
    retry: { sleep: () => Promise.resolve() },
  };
}

function mockIam(): void {
  iam.on(GetRoleCommand).callsFake((input: { RoleName: string }) => ({
    Role: {
      RoleName: input.RoleName,
      AssumeRolePolicyDocument: trustFor('system:serviceaccount:serverless:aws-sdk-v2'),
    },
  }));
  iam.on(ListOpenIDConnectProvidersCommand).resolves({ OpenIDConnectProviderList: [{ Arn: PROVIDER_ARN }] });
  iam.on(GetOpenIDConnectProviderCommand).resolves({ Url: ISSUER, ClientIDList: ['sts.amazonaws.com'] });
}

const irsaFindings = (findings: readonly Finding[]) =>
  findings.filter((finding) => finding.checkId === 'irsa.assume-role.denied');

beforeEach(() => {
  cloudtrail.reset();
  iam.reset();
  calls.length = 0;
  mockIam();
});

describe('runIrsaCheck', () => {
  it('scans every region, diagnoses from IAM, publishes, then commits the watermarks', async () => {
    // us-west-2 has the denials; us-east-1 (global STS endpoint) has none.
    const west = new CloudTrailClient({ region: 'us-west-2', maxAttempts: 1 });
    const east = new CloudTrailClient({ region: 'us-east-1', maxAttempts: 1 });
    mockClient(west)
      .on(LookupEventsCommand)
      .resolves({
        Events: [
          denied('e3', '2025-03-01T11:50:00Z', 'AccessEC2role'),
          denied('e2', '2025-03-01T11:40:00Z', 'AccessEC2role'),
          denied('e1', '2025-03-01T11:30:00Z', 'Other', 'billing'),
        ],
      });
    mockClient(east).on(LookupEventsCommand).resolves({ Events: [] });
    const store = new MemoryStore();
    const publisher = new RecordingPublisher();
    const clients = {
      ...clientsWith(store),
      cloudTrailFor: (region: string) => (region === 'us-west-2' ? west : east),
    };

    const result = await runIrsaCheck(
      { accountId: ACCOUNT, settings, defaultRegion: 'us-west-2' },
      {
        clients,
        sink: publishingSink(publisher),
        now: () => NOW,
      },
    );

    const groups = irsaFindings(result.findings);
    expect(groups).toHaveLength(2);
    const broken = groups.find((finding) => finding.resource.arn === roleArn('AccessEC2role'))!;
    expect(broken).toMatchObject({
      status: 'FAIL',
      region: 'us-west-2',
      irsa: { namespace: 'serverless', count: 2 },
      evidence: expect.objectContaining({ cause: 'sub-mismatch' }),
    });
    expect(iam).toHaveReceivedCommandTimes(GetRoleCommand, 2);
    expect(iam).toHaveReceivedCommandTimes(ListOpenIDConnectProvidersCommand, 1);
    expect(publisher.published).toEqual([result.findings]);
    expect(calls.indexOf('publish')).toBeLessThan(calls.indexOf('save us-west-2'));
    expect(calls.indexOf('publish')).toBeLessThan(calls.indexOf('save us-east-1'));
    expect(result.watermarkCommits).toEqual([
      { region: 'us-west-2', status: 'saved', version: 1 },
      { region: 'us-east-1', status: 'saved', version: 1 },
    ]);
    expect(store.items.get('us-west-2')!.watermark).toMatchObject({ highWater: NOW.toISOString(), gaps: [] });
    expect(store.items.get('us-west-2')!.watermark.recentEventIds.map((seen) => seen.id)).toEqual([
      // Only ids a later run can re-read (within the 15-minute overlap) are kept: e2 at 11:40 is not.
      'e3',
    ]);
    expect(result.summary).toMatchObject({
      accountId: ACCOUNT,
      denialGroups: 2,
      eventsScanned: 3,
      incompleteScans: 0,
    });
    expect(result.summary.regions).toEqual([
      expect.objectContaining({
        region: 'us-west-2',
        planned: { from: '2025-03-01T11:00:00.000Z', to: NOW.toISOString() },
        pages: 1,
        denials: 3,
        complete: true,
        progress: 'complete',
        watermark: 'saved',
      }),
      expect.objectContaining({ region: 'us-east-1', denials: 0, progress: 'complete', watermark: 'saved' }),
    ]);
  });

  it('reads the OIDC providers once and each role once, however many groups there are', async () => {
    cloudtrail.on(LookupEventsCommand).resolves({
      Events: Array.from({ length: 30 }, (_, index) =>
        denied(
          `e${index}`,
          `2025-03-01T11:${String(10 + index).padStart(2, '0')}:00Z`,
          `role-${index % 3}`,
          `sa-${index % 5}`,
        ),
      ),
    });
    const result = await runIrsaCheck(
      { accountId: ACCOUNT, settings: { ...settings, regions: ['us-west-2'] }, defaultRegion: 'us-west-2' },
      { clients: clientsWith(undefined), now: () => NOW },
    );

    expect(irsaFindings(result.findings).length).toBe(15);
    expect(iam).toHaveReceivedCommandTimes(ListOpenIDConnectProvidersCommand, 1);
    expect(iam).toHaveReceivedCommandTimes(GetOpenIDConnectProviderCommand, 1);
    expect(iam).toHaveReceivedCommandTimes(GetRoleCommand, 3);
  });

  it('makes no IAM call when there is nothing to diagnose', async () => {
    cloudtrail.on(LookupEventsCommand).resolves({ Events: [] });
    await runIrsaCheck(
      { accountId: ACCOUNT, settings, defaultRegion: 'us-west-2' },
      {
        clients: clientsWith(new MemoryStore()),
        sink: publishingSink(new RecordingPublisher()),
        now: () => NOW,
      },
    );
    expect(iam).not.toHaveReceivedAnyCommand();
  });

  it('does not commit an existing watermark when publishing fails: the next run reads the same events again', async () => {
    cloudtrail
      .on(LookupEventsCommand)
      .resolves({ Events: [denied('e1', '2025-03-01T11:58:00Z', 'AccessEC2role')] });
    const store = new MemoryStore();
    const previous: Watermark = { highWater: '2025-03-01T11:55:00.000Z', gaps: [], recentEventIds: [] };
    store.items.set('us-west-2', { watermark: previous, version: 4 });
    const publisher = new RecordingPublisher();
    publisher.fail = true;

    const found: IrsaCheckResult[] = [];
    await expect(
      runIrsaCheck(
        { accountId: ACCOUNT, settings: { ...settings, regions: ['us-west-2'] }, defaultRegion: 'us-west-2' },
        {
          clients: clientsWith(store),
          sink: publishingSink(publisher),
          now: () => NOW,
          onDeliveryFailed: (result) => found.push(result),
        },
      ),
    ).rejects.toThrow(PublishError);

    // The handler is told what the run found first, so the Lambda logs it before the invocation fails.
    expect(found).toHaveLength(1);
    expect(found[0]!.findings.length).toBeGreaterThan(0);
    expect(found[0]!.summary).toMatchObject({ findings: found[0]!.findings.length, denialGroups: 1 });
    expect(found[0]!.watermarkCommits).toEqual([]);
    expect(calls).not.toContain('save us-west-2');
    expect(store.items.get('us-west-2')).toEqual({ watermark: previous, version: 4 });
  });

  it('after a failed publish on a first run, keeps the whole window unread rather than nothing', async () => {
    cloudtrail
      .on(LookupEventsCommand)
      .resolves({ Events: [denied('e1', '2025-03-01T11:58:00Z', 'AccessEC2role')] });
    const store = new MemoryStore();
    const publisher = new RecordingPublisher();
    publisher.fail = true;

    await expect(
      runIrsaCheck(
        { accountId: ACCOUNT, settings: { ...settings, regions: ['us-west-2'] }, defaultRegion: 'us-west-2' },
        { clients: clientsWith(store), sink: publishingSink(publisher), now: () => NOW },
      ),
    ).rejects.toThrow(PublishError);

    expect(store.items.get('us-west-2')!.watermark).toEqual({
      highWater: NOW.toISOString(),
      gaps: [{ from: '2025-03-01T11:00:00.000Z', to: NOW.toISOString() }],
      recentEventIds: [],
    });
  });

  it('a dry run (no publisher) commits nothing', async () => {
    cloudtrail.on(LookupEventsCommand).resolves({ Events: [] });
    const store = new MemoryStore();
    const result = await runIrsaCheck(
      { accountId: ACCOUNT, settings, defaultRegion: 'us-west-2' },
      {
        clients: clientsWith(store),
        now: () => NOW,
      },
    );
    expect(result.watermarkCommits).toEqual([]);
    expect(store.items.size).toBe(0);
  });

  it("a denial re-read in the next run's overlap is not counted again", async () => {
    const event = denied('e1', '2025-03-01T11:58:00Z', 'AccessEC2role');
    cloudtrail.on(LookupEventsCommand).resolves({ Events: [event] });
    const store = new MemoryStore();
    const input = {
      accountId: ACCOUNT,
      settings: { ...settings, regions: ['us-west-2'] },
      defaultRegion: 'us-west-2',
    };

    const first = await runIrsaCheck(input, {
      clients: clientsWith(store),
      sink: publishingSink(new RecordingPublisher()),
      now: () => NOW,
    });
    const second = await runIrsaCheck(input, {
      clients: clientsWith(store),
      sink: publishingSink(new RecordingPublisher()),
      now: () => new Date('2025-03-01T12:05:00.000Z'),
    });

    expect(first.summary.regions[0]).toMatchObject({ denials: 1, duplicatesDropped: 0 });
    expect(second.summary.regions[0]).toMatchObject({
      denials: 0,
      duplicatesDropped: 1,
      planned: { from: '2025-03-01T11:45:00.000Z', to: '2025-03-01T12:05:00.000Z' },
    });
    expect(irsaFindings(second.findings)).toEqual([]);
  });

  it('reports a watermark conflict (another run advanced first) without overwriting', async () => {
    cloudtrail.on(LookupEventsCommand).resolves({ Events: [] });
    const store = new MemoryStore();
    store.conflictOn.add('us-east-1');
    const result = await runIrsaCheck(
      { accountId: ACCOUNT, settings, defaultRegion: 'us-west-2' },
      {
        clients: clientsWith(store),
        sink: publishingSink(new RecordingPublisher()),
        now: () => NOW,
      },
    );
    expect(result.summary.regions.map((region) => [region.region, region.watermark])).toEqual([
      ['us-west-2', 'saved'],
      ['us-east-1', 'conflict'],
    ]);
    expect(store.items.has('us-east-1')).toBe(false);
  });

  it('says the scan continues next run when the page budget runs out', async () => {
    cloudtrail.on(LookupEventsCommand).resolves({
      Events: [denied('e2', '2025-03-01T11:50:00Z', 'AccessEC2role')],
      NextToken: 'more',
    });
    const store = new MemoryStore();
    const result = await runIrsaCheck(
      {
        accountId: ACCOUNT,
        settings: { ...settings, regions: ['us-west-2'], maxPagesPerRegion: 2 },
        defaultRegion: 'us-west-2',
      },
      { clients: clientsWith(store), sink: publishingSink(new RecordingPublisher()), now: () => NOW },
    );
    expect(cloudtrail).toHaveReceivedCommandTimes(LookupEventsCommand, 2);
    expect(result.summary.incompleteScans).toBe(1);
    expect(result.summary.regions[0]).toMatchObject({
      pages: 2,
      complete: false,
      progress: 'continues next run',
      pendingGaps: [{ from: '2025-03-01T11:00:00.000Z', to: '2025-03-01T11:50:00.000Z' }],
      watermark: 'saved',
    });
    expect(store.items.get('us-west-2')!.watermark.gaps).toEqual([
      { from: '2025-03-01T11:00:00.000Z', to: '2025-03-01T11:50:00.000Z' },
    ]);
  });

  it('a dry run cut by the page budget says incomplete, not "continues next run": nothing is saved to resume', async () => {
    cloudtrail.on(LookupEventsCommand).resolves({
      Events: [denied('e2', '2025-03-01T11:50:00Z', 'AccessEC2role')],
      NextToken: 'more',
    });
    const result = await runIrsaCheck(
      {
        accountId: ACCOUNT,
        settings: { ...settings, regions: ['us-west-2'], maxPagesPerRegion: 2 },
        defaultRegion: 'us-west-2',
      },
      { clients: clientsWith(new MemoryStore()), now: () => NOW },
    );
    expect(result.summary.regions[0]).toMatchObject({ complete: false, progress: 'incomplete' });
  });

  it('a region whose watermark cannot be read is scanned from the lookback but not committed', async () => {
    cloudtrail.on(LookupEventsCommand).resolves({ Events: [] });
    const store = new MemoryStore();
    store.load = (region: string) =>
      Promise.resolve({
        ok: false,
        failure: {
          service: 'dynamodb',
          operation: 'GetItem',
          region,
          errorName: 'AccessDeniedException',
          message: 'no',
        },
      });
    const result = await runIrsaCheck(
      { accountId: ACCOUNT, settings: { ...settings, regions: ['us-west-2'] }, defaultRegion: 'us-west-2' },
      { clients: clientsWith(store), sink: publishingSink(new RecordingPublisher()), now: () => NOW },
    );
    expect(result.watermarkCommits).toEqual([]);
    expect(result.summary.failedOperations).toEqual(['us-west-2 dynamodb:GetItem']);
    expect(result.summary.regions[0]).toMatchObject({ progress: 'complete', watermark: 'not-committed' });
  });
});

describe('runIrsaCheck with the finding lifecycle', () => {
  /** Stands in for LifecycleStage: records what it was asked to publish and where the run looked. */
  function recordingLifecycle(fail = false) {
    const inputs: LifecycleRunInput[] = [];
    const stage = {
      run: (input: LifecycleRunInput) => {
        calls.push('lifecycle');
        inputs.push(input);
        if (fail)
          return Promise.reject(
            new PublishError('bus down', {
              publisher: 'lifecycle',
              failedCount: 1,
              errorCodes: {},
              findingIds: [],
            }),
          );
        return Promise.resolve({} as LifecycleReport);
      },
    } as unknown as LifecycleStage;
    return { stage, inputs };
  }

  it('hands the findings to the lifecycle, counting as covered only regions scanned completely, then commits', async () => {
    cloudtrail.on(LookupEventsCommand, {}).callsFake((_input, getClient: () => CloudTrailClient) =>
      getClient()
        .config.region()
        .then((region) =>
          region === 'us-west-2'
            ? { Events: [denied('e1', '2025-03-01T11:50:00Z', 'AccessEC2role')], NextToken: 'more' }
            : { Events: [] },
        ),
    );
    const { stage, inputs } = recordingLifecycle();
    const publisher = new RecordingPublisher();
    const result = await runIrsaCheck(
      { accountId: ACCOUNT, settings: { ...settings, maxPagesPerRegion: 1 }, defaultRegion: 'us-west-2' },
      {
        clients: clientsWith(new MemoryStore()),
        sink: lifecycleSink(stage),
        apiCalls: () => 4,
        now: () => NOW,
      },
    );
    expect(publisher.published).toEqual([]);
    expect(inputs).toHaveLength(1);
    expect(inputs[0]).toMatchObject({ family: 'irsa', coveredRegions: ['us-east-1'], apiCalls: 4 });
    expect(irsaFindings(inputs[0]!.findings)).toHaveLength(1);
    expect(calls.filter((call) => call === 'lifecycle' || call.startsWith('save'))[0]).toBe('lifecycle');
    expect(result.watermarkCommits.map((commit) => commit.status)).toEqual(['saved', 'saved']);
  });

  it('a failed lifecycle publish does not advance the watermarks past unread events', async () => {
    cloudtrail
      .on(LookupEventsCommand)
      .resolves({ Events: [denied('e1', '2025-03-01T11:50:00Z', 'AccessEC2role')] });
    const store = new MemoryStore();
    const { stage } = recordingLifecycle(true);
    await expect(
      runIrsaCheck(
        { accountId: ACCOUNT, settings, defaultRegion: 'us-west-2' },
        { clients: clientsWith(store), sink: lifecycleSink(stage), now: () => NOW },
      ),
    ).rejects.toThrow('bus down');
    // As with a stateless publisher: the whole first window stays unread, so the denial is read again.
    expect(store.items.get('us-west-2')!.watermark.gaps).toEqual([
      { from: '2025-03-01T11:00:00.000Z', to: NOW.toISOString() },
    ]);
  });
});
