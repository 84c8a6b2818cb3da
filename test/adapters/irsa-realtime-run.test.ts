/**
 * IRSA denials in near real time (lambdas/app/irsa-realtime.ts) with the scheduled scan (runIrsaCheck): the two
 * paths on one in-memory model of the watermark table (watermarks, claims, the scan lease, announcement
 * markers; the conditions are those of DynamoClaimStore, whose DynamoDB expressions the integration tier runs on
 * moto), IAM and CloudTrail mocked, and the real LifecycleStage on an in-memory ledger. What is checked: a denial
 * is counted once, whichever path sees it first and however they interleave; a denial already open is not
 * announced again; malformed events are counted as skipped, never retried.
 */
import { CloudTrailClient, LookupEventsCommand, type Event } from '@aws-sdk/client-cloudtrail';
import {
  GetOpenIDConnectProviderCommand,
  GetRoleCommand,
  IAMClient,
  ListOpenIDConnectProvidersCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { runIrsaCheck } from '../../lambdas/app/irsa-check';
import { runIrsaRealtime, type RealtimeClaimStore } from '../../lambdas/app/irsa-realtime';
import { LifecycleStage } from '../../lambdas/app/lifecycle-stage';
import type { Announcement, ClaimResult, Outcome } from '../../lambdas/adapters/irsa/claim-store';
import type { IrsaClients } from '../../lambdas/adapters/irsa/gather-irsa';
import { TokenBucket } from '../../lambdas/adapters/irsa/rate-limiter';
import type { LoadResult, SaveResult, WatermarkStore } from '../../lambdas/adapters/irsa/watermark-store';
import type { Finding } from '../../lambdas/core/finding';
import {
  REALTIME_ANNOUNCEMENT_LIMITS,
  type AnnouncementCount,
} from '../../lambdas/core/irsa/announcement-budget';
import { denialFindingId } from '../../lambdas/core/irsa/evaluate-irsa';
import {
  LEASE_MARGIN_MS,
  leaseCovers,
  MAX_REALTIME_CLAIMS,
  parseRealtimeEvent,
  type ClaimState,
  type ScanLease,
} from '../../lambdas/core/irsa/realtime';
import { irsaSettingsSchema } from '../../lambdas/core/irsa/settings';
import type { WebIdentityDenial } from '../../lambdas/core/irsa/types';
import type { SeenEvent, Watermark } from '../../lambdas/core/irsa/watermark';
import { lifecycleSettingsSchema } from '../../lambdas/core/lifecycle/settings';
import {
  ACCOUNT,
  ISSUER,
  OTHER_ISSUER,
  OTHER_PROVIDER_ARN,
  PROVIDER_ARN,
  ROLE_ARN,
  instantLimiterClock,
  lookupEvent,
} from '../fixtures/irsa';
import { cloudTrailApiCallEvent } from '../fixtures/irsa-realtime';
import { PublishError } from '../../lambdas/core/publishing';
import { MemoryLedger, RecordingEvents } from '../fixtures/lifecycle-fakes';
import { lifecycleSink } from '../../lambdas/app/run-sink';

const cloudtrail = mockClient(CloudTrailClient);
const iam = mockClient(IAMClient);
const REGION = 'us-west-2';
const settings = irsaSettingsSchema.parse({
  regions: [REGION],
  watermarkTableName: 'wm',
  realtime: true,
});
const T0 = Date.parse('2026-11-22T12:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);
const iso = (seconds: number) => at(seconds).toISOString();

// ------------------------------------------------------------------------------------ the table, in memory

/**
 * The watermark table in memory: the scans' watermark items (version-conditional saves) and the real-time items,
 * with DynamoClaimStore's conditions. `onBeginScan` runs right after a scan took its lease (to interleave).
 */
class MemoryTable implements WatermarkStore, RealtimeClaimStore {
  readonly watermarks = new Map<string, { watermark: Watermark; version: number }>();
  readonly claims = new Map<string, Map<string, SeenEvent>>();
  readonly leases = new Map<string, ScanLease>();
  readonly markers = new Map<string, { until: Date; eventId: string }>();
  /** The announcement count per account (its window and the announcements in it). */
  readonly budgets = new Map<string, AnnouncementCount>();
  readonly log: string[] = [];
  onBeginScan?: () => Promise<void>;

  constructor(private readonly now: () => Date) {}

  load(region: string): Promise<LoadResult> {
    const item = this.watermarks.get(region);
    return Promise.resolve({
      ok: true,
      value: item ? { region, version: item.version, watermark: item.watermark } : { region, version: 0 },
    });
  }

  save(region: string, watermark: Watermark, expectedVersion: number): Promise<SaveResult> {
    const current = this.watermarks.get(region)?.version ?? 0;
    if (current !== expectedVersion) return Promise.resolve({ region, status: 'conflict' });
    this.watermarks.set(region, { watermark, version: current + 1 });
    this.log.push(`save ${region} v${current + 1}`);
    return Promise.resolve({ region, status: 'saved', version: current + 1 });
  }

  private claimsOf(region: string): Map<string, SeenEvent> {
    let claims = this.claims.get(region);
    if (!claims) this.claims.set(region, (claims = new Map()));
    return claims;
  }

  async loadState(region: string, accountId: string): Promise<Outcome<{ readonly state: ClaimState }>> {
    const item = this.watermarks.get(region);
    const lease = this.leases.get(region);
    const announcements = this.budgets.get(accountId);
    return Promise.resolve({
      ok: true,
      state: {
        version: item?.version ?? 0,
        ...(item ? { watermark: item.watermark } : {}),
        claims: [...this.claimsOf(region).values()],
        ...(lease ? { lease } : {}),
        ...(announcements ? { announcements } : {}),
      },
    });
  }

  async beginScan(region: string, lease: ScanLease): Promise<Outcome<{ readonly claims: SeenEvent[] }>> {
    this.leases.set(region, lease);
    this.log.push(`lease ${region}`);
    const claims = [...this.claimsOf(region).values()];
    if (this.onBeginScan) {
      const hook = this.onBeginScan;
      this.onBeginScan = undefined;
      await hook();
    }
    return { ok: true, claims };
  }

  endScan(region: string, folded: readonly SeenEvent[]): Promise<Outcome<object>> {
    this.leases.delete(region);
    for (const claim of folded) this.claimsOf(region).delete(claim.id);
    this.log.push(`end ${region} folded ${folded.length}`);
    return Promise.resolve({ ok: true });
  }

  claim(
    region: string,
    event: SeenEvent,
    state: Pick<ClaimState, 'version'>,
    announcement: Announcement,
  ): Promise<ClaimResult> {
    const now = this.now();
    const version = this.watermarks.get(region)?.version ?? 0;
    const claims = this.claimsOf(region);
    const lease = this.leases.get(region);
    const claimOk =
      version === state.version &&
      !claims.has(event.id) &&
      claims.size < MAX_REALTIME_CLAIMS &&
      !leaseCovers(lease, event.eventTime, state.version, now);
    const spend = announcement.budget;
    const count = this.budgets.get(spend.accountId);
    const budgetOk = spend.continues
      ? count?.window === spend.window && count.announced < spend.perWindow
      : count?.window !== spend.window;
    const marker = this.markers.get(announcement.findingId);
    const markerOk = marker === undefined || marker.until.getTime() <= now.getTime();
    if (!claimOk) return Promise.resolve({ status: 'conflict' });
    if (!markerOk) return Promise.resolve({ status: 'being-announced' });
    if (!budgetOk) return Promise.resolve({ status: 'conflict' });
    this.budgets.set(spend.accountId, {
      window: spend.window,
      announced: spend.continues ? (count?.announced ?? 0) + 1 : 1,
    });
    claims.set(event.id, event);
    this.markers.set(announcement.findingId, { until: announcement.until, eventId: event.id });
    this.log.push(`claim ${event.id}`);
    return Promise.resolve({ status: 'claimed' });
  }

  release(region: string, event: SeenEvent, findingId: string): Promise<Outcome<object>> {
    this.claimsOf(region).delete(event.id);
    this.log.push(`release ${event.id}`);
    return this.announced(findingId, event);
  }

  announced(findingId: string, event: SeenEvent): Promise<Outcome<object>> {
    if (this.markers.get(findingId)?.eventId === event.id) this.markers.delete(findingId);
    return Promise.resolve({ ok: true });
  }
}

// ------------------------------------------------------------------------------------- the lifecycle, in memory

// ---------------------------------------------------------------------------------------------- the world

interface World {
  readonly table: MemoryTable;
  readonly ledger: MemoryLedger;
  readonly events: RecordingEvents;
  readonly lifecycle: LifecycleStage;
  clock: Date;
  /** What CloudTrail has delivered to LookupEvents so far, per region. */
  readonly trail: Map<string, Event[]>;
  /** Every group finding a run handed to publishing, with its count: the "counted" ledger of this test. */
  readonly counted: { path: 'scan' | 'realtime'; findingId: string; count: number }[];
}

function world(): World {
  const w = {
    clock: at(0),
    trail: new Map<string, Event[]>(),
    counted: [],
  } as unknown as World & { clock: Date };
  const now = () => w.clock;
  Object.assign(w, {
    table: new MemoryTable(now),
    ledger: new MemoryLedger(),
    events: new RecordingEvents(),
  });
  Object.assign(w, {
    lifecycle: new LifecycleStage(
      {
        settings: lifecycleSettingsSchema.parse({ ledgerTableName: 'ledger' }),
        tableName: 'ledger',
        homeRegion: REGION,
        runbookBaseUrl: 'docs/checks.md',
      },
      {
        ledger: w.ledger,
        events: w.events,
        fallback: { publish: () => Promise.reject(new Error('no fallback in this test')) },
        now,
      },
    ),
  });
  return w;
}

function trustPolicy(): string {
  return encodeURIComponent(
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: PROVIDER_ARN },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: {
              [`${ISSUER}:sub`]: 'system:serviceaccount:serverless:aws-sdk-v2',
              [`${ISSUER}:aud`]: 'sts.amazonaws.com',
            },
          },
        },
      ],
    }),
  );
}

