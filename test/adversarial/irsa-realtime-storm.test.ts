/**
 * Attack: a real-time storm. Anyone holding a token of an OIDC provider registered in the account (GitHub
 * Actions' issuer: any GitHub user) can call AssumeRoleWithWebIdentity as often as they like, on any role ARN and
 * with a subject of their choosing. With `irsaRealtime` on, each denied call reaches the IRSA function as an
 * EventBridge "AWS API Call via CloudTrail" event, and each invocation is a lifecycle run of its own, so the
 * storm aggregation (which works within one run) never sees two of them together: 200 distinct denials were 200
 * emails.
 *
 * Entry: the EventBridge events, into the real-time app (runIrsaRealtime) with the real lifecycle stage and the
 * real SNS digest publisher (SNS mocked, every Publish recorded: one Publish is one email). Then the next
 * scheduled run (runIrsaCheck) over the same CloudTrail history, on the same table.
 *
 * Bound: at most 5 emails for the whole storm (real time and the next scheduled run together), and every one of
 * the 200 denials is still reported: announced in real time, or opened by the scheduled run's one digest.
 *
 * The watermark table is an in-memory model with DynamoClaimStore's conditions (the claim, the marker, the
 * account's announcement count); the integration tier runs the real conditions on moto's DynamoDB.
 */
import { CloudTrailClient, LookupEventsCommand, type Event } from '@aws-sdk/client-cloudtrail';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import {
  GetOpenIDConnectProviderCommand,
  GetRoleCommand,
  IAMClient,
  ListOpenIDConnectProvidersCommand,
  NoSuchEntityException,
} from '@aws-sdk/client-iam';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { runIrsaCheck } from '../../lambdas/app/irsa-check';
import { runIrsaRealtime, type RealtimeClaimStore } from '../../lambdas/app/irsa-realtime';
import { LifecycleStage, type EventSink } from '../../lambdas/app/lifecycle-stage';
import type { Announcement, ClaimResult, Outcome } from '../../lambdas/adapters/irsa/claim-store';
import type { IrsaClients } from '../../lambdas/adapters/irsa/gather-irsa';
import { TokenBucket } from '../../lambdas/adapters/irsa/rate-limiter';
import type { LoadResult, SaveResult, WatermarkStore } from '../../lambdas/adapters/irsa/watermark-store';
import type { EventToPut } from '../../lambdas/adapters/publish-eventbridge';
import type { PublishReport } from '../../lambdas/core/publishing';
import { SnsDigestPublisher } from '../../lambdas/adapters/publish-sns';
import type { AnnouncementCount } from '../../lambdas/core/irsa/announcement-budget';
import { denialFindingId } from '../../lambdas/core/irsa/evaluate-irsa';
import {
  leaseCovers,
  parseRealtimeEvent,
  type ClaimState,
  type ScanLease,
} from '../../lambdas/core/irsa/realtime';
import { irsaSettingsSchema } from '../../lambdas/core/irsa/settings';
import type { WebIdentityDenial } from '../../lambdas/core/irsa/types';
import type { SeenEvent, Watermark } from '../../lambdas/core/irsa/watermark';
import { lifecycleSettingsSchema } from '../../lambdas/core/lifecycle/settings';
import { ACCOUNT, instantLimiterClock, ISSUER, lookupEvent, PROVIDER_ARN, ROLE_ARN } from '../fixtures/irsa';
import { cloudTrailApiCallEvent } from '../fixtures/irsa-realtime';
import { MemoryLedger } from '../fixtures/lifecycle-fakes';
import { lifecycleSink } from '../../lambdas/app/run-sink';

const cloudtrail = mockClient(CloudTrailClient);
const iam = mockClient(IAMClient);
const sns = mockClient(SNSClient);

