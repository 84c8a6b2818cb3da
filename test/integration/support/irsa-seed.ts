/**
 * Seeds the IRSA check's world: IAM OIDC providers and roles (trust policies correct and broken one way each) and
 * the watermark table in moto, and the matching AssumeRoleWithWebIdentity calls in the CloudTrail stub.
 */
import {
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  ScanCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { CreateOpenIDConnectProviderCommand, CreateRoleCommand } from '@aws-sdk/client-iam';
import type { DiagnosisCause } from '../../../lambdas/core/irsa/types';
import type { CloudTrailStub, StubEvent } from './cloudtrail-stub';
import {
  eksIssuer,
  malformedWebIdentityEvent,
  oidcProviderArn,
  serviceAccountSubject,
  spreadCalls,
  unrelatedEvent,
  type WebIdentityCall,
} from './irsa-fixtures';
import { MOTO_ACCOUNT_ID, motoEndpoint, TEST_REGION, type TestClients } from './moto';

export const CLUSTER_ISSUER = eksIssuer(TEST_REGION, 'EXAMPLED539D4633E53DE1B71EXAMPLE');
/** Another cluster's provider, also registered in the account: the "copied the trust policy" mistake. */
export const OTHER_CLUSTER_ISSUER = eksIssuer('eu-west-1', 'OTHERC1U5TER0000000000000000000A');
export const CLUSTER_PROVIDER_ARN = oidcProviderArn(MOTO_ACCOUNT_ID, CLUSTER_ISSUER);
export const OTHER_CLUSTER_PROVIDER_ARN = oidcProviderArn(MOTO_ACCOUNT_ID, OTHER_CLUSTER_ISSUER);
export const STS_AUDIENCE = 'sts.amazonaws.com';
/** The global STS endpoint's calls are logged here. */
export const GLOBAL_STS_REGION = 'us-east-1';
export const IRSA_REGIONS = [TEST_REGION, GLOBAL_STS_REGION] as const;

export const roleArn = (name: string) => `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/${name}`;

/** The trust statement the AWS guide prescribes, with the operator and values as parameters to break it. */
export function webIdentityStatement(options: {
  readonly issuer: string;
  readonly sub: string;
  readonly aud?: string;
  readonly operator?: 'StringEquals' | 'StringLike';
}): Record<string, unknown> {
  return {
    Effect: 'Allow',
    Principal: { Federated: oidcProviderArn(MOTO_ACCOUNT_ID, options.issuer) },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: {
      [options.operator ?? 'StringEquals']: {
        [`${options.issuer}:sub`]: options.sub,
        [`${options.issuer}:aud`]: options.aud ?? STS_AUDIENCE,
      },
    },
  };
}

export async function createOidcProvider(clients: TestClients, issuer: string): Promise<string> {
  const created = await clients.iam.send(
    new CreateOpenIDConnectProviderCommand({
      Url: `https://${issuer}`,
      ClientIDList: [STS_AUDIENCE],
      ThumbprintList: ['9e99a48a9960b14926bb7f3b02e22da2b0ab7280'],
    }),
  );
  return created.OpenIDConnectProviderArn!;
}

export async function createTrustRole(
  clients: TestClients,
  name: string,
  statements: readonly Record<string, unknown>[],
): Promise<string> {
  const created = await clients.iam.send(
    new CreateRoleCommand({
      RoleName: name,
      AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
      Description: `IRSA integration test role (${name})`,
    }),
  );
  return created.Role!.Arn!;
}

// ------------------------------------------------------------------------------------------- watermark table

export function dynamoClient(endpoint = motoEndpoint()): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: TEST_REGION,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 2,
  });
}

/** The table the stack creates: on-demand, key `pk` (string). */
export async function createWatermarkTable(dynamo: DynamoDBClient, tableName: string): Promise<void> {
  await dynamo.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}

export async function watermarkItem(
  dynamo: DynamoDBClient,
  tableName: string,
  region: string,
): Promise<Record<string, AttributeValue> | undefined> {
  const out = await dynamo.send(
    new GetItemCommand({
      TableName: tableName,
      Key: { pk: { S: `irsa-watermark#${region}` } },
      ConsistentRead: true,
    }),
  );
  return out.Item;
}

export async function watermarkKeys(dynamo: DynamoDBClient, tableName: string): Promise<string[]> {
  const out = await dynamo.send(new ScanCommand({ TableName: tableName }));
  return (out.Items ?? []).map((item) => item.pk?.S ?? '').sort();
}

export async function deleteWatermark(
  dynamo: DynamoDBClient,
  tableName: string,
  region: string,
): Promise<void> {
  await dynamo.send(
    new DeleteItemCommand({ TableName: tableName, Key: { pk: { S: `irsa-watermark#${region}` } } }),
  );
}

// ------------------------------------------------------------------------------------------------- scenario

