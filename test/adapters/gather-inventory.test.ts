import { answerEveryQuery } from '../fixtures/metrics';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeRuleCommand,
  EventBridgeClient,
  ListRuleNamesByTargetCommand,
  ListTargetsByRuleCommand,
} from '@aws-sdk/client-eventbridge';
import {
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  ListFunctionsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-lambda';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import {
  DescribeParametersCommand,
  GetParameterCommand,
  GetParameterHistoryCommand,
  GetParametersCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { TMC_CREDENTIAL_TAG_KEY } from '../../lambdas/core/inventory';
import { checkerSettingsSchema } from '../../lambdas/core/settings';
import { createRegionClients, type RegionClients } from '../../lambdas/adapters/clients';
import { gatherInventory } from '../../lambdas/adapters/gather-inventory';

const REGION = 'eu-west-1';
const ACCOUNT = '111122223333';
const NOW = new Date('2025-06-01T12:00:00Z');
const fnArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
const ruleArn = (name: string) => `arn:aws:events:${REGION}:${ACCOUNT}:rule/${name}`;
const paramArn = (rest: string) => `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/${rest}`;
const tagged = (arn: string, credential: string) => ({
  ResourceARN: arn,
  Tags: [{ Key: TMC_CREDENTIAL_TAG_KEY, Value: credential }],
});
/** The four resources TMC creates for one credential. */
const credentialResources = (credential: string) => [
  tagged(fnArn(`${credential}-data-sync`), credential),
  tagged(fnArn(`${credential}-resource-retriever`), credential),
  tagged(ruleArn(`${credential}-sync-schedule`), credential),
  tagged(paramArn(`tmc/${credential}/token`), credential),
];
const awsError = (name: string, message = name) => Object.assign(new Error(message), { name, $metadata: {} });

const tagging = mockClient(ResourceGroupsTaggingAPIClient);
const lambda = mockClient(LambdaClient);
const cloudwatch = mockClient(CloudWatchClient);
const events = mockClient(EventBridgeClient);
const ssm = mockClient(SSMClient);
const allMocks = [tagging, lambda, cloudwatch, events, ssm];
const inputsSent = (): unknown[] =>
  allMocks.flatMap((mock): unknown[] => mock.calls().map((call) => call.args[0].input));
const totalCalls = () => inputsSent().length;

// maxAttempts 1: a rejected mock is final, as a throttle that survived every retry would be.
const clientsFor = (region: string): RegionClients => createRegionClients(region, { maxAttempts: 1 });
const gather = (settings: Record<string, unknown> = {}, regions: readonly string[] = [REGION]) =>
  gatherInventory({
    accountId: ACCOUNT,
    regions,
    settings: checkerSettingsSchema.parse(settings),
    now: NOW,
    clientsFor,
  });

function healthyAccount(mappings: ReturnType<typeof tagged>[]): void {
  tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: mappings });
  lambda.on(GetFunctionConfigurationCommand).callsFake((input: { FunctionName: string }) => ({
    FunctionArn: input.FunctionName,
    State: 'Active',
    LastUpdateStatus: 'Successful',
    Runtime: 'python3.12',
  }));
  cloudwatch.on(GetMetricDataCommand).callsFake(answerEveryQuery());
  events.on(DescribeRuleCommand).callsFake((input: { Name: string }) => ({
    Name: input.Name,
    Arn: ruleArn(input.Name),
    State: 'ENABLED',
    ScheduleExpression: 'rate(5 minutes)',
  }));
  events.on(ListTargetsByRuleCommand).callsFake((input: { Rule: string }) => ({
    Targets: [{ Id: 'sync', Arn: fnArn(input.Rule.replace('-sync-schedule', '-data-sync')) }],
  }));
  events.on(ListRuleNamesByTargetCommand).resolves({ RuleNames: [] });
  ssm.on(DescribeParametersCommand).callsFake((input: { ParameterFilters: { Values: string[] }[] }) => ({
    Parameters: input.ParameterFilters[0]!.Values.map((Name) => ({
      Name,
      Type: 'SecureString',
      Version: 3,
      LastModifiedDate: new Date('2025-05-20T00:00:00Z'),
    })),
  }));
}