beforeEach(() => {
  cloudtrail.reset();
  iam.reset();
  iam.on(GetRoleCommand).resolves({
    Role: {
      RoleName: 'AccessEC2role',
      Arn: ROLE_ARN,
      Path: '/',
      RoleId: 'AROAEXAMPLE',
      CreateDate: new Date(0),
      AssumeRolePolicyDocument: trustPolicy(),
    },
  });
  iam.on(ListOpenIDConnectProvidersCommand).resolves({ OpenIDConnectProviderList: [{ Arn: PROVIDER_ARN }] });
  iam.on(GetOpenIDConnectProviderCommand).resolves({ Url: ISSUER, ClientIDList: ['sts.amazonaws.com'] });
});

/** LookupEvents over what the trail holds, honouring StartTime and EndTime (both inclusive), newest first. */
function serveTrail(w: World): void {
  cloudtrail
    .on(LookupEventsCommand)
    .callsFake(async (input: { StartTime: Date; EndTime: Date }, getClient) => {
      const region = await getClient().config.region();
      const events = (w.trail.get(region) ?? [])
        .filter((event) => event.EventTime! >= input.StartTime && event.EventTime! <= input.EndTime)
        .sort((a, b) => b.EventTime!.getTime() - a.EventTime!.getTime());
      return { Events: events };
    });
}