/** One broken (role, service account) pair and what the checker must say about it. */
export interface BrokenPair {
  readonly label: string;
  readonly roleName: string;
  readonly roleArn: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly subject: string;
  readonly region: string;
  readonly errorCode: string;
  /** The provider as the finding names it (always an ARN). */
  readonly oidcProvider: string;
  readonly cause: DiagnosisCause;
  readonly count: number;
  /** Whether the role's trust policy should end up in the corrected statement (all but the missing role). */
  readonly roleExists: boolean;
  readonly events: readonly StubEvent[];
}

export interface IrsaScenario {
  readonly providers: { readonly cluster: string; readonly otherCluster: string };
  readonly correctRoleArn: string;
  readonly broken: readonly BrokenPair[];
  /** Successful calls (no errorCode): must be ignored. */
  readonly successes: readonly StubEvent[];
  /** Records that are not JSON: counted as skipped, never fatal. */
  readonly malformed: readonly StubEvent[];
  readonly from: Date;
  readonly to: Date;
}

interface PairSpec {
  readonly label: string;
  readonly roleName: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly region: string;
  readonly errorCode: string;
  readonly cause: DiagnosisCause;
  readonly count: number;
  readonly identityProviderAs: 'issuer' | 'arn';
  /** Trust statements of the role; undefined: the role does not exist. */
  readonly trust?: readonly Record<string, unknown>[];
}

export const CORRECT_ROLE = 'irsa-payments-api';

