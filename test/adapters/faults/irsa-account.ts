/**
 * A fake two-region IRSA account for fault injection, answering through aws-sdk-client-mock: each region's
 * CloudTrail holds two denied AssumeRoleWithWebIdentity calls for a role of its own whose trust policy names
 * another service account (sub-mismatch), with the cluster's OIDC provider registered. One API can be made to
 * fail, in its scope (one region, or one role) or everywhere.
 */
import { CloudTrailClient, LookupEventsCommand, type Event } from '@aws-sdk/client-cloudtrail';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  GetOpenIDConnectProviderCommand,
  GetRoleCommand,
  IAMClient,
  ListOpenIDConnectProvidersCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { runIrsaCheck } from '../../../lambdas/app/irsa-check';
import type { IrsaClients } from '../../../lambdas/adapters/irsa/gather-irsa';
import { TokenBucket } from '../../../lambdas/adapters/irsa/rate-limiter';
import { DynamoWatermarkStore } from '../../../lambdas/adapters/irsa/watermark-store';
import { irsaSettingsSchema } from '../../../lambdas/core/irsa/settings';
import {
  acceptingPublisher,
  instantLimiterClock,
  lookupEvent,
  policy,
  webIdentityStatement,
} from '../../fixtures/irsa';
import { publishingSink } from '../../../lambdas/app/run-sink';

export const ACCOUNT = '111122223333';
export const FAULT_REGION = 'us-west-2';
export const OK_REGION = 'us-east-1';
export const NOW = new Date('2025-03-01T12:00:00.000Z');
const ISSUER = 'oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';
const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/${ISSUER}`;
export const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
/** Each region's denials name their own role, so a GetRole fault can hit one and spare the other. */
const ROLE_OF: Record<string, string> = { [FAULT_REGION]: 'RoleWest', [OK_REGION]: 'RoleEast' };
export const MAX_PAGES = 4;
export const settings = irsaSettingsSchema.parse({
  regions: [FAULT_REGION, OK_REGION],
  watermarkTableName: 'wm',
  maxPagesPerRegion: MAX_PAGES,
});

export const cloudtrail = mockClient(CloudTrailClient);
const iam = mockClient(IAMClient);
const dynamodb = mockClient(DynamoDBClient);

export function denied(id: string, minute: number, region: string): Event {
  return lookupEvent({
    eventId: id,
    eventTime: `2025-03-01T11:${String(minute).padStart(2, '0')}:00Z`,
    region,
    identityProvider: ISSUER,
    roleArn: roleArn(ROLE_OF[region]!),
  });
}

// The trust policy of the fixtures (same account, issuer and provider), naming another service account.
const trust = encodeURIComponent(
  JSON.stringify(policy(webIdentityStatement({ subject: 'system:serviceaccount:serverless:aws-sdk-v2' }))),
);

export type Api =
  | 'LookupEvents'
  | 'GetRole'
  | 'ListOpenIDConnectProviders'
  | 'GetOpenIDConnectProvider'
  | 'GetItem'
  | 'PutItem';
export const SERVICE: Record<Api, string> = {
  LookupEvents: 'cloudtrail',
  GetRole: 'iam',
  ListOpenIDConnectProviders: 'iam',
  GetOpenIDConnectProvider: 'iam',
  GetItem: 'dynamodb',
  PutItem: 'dynamodb',
};
/** Where each API's failure is reported: IAM is global. */
export const REPORTED_REGION: Record<Api, string> = {
  LookupEvents: FAULT_REGION,
  GetRole: 'global',
  ListOpenIDConnectProviders: 'global',
  GetOpenIDConnectProvider: 'global',
  GetItem: FAULT_REGION,
  PutItem: FAULT_REGION,
};
type Getter = () => { config: { region: () => Promise<string> } };
type Responder = (input: Record<string, unknown>, region: string) => unknown;

export const healthy: Record<Api, Responder> = {
  LookupEvents: (_input, region) => ({
    Events: [denied(`${region}-2`, 50, region), denied(`${region}-1`, 40, region)],
  }),
  GetRole: (input) => ({ Role: { RoleName: input.RoleName, AssumeRolePolicyDocument: trust } }),
  ListOpenIDConnectProviders: () => ({ OpenIDConnectProviderList: [{ Arn: PROVIDER_ARN }] }),
  GetOpenIDConnectProvider: () => ({ Url: ISSUER, ClientIDList: ['sts.amazonaws.com'] }),
  GetItem: () => ({}),
  PutItem: () => ({}),
};
/** Which requests a fault hits: per-region calls in the faulted region, GetRole for its role only. */
const inScope: Record<Api, (input: Record<string, unknown>, region: string) => boolean> = {
  LookupEvents: (_input, region) => region === FAULT_REGION,
  GetRole: (input) => input.RoleName === 'RoleWest',
  ListOpenIDConnectProviders: () => true,
  GetOpenIDConnectProvider: () => true,
  GetItem: (input) => JSON.stringify(input.Key).includes(FAULT_REGION),
  PutItem: (input) => JSON.stringify(input.Item).includes(FAULT_REGION),
};
export const MALFORMED: Record<Api, Responder> = {
  LookupEvents: () => ({}),
  GetRole: () => ({}),
  ListOpenIDConnectProviders: () => ({}),
  GetOpenIDConnectProvider: () => ({ Url: ISSUER }),
  // An item that is not a watermark: reported, and the region scans its lookback instead.
  GetItem: () => ({ Item: { pk: { S: 'x' }, version: { N: '2' }, highWater: { S: 'not a time' } } }),
  PutItem: () => ({}),
};
export const COMMAND = {
  LookupEvents: [cloudtrail, LookupEventsCommand],
  GetRole: [iam, GetRoleCommand],
  ListOpenIDConnectProviders: [iam, ListOpenIDConnectProvidersCommand],
  GetOpenIDConnectProvider: [iam, GetOpenIDConnectProviderCommand],
  GetItem: [dynamodb, GetItemCommand],
  PutItem: [dynamodb, PutItemCommand],
} as const;
export const APIS = Object.keys(COMMAND) as Api[];

/** Installs the healthy account; `faulted` answers with `behaviour` in its scope, or on every call with `everywhere`. */
export function install(
  faulted?: Api,
  behaviour?: (input: Record<string, unknown>, call: number) => unknown,
  options: { everywhere?: boolean } = {},
): void {
  for (const mock of [cloudtrail, iam, dynamodb]) mock.reset();
  let calls = 0;
  for (const api of APIS) {
    const [mock, command] = COMMAND[api];
    (mock as unknown as { on: (c: unknown) => { callsFake: (f: unknown) => void } })
      .on(command)
      .callsFake(async (input: Record<string, unknown>, getClient: Getter) => {
        const region = await getClient().config.region();
        if (api === faulted && behaviour && (options.everywhere || inScope[api](input, region))) {
          calls += 1;
          return behaviour(input, calls);
        }
        return healthy[api](input, region);
      });
  }
}

export function run() {
  const clients: IrsaClients = {
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
  return runIrsaCheck(
    { accountId: ACCOUNT, settings, defaultRegion: FAULT_REGION },
    { clients, sink: publishingSink(acceptingPublisher), now: () => NOW },
  );
}