function clients(w: World): IrsaClients & { claimStore: MemoryTable } {
  return {
    cloudTrailFor: (region) => new CloudTrailClient({ region, maxAttempts: 1 }),
    iam: new IAMClient({ region: 'us-east-1', maxAttempts: 1 }),
    watermarkStore: w.table,
    claimStore: w.table,
    limiterFor: () => new TokenBucket({ clock: instantLimiterClock() }),
    retry: { sleep: () => Promise.resolve() },
  };
}

function record(w: World, path: 'scan' | 'realtime', findings: readonly Finding[]): void {
  for (const finding of findings) {
    if (finding.checkId === 'irsa.assume-role.denied' && finding.irsa) {
      w.counted.push({ path, findingId: finding.findingId, count: finding.irsa.count });
    }
  }
}

async function scheduledRun(w: World) {
  serveTrail(w);
  const result = await runIrsaCheck(
    { accountId: ACCOUNT, settings, defaultRegion: REGION },
    { clients: clients(w), sink: lifecycleSink(w.lifecycle), now: () => w.clock },
  );
  record(w, 'scan', result.findings);
  return result;
}

async function realtimeRun(
  w: World,
  event: unknown,
  options: {
    sleep?: (ms: number) => Promise<void>;
    maxWaitMs?: number;
    isOpen?: boolean;
    regions?: string[];
  } = {},
) {
  const result = await runIrsaRealtime(
    {
      accountId: ACCOUNT,
      settings: options.regions ? { ...settings, regions: options.regions } : settings,
      defaultRegion: REGION,
      event,
    },
    {
      clients: { iam: new IAMClient({ region: 'us-east-1', maxAttempts: 1 }), claimStore: w.table },
      sink: lifecycleSink(w.lifecycle),
      isOpen: (findingId) =>
        Promise.resolve(options.isOpen ?? w.ledger.entries.get(findingId)?.open === true),
      now: () => w.clock,
      sleep: options.sleep ?? (() => Promise.resolve()),
      ...(options.maxWaitMs === undefined ? {} : { maxWaitMs: options.maxWaitMs }),
    },
  );
  record(w, 'realtime', result.findings);
  return result;
}