const REGION = 'us-west-2';
const TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:tmc-health`;
const GITHUB_ISSUER = 'token.actions.githubusercontent.com';
const GITHUB_PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/${GITHUB_ISSUER}`;
const STORM = 200;
/** The issue's "a handful": real time and the next scheduled run together. */
const MAX_EMAILS = 5;
const settings = irsaSettingsSchema.parse({ regions: [REGION], watermarkTableName: 'wm', realtime: true });
const T0 = Date.parse('2026-11-22T12:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);

/** The watermark table, in memory, with DynamoClaimStore's conditions. */
class Table implements WatermarkStore, RealtimeClaimStore {
  private readonly watermarks = new Map<string, { watermark: Watermark; version: number }>();
  private readonly claims = new Map<string, Map<string, SeenEvent>>();
  private readonly leases = new Map<string, ScanLease>();
  private readonly markers = new Map<string, { until: Date; eventId: string }>();
  private readonly budgets = new Map<string, AnnouncementCount>();

  constructor(private readonly now: () => Date) {}

  load(region: string): Promise<LoadResult> {
    const item = this.watermarks.get(region);
    return Promise.resolve({
      ok: true,
      value: item ? { region, version: item.version, watermark: item.watermark } : { region, version: 0 },
    });
  }

  save(region: string, watermark: Watermark, expectedVersion: number): Promise<SaveResult> {
    const version = this.watermarks.get(region)?.version ?? 0;
    if (version !== expectedVersion) return Promise.resolve({ region, status: 'conflict' });
    this.watermarks.set(region, { watermark, version: version + 1 });
    return Promise.resolve({ region, status: 'saved', version: version + 1 });
  }

  private claimsOf(region: string): Map<string, SeenEvent> {
    const claims = this.claims.get(region) ?? new Map<string, SeenEvent>();
    this.claims.set(region, claims);
    return claims;
  }

  loadState(region: string, accountId: string): Promise<Outcome<{ readonly state: ClaimState }>> {
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

  beginScan(region: string, lease: ScanLease): Promise<Outcome<{ readonly claims: SeenEvent[] }>> {
    this.leases.set(region, lease);
    return Promise.resolve({ ok: true, claims: [...this.claimsOf(region).values()] });
  }

  endScan(region: string, folded: readonly SeenEvent[]): Promise<Outcome<object>> {
    this.leases.delete(region);
    for (const claim of folded) this.claimsOf(region).delete(claim.id);
    return Promise.resolve({ ok: true });
  }

  claim(
    region: string,
    event: SeenEvent,
    state: Pick<ClaimState, 'version'>,
    announcement: Announcement,
  ): Promise<ClaimResult> {
    const now = this.now();
    const claims = this.claimsOf(region);
    const claimOk =
      (this.watermarks.get(region)?.version ?? 0) === state.version &&
      !claims.has(event.id) &&
      !leaseCovers(this.leases.get(region), event.eventTime, state.version, now);
    // The budget's condition. (A claim of code that has no budget carries none: that is the old code, which
    // this test must show failing on the number of emails, not on a missing field.)
    const spend = announcement.budget as Announcement['budget'] | undefined;
    const count = spend ? this.budgets.get(spend.accountId) : undefined;
    const budgetOk =
      spend === undefined ||
      (spend.continues
        ? count?.window === spend.window && count.announced < spend.perWindow
        : count?.window !== spend.window);
    const marker = this.markers.get(announcement.findingId);
    if (!claimOk) return Promise.resolve({ status: 'conflict' });
    if (marker !== undefined && marker.until > now) return Promise.resolve({ status: 'being-announced' });
    if (!budgetOk) return Promise.resolve({ status: 'conflict' });
    if (spend) {
      this.budgets.set(spend.accountId, {
        window: spend.window,
        announced: spend.continues ? (count?.announced ?? 0) + 1 : 1,
      });
    }
    claims.set(event.id, event);
    this.markers.set(announcement.findingId, { until: announcement.until, eventId: event.id });
    return Promise.resolve({ status: 'claimed' });
  }

  release(region: string, event: SeenEvent, findingId: string): Promise<Outcome<object>> {
    this.claimsOf(region).delete(event.id);
    return this.announced(findingId, event);
  }

  announced(findingId: string, event: SeenEvent): Promise<Outcome<object>> {
    if (this.markers.get(findingId)?.eventId === event.id) this.markers.delete(findingId);
    return Promise.resolve({ ok: true });
  }
}

/** EventBridge: accepts every entry (the transitions are not what this test counts). */
const bus: EventSink = {
  busName: 'default',
  putEvents: (events: readonly EventToPut[]): Promise<PublishReport> =>
    Promise.resolve({
      publisher: 'eventbridge',
      findingCount: events.length,
      delivered: events.length,
      apiCalls: 1,
    }),
  detailEntry: (detailType: string, detail: object, time: Date): PutEventsRequestEntry => ({
    Source: 'tmc-health',
    DetailType: detailType,
    Detail: JSON.stringify(detail),
    Time: time,
  }),
};

interface World {
  clock: Date;
  readonly table: Table;
  readonly ledger: MemoryLedger;
  readonly lifecycle: LifecycleStage;
  readonly trail: Event[];
}

function world(): World {
  const w = { clock: at(0), trail: [] } as unknown as World;
  const now = () => w.clock;
  const ledger = new MemoryLedger();
  Object.assign(w, {
    table: new Table(now),
    ledger,
    lifecycle: new LifecycleStage(
      {
        settings: lifecycleSettingsSchema.parse({ ledgerTableName: 'ledger' }),
        tableName: 'ledger',
        homeRegion: REGION,
        runbookBaseUrl: 'docs/checks.md',
      },
      {
        ledger,
        events: bus,
        digest: new SnsDigestPublisher(new SNSClient({ region: REGION, maxAttempts: 1 }), {
          topicArn: TOPIC,
          sleep: () => Promise.resolve(),
        }),
        fallback: { publish: () => Promise.reject(new Error('the ledger is in memory: no fallback')) },
        now,
      },
    ),
  });
  return w;
}

function clients(w: World): IrsaClients & { claimStore: Table } {
  return {
    cloudTrailFor: (region) => new CloudTrailClient({ region, maxAttempts: 1 }),
    iam: new IAMClient({ region: 'us-east-1', maxAttempts: 1 }),
    watermarkStore: w.table,
    claimStore: w.table,
    limiterFor: () => new TokenBucket({ clock: instantLimiterClock() }),
    retry: { sleep: () => Promise.resolve() },
  };
}

/** LookupEvents over what CloudTrail delivered, honouring StartTime and EndTime, newest first. */
function serveTrail(w: World): void {
  cloudtrail.on(LookupEventsCommand).callsFake((input: { StartTime: Date; EndTime: Date }) => ({
    Events: w.trail
      .filter((event) => event.EventTime! >= input.StartTime && event.EventTime! <= input.EndTime)
      .sort((a, b) => b.EventTime!.getTime() - a.EventTime!.getTime()),
  }));
}

const scheduledRun = (w: World) =>
  runIrsaCheck(
    { accountId: ACCOUNT, settings, defaultRegion: REGION },
    { clients: clients(w), sink: lifecycleSink(w.lifecycle), now: () => w.clock },
  );

const realtimeRun = (w: World, event: unknown) =>
  runIrsaRealtime(
    { accountId: ACCOUNT, settings, defaultRegion: REGION, event },
    {
      clients: { iam: clients(w).iam, claimStore: w.table },
      sink: lifecycleSink(w.lifecycle),
      isOpen: (findingId) => Promise.resolve(w.ledger.entries.get(findingId)?.open === true),
      now: () => w.clock,
      sleep: () => Promise.resolve(),
    },
  );

/** The stranger's denied calls: their EventBridge events and, once CloudTrail delivered them, their history. */
function strangerCalls(vary: 'role' | 'subject') {
  return Array.from({ length: STORM }, (_, i) => {
    const options = {
      eventId: `storm-${vary}-${String(i).padStart(4, '0')}`,
      eventTime: at(60 + i).toISOString(),
      region: REGION,
      identityProvider: GITHUB_PROVIDER_ARN,
      roleArn: vary === 'role' ? `arn:aws:iam::${ACCOUNT}:role/guessed-${i}` : ROLE_ARN,
      subject: `repo:stranger/${vary === 'subject' ? `repo-${i}` : 'repo'}:ref:refs/heads/main`,
    };
    const event = cloudTrailApiCallEvent(options);
    const denial = (parseRealtimeEvent(event, ACCOUNT) as { denial: WebIdentityDenial }).denial;
    return { event, lookup: lookupEvent(options), findingId: denialFindingId(ACCOUNT, denial) };
  });
}

const emails = () => sns.commandCalls(PublishCommand).map((call) => call.args[0].input);

beforeEach(() => {
  cloudtrail.reset();
  iam.reset();
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm' });
  // The one real role trusts the cluster's service account; every guessed role does not exist.
  iam.on(GetRoleCommand).rejects(new NoSuchEntityException({ message: 'no such role', $metadata: {} }));
  iam.on(GetRoleCommand, { RoleName: 'AccessEC2role' }).resolves({
    Role: {
      RoleName: 'AccessEC2role',
      Arn: ROLE_ARN,
      Path: '/',
      RoleId: 'AROAEXAMPLE',
      CreateDate: new Date(0),
      AssumeRolePolicyDocument: encodeURIComponent(
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Federated: PROVIDER_ARN },
              Action: 'sts:AssumeRoleWithWebIdentity',
              Condition: {
                StringEquals: { [`${ISSUER}:sub`]: 'system:serviceaccount:serverless:aws-sdk' },
              },
            },
          ],
        }),
      ),
    },
  });
  iam.on(ListOpenIDConnectProvidersCommand).resolves({
    OpenIDConnectProviderList: [{ Arn: PROVIDER_ARN }, { Arn: GITHUB_PROVIDER_ARN }],
  });
  iam.on(GetOpenIDConnectProviderCommand).callsFake((input: { OpenIDConnectProviderArn: string }) => ({
    Url: input.OpenIDConnectProviderArn.split(':oidc-provider/')[1],
    ClientIDList: ['sts.amazonaws.com'],
  }));
});