beforeEach(() => allMocks.forEach((mock) => mock.reset()));

describe('gatherInventory', () => {
  it('fills every field of the region inventory for a healthy credential', async () => {
    healthyAccount(credentialResources('prod'));
    const snapshot = await gather();

    expect(snapshot).toMatchObject({ accountId: ACCOUNT, observedAt: NOW.toISOString() });
    const [region] = snapshot.regions;
    expect(region).toMatchObject({
      region: REGION,
      discovery: { ok: true, value: { taggedResourceCount: 4 } },
      vanished: [],
      componentFailures: [],
      failures: [],
      skipped: [],
    });
    expect(region!.functions.map((fn) => fn.name).sort()).toEqual([
      'prod-data-sync',
      'prod-resource-retriever',
    ]);
    expect(region!.functions[0]).toMatchObject({
      credentialName: 'prod',
      configuration: { ok: true, value: { state: 'Active', lastUpdateStatus: 'Successful' } },
      metrics: { ok: true, value: { windowMinutes: 30, invocations: 0, errors: 0, throttles: 0 } },
    });
    expect(region!.rules).toEqual([
      {
        credentialName: 'prod',
        arn: ruleArn('prod-sync-schedule'),
        name: 'prod-sync-schedule',
        eventBusName: 'default',
        discoveredBy: 'tag',
        state: 'ENABLED',
        scheduleExpression: 'rate(5 minutes)',
        targets: { ok: true, value: [{ id: 'sync', arn: fnArn('prod-data-sync') }] },
      },
    ]);
    expect(region!.parameters).toEqual([
      {
        credentialName: 'prod',
        arn: paramArn('tmc/prod/token'),
        name: '/tmc/prod/token',
        lastModifiedDate: '2025-05-20T00:00:00.000Z',
        type: 'SecureString',
        version: 3,
      },
    ]);
    expect(region!.succeededOperations).toEqual([
      'cloudwatch:GetMetricData',
      'events:DescribeRule',
      'events:ListTargetsByRule',
      'lambda:GetFunctionConfiguration',
      'ssm:DescribeParameters',
      'tagging:GetResources',
    ]);
    // The fallback is only for credentials without a tagged rule.
    expect(events).not.toHaveReceivedCommand(ListRuleNamesByTargetCommand);
  });

  it('never reads the token value or downloads function code', async () => {
    healthyAccount(credentialResources('prod'));
    await gather();
    expect(ssm).toHaveReceivedCommand(DescribeParametersCommand);
    expect(ssm).not.toHaveReceivedCommand(GetParameterCommand);
    expect(ssm).not.toHaveReceivedCommand(GetParametersCommand);
    expect(ssm).not.toHaveReceivedCommand(GetParameterHistoryCommand);
    expect(lambda).not.toHaveReceivedCommand(GetFunctionCommand);
  });

  it('reports a denied GetResources as failed discovery and calls nothing else in that region', async () => {
    healthyAccount(credentialResources('prod'));
    tagging
      .on(GetResourcesCommand)
      .rejects(awsError('AccessDeniedException', 'not authorized: tag:GetResources'));
    const [region] = (await gather()).regions;

    expect(region!.discovery).toEqual({
      ok: false,
      failure: {
        service: 'tagging',
        operation: 'GetResources',
        region: REGION,
        errorName: 'AccessDeniedException',
        message: 'not authorized: tag:GetResources',
      },
    });
    expect(region!.failures).toHaveLength(1);
    expect(region!.functions).toEqual([]);
    expect(region!.succeededOperations).toEqual([]);
    expect(totalCalls()).toBe(1);
  });

  it('turns AccessDenied on DescribeParameters into a component failure and still returns the rest', async () => {
    healthyAccount([...credentialResources('prod'), ...credentialResources('dev')]);
    ssm
      .on(DescribeParametersCommand)
      .rejects(awsError('AccessDeniedException', 'not authorized: ssm:DescribeParameters'));
    const [region] = (await gather()).regions;

    const failure = expect.objectContaining({
      service: 'ssm',
      operation: 'DescribeParameters',
      errorName: 'AccessDeniedException',
    });
    expect(region!.componentFailures).toEqual(
      expect.arrayContaining([
        { credentialName: 'prod', kind: 'parameters', failure },
        { credentialName: 'dev', kind: 'parameters', failure },
      ]),
    );
    expect(region!.componentFailures).toHaveLength(2);
    expect(region!.failures).toEqual([failure]);
    expect(region!.parameters).toEqual([]);
    // "Could not look" is not "gone".
    expect(region!.vanished).toEqual([]);
    expect(region!.functions).toHaveLength(4);
    expect(region!.rules).toHaveLength(2);
    expect(region!.succeededOperations).not.toContain('ssm:DescribeParameters');
  });

  it('records a throttle that survived retries as a failure of that function only', async () => {
    healthyAccount(credentialResources('prod'));
    lambda
      .on(GetFunctionConfigurationCommand, { FunctionName: fnArn('prod-resource-retriever') })
      .rejects(awsError('TooManyRequestsException', 'Rate exceeded'));
    const [region] = (await gather()).regions;

    const retriever = region!.functions.find((fn) => fn.name === 'prod-resource-retriever');
    expect(retriever).toMatchObject({
      configuration: {
        ok: false,
        failure: { errorName: 'TooManyRequestsException', resourceArn: fnArn('prod-resource-retriever') },
      },
    });
    // Its metrics do not depend on the configuration and are still read.
    expect(retriever!.metrics).toMatchObject({ ok: true });
    const sync = region!.functions.find((fn) => fn.name === 'prod-data-sync');
    expect(sync!.configuration.ok).toBe(true);
    expect(region!.failures).toEqual([expect.objectContaining({ operation: 'GetFunctionConfiguration' })]);
    // Metrics were requested for both functions.
    const [metricsCall] = cloudwatch.commandCalls(GetMetricDataCommand);
    expect(metricsCall!.args[0].input.MetricDataQueries).toHaveLength(6);
  });

  it('lists a function that the tagging API returned but Lambda no longer has as vanished', async () => {
    healthyAccount(credentialResources('prod'));
    lambda
      .on(GetFunctionConfigurationCommand, { FunctionName: fnArn('prod-data-sync') })
      .rejects(new ResourceNotFoundException({ message: 'Function not found', $metadata: {} }));
    const [region] = (await gather()).regions;

    expect(region!.vanished).toEqual([
      { credentialName: 'prod', arn: fnArn('prod-data-sync'), resourceType: 'lambda:function' },
    ]);
    expect(region!.functions.map((fn) => fn.name)).toEqual(['prod-resource-retriever']);
    expect(region!.failures).toEqual([]);
  });

  it('skips and counts malformed mappings without failing the region', async () => {
    healthyAccount([
      ...credentialResources('prod'),
      tagged('not-an-arn', 'prod'),
      { ResourceARN: fnArn('orphan'), Tags: [{ Key: TMC_CREDENTIAL_TAG_KEY, Value: '' }] },
    ]);
    const [region] = (await gather()).regions;

    expect(region!.discovery).toEqual({ ok: true, value: { taggedResourceCount: 6 } });
    expect(region!.skipped).toHaveLength(2);
    expect(region!.skipped.map((record) => record.detail)).toEqual(['not-an-arn', fnArn('orphan')]);
    expect(region!.functions).toHaveLength(2);
  });

  it('makes no calls at all for credentials outside settings.credentialNames', async () => {
    healthyAccount([...credentialResources('prod'), ...credentialResources('dev')]);
    const [region] = (await gather({ credentialNames: ['prod'] })).regions;

    const credentials = new Set([
      ...region!.functions.map((fn) => fn.credentialName),
      ...region!.rules.map((rule) => rule.credentialName),
      ...region!.parameters.map((parameter) => parameter.credentialName),
    ]);
    expect([...credentials]).toEqual(['prod']);
    const devCalls = inputsSent().filter((input) => JSON.stringify(input).includes('dev'));
    expect(devCalls).toEqual([]);
    expect(lambda).toHaveReceivedCommandTimes(GetFunctionConfigurationCommand, 2);
  });

  it('makes the same number of AWS calls whether the account has 2 or 500 unrelated functions', async () => {
    const callsWithUnrelated = async (count: number) => {
      allMocks.forEach((mock) => mock.reset());
      healthyAccount(credentialResources('prod'));
      lambda.on(ListFunctionsCommand).resolves({
        Functions: Array.from({ length: count }, (_, index) => ({ FunctionName: `unrelated-${index}` })),
      });
      await gather();
      expect(lambda).not.toHaveReceivedCommand(ListFunctionsCommand);
      return totalCalls();
    };
    const few = await callsWithUnrelated(2);
    const many = await callsWithUnrelated(500);
    // GetResources, 2x GetFunctionConfiguration, GetMetricData, DescribeRule, ListTargetsByRule, DescribeParameters.
    expect(few).toBe(7);
    expect(many).toBe(few);
  });

  it('gathers each requested region with its own clients', async () => {
    healthyAccount(credentialResources('prod'));
    const regionsAsked: string[] = [];
    const snapshot = await gatherInventory({
      accountId: ACCOUNT,
      regions: ['eu-west-1', 'us-east-1'],
      settings: checkerSettingsSchema.parse({}),
      now: NOW,
      clientsFor: (region) => {
        regionsAsked.push(region);
        return clientsFor(region);
      },
    });
    expect(snapshot.regions.map((region) => region.region)).toEqual(['eu-west-1', 'us-east-1']);
    expect(regionsAsked.sort()).toEqual(['eu-west-1', 'us-east-1']);
    expect(tagging).toHaveReceivedCommandTimes(GetResourcesCommand, 2);
  });

  it('reports a region whose clients cannot be built without losing the other regions', async () => {
    healthyAccount(credentialResources('prod'));
    const snapshot = await gatherInventory({
      accountId: ACCOUNT,
      regions: ['bad-region', REGION],
      settings: checkerSettingsSchema.parse({}),
      now: NOW,
      clientsFor: (region) => {
        if (region === 'bad-region') throw new Error('cannot build clients');
        return clientsFor(region);
      },
    });
    expect(snapshot.regions[0]!.discovery).toMatchObject({
      ok: false,
      failure: { message: 'cannot build clients' },
    });
    expect(snapshot.regions[1]!.discovery.ok).toBe(true);
  });
});