/** A denied call at `seconds` after T0: its EventBridge event, and its LookupEvents entry once delivered there. */
function deniedCall(id: string, seconds: number) {
  const event = cloudTrailApiCallEvent({ eventId: id, eventTime: iso(seconds), region: REGION });
  const lookup = lookupEvent({ eventId: id, eventTime: iso(seconds), region: REGION });
  const denial = (parseRealtimeEvent(event, ACCOUNT) as { denial: WebIdentityDenial }).denial;
  return { event, lookup, denial, findingId: denialFindingId(ACCOUNT, denial) };
}

function deliverToLookupEvents(w: World, ...events: Event[]): void {
  w.trail.set(REGION, [...(w.trail.get(REGION) ?? []), ...events]);
}

const totalCount = (w: World, findingId: string) =>
  w.counted.filter((entry) => entry.findingId === findingId).reduce((sum, entry) => sum + entry.count, 0);

// ------------------------------------------------------------------------------------------------- the tests

describe('a denial is counted once', () => {
  it('handled in real time, then the scan over the same window: one finding, count 1, announced once', async () => {
    const w = world();
    // A first scan sets the watermark (nothing denied yet).
    await scheduledRun(w);
    const call = deniedCall('e1', 60);

    w.clock = at(90);
    const realtime = await realtimeRun(w, call.event);
    expect(realtime.outcome).toBe('counted');
    expect(w.table.claims.get(REGION)?.has('e1')).toBe(true);

    // CloudTrail delivers it to LookupEvents minutes later; the next scan reads that window.
    deliverToLookupEvents(w, call.lookup);
    w.clock = at(15 * 60);
    const scan = await scheduledRun(w);
    expect(scan.summary.regions[0]).toMatchObject({ denials: 0, duplicatesDropped: 1 });

    expect(totalCount(w, call.findingId)).toBe(1);
    expect(w.counted).toEqual([{ path: 'realtime', findingId: call.findingId, count: 1 }]);
    expect(w.events.transitions.map((t) => [t.findingId, t.transition])).toEqual([
      [call.findingId, 'OPENED'],
    ]);
    // The scan folded the claim into the watermark, which remembers the id while the window can be re-read.
    expect(w.table.claims.get(REGION)?.size ?? 0).toBe(0);
    expect(w.table.watermarks.get(REGION)?.watermark.recentEventIds.map((seen) => seen.id)).toEqual(['e1']);

    // EventBridge delivers at least once: a duplicate of the event (even with the finding's ledger entry out of
    // the picture) finds the id in the watermark, where the scan folded the claim.
    const duplicate = await realtimeRun(w, call.event, { isOpen: false });
    expect(duplicate).toMatchObject({ outcome: 'already-counted', reason: 'counted by a scan' });
    // Later, once the scans are done with its time, it is theirs (and they counted it, through the claim).
    w.clock = at(30 * 60);
    await scheduledRun(w);
    expect((await realtimeRun(w, call.event, { isOpen: false })).outcome).toBe('left-to-scan');
    expect(totalCount(w, call.findingId)).toBe(1);
  });

  it('counted by the scan first: the real-time event that arrives late is not counted again', async () => {
    const w = world();
    await scheduledRun(w);
    const call = deniedCall('e2', 60);
    deliverToLookupEvents(w, call.lookup);
    w.clock = at(15 * 60);
    await scheduledRun(w);

    // Its finding is open (the scan announced it): nothing to do.
    expect((await realtimeRun(w, call.event)).outcome).toBe('already-open');
    // Without the ledger's word, the watermark still knows the scan counted it.
    const late = await realtimeRun(w, call.event, { isOpen: false });
    expect(late).toMatchObject({ outcome: 'already-counted', reason: 'counted by a scan' });
    expect(totalCount(w, call.findingId)).toBe(1);
  });

  it('an event older than anything the scans will read again is theirs', async () => {
    const w = world();
    await scheduledRun(w); // highWater T0
    w.clock = at(3600);
    await scheduledRun(w); // highWater T0+1h: re-reads from T0+45min
    const old = deniedCall('e-old', 600); // T0+10min: read by the second scan's window already
    const result = await realtimeRun(w, old.event);
    expect(result).toMatchObject({
      outcome: 'left-to-scan',
      reason: 'its time was read by the scheduled scans already',
    });
    expect(w.counted).toEqual([]);
  });

  it('before any scan saved a watermark: claimed, and the first scan (its lookback) drops it', async () => {
    const w = world();
    const call = deniedCall('e3', -120);
    expect((await realtimeRun(w, call.event)).outcome).toBe('counted');
    deliverToLookupEvents(w, call.lookup);
    w.clock = at(60);
    const scan = await scheduledRun(w);
    expect(scan.summary.regions[0]).toMatchObject({ duplicatesDropped: 1 });
    expect(totalCount(w, call.findingId)).toBe(1);
  });
});

