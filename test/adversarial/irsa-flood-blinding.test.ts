/**
 * Attack: flood blinding. A stranger with a token from an OIDC issuer registered in the account (anyone can mint
 * one for GitHub Actions') calls AssumeRoleWithWebIdentity 4 times a second for 45 minutes, every call denied.
 * Reached through LookupEvents answers (aws-sdk-client-mock) over an in-memory trail that delivers events late,
 * by scheduled runs of the IRSA check every 15 minutes, with the real scanner and watermark store over a DynamoDB
 * fake that refuses items over 400 KB as DynamoDB does. Asserts: a genuine denial 45 minutes after the flood is
 * reported by the first run after it appears, every watermark item written stays within 64 KB, and every denial
 * is counted exactly once; and a save that fails is an ERROR finding naming dynamodb:PutItem and fails the
 * invocation.
 */
import { CloudTrailClient, LookupEventsCommand, type Event } from '@aws-sdk/client-cloudtrail';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
  type PutItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import {
  GetOpenIDConnectProviderCommand,
  GetRoleCommand,
  IAMClient,
  ListOpenIDConnectProvidersCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { requireWatermarksSaved, runIrsaCheck, type IrsaCheckResult } from '../../lambdas/app/irsa-check';
import type { IrsaClients } from '../../lambdas/adapters/irsa/gather-irsa';
import { TokenBucket } from '../../lambdas/adapters/irsa/rate-limiter';
import { DynamoWatermarkStore } from '../../lambdas/adapters/irsa/watermark-store';
import type { Finding } from '../../lambdas/core/finding';
import { irsaSettingsSchema } from '../../lambdas/core/irsa/settings';
import {
  ACCOUNT,
  acceptingPublisher,
  instantLimiterClock,
  ISSUER,
  lookupEvent,
  nextEventId,
  policy,
  PROVIDER_ARN,
  webIdentityStatement,
} from '../fixtures/irsa';
import { publishingSink } from '../../lambdas/app/run-sink';

const REGION = 'us-west-2';
const TABLE = 'watermarks';
const MINUTE = 60_000;
const DYNAMODB_ITEM_LIMIT = 400 * 1024;
const WATERMARK_BOUND = 64 * 1024;
const PAGE_SIZE = 50;

const GITHUB = 'token.actions.githubusercontent.com';
const GITHUB_PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/${GITHUB}`;
const DEPLOY_ROLE = `arn:aws:iam::${ACCOUNT}:role/deploy`;
const PAYMENTS_ROLE = `arn:aws:iam::${ACCOUNT}:role/payments`;

const settings = irsaSettingsSchema.parse({ regions: [REGION], watermarkTableName: TABLE });

const cloudtrail = mockClient(CloudTrailClient);
const iam = mockClient(IAMClient);
const dynamodb = mockClient(DynamoDBClient);

interface TrailEvent {
  readonly event: Event;
  readonly time: number;
  /** When CloudTrail has delivered it (LookupEvents returns it from then on). */
  readonly visibleAt: number;
}

/** LookupEvents over the in-memory trail as seen at `clock()`: closed range, newest first, 50 a page. */
function serveTrail(trail: readonly TrailEvent[], clock: () => number): void {
  const sorted = [...trail].sort((a, b) => b.time - a.time);
  const answers = new Map<string, TrailEvent[]>();
  cloudtrail
    .on(LookupEventsCommand)
    .callsFake((input: { StartTime: Date; EndTime: Date; NextToken?: string }) => {
      const from = input.StartTime.getTime();
      const to = input.EndTime.getTime();
      const key = `${from}|${to}|${clock()}`;
      let matching = answers.get(key);
      if (matching === undefined) {
        matching = sorted.filter((item) => item.time >= from && item.time <= to && item.visibleAt <= clock());
        answers.set(key, matching);
      }
      const offset =
        input.NextToken === undefined
          ? 0
          : Number(input.NextToken.slice(input.NextToken.lastIndexOf('|') + 1));
      const next = offset + PAGE_SIZE < matching.length ? `${key}|${offset + PAGE_SIZE}` : undefined;
      return {
        Events: matching.slice(offset, offset + PAGE_SIZE).map((item) => item.event),
        ...(next === undefined ? {} : { NextToken: next }),
      };
    });
}

/** DynamoDB's item size: attribute names and values, UTF-8. */
function itemBytes(item: Record<string, AttributeValue>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    size += Buffer.byteLength(name);
    if (value.S !== undefined) size += Buffer.byteLength(value.S);
    else if (value.N !== undefined) size += value.N.length;
    else size += Buffer.byteLength(JSON.stringify(value));
  }
  return size;
}

/**
 * A DynamoDB table in memory for GetItem and conditional PutItem, refusing an item over 400 KB with DynamoDB's
 * ValidationException. `failNextPuts` makes that many writes fail as a throttled table would.
 */
class FakeTable {
  readonly items = new Map<string, Record<string, AttributeValue>>();
  readonly written: number[] = [];
  failNextPuts = 0;

  install(): void {
    dynamodb.on(GetItemCommand).callsFake((input: { Key: { pk: { S: string } } }) => {
      const item = this.items.get(input.Key.pk.S);
      return item === undefined ? {} : { Item: structuredClone(item) };
    });
    dynamodb.on(PutItemCommand).callsFake((input: PutItemCommandInput) => this.put(input));
  }

  private put(input: PutItemCommandInput): object {
    const item = input.Item!;
    if (this.failNextPuts > 0) {
      this.failNextPuts -= 1;
      throw Object.assign(new Error('The level of configured provisioned throughput was exceeded'), {
        name: 'ProvisionedThroughputExceededException',
      });
    }
    const size = itemBytes(item);
    this.written.push(size);
    if (size > DYNAMODB_ITEM_LIMIT) {
      throw Object.assign(new Error('Item size has exceeded the maximum allowed size'), {
        name: 'ValidationException',
      });
    }
    const key = item.pk!.S!;
    if (!this.conditionHolds(input, this.items.get(key))) {
      throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
    }
    this.items.set(key, structuredClone(item));
    return {};
  }

  /** The conditions the stores write: `attribute_not_exists(<name>)` and `#name = :value`, joined by OR. */
  private conditionHolds(
    input: PutItemCommandInput,
    stored: Record<string, AttributeValue> | undefined,
  ): boolean {
    if (input.ConditionExpression === undefined) return true;
    const name = (token: string) => (token.startsWith('#') ? input.ExpressionAttributeNames![token]! : token);
    return input.ConditionExpression.split(' OR ').some((clause) => {
      const notExists = /^attribute_not_exists\((\S+)\)$/.exec(clause.trim());
      if (notExists) return stored?.[name(notExists[1]!)] === undefined;
      const equals = /^(#\w+) = (:\w+)$/.exec(clause.trim());
      if (equals) {
        const actual = stored?.[name(equals[1]!)];
        const expected = input.ExpressionAttributeValues![equals[2]!]!;
        return actual !== undefined && JSON.stringify(actual) === JSON.stringify(expected);
      }
      throw new Error(`condition not understood by the fake: ${clause}`);
    });
  }
}

function installIam(): void {
  const trust = (subject: string, providerArn: string) =>
    encodeURIComponent(
      JSON.stringify(
        policy(
          webIdentityStatement({
            subject,
            ...(providerArn === GITHUB_PROVIDER_ARN ? { issuer: GITHUB, providerArn } : {}),
          }),
        ),
      ),
    );
  iam.on(GetRoleCommand).callsFake((input: { RoleName: string }) => ({
    Role: {
      RoleName: input.RoleName,
      AssumeRolePolicyDocument:
        input.RoleName === 'deploy'
          ? trust('repo:team/app:ref:refs/heads/main', GITHUB_PROVIDER_ARN)
          : trust('system:serviceaccount:payments:api-v1', PROVIDER_ARN),
    },
  }));
  iam.on(ListOpenIDConnectProvidersCommand).resolves({
    OpenIDConnectProviderList: [{ Arn: PROVIDER_ARN }, { Arn: GITHUB_PROVIDER_ARN }],
  });
  iam.on(GetOpenIDConnectProviderCommand).callsFake((input: { OpenIDConnectProviderArn: string }) => ({
    Url: input.OpenIDConnectProviderArn === GITHUB_PROVIDER_ARN ? GITHUB : ISSUER,
    ClientIDList: ['sts.amazonaws.com'],
  }));
}

const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const FLOOD_MINUTES = 45;
const FLOOD_PER_SECOND = 4;
/** The genuine denial, this long after the flood ended, delivered two minutes late. */
const genuineAt = (minutesAfterFlood: number) => T0 + (FLOOD_MINUTES + minutesAfterFlood) * MINUTE + 30_000;
const DELIVERY_DELAY = 2 * MINUTE;

function floodTrail(genuineTime = genuineAt(45)): { trail: TrailEvent[]; genuineId: string } {
  const trail: TrailEvent[] = [];
  for (let second = 0; second < FLOOD_MINUTES * 60; second++) {
    for (let call = 0; call < FLOOD_PER_SECOND; call++) {
      const time = T0 + second * 1000;
      const index = second * FLOOD_PER_SECOND + call;
      trail.push({
        event: lookupEvent({
          eventId: nextEventId(),
          eventTime: new Date(time).toISOString(),
          roleArn: DEPLOY_ROLE,
          subject: 'repo:attacker/evil:ref:refs/heads/main',
          identityProvider: GITHUB,
          errorMessage: 'Not authorized to perform sts:AssumeRoleWithWebIdentity',
        }),
        time,
        // CloudTrail delivers late, up to 5 minutes here (its usual; the overlap is 15).
        visibleAt: time + ((index * 7919) % 300) * 1000,
      });
    }
  }
  const genuineId = nextEventId();
  trail.push({
    event: lookupEvent({
      eventId: genuineId,
      eventTime: new Date(genuineTime).toISOString(),
      roleArn: PAYMENTS_ROLE,
      subject: 'system:serviceaccount:payments:api',
    }),
    time: genuineTime,
    visibleAt: genuineTime + DELIVERY_DELAY,
  });
  return { trail, genuineId };
}

function clientsFor(table: FakeTable, clock: () => number): IrsaClients {
  table.install();
  return {
    cloudTrailFor: (region) => new CloudTrailClient({ region, maxAttempts: 1 }),
    iam: new IAMClient({ region: REGION, maxAttempts: 1 }),
    watermarkStore: new DynamoWatermarkStore(
      new DynamoDBClient({ region: REGION, maxAttempts: 1 }),
      TABLE,
      () => new Date(clock()),
    ),
    limiterFor: () => new TokenBucket({ clock: instantLimiterClock() }),
    retry: { sleep: () => Promise.resolve() },
  };
}

const deniedGroups = (result: IrsaCheckResult, roleArn: string): Finding[] =>
  result.findings.filter(
    (finding) => finding.checkId === 'irsa.assume-role.denied' && finding.resource.arn === roleArn,
  );
const countOf = (findings: readonly Finding[]): number =>
  findings.reduce((sum, finding) => sum + (finding.irsa?.count ?? 0), 0);

beforeEach(() => {
  cloudtrail.reset();
  iam.reset();
  dynamodb.reset();
  installIam();
});

/** Scheduled runs every 15 minutes from the flood's start, for four hours, over the flood and one genuine denial. */
async function scheduledRuns(genuineTime: number) {
  const { trail } = floodTrail(genuineTime);
  let now = T0;
  serveTrail(trail, () => now);
  const table = new FakeTable();
  const clients = clientsFor(table, () => now);
  const counted = new Map<string, number>();
  let reported: { at: number; backlogPending: boolean } | undefined;
  const statuses = new Set<string>();
  for (now = T0; now <= T0 + 4 * 60 * MINUTE; now += 15 * MINUTE) {
    const result = await runIrsaCheck(
      { accountId: ACCOUNT, settings, defaultRegion: REGION },
      { clients, sink: publishingSink(acceptingPublisher), now: () => new Date(now) },
    );
    for (const role of [DEPLOY_ROLE, PAYMENTS_ROLE]) {
      counted.set(role, (counted.get(role) ?? 0) + countOf(deniedGroups(result, role)));
    }
    if (reported === undefined && deniedGroups(result, PAYMENTS_ROLE).length > 0) {
      reported = { at: now, backlogPending: result.summary.regions[0]!.pendingGaps.length > 0 };
    }
    for (const commit of result.watermarkCommits) statuses.add(commit.status);
  }
  const visible = genuineTime + DELIVERY_DELAY;
  const firstRunAfter = T0 + Math.ceil((visible - T0) / (15 * MINUTE)) * 15 * MINUTE;
  return { table, counted, reported, statuses, firstRunAfter };
}

const iso = (time: number | undefined) => (time === undefined ? 'never' : new Date(time).toISOString());

describe('flood blinding: 4 denied calls a second for 45 minutes', () => {
  it('reports a genuine denial 45 minutes later on the next run, within a 64 KB watermark, each denial once', async () => {
    const { table, counted, reported, statuses, firstRunAfter } = await scheduledRuns(genuineAt(45));

    // The first scheduled run after the genuine denial was delivered reports it.
    expect(iso(reported?.at)).toBe(iso(firstRunAfter));
    // Every item written stayed within the bound, far under DynamoDB's 400 KB, and every save succeeded.
    expect(Math.max(...table.written)).toBeLessThanOrEqual(WATERMARK_BOUND);
    expect([...statuses]).toEqual(['saved']);
    // Nothing lost, nothing counted twice: the flood and the genuine denial, once each.
    expect(Object.fromEntries(counted)).toEqual({
      [DEPLOY_ROLE]: FLOOD_MINUTES * 60 * FLOOD_PER_SECOND,
      [PAYMENTS_ROLE]: 1,
    });
  }, 30_000);

  it('reports a genuine denial right after the flood on the next run, while the backlog is still being read', async () => {
    const { table, counted, reported, firstRunAfter } = await scheduledRuns(genuineAt(5));

    expect(reported).toEqual({ at: firstRunAfter, backlogPending: true });
    expect(Math.max(...table.written)).toBeLessThanOrEqual(WATERMARK_BOUND);
    expect(Object.fromEntries(counted)).toEqual({
      [DEPLOY_ROLE]: FLOOD_MINUTES * 60 * FLOOD_PER_SECOND,
      [PAYMENTS_ROLE]: 1,
    });
  }, 30_000);
});

describe('a watermark save that fails', () => {
  it('is an ERROR finding naming dynamodb:PutItem and fails the invocation, until a save succeeds', async () => {
    const { trail } = floodTrail();
    let now = T0 + 20 * MINUTE;
    serveTrail(trail, () => now);
    const table = new FakeTable();
    const clients = clientsFor(table, () => now);
    const run = () =>
      runIrsaCheck(
        { accountId: ACCOUNT, settings, defaultRegion: REGION },
        { clients, sink: publishingSink(acceptingPublisher), now: () => new Date(now) },
      );
    const putItemErrors = (result: IrsaCheckResult) =>
      result.findings.filter(
        (finding) =>
          finding.checkId === 'checker.error' &&
          finding.status === 'ERROR' &&
          finding.resource.name === 'dynamodb:PutItem' &&
          finding.region === REGION,
      );

    expect((await run()).watermarkCommits.map((commit) => commit.status)).toEqual(['saved']);

    now += 15 * MINUTE;
    table.failNextPuts = 1;
    const failed = await run();
    expect(failed.watermarkCommits).toEqual([
      expect.objectContaining({
        status: 'failed',
        failure: expect.objectContaining({ operation: 'PutItem' }),
      }),
    ]);

    now += 15 * MINUTE;
    const next = await run();
    expect(putItemErrors(next)).toEqual([
      expect.objectContaining({
        message: expect.stringContaining('ProvisionedThroughputExceededException'),
      }),
    ]);
    expect(next.watermarkCommits.map((commit) => commit.status)).toEqual(['saved']);
    // The invocation fails for it: the Lambda errors and dead-letter queue alarms see it.
    expect(() => requireWatermarksSaved(failed)).toThrow(/dynamodb:PutItem failed.*us-west-2/);
    expect(() => requireWatermarksSaved(next)).not.toThrow();

    now += 15 * MINUTE;
    expect(putItemErrors(await run())).toEqual([]);
  }, 30_000);
});
