/**
 * A fake two-region, two-credential TMC account for fault injection, answering through aws-sdk-client-mock.
 * Every response is computed from the request and the region of the client that sent it, so one region (or one
 * credential's resources) can be made to fail while the rest of the account stays healthy.
 *
 * - `alpha` has its rule tagged (DescribeRule, ListTargetsByRule);
 * - `beta`'s rule lost its tag and is found through its data-sync function (ListRuleNamesByTarget).
 */
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeRuleCommand,
  EventBridgeClient,
  ListRuleNamesByTargetCommand,
  ListTargetsByRuleCommand,
} from '@aws-sdk/client-eventbridge';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { DescribeParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { runCredentialCheck } from '../../../lambdas/app/credential-check';
import { createRegionClients } from '../../../lambdas/adapters/clients';
import { TMC_CREDENTIAL_TAG_KEY } from '../../../lambdas/core/inventory';
import { checkerSettingsSchema } from '../../../lambdas/core/settings';

export const ACCOUNT = '111122223333';
/** The region faults are injected into. */
export const FAULT_REGION = 'eu-west-1';
/** The region that must stay unaffected. */
export const OK_REGION = 'us-east-1';
export const REGIONS = [FAULT_REGION, OK_REGION] as const;
export const CREDENTIALS = ['alpha', 'beta'] as const;
export const NOW = new Date('2025-06-01T12:00:00Z');

export const fnArn = (region: string, name: string) => `arn:aws:lambda:${region}:${ACCOUNT}:function:${name}`;
export const ruleArn = (region: string, name: string) => `arn:aws:events:${region}:${ACCOUNT}:rule/${name}`;
export const paramArn = (region: string, credential: string) =>
  `arn:aws:ssm:${region}:${ACCOUNT}:parameter/tmc/${credential}/token`;
export const ruleName = (credential: string) => `${credential}-sync-schedule`;

const tagged = (arn: string, credential: string) => ({
  ResourceARN: arn,
  Tags: [{ Key: TMC_CREDENTIAL_TAG_KEY, Value: credential }],
});

export function taggedResources(region: string) {
  return CREDENTIALS.flatMap((credential) => [
    tagged(fnArn(region, `${credential}-data-sync`), credential),
    tagged(fnArn(region, `${credential}-resource-retriever`), credential),
    ...(credential === 'alpha' ? [tagged(ruleArn(region, ruleName(credential)), credential)] : []),
    tagged(paramArn(region, credential), credential),
  ]);
}

export const mocks = {
  tagging: mockClient(ResourceGroupsTaggingAPIClient),
  lambda: mockClient(LambdaClient),
  cloudwatch: mockClient(CloudWatchClient),
  events: mockClient(EventBridgeClient),
  ssm: mockClient(SSMClient),
};

/**
 * The region of the client that sent a mocked command. aws-sdk-client-mock's getClient() answers with the client
 * of the latest send, so it must be called before the responder awaits anything.
 */
export type GetClient = () => { config: { region: () => Promise<string> } };
export const regionOf = (getClient: GetClient): Promise<string> => getClient().config.region();

/** Whether a request names a resource of the credential (a batched request can name several). */
export function requestNames(input: unknown, credential: string): boolean {
  const text = JSON.stringify(input);
  return text.includes(`${credential}-`) || text.includes(`/${credential}/`);
}

/** Which credential a request is about, when it names one of its resources. */
export function credentialOf(input: unknown): string | undefined {
  return CREDENTIALS.find((credential) => requestNames(input, credential));
}

export const healthy = {
  async GetResources(_input: unknown, getClient: GetClient) {
    return { ResourceTagMappingList: taggedResources(await regionOf(getClient)) };
  },
  async GetFunctionConfiguration(input: { FunctionName?: string }, getClient: GetClient) {
    await regionOf(getClient);
    const name = (input.FunctionName ?? '').split(':').pop();
    return {
      FunctionName: name,
      FunctionArn: input.FunctionName,
      State: 'Active',
      LastUpdateStatus: 'Successful',
      Runtime: 'python3.12',
    };
  },
  async GetMetricData(input: { MetricDataQueries?: { Id?: string }[] }, getClient: GetClient) {
    await regionOf(getClient);
    return {
      MetricDataResults: (input.MetricDataQueries ?? []).map((query) => ({
        Id: query.Id,
        StatusCode: 'Complete',
        Values: query.Id?.endsWith('_invocations') ? [12] : [0],
      })),
    };
  },
  async DescribeRule(input: { Name?: string }, getClient: GetClient) {
    const region = await regionOf(getClient);
    return {
      Name: input.Name,
      Arn: ruleArn(region, input.Name ?? ''),
      State: 'ENABLED',
      ScheduleExpression: 'rate(5 minutes)',
    };
  },
  async ListTargetsByRule(input: { Rule?: string }, getClient: GetClient) {
    const region = await regionOf(getClient);
    const credential = (input.Rule ?? '').replace('-sync-schedule', '');
    return { Targets: [{ Id: 'sync', Arn: fnArn(region, `${credential}-data-sync`) }] };
  },
  async ListRuleNamesByTarget(input: { TargetArn?: string }, getClient: GetClient) {
    await regionOf(getClient);
    // Only beta's rule is untagged; it targets beta's data-sync function.
    return { RuleNames: input.TargetArn?.endsWith(':beta-data-sync') ? [ruleName('beta')] : [] };
  },
  async DescribeParameters(input: { ParameterFilters?: { Values?: string[] }[] }, getClient: GetClient) {
    await regionOf(getClient);
    return {
      Parameters: (input.ParameterFilters?.[0]?.Values ?? []).map((Name) => ({
        Name,
        Type: 'SecureString',
        Version: 3,
        LastModifiedDate: new Date('2025-06-01T06:00:00Z'),
      })),
    };
  },
};

export const COMMANDS = {
  GetResources: [mocks.tagging, GetResourcesCommand],
  GetFunctionConfiguration: [mocks.lambda, GetFunctionConfigurationCommand],
  GetMetricData: [mocks.cloudwatch, GetMetricDataCommand],
  DescribeRule: [mocks.events, DescribeRuleCommand],
  ListTargetsByRule: [mocks.events, ListTargetsByRuleCommand],
  ListRuleNamesByTarget: [mocks.events, ListRuleNamesByTargetCommand],
  DescribeParameters: [mocks.ssm, DescribeParametersCommand],
} as const;
export type CredentialApi = keyof typeof COMMANDS;

type Responder = (input: never, getClient: GetClient) => Promise<unknown>;

/**
 * Installs the healthy account, with `override` answering instead for the operations it names. An override
 * receives the healthy answer's function so it can delegate for requests it does not fault.
 */
export function installAccount(override: Partial<Record<CredentialApi, Responder>> = {}): void {
  for (const mock of Object.values(mocks)) mock.reset();
  for (const [api, [mock, command]] of Object.entries(COMMANDS) as [
    CredentialApi,
    (typeof COMMANDS)[CredentialApi],
  ][]) {
    const respond = override[api] ?? healthy[api];
    // The mocks are typed per client; the responder sees the raw input and the sending client.
    (mock as unknown as { on: (c: unknown) => { callsFake: (f: unknown) => void } })
      .on(command)
      .callsFake((input: never, getClient: GetClient) => {
        const client = getClient();
        return respond(input, () => client);
      });
  }
}

export function callsOf(api: CredentialApi): number {
  const [mock, command] = COMMANDS[api];
  return (mock as unknown as { commandCalls: (c: unknown) => unknown[] }).commandCalls(command).length;
}

/** The name the checker reports each API under (`service:Operation`, as in checker.error findings). */
export const SERVICE: Record<CredentialApi, string> = {
  GetResources: 'tagging',
  GetFunctionConfiguration: 'lambda',
  GetMetricData: 'cloudwatch',
  DescribeRule: 'events',
  ListTargetsByRule: 'events',
  ListRuleNamesByTarget: 'events',
  DescribeParameters: 'ssm',
};
export const operation = (api: CredentialApi) => `${SERVICE[api]}:${api}`;

/** A response that answers but lacks what the API promises. */
export const MALFORMED: Record<CredentialApi, (input: Record<string, unknown>) => unknown> = {
  GetResources: () => ({}),
  GetFunctionConfiguration: () => ({}),
  // Invocations answered, Errors and Throttles not: "no errors" would be a guess.
  GetMetricData: (input) => ({
    MetricDataResults: ((input.MetricDataQueries as { Id: string }[] | undefined) ?? [])
      .filter((query) => query.Id.endsWith('_invocations'))
      .map((query) => ({ Id: query.Id, StatusCode: 'Complete', Values: [12] })),
  }),
  DescribeRule: (input) => ({ Name: input.Name }),
  ListTargetsByRule: () => ({}),
  ListRuleNamesByTarget: () => ({}),
  DescribeParameters: () => ({}),
};

const settings = checkerSettingsSchema.parse({ regions: [...REGIONS], credentialNames: [...CREDENTIALS] });

/** One credential check of the whole account, as the Lambda and the CLI run it, without retries. */
export function runAccountCheck() {
  return runCredentialCheck(
    { accountId: ACCOUNT, settings, defaultRegion: OK_REGION },
    { clientsFor: (region) => createRegionClients(region, { maxAttempts: 1 }), now: () => NOW },
  );
}