describe('a real-time invocation while a scan is in progress (the race)', () => {
  it('a denial inside the scan’s window: waits for the scan to save, then the watermark says it was counted', async () => {
    const w = world();
    await scheduledRun(w);
    const call = deniedCall('e4', 15 * 60 - 30); // 30 s before the next scan starts
    deliverToLookupEvents(w, call.lookup); // (delivered quickly, so the scan reads it)
    w.clock = at(15 * 60);

    let realtime: Promise<Awaited<ReturnType<typeof realtimeRun>>> | undefined;
    let scanDone!: () => void;
    const scanFinished = new Promise<void>((resolve) => (scanDone = resolve));
    // Right after the scan leased its window, the real-time event arrives; it waits until the scan ended.
    w.table.onBeginScan = () => {
      realtime = realtimeRun(w, call.event, { sleep: () => scanFinished });
      return Promise.resolve();
    };
    const scan = await scheduledRun(w);
    scanDone();
    const result = await realtime!;

    expect(scan.summary.regions[0]).toMatchObject({ denials: 1 });
    expect(result).toMatchObject({ outcome: 'already-counted', reason: 'counted by a scan' });
    expect(totalCount(w, call.findingId)).toBe(1);
    expect(w.table.log).toEqual(
      expect.arrayContaining(['lease us-west-2', 'save us-west-2 v2', 'end us-west-2 folded 0']),
    );
  });

  it('inside the window but not yet in LookupEvents: the scan misses it, real time counts it after the save', async () => {
    const w = world();
    await scheduledRun(w);
    const call = deniedCall('e5', 15 * 60 - 10);
    w.clock = at(15 * 60);
    let realtime: Promise<Awaited<ReturnType<typeof realtimeRun>>> | undefined;
    let scanDone!: () => void;
    const scanFinished = new Promise<void>((resolve) => (scanDone = resolve));
    w.table.onBeginScan = () => {
      realtime = realtimeRun(w, call.event, { sleep: () => scanFinished });
      return Promise.resolve();
    };
    await scheduledRun(w);
    scanDone();
    expect((await realtime!).outcome).toBe('counted');

    // CloudTrail delivers it to LookupEvents later; the overlap re-reads it and drops it as claimed.
    deliverToLookupEvents(w, call.lookup);
    w.clock = at(30 * 60);
    const next = await scheduledRun(w);
    expect(next.summary.regions[0]).toMatchObject({ denials: 0, duplicatesDropped: 1 });
    expect(totalCount(w, call.findingId)).toBe(1);
  });

  it('a scan that outlasts the wait: the denial is left to the scans, which count it once', async () => {
    const w = world();
    await scheduledRun(w);
    const call = deniedCall('e6', 15 * 60 - 10);
    w.clock = at(15 * 60);
    let realtime: Promise<Awaited<ReturnType<typeof realtimeRun>>> | undefined;
    w.table.onBeginScan = async () => {
      realtime = realtimeRun(w, call.event, { maxWaitMs: 0 });
      await realtime;
    };
    await scheduledRun(w);
    expect(await realtime!).toMatchObject({
      outcome: 'left-to-scan',
      reason: expect.stringContaining('a scheduled scan in progress covers its time') as unknown,
    });
    deliverToLookupEvents(w, call.lookup);
    w.clock = at(30 * 60);
    await scheduledRun(w);
    expect(totalCount(w, call.findingId)).toBe(1);
    expect(w.counted).toEqual([{ path: 'scan', findingId: call.findingId, count: 1 }]);
  });

  it('a denial after the scan’s window is claimed during the scan; the scan’s save keeps the claim', async () => {
    const w = world();
    await scheduledRun(w);
    w.clock = at(15 * 60);
    const call = deniedCall('e7', 15 * 60 + 5); // after the window's end (plus the margin)
    expect(Date.parse(call.denial.eventTime)).toBeGreaterThan(T0 + 15 * 60_000 + LEASE_MARGIN_MS);
    w.table.onBeginScan = async () => {
      expect((await realtimeRun(w, call.event)).outcome).toBe('counted');
    };
    await scheduledRun(w);
    // Not folded (this scan did not load it), so it stays claimed for the next scan.
    expect(w.table.claims.get(REGION)?.has('e7')).toBe(true);
    deliverToLookupEvents(w, call.lookup);
    w.clock = at(30 * 60);
    await scheduledRun(w);
    expect(totalCount(w, call.findingId)).toBe(1);
    expect(w.table.claims.get(REGION)?.size ?? 0).toBe(0);
  });
});