describe.each(['role', 'subject'] as const)('200 fake denials with distinct %ss', (vary) => {
  it(`give at most ${MAX_EMAILS} emails, and the next scheduled run's digest reports the rest`, async () => {
    const w = world();
    serveTrail(w);
    await scheduledRun(w); // the schedule has run before: a watermark exists
    expect(emails()).toHaveLength(0);

    const calls = strangerCalls(vary);
    expect(new Set(calls.map((call) => call.findingId)).size).toBe(STORM);
    w.clock = at(60 + STORM + 5);
    const outcomes = new Map<string, number>();
    for (const call of calls) {
      const { outcome } = await realtimeRun(w, call.event);
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    const realtimeEmails = emails().length;
    expect(realtimeEmails).toBeLessThan(MAX_EMAILS);
    // Real time still announces the first ones at once; the others are left unclaimed for the scan.
    expect(realtimeEmails).toBeGreaterThan(0);
    expect(Object.fromEntries(outcomes)).toEqual({
      counted: realtimeEmails,
      'budget-spent': STORM - realtimeEmails,
    });
    const announced = new Set([...w.ledger.entries.values()].filter((e) => e.open).map((e) => e.findingId));
    expect(announced.size).toBe(realtimeEmails);

    // CloudTrail delivers the calls to the event history; the next scheduled run reads that window.
    w.trail.push(...calls.map((call) => call.lookup));
    w.clock = at(15 * 60);
    const scan = await scheduledRun(w);
    expect(emails()).toHaveLength(realtimeEmails + 1);
    expect(emails().length).toBeLessThanOrEqual(MAX_EMAILS);

    // Nothing lost: every denial is an open finding, announced in real time or opened by this run's digest.
    const opened = scan.lifecycle?.transitions.filter((t) => t.transition === 'OPENED') ?? [];
    expect(opened).toHaveLength(STORM - realtimeEmails);
    expect(new Set([...announced, ...opened.map((t) => t.findingId)])).toEqual(
      new Set(calls.map((call) => call.findingId)),
    );
    for (const call of calls) expect(w.ledger.entries.get(call.findingId)?.open).toBe(true);
    // ... in one aggregated incident mail, which says how many opened.
    const digest = emails().at(-1)!;
    expect(scan.lifecycle?.incident).toBe(true);
    expect(digest.Subject).toContain(`${STORM - realtimeEmails} findings opened at once`);
  });
});
