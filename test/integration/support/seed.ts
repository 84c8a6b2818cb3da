/**
 * Seeds TMC-shaped credential resources in moto with the real AWS SDK v3 clients, healthy by default, with
 * options to break one thing at a time, plus helpers to break a seeded credential afterwards.
 */
import { PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { DisableRuleCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateRoleCommand, GetRoleCommand } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, DeleteFunctionCommand } from '@aws-sdk/client-lambda';
import { DeleteParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { TMC_CREDENTIAL_TAG_KEY } from '../../../lambdas/core/inventory';
import { MOTO_ACCOUNT_ID, TEST_REGION, type TestClients } from './moto';
import { HANDLER_ZIP } from './zip';

export type TmcFunctionComponent = 'data-sync' | 'resource-retriever';
export const TMC_FUNCTION_COMPONENTS: readonly TmcFunctionComponent[] = ['data-sync', 'resource-retriever'];

export interface LambdaMetricValues {
  readonly invocations?: number;
  readonly errors?: number;
  readonly throttles?: number;
}

export interface SeedOptions {
  /** Do not create this function (tmc.lambda.missing). */
  readonly omitFunction?: TmcFunctionComponent;
  /** Do not create the schedule rule at all (tmc.event-rule.missing). */
  readonly omitRule?: boolean;
  /** Create the rule disabled (tmc.event-rule.disabled). */
  readonly ruleState?: 'ENABLED' | 'DISABLED';
  /** Do not create the SSM token parameter (tmc.token.missing). */
  readonly omitParameter?: boolean;
  /**
   * Metric datapoints written per function, in the last few minutes. Default: 5 invocations, 0 errors,
   * 0 throttles for both functions. `null` writes nothing at all for that function (no datapoints).
   */
  readonly metrics?: Partial<Record<TmcFunctionComponent, LambdaMetricValues | null>>;
  /** Extra tags on every resource. */
  readonly extraTags?: Readonly<Record<string, string>>;
}

export interface SeededCredential {
  readonly name: string;
  readonly roleArn: string;
  readonly functionNames: Readonly<Record<TmcFunctionComponent, string>>;
  readonly functionArns: Partial<Record<TmcFunctionComponent, string>>;
  readonly ruleName: string;
  readonly ruleArn?: string;
  readonly parameterName: string;
  readonly parameterArn?: string;
}

export const HEALTHY_METRICS: Required<LambdaMetricValues> = { invocations: 5, errors: 0, throttles: 0 };

const ROLE_NAME = 'tmc-integration-lambda-role';

export const functionNameFor = (credential: string, component: TmcFunctionComponent) =>
  `${credential}-${component}`;
export const ruleNameFor = (credential: string) => `${credential}-data-sync-schedule`;
export const parameterNameFor = (credential: string) => `/tmc/${credential}/token`;

/** The Lambda execution role shared by all seeded functions (moto requires the role to exist). */
export async function ensureLambdaRole(clients: TestClients): Promise<string> {
  try {
    const existing = await clients.iam.send(new GetRoleCommand({ RoleName: ROLE_NAME }));
    if (existing.Role?.Arn) return existing.Role.Arn;
  } catch (error) {
    if (!(error instanceof Error) || error.name !== 'NoSuchEntityException') throw error;
  }
  const created = await clients.iam.send(
    new CreateRoleCommand({
      RoleName: ROLE_NAME,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
    }),
  );
  return created.Role!.Arn!;
}

export async function createFunction(
  clients: TestClients,
  name: string,
  roleArn: string,
  options: { description?: string; tags?: Record<string, string> } = {},
): Promise<string> {
  const created = await clients.lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Role: roleArn,
      Code: { ZipFile: HANDLER_ZIP },
      Description: options.description,
      Tags: options.tags,
    }),
  );
  return created.FunctionArn!;
}

/** Writes AWS/Lambda Sum datapoints for one function, timestamped `minutesAgo` before now (default 2). */
export async function putLambdaMetrics(
  clients: TestClients,
  functionName: string,
  values: LambdaMetricValues,
  minutesAgo = 2,
): Promise<void> {
  const timestamp = new Date(Date.now() - minutesAgo * 60_000);
  const datum = (metricName: string, value: number): MetricDatum => ({
    MetricName: metricName,
    Dimensions: [{ Name: 'FunctionName', Value: functionName }],
    Timestamp: timestamp,
    Unit: 'Count',
    Value: value,
  });
  const data: MetricDatum[] = [];
  if (values.invocations !== undefined) data.push(datum('Invocations', values.invocations));
  if (values.errors !== undefined) data.push(datum('Errors', values.errors));
  if (values.throttles !== undefined) data.push(datum('Throttles', values.throttles));
  if (data.length === 0) return;
  await clients.cloudwatch.send(new PutMetricDataCommand({ Namespace: 'AWS/Lambda', MetricData: data }));
}