describe('publishing: the same lifecycle stage, changes only', () => {
  it('a denial whose finding is open is not announced: left to the scan, which counts it', async () => {
    const w = world();
    await scheduledRun(w);
    const first = deniedCall('f1', 60);
    await realtimeRun(w, first.event);
    expect(w.events.transitions).toHaveLength(1);

    const second = deniedCall('f2', 70);
    expect(second.findingId).toBe(first.findingId);
    const result = await realtimeRun(w, second.event);
    expect(result).toMatchObject({ outcome: 'already-open' });
    expect(w.events.transitions).toHaveLength(1);
    expect(iam).toHaveReceivedCommandTimes(GetRoleCommand, 1);

    deliverToLookupEvents(w, first.lookup, second.lookup);
    w.clock = at(15 * 60);
    await scheduledRun(w);
    // The scan counts the second (the first was claimed): 1 + 1, and the open finding stays quiet.
    expect(w.counted).toEqual([
      { path: 'realtime', findingId: first.findingId, count: 1 },
      { path: 'scan', findingId: first.findingId, count: 1 },
    ]);
    expect(w.events.transitions).toHaveLength(1);
  });

  it('a burst of one new group: announced by one invocation, the others left to the scan', async () => {
    const w = world();
    await scheduledRun(w);
    const calls = ['b1', 'b2', 'b3'].map((id, i) => deniedCall(id, 60 + i));
    // All three pass the open check before any announcement committed (the ledger says nothing yet).
    const results = await Promise.all(calls.map((call) => realtimeRun(w, call.event, { isOpen: false })));
    expect(results.map((result) => result.outcome).sort()).toEqual([
      'being-announced',
      'being-announced',
      'counted',
    ]);
    expect(w.events.transitions).toHaveLength(1);

    deliverToLookupEvents(w, ...calls.map((call) => call.lookup));
    w.clock = at(15 * 60);
    await scheduledRun(w);
    expect(totalCount(w, calls[0]!.findingId)).toBe(3);
  });

  it('a failed publish un-claims the denial (the next scan counts and re-sends it) and throws', async () => {
    const w = world();
    await scheduledRun(w);
    const call = deniedCall('p1', 60);
    w.events.failNext = new PublishError('bus down', {
      publisher: 'eventbridge',
      failedCount: 1,
      errorCodes: {},
      findingIds: [],
    });
    w.events.failNextNoun = 'transitions';
    await expect(realtimeRun(w, call.event)).rejects.toThrow('bus down');
    expect(w.table.claims.get(REGION)?.has('p1') ?? false).toBe(false);
    expect(w.table.markers.size).toBe(0);

    deliverToLookupEvents(w, call.lookup);
    w.clock = at(15 * 60);
    await scheduledRun(w);
    expect(w.events.transitions.map((t) => t.transition)).toEqual(['OPENED']);
  });

  it('a real-time run covers no region: an open finding it does not report is not counted as absent', async () => {
    const w = world();
    await scheduledRun(w);
    const open = deniedCall('c1', 60);
    deliverToLookupEvents(w, open.lookup);
    w.clock = at(15 * 60);
    await scheduledRun(w);
    const entry = () => w.ledger.entries.get(open.findingId)!;
    expect(entry()).toMatchObject({ open: true, absentRuns: 0 });

    // Another service account of the same role: another group, announced in real time.
    const other = cloudTrailApiCallEvent({
      eventId: 'c2',
      eventTime: iso(15 * 60 + 30),
      region: REGION,
      subject: 'system:serviceaccount:serverless:other',
    });
    w.clock = at(15 * 60 + 60);
    expect((await realtimeRun(w, other)).outcome).toBe('counted');
    expect(entry()).toMatchObject({ open: true, absentRuns: 0 });
    expect(w.events.transitions.map((t) => t.transition)).toEqual(['OPENED', 'OPENED']);
  });
});

