/**
 * The run deadline of the IRSA check, on an injected clock: no region, CloudTrail page or IAM read starts after
 * it; a cut scan keeps its unread range in the watermark gaps; each cut is an ERROR naming the deadline, shown in
 * the summary and counted in the result.
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
import { runIrsaCheck } from '../../../lambdas/app/irsa-check';
import type { IrsaClients } from '../../../lambdas/adapters/irsa/gather-irsa';
import { TokenBucket } from '../../../lambdas/adapters/irsa/rate-limiter';
import type { LoadResult, SaveResult, WatermarkStore } from '../../../lambdas/adapters/irsa/watermark-store';
import { isDeadlineFinding } from '../../../lambdas/core/deadline';
import { irsaSettingsSchema } from '../../../lambdas/core/irsa/settings';
import type { Watermark } from '../../../lambdas/core/irsa/watermark';
import { acceptingPublisher, instantLimiterClock, lookupEvent } from '../../fixtures/irsa';
import { publishingSink } from '../../../lambdas/app/run-sink';

const ACCOUNT = '111122223333';
const SLOW = 'us-west-2';
const FAST = 'us-east-1';
const NOW = new Date('2025-03-01T12:00:00.000Z');
const DEADLINE = new Date(NOW.getTime() + 60_000);
const ISSUER = 'oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';
const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/${ISSUER}`;
const settings = irsaSettingsSchema.parse({
  regions: [SLOW, FAST],
  watermarkTableName: 'wm',
  maxPagesPerRegion: 50,
});

const cloudtrail = mockClient(CloudTrailClient);
const iam = mockClient(IAMClient);
let time = NOW.getTime();

function denied(id: string, eventTime: string, role: string): Event {
  return lookupEvent({
    eventId: id,
    eventTime,
    identityProvider: ISSUER,
    roleArn: `arn:aws:iam::${ACCOUNT}:role/${role}`,
  });
}

class MemoryStore implements WatermarkStore {
  readonly items = new Map<string, { watermark: Watermark; version: number }>();
  load(region: string): Promise<LoadResult> {
    const item = this.items.get(region);
    return Promise.resolve({
      ok: true,
      value: item ? { region, version: item.version, watermark: item.watermark } : { region, version: 0 },
    });
  }
  save(region: string, watermark: Watermark, expectedVersion: number): Promise<SaveResult> {
    this.items.set(region, { watermark, version: expectedVersion + 1 });
    return Promise.resolve({ region, status: 'saved', version: expectedVersion + 1 });
  }
}

function run(store: WatermarkStore, deadline: Date) {
  const clients: IrsaClients = {
    cloudTrailFor: (region) => new CloudTrailClient({ region, maxAttempts: 1 }),
    iam: new IAMClient({ region: SLOW, maxAttempts: 1 }),
    watermarkStore: store,
    limiterFor: () => new TokenBucket({ clock: instantLimiterClock() }),
    retry: { sleep: () => Promise.resolve() },
  };
  return runIrsaCheck(
    { accountId: ACCOUNT, settings, defaultRegion: SLOW, deadline },
    { clients, sink: publishingSink(acceptingPublisher), now: () => new Date(time) },
  );
}

beforeEach(() => {
  time = NOW.getTime();
  cloudtrail.reset();
  iam.reset();
  iam.on(GetRoleCommand).resolves({ Role: { RoleName: 'x', AssumeRolePolicyDocument: '{}' } } as never);
  iam.on(ListOpenIDConnectProvidersCommand).resolves({ OpenIDConnectProviderList: [{ Arn: PROVIDER_ARN }] });
  iam.on(GetOpenIDConnectProviderCommand).resolves({ Url: ISSUER, ClientIDList: ['sts.amazonaws.com'] });
});

it('a deadline already passed: no region starts, each is an ERROR, no watermark moves', async () => {
  const store = new MemoryStore();
  const result = await run(store, NOW);

  expect(cloudtrail).not.toHaveReceivedCommand(LookupEventsCommand);
  expect(iam).not.toHaveReceivedCommand(GetRoleCommand);
  expect(store.items.size).toBe(0);
  const errors = result.findings.filter((finding) => finding.status === 'ERROR');
  expect(errors.map((finding) => `${finding.region} ${finding.resource.name}`).sort()).toEqual([
    `${FAST} cloudtrail:LookupEvents`,
    `${SLOW} cloudtrail:LookupEvents`,
  ]);
  expect(errors.every(isDeadlineFinding)).toBe(true);
  expect(result.findings.filter((finding) => finding.status === 'PASS')).toEqual([]);
  expect(result.uncheckedAtDeadline).toBe(2);
  expect(result.summary.deadlineReached).toBe(true);
  expect(
    result.summary.regions.map((region) => [region.region, region.cutByDeadline, region.progress]),
  ).toEqual([
    [SLOW, true, 'failed'],
    [FAST, true, 'failed'],
  ]);
});

it('a deadline reached mid-scan: read pages count, the unread range is a gap, IAM not read, all reported', async () => {
  let slowPages = 0;
  cloudtrail.on(LookupEventsCommand).callsFake(async (_input: unknown, getClient: () => CloudTrailClient) => {
    const client = getClient();
    const region = await client.config.region();
    if (region === FAST) return { Events: [] };
    slowPages += 1;
    // Two pages of the slow region are read; the deadline passes while the second is answered.
    if (slowPages === 2) time = DEADLINE.getTime() + 1;
    const minute = String(50 - slowPages).padStart(2, '0');
    return {
      Events: [denied(`slow-${slowPages}`, `2025-03-01T11:${minute}:00Z`, 'RoleWest')],
      NextToken: `token-${slowPages}`,
    };
  });
  const store = new MemoryStore();
  const result = await run(store, DEADLINE);

  expect(slowPages).toBe(2);
  const slow = result.summary.regions.find((region) => region.region === SLOW)!;
  expect(slow).toMatchObject({
    cutByDeadline: true,
    complete: false,
    pages: 2,
    progress: 'continues next run',
  });
  expect(slow.pendingGaps).toEqual([{ from: '2025-03-01T11:00:00.000Z', to: '2025-03-01T11:48:00.000Z' }]);
  expect(store.items.get(SLOW)!.watermark.gaps).toEqual(slow.pendingGaps);
  const fast = result.summary.regions.find((region) => region.region === FAST)!;
  expect(fast).toMatchObject({ cutByDeadline: false, complete: true, progress: 'complete' });
  expect(store.items.get(FAST)!.watermark.gaps).toEqual([]);
  expect(result.summary.deadlineReached).toBe(true);

  // The denials read are reported; their role was not read, so no diagnosis is claimed.
  const group = result.findings.find((finding) => finding.checkId === 'irsa.assume-role.denied')!;
  expect(group).toMatchObject({
    status: 'FAIL',
    region: SLOW,
    evidence: expect.objectContaining({ cause: 'unknown' }),
  });
  expect(String(group.evidence.roleLookupError)).toContain('DeadlineExceeded');
  expect(iam).not.toHaveReceivedCommand(GetRoleCommand);
  expect(iam).not.toHaveReceivedCommand(ListOpenIDConnectProvidersCommand);

  const deadlineErrors = result.findings.filter(isDeadlineFinding);
  expect(deadlineErrors.map((finding) => `${finding.region} ${finding.resource.name}`).sort()).toEqual([
    'global iam:GetRole',
    'global iam:ListOpenIDConnectProviders',
    `${SLOW} cloudtrail:LookupEvents`,
  ]);
  expect(result.uncheckedAtDeadline).toBe(3);
  expect(
    result.findings.filter(
      (finding) =>
        finding.status === 'PASS' &&
        finding.region === SLOW &&
        finding.resource.name === 'cloudtrail:LookupEvents',
    ),
  ).toEqual([]);
});