/** A role's statement that has nothing to do with IRSA: the operators' own role may assume it. */
export const OPS_STATEMENT: Readonly<Record<string, unknown>> = {
  Sid: 'OpsBreakGlass',
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/ops` },
  Action: 'sts:AssumeRole',
};

/** The broken pairs, one per cause the integration tier covers. */
export const PAIR_SPECS: readonly PairSpec[] = [
  {
    label: 'sub typo (the AWS guide example)',
    roleName: 'AccessEC2role',
    namespace: 'serverless',
    serviceAccount: 'aws-sdk',
    region: TEST_REGION,
    errorCode: 'AccessDenied',
    cause: 'sub-mismatch',
    count: 7,
    identityProviderAs: 'issuer',
    trust: [
      // A statement of another kind before the web-identity one: a correction must keep it as it is.
      OPS_STATEMENT,
      webIdentityStatement({
        issuer: CLUSTER_ISSUER,
        sub: serviceAccountSubject('serverless', 'aws-sdk-v2'),
      }),
    ],
  },
  {
    label: 'wildcard under StringEquals (global STS endpoint, logged in us-east-1)',
    roleName: 'irsa-batch-jobs',
    namespace: 'batch',
    serviceAccount: 'runner',
    region: GLOBAL_STS_REGION,
    errorCode: 'AccessDenied',
    cause: 'wildcard-under-string-equals',
    count: 3,
    identityProviderAs: 'arn',
    trust: [webIdentityStatement({ issuer: CLUSTER_ISSUER, sub: 'system:serviceaccount:batch:*' })],
  },
  {
    label: "another cluster's provider",
    roleName: 'irsa-reports-exporter',
    namespace: 'reports',
    serviceAccount: 'exporter',
    region: TEST_REGION,
    errorCode: 'AccessDenied',
    cause: 'provider-mismatch',
    count: 4,
    identityProviderAs: 'arn',
    trust: [
      webIdentityStatement({
        issuer: OTHER_CLUSTER_ISSUER,
        sub: serviceAccountSubject('reports', 'exporter'),
      }),
    ],
  },
  {
    label: 'wrong audience',
    roleName: 'irsa-web-frontend',
    namespace: 'web',
    serviceAccount: 'frontend',
    region: TEST_REGION,
    errorCode: 'AccessDenied',
    cause: 'aud-mismatch',
    count: 2,
    identityProviderAs: 'issuer',
    trust: [
      webIdentityStatement({
        issuer: CLUSTER_ISSUER,
        sub: serviceAccountSubject('web', 'frontend'),
        aud: 'sts.amazon.com',
      }),
    ],
  },
  {
    label: 'role deleted',
    roleName: 'irsa-ops-cleaner',
    namespace: 'ops',
    serviceAccount: 'cleaner',
    region: TEST_REGION,
    errorCode: 'AccessDenied',
    cause: 'role-not-found',
    count: 5,
    identityProviderAs: 'issuer',
  },
];

/**
 * Creates the providers and roles in moto and returns the CloudTrail events to seed (not yet seeded), spread
 * over [from, to). Every pair gets its own event ids; successful calls of the correct role and a malformed
 * record sit among them.
 */
export async function seedIrsaScenario(
  clients: TestClients,
  window: { readonly from: Date; readonly to: Date },
  specs: readonly PairSpec[] = PAIR_SPECS,
): Promise<IrsaScenario> {
  const cluster = await createOidcProvider(clients, CLUSTER_ISSUER);
  const otherCluster = await createOidcProvider(clients, OTHER_CLUSTER_ISSUER);
  const correctRoleArn = await createTrustRole(clients, CORRECT_ROLE, [
    webIdentityStatement({ issuer: CLUSTER_ISSUER, sub: serviceAccountSubject('payments', 'api') }),
  ]);

  const broken: BrokenPair[] = [];
  for (const spec of specs) {
    if (spec.trust) await createTrustRole(clients, spec.roleName, spec.trust);
    const call: WebIdentityCall = {
      roleArn: roleArn(spec.roleName),
      namespace: spec.namespace,
      serviceAccount: spec.serviceAccount,
      issuer: CLUSTER_ISSUER,
      providerAccount: MOTO_ACCOUNT_ID,
      identityProviderAs: spec.identityProviderAs,
      region: spec.region,
      eventTime: window.from,
      errorCode: spec.errorCode,
      sourceIpAddress: '10.0.42.17',
      userAgent: 'aws-sdk-go-v2/1.24.0 os/linux lang/go#1.21.5 md/GOOS#linux md/GOARCH#amd64 api/sts#1.26.7',
    };
    broken.push({
      label: spec.label,
      roleName: spec.roleName,
      roleArn: roleArn(spec.roleName),
      namespace: spec.namespace,
      serviceAccount: spec.serviceAccount,
      subject: serviceAccountSubject(spec.namespace, spec.serviceAccount),
      region: spec.region,
      errorCode: spec.errorCode,
      oidcProvider: CLUSTER_PROVIDER_ARN,
      cause: spec.cause,
      count: spec.count,
      roleExists: spec.trust !== undefined,
      events: spreadCalls(call, spec.count, window.from, window.to),
    });
  }

  const successes = spreadCalls(
    {
      roleArn: correctRoleArn,
      namespace: 'payments',
      serviceAccount: 'api',
      issuer: CLUSTER_ISSUER,
      providerAccount: MOTO_ACCOUNT_ID,
      identityProviderAs: 'arn',
      region: TEST_REGION,
      eventTime: window.from,
    },
    6,
    window.from,
    window.to,
  );
  const middle = new Date((window.from.getTime() + window.to.getTime()) / 2);
  return {
    providers: { cluster, otherCluster },
    correctRoleArn,
    broken,
    successes,
    malformed: [malformedWebIdentityEvent(TEST_REGION, middle)],
    from: window.from,
    to: window.to,
  };
}

/** Seeds the scenario's events (plus an unrelated AssumeRole denial the EventName filter must keep out). */
export function seedScenarioEvents(stub: CloudTrailStub, scenario: IrsaScenario): void {
  const byRegion = new Map<string, StubEvent[]>();
  const add = (region: string, events: readonly StubEvent[]) =>
    byRegion.set(region, [...(byRegion.get(region) ?? []), ...events]);
  for (const pair of scenario.broken) add(pair.region, pair.events);
  add(TEST_REGION, scenario.successes);
  add(TEST_REGION, scenario.malformed);
  add(TEST_REGION, [unrelatedEvent(TEST_REGION, scenario.from)]);
  for (const [region, events] of byRegion) stub.seed(region, events);
}

// ------------------------------------------------------------------------------------- a cluster elsewhere

/** A cluster of another region: its OIDC provider, a role trusting `orders/api`, and `count` denials of `orders/api-v2`. */
export const TOKYO_CLUSTER = {
  region: 'ap-northeast-1',
  issuer: eksIssuer('ap-northeast-1', 'TOKY0C1U5TER00000000000000000000'),
  roleName: 'tokyo-orders-api',
  denied: serviceAccountSubject('orders', 'api-v2'),
} as const;

/**
 * Seeds TOKYO_CLUSTER: a sub mismatch logged only in the cluster's own region (pods call their regional STS
 * endpoint), over the last half hour. Returns the role's ARN.
 */
export async function seedTokyoCluster(
  clients: TestClients,
  stub: CloudTrailStub,
  count: number,
): Promise<string> {
  const { region, issuer, roleName } = TOKYO_CLUSTER;
  await createOidcProvider(clients, issuer);
  await createTrustRole(clients, roleName, [
    webIdentityStatement({ issuer, sub: serviceAccountSubject('orders', 'api') }),
  ]);
  const now = Date.now();
  const call: WebIdentityCall = {
    roleArn: roleArn(roleName),
    namespace: 'orders',
    serviceAccount: 'api-v2',
    issuer,
    providerAccount: MOTO_ACCOUNT_ID,
    region,
    eventTime: new Date(now - 20 * 60_000),
    errorCode: 'AccessDenied',
  };
  stub.seed(region, spreadCalls(call, count, new Date(now - 30 * 60_000), new Date(now - 5 * 60_000)));
  return roleArn(roleName);
}