describe('the announcement budget: a few real-time announcements per account and window', () => {
  const BUDGET = REALTIME_ANNOUNCEMENT_LIMITS.perWindow;

  /** A denial of its own group (another service account of the role) at `seconds` after T0. */
  function groupCall(index: number, seconds: number) {
    const options = {
      eventId: `g${index}`,
      eventTime: iso(seconds),
      region: REGION,
      subject: `system:serviceaccount:serverless:sa-${index}`,
    };
    const event = cloudTrailApiCallEvent(options);
    const denial = (parseRealtimeEvent(event, ACCOUNT) as { denial: WebIdentityDenial }).denial;
    return { event, lookup: lookupEvent(options), findingId: denialFindingId(ACCOUNT, denial) };
  }

  it('past the budget a new group is left unclaimed, and the next scan opens it in its one run', async () => {
    const w = world();
    await scheduledRun(w);
    w.clock = at(60);
    const calls = Array.from({ length: BUDGET + 4 }, (_, i) => groupCall(i, 30 + i));
    const outcomes = [];
    for (const call of calls) outcomes.push((await realtimeRun(w, call.event)).outcome);
    expect(outcomes).toEqual([
      ...Array<string>(BUDGET).fill('counted'),
      ...Array<string>(4).fill('budget-spent'),
    ]);
    expect(w.table.claims.get(REGION)?.size).toBe(BUDGET);
    expect(w.table.budgets.get(ACCOUNT)).toEqual({ window: iso(0), announced: BUDGET });
    expect(w.events.transitions).toHaveLength(BUDGET);

    // Nothing lost: the scan over that window counts the four others and opens them together.
    deliverToLookupEvents(w, ...calls.map((call) => call.lookup));
    w.clock = at(15 * 60);
    const scan = await scheduledRun(w);
    expect(scan.summary.regions[0]).toMatchObject({ denials: 4, duplicatesDropped: BUDGET });
    expect(scan.lifecycle?.transitions.map((t) => t.findingId).sort()).toEqual(
      calls
        .slice(BUDGET)
        .map((call) => call.findingId)
        .sort(),
    );
    for (const call of calls) expect(totalCount(w, call.findingId)).toBe(1);

    // A new window has its budget again.
    const later = groupCall(9, 15 * 60 + 30);
    w.clock = at(15 * 60 + 60);
    expect((await realtimeRun(w, later.event)).outcome).toBe('counted');
    expect(w.table.budgets.get(ACCOUNT)).toEqual({ window: iso(15 * 60), announced: 1 });
  });

  it('invocations at once all decide on the unspent budget; the conditional writes hold it', async () => {
    const w = world();
    await scheduledRun(w);
    w.clock = at(60);
    const calls = Array.from({ length: BUDGET + 5 }, (_, i) => groupCall(i, 30 + i));
    const outcomes = (await Promise.all(calls.map((call) => realtimeRun(w, call.event)))).map(
      (result) => result.outcome,
    );
    const counted = outcomes.filter((outcome) => outcome === 'counted').length;
    expect(counted).toBeGreaterThanOrEqual(1);
    expect(counted).toBeLessThanOrEqual(BUDGET);
    // A lost write reads again and finds the budget spent, or gives up after its attempts: left to the scan.
    expect(outcomes.every((o) => ['counted', 'budget-spent', 'left-to-scan'].includes(o))).toBe(true);
    expect(w.table.budgets.get(ACCOUNT)?.announced).toBe(counted);

    deliverToLookupEvents(w, ...calls.map((call) => call.lookup));
    w.clock = at(15 * 60);
    await scheduledRun(w);
    for (const call of calls) expect(totalCount(w, call.findingId)).toBe(1);
  });

  it('a duplicate delivery and an open finding cost no budget', async () => {
    const w = world();
    await scheduledRun(w);
    w.clock = at(60);
    const first = groupCall(1, 30);
    expect((await realtimeRun(w, first.event)).outcome).toBe('counted');
    expect((await realtimeRun(w, first.event)).outcome).toBe('already-open');
    expect((await realtimeRun(w, first.event, { isOpen: false })).outcome).toBe('already-counted');
    expect(w.table.budgets.get(ACCOUNT)?.announced).toBe(1);
  });
});

