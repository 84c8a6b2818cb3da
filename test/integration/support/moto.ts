/**
 * Integration-tier plumbing for moto server (started by scripts/with-moto.sh, which exports MOTO_ENDPOINT).
 *
 * What moto 5.2.5 does and does not do for this project, each point verified by test/integration/moto-harness.test.ts:
 *
 *  Supported (relied upon):
 *  - Lambda CreateFunction/DeleteFunction/GetFunctionConfiguration/ListFunctions without Docker (functions are
 *    never invoked). The role must exist in IAM. New functions report State=Active, LastUpdateStatus=Successful.
 *  - Tagging GetResources (TagFilters + ResourceTypeFilters) lists tagged Lambda functions and SSM parameters.
 *  - EventBridge PutRule/PutTargets/DisableRule/ListRuleNamesByTarget/ListTargetsByRule; PutEvents on the
 *    default bus is delivered synchronously to an SQS target, honouring the rule's content filter.
 *  - SNS Publish (also MessageStructure=json) is delivered synchronously to SQS subscribers; the subscription's
 *    FilterPolicy on message attributes (e.g. `severity`) is honoured. Non-raw delivery: the SQS body is the SNS
 *    envelope, with MessageAttributes as `{ Type, Value }`.
 *  - CloudWatch PutMetricData/GetMetricData through @aws-sdk/client-cloudwatch (AWS JSON 1.0 protocol with
 *    awsQueryCompatible) returns the datapoints put, summed per Period.
 *  - SSM PutParameter (SecureString, with Tags), DescribeParameters (LastModifiedDate), DeleteParameter.
 *  - POST /moto-api/reset wipes every backend.
 *
 *  NOT supported (worked around):
 *  - EventBridge PutEvents treats a rule WITHOUT an event pattern (a schedule rule, like TMC's) as matching
 *    every event (its source does not consult the rule's State either) and raises NotImplementedError for
 *    Lambda targets: any PutEvents on a bus holding TMC's schedule rule (default bus, Lambda target) fails with
 *    HTTP 500 for the whole call. The end-to-end tests therefore publish findings to a custom bus
 *    (TMC_HEALTH_EVENT_BUS, which the checker supports) and keep TMC's schedule rules on the default bus where
 *    the checker looks for them.
 *  - Tagging GetResources does NOT list EventBridge rules, even tagged ones (real AWS does): the checker's
 *    fallback (rules found as targets-holders of the credential's Lambda, `discoveredBy: 'target'`) is what
 *    finds the rule under moto.
 *  - There is no way to backdate an SSM parameter's LastModifiedDate (the server uses the wall clock and has no
 *    time-freezing API in server mode), and the checker rounds the token age to 0.1 h, so a tiny
 *    TMC_HEALTH_TOKEN_MAX_AGE_HOURS plus a real wait would take minutes: the staleness test instead moves the
 *    in-process handler's Date 10 minutes ahead with a 0.1 h limit (credential-check.test.ts).
 *  - Lambda functions cannot be invoked (no Docker), so the AWS/Lambda metrics are written by the tests with
 *    PutMetricData rather than produced by invocations.
 *  - IAM/SigV4 are not enforced: any fake credentials work and AccessDenied paths cannot be exercised here.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { Context } from 'aws-lambda';

/** moto's default account. */
export const MOTO_ACCOUNT_ID = '123456789012';
export const TEST_REGION = 'us-west-2';

/** The moto endpoint exported by scripts/with-moto.sh; fails with instructions when the tier runs without it. */
export function motoEndpoint(): string {
  const endpoint = process.env.MOTO_ENDPOINT;
  if (endpoint === undefined || endpoint === '') {
    throw new Error(
      'MOTO_ENDPOINT is not set: run the integration tier through the moto wrapper, e.g. ' +
        '`npm run test:integration` or `bash scripts/with-moto.sh npx jest --selectProjects integration`',
    );
  }
  return endpoint.replace(/\/+$/, '');
}

/**
 * Points every AWS SDK v3 client created afterwards in this process at moto (the standard AWS_ENDPOINT_URL),
 * with fake static credentials and no profile, so nothing can reach a real account. Returns the endpoint.
 * Call before importing code that builds clients at module scope.
 */
export function useMotoEnvironment(endpoint = motoEndpoint()): string {
  process.env.AWS_ENDPOINT_URL = endpoint;
  process.env.AWS_REGION = TEST_REGION;
  process.env.AWS_DEFAULT_REGION = TEST_REGION;
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  for (const variable of [
    'AWS_PROFILE',
    'AWS_DEFAULT_PROFILE',
    'AWS_SESSION_TOKEN',
    'AWS_SECURITY_TOKEN',
    'AWS_ROLE_ARN',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  ]) {
    delete process.env[variable];
  }
  // Per-service endpoint overrides would win over AWS_ENDPOINT_URL.
  for (const variable of Object.keys(process.env)) {
    if (variable.startsWith('AWS_ENDPOINT_URL_')) delete process.env[variable];
  }
  return endpoint;
}

/** Wipes all moto state (every service, every region). */
export async function resetMoto(endpoint = motoEndpoint()): Promise<void> {
  const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status}`);
}

export interface TestClients {
  readonly iam: IAMClient;
  readonly lambda: LambdaClient;
  readonly cloudwatch: CloudWatchClient;
  readonly events: EventBridgeClient;
  readonly ssm: SSMClient;
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
  readonly tagging: ResourceGroupsTaggingAPIClient;
}

/**
 * Clients for the tests' own seeding and assertions, explicitly configured for moto (independent of env): with
 * moto's fake credentials (its default account), or with `credentials` (e.g. assumed into another account).
 */
export function testClients(
  endpoint = motoEndpoint(),
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = {
    accessKeyId: 'testing',
    secretAccessKey: 'testing',
  },
): TestClients {
  const config = { endpoint, region: TEST_REGION, credentials, maxAttempts: 2 };
  return {
    iam: new IAMClient(config),
    lambda: new LambdaClient(config),
    cloudwatch: new CloudWatchClient(config),
    events: new EventBridgeClient(config),
    ssm: new SSMClient(config),
    sns: new SNSClient(config),
    sqs: new SQSClient(config),
    tagging: new ResourceGroupsTaggingAPIClient(config),
  };
}

export function destroyClients(clients: TestClients): void {
  for (const client of Object.values(clients) as { destroy(): void }[]) client.destroy();
}

/** A minimal Lambda context for invoking a handler in-process against moto's account. */
export function lambdaContext(functionName = 'tmc-health-checker'): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${TEST_REGION}:${MOTO_ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: `test-${Date.now()}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