describe('gatherInventory and the metrics cadence', () => {
  const withPlan = (metrics: Parameters<typeof gatherInventory>[0]['metrics']) =>
    gatherInventory({
      accountId: ACCOUNT,
      regions: [REGION],
      settings: checkerSettingsSchema.parse({}),
      now: NOW,
      clientsFor,
      ...(metrics ? { metrics } : {}),
    });

  it('makes no GetMetricData call on a run that does not read the metrics, and reads the rest', async () => {
    healthyAccount(credentialResources('prod'));
    const snapshot = await withPlan({
      read: false,
      slotStartedAt: '2025-06-01T12:00:00.000Z',
      nextReadAfter: '2025-06-01T13:00:00.000Z',
    });
    expect(cloudwatch).not.toHaveReceivedCommand(GetMetricDataCommand);
    const [region] = snapshot.regions;
    expect(region!.functions).toHaveLength(2);
    for (const fn of region!.functions) {
      expect(fn.metrics).toBeUndefined();
      expect(fn.configuration.ok).toBe(true);
    }
    expect(region!.failures).toEqual([]);
  });

  it('reads over the window the plan gives, the whole of it', async () => {
    healthyAccount(credentialResources('prod'));
    const snapshot = await withPlan({ read: true, windowMinutes: 75 });
    const input = cloudwatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    expect(NOW.getTime() - input.StartTime!.getTime()).toBe(75 * 60_000);
    expect(input.MetricDataQueries![0]!.MetricStat!.Period).toBe(75 * 60);
    expect(snapshot.regions[0]!.functions[0]!.metrics).toMatchObject({
      ok: true,
      value: { windowMinutes: 75 },
    });
  });
});