describe('events that are not counted here', () => {
  it('malformed: counted as skipped with the reason, not thrown, nothing claimed', async () => {
    const w = world();
    const event = cloudTrailApiCallEvent({ eventId: 'm1' });
    delete (event.detail.requestParameters as Record<string, unknown>).roleArn;
    const result = await realtimeRun(w, event);
    expect(result).toMatchObject({
      outcome: 'skipped',
      skipped: { reason: 'missing requestParameters.roleArn' },
    });
    expect(w.table.log).toEqual([]);
    expect(await realtimeRun(w, { 'detail-type': 'AWS API Call via CloudTrail', detail: 'x' })).toMatchObject(
      {
        outcome: 'skipped',
      },
    );
  });

  it("no irsaRegions: a denial in an EKS OIDC provider's region is counted, one in no scanned region is not", async () => {
    const w = world();
    // The account's providers: this region's cluster and one in eu-west-1 (OTHER_ISSUER).
    iam.on(ListOpenIDConnectProvidersCommand).resolves({
      OpenIDConnectProviderList: [{ Arn: PROVIDER_ARN }, { Arn: OTHER_PROVIDER_ARN }],
    });
    iam
      .on(GetOpenIDConnectProviderCommand, { OpenIDConnectProviderArn: OTHER_PROVIDER_ARN })
      .resolves({ Url: OTHER_ISSUER, ClientIDList: ['sts.amazonaws.com'] });
    const inCluster = cloudTrailApiCallEvent({ eventId: 'c1', region: 'eu-west-1', eventTime: iso(1) });
    expect((await realtimeRun(w, inCluster, { regions: [] })).outcome).toBe('counted');
    const nowhere = await realtimeRun(
      w,
      cloudTrailApiCallEvent({ eventId: 'c2', region: 'sa-east-1', eventTime: iso(2) }),
      { regions: [] },
    );
    expect(nowhere).toMatchObject({
      outcome: 'region-not-scanned',
      reason: expect.stringContaining('EKS OIDC provider'),
    });
    // The home region needs no listing to be accepted; us-east-1 neither.
    iam.resetHistory();
    const home = cloudTrailApiCallEvent({ eventId: 'c3', region: 'us-east-1', eventTime: iso(3) });
    expect((await realtimeRun(w, home, { regions: [] })).outcome).not.toBe('region-not-scanned');
  });

  it('a region the check does not scan, a successful call, real time off', async () => {
    const w = world();
    expect(
      (await realtimeRun(w, cloudTrailApiCallEvent({ region: 'eu-north-1', eventTime: iso(1) }))).outcome,
    ).toBe('region-not-scanned');
    expect((await realtimeRun(w, cloudTrailApiCallEvent({ errorCode: null }))).outcome).toBe('not-a-denial');
    const off = await runIrsaRealtime(
      {
        accountId: ACCOUNT,
        settings: { ...settings, realtime: false },
        defaultRegion: REGION,
        event: deniedCall('o1', 1).event,
      },
      { clients: { iam: new IAMClient({ region: 'us-east-1' }), claimStore: w.table } },
    );
    expect(off.outcome).toBe('realtime-off');
    expect(w.table.log).toEqual([]);
  });

  it('the claim store cannot be read: left to the scan, the failure reported', async () => {
    const w = world();
    const failing = Object.assign(Object.create(w.table) as MemoryTable, {
      loadState: () =>
        Promise.resolve({
          ok: false,
          failure: {
            service: 'dynamodb',
            operation: 'GetItem',
            region: REGION,
            errorName: 'AccessDeniedException',
            message: 'no',
          },
        }),
    });
    const result = await runIrsaRealtime(
      { accountId: ACCOUNT, settings, defaultRegion: REGION, event: deniedCall('x1', 1).event },
      { clients: { iam: new IAMClient({ region: 'us-east-1' }), claimStore: failing } },
    );
    expect(result).toMatchObject({
      outcome: 'left-to-scan',
      bookkeepingFailures: [{ errorName: 'AccessDeniedException' }],
    });
  });
});