export async function seedTmcCredential(
  clients: TestClients,
  name: string,
  options: SeedOptions = {},
): Promise<SeededCredential> {
  const tags = { ...options.extraTags, [TMC_CREDENTIAL_TAG_KEY]: name };
  const tagList = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
  const roleArn = await ensureLambdaRole(clients);

  const functionNames = {
    'data-sync': functionNameFor(name, 'data-sync'),
    'resource-retriever': functionNameFor(name, 'resource-retriever'),
  };
  const descriptions = {
    'data-sync': `TMC data sync job for AWS credential ${name}`,
    'resource-retriever': `TMC resource retriever job for AWS credential ${name}`,
  };
  const functionArns: Partial<Record<TmcFunctionComponent, string>> = {};
  for (const component of TMC_FUNCTION_COMPONENTS) {
    if (options.omitFunction === component) continue;
    functionArns[component] = await createFunction(clients, functionNames[component], roleArn, {
      description: descriptions[component],
      tags,
    });
    const metrics = options.metrics?.[component];
    if (metrics === null) continue;
    await putLambdaMetrics(clients, functionNames[component], { ...HEALTHY_METRICS, ...metrics });
  }

  const ruleName = ruleNameFor(name);
  let ruleArn: string | undefined;
  if (!options.omitRule) {
    const rule = await clients.events.send(
      new PutRuleCommand({
        Name: ruleName,
        ScheduleExpression: 'rate(5 minutes)',
        State: options.ruleState ?? 'ENABLED',
        Description: `TMC data sync schedule for AWS credential ${name}`,
        Tags: tagList,
      }),
    );
    ruleArn = rule.RuleArn;
    // TMC's rule always targets data-sync; when that function is omitted, keep the target pointing at its ARN.
    const dataSyncArn =
      functionArns['data-sync'] ??
      `arn:aws:lambda:${TEST_REGION}:${MOTO_ACCOUNT_ID}:function:${functionNames['data-sync']}`;
    await clients.events.send(
      new PutTargetsCommand({ Rule: ruleName, Targets: [{ Id: 'data-sync', Arn: dataSyncArn }] }),
    );
  }

  const parameterName = parameterNameFor(name);
  let parameterArn: string | undefined;
  if (!options.omitParameter) {
    await clients.ssm.send(
      new PutParameterCommand({
        Name: parameterName,
        Type: 'SecureString',
        Value: `token-for-${name}`,
        Description: `TMC auth token for AWS credential ${name}`,
        Tags: tagList,
      }),
    );
    parameterArn = `arn:aws:ssm:${TEST_REGION}:${MOTO_ACCOUNT_ID}:parameter${parameterName}`;
  }

  return { name, roleArn, functionNames, functionArns, ruleName, ruleArn, parameterName, parameterArn };
}

// ------------------------------------------------------------------------------ break a seeded credential

export async function deleteFunction(
  clients: TestClients,
  credential: SeededCredential,
  component: TmcFunctionComponent,
): Promise<void> {
  await clients.lambda.send(new DeleteFunctionCommand({ FunctionName: credential.functionNames[component] }));
}

export async function disableRule(clients: TestClients, credential: SeededCredential): Promise<void> {
  await clients.events.send(new DisableRuleCommand({ Name: credential.ruleName }));
}

export async function deleteParameter(clients: TestClients, credential: SeededCredential): Promise<void> {
  await clients.ssm.send(new DeleteParameterCommand({ Name: credential.parameterName }));
}

/** Creates `count` untagged functions unrelated to TMC, `concurrency` at a time. */
export async function seedUnrelatedFunctions(
  clients: TestClients,
  count: number,
  options: { prefix?: string; concurrency?: number } = {},
): Promise<string[]> {
  const roleArn = await ensureLambdaRole(clients);
  const prefix = options.prefix ?? 'unrelated';
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`);
  const concurrency = options.concurrency ?? 16;
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const name = names[next++]!;
      await createFunction(clients, name, roleArn, {
        description: 'An application function that has nothing to do with TMC',
        tags: { team: 'payments' },
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return names;
}
