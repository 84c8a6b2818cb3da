/**
 * Least privilege, proven (issue 6 item 5): each checker role's synthesized policies are resolved to concrete
 * ARNs (account 123456789012, region us-west-2, partition aws, deterministic fake physical ids) and evaluated
 * with @cloud-copilot/iam-simulate (AGPL-3.0, a dev dependency imported only by tests). Every case can fail
 * both ways: what the checks need must be Allowed, everything else asked here must be denied.
 *
 * Resource policies in the template (topic policy, key policy, queue policies) take part in the simulation, so a
 * resource policy granting a checker role directly would be caught. Resources outside the template (TMC's token
 * parameter and its KMS key, TMC's functions and rules, other topics, buses and tables) have no resource policy,
 * except that foreign KMS keys get the permissive default key policy (the account root may use the key): then
 * only the checker's own identity policy stands between it and the key.
 */
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { TMC_CREDENTIAL_TAG_KEY } from '../../lambdas/core/inventory';
import { synth } from './helpers';

const ACCOUNT = '123456789012';
const OTHER_ACCOUNT = '210987654321';
const REGION = 'us-west-2';
const PARTITION = 'aws';

// ---------------------------------------------------------------------------------------------------------
// A small CloudFormation intrinsic resolver over the template's own resources.

interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}
type Resources = Readonly<Record<string, CfnResource>>;
type PolicyDocument = { readonly Statement: readonly Record<string, unknown>[] };

const PSEUDO: Readonly<Record<string, string>> = {
  'AWS::Partition': PARTITION,
  'AWS::Region': REGION,
  'AWS::AccountId': ACCOUNT,
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'TmcHealthChecker',
};

/** A deterministic fake physical id: the stack name and the logical id, as CloudFormation would name it. */
function physicalName(logicalId: string): string {
  return `TmcHealthChecker-${logicalId}`;
}

/** A deterministic fake KMS key id (uuid-shaped) derived from the logical id. */
function fakeKeyId(logicalId: string): string {
  const hex = [...logicalId]
    .map((char) => char.charCodeAt(0).toString(16))
    .join('')
    .padEnd(32, '0')
    .slice(0, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function arnOf(resources: Resources, logicalId: string): string {
  const resource = resources[logicalId];
  if (!resource) throw new Error(`Fn::GetAtt/Ref to unknown resource ${logicalId}`);
  const name = physicalName(logicalId);
  const prefix = (service: string, region = REGION) => `arn:${PARTITION}:${service}:${region}:${ACCOUNT}`;
  switch (resource.Type) {
    case 'AWS::SNS::Topic':
      return `${prefix('sns')}:${name}`;
    case 'AWS::DynamoDB::Table':
      return `${prefix('dynamodb')}:table/${name}`;
    case 'AWS::Lambda::Function':
      return `${prefix('lambda')}:function:${name}`;
    case 'AWS::SQS::Queue':
      return `${prefix('sqs')}:${name}`;
    case 'AWS::IAM::Role':
      return `arn:${PARTITION}:iam::${ACCOUNT}:role/${name}`;
    case 'AWS::KMS::Key':
      return `${prefix('kms')}:key/${fakeKeyId(logicalId)}`;
    case 'AWS::Logs::LogGroup':
      return `${prefix('logs')}:log-group:${name}:*`;
    case 'AWS::Events::EventBus':
      return `${prefix('events')}:event-bus/${name}`;
    case 'AWS::SNS::Subscription':
      return `${prefix('sns')}:${name}:sub`;
    default:
      throw new Error(`the resolver does not know the ARN of ${resource.Type} (${logicalId})`);
  }
}

function refOf(resources: Resources, logicalId: string): string {
  const pseudo = PSEUDO[logicalId];
  if (pseudo !== undefined) return pseudo;
  const resource = resources[logicalId];
  if (!resource) throw new Error(`Ref to unknown resource ${logicalId}`);
  switch (resource.Type) {
    case 'AWS::SNS::Topic':
    case 'AWS::IAM::ManagedPolicy':
      return arnOf(resources, logicalId);
    case 'AWS::SQS::Queue':
      return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${physicalName(logicalId)}`;
    case 'AWS::KMS::Key':
      return fakeKeyId(logicalId);
    default:
      // Tables, functions, roles, log groups, buses: Ref is the physical name.
      return physicalName(logicalId);
  }
}

function getAtt(resources: Resources, logicalId: string, attribute: string): string {
  if (attribute === 'Arn' || attribute === 'TopicArn') return arnOf(resources, logicalId);
  if (attribute === 'KeyId') return fakeKeyId(logicalId);
  if (attribute === 'QueueName' || attribute === 'TopicName') return physicalName(logicalId);
  if (attribute === 'QueueUrl') return refOf(resources, logicalId);
  throw new Error(`the resolver does not know Fn::GetAtt ${logicalId}.${attribute}`);
}

function substitute(resources: Resources, text: string, variables: Record<string, unknown>): string {
  return text.replace(/\$\{([^}!]+)\}/g, (_all, name: string) => {
    if (name in variables) return String(resolve(resources, variables[name]));
    const [logicalId, attribute] = name.split('.') as [string, string | undefined];
    return attribute === undefined ? refOf(resources, logicalId) : getAtt(resources, logicalId, attribute);
  });
}

/** Replaces Ref, Fn::GetAtt, Fn::Join and Fn::Sub with concrete strings; fails on any other intrinsic. */
function resolve(resources: Resources, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => resolve(resources, item));
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const [first] = entries;
  if (entries.length === 1 && first && (first[0] === 'Ref' || first[0].startsWith('Fn::'))) {
    const [intrinsic, argument] = first;
    if (intrinsic === 'Ref') return refOf(resources, argument as string);
    if (intrinsic === 'Fn::GetAtt') {
      const [logicalId, attribute] = (
        typeof argument === 'string' ? argument.split('.') : (argument as string[])
      ) as [string, string];
      return getAtt(resources, logicalId, attribute);
    }
    if (intrinsic === 'Fn::Join') {
      const [separator, parts] = argument as [string, unknown[]];
      return (resolve(resources, parts) as unknown[]).map(String).join(separator);
    }
    if (intrinsic === 'Fn::Sub') {
      return typeof argument === 'string'
        ? substitute(resources, argument, {})
        : substitute(
            resources,
            (argument as [string])[0],
            (argument as [string, Record<string, unknown>])[1],
          );
    }
    throw new Error(`the resolver does not handle ${intrinsic}`);
  }
  return Object.fromEntries(entries.map(([key, item]) => [key, resolve(resources, item)]));
}

// ---------------------------------------------------------------------------------------------------------
// The synthesized stack, resolved.

interface RoleUnderTest {
  readonly name: string;
  readonly principal: string;
  readonly policies: { name: string; policy: PolicyDocument }[];
  readonly logGroupArn: string;
  readonly deadLetterQueueArn: string;
  readonly functionArn: string;
}

interface ResolvedStack {
  readonly resources: Resources;
  readonly checker: RoleUnderTest;
  readonly irsa?: RoleUnderTest;
  readonly topicArn: string;
  /** The topic's customer-managed key, when the template has one. */
  readonly topicKeyArn?: string;
  readonly ledgerArn: string;
  readonly watermarkArn?: string;
  readonly busArn: string;
  /** Resource policies in the template, by the ARN they protect. */
  readonly resourcePolicies: ReadonlyMap<string, PolicyDocument>;
}

function logicalIdsOf(resources: Resources, type: string, prefix: string): string[] {
  return Object.entries(resources)
    .filter(([logicalId, resource]) => resource.Type === type && logicalId.startsWith(prefix))
    .map(([logicalId]) => logicalId);
}

function onlyLogicalId(resources: Resources, type: string, prefix: string): string {
  const ids = logicalIdsOf(resources, type, prefix);
  if (ids.length !== 1) throw new Error(`expected one ${type} starting with ${prefix}, found ${ids.length}`);
  return ids[0] as string;
}

function roleUnderTest(resources: Resources, prefix: string): RoleUnderTest {
  const roleId = onlyLogicalId(resources, 'AWS::IAM::Role', `${prefix}Role`);
  const role = resources[roleId] as CfnResource;
  if (role.Properties?.ManagedPolicyArns !== undefined) {
    throw new Error(`${roleId} has managed policies: resolve them before simulating`);
  }
  const policies: { name: string; policy: PolicyDocument }[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    const attached = resource.Properties?.Roles as { Ref?: string }[] | undefined;
    if (
      (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') &&
      attached?.some((ref) => ref.Ref === roleId)
    ) {
      policies.push({
        name: logicalId,
        policy: resolve(resources, resource.Properties?.PolicyDocument) as PolicyDocument,
      });
    }
  }
  for (const inline of (role.Properties?.Policies as { PolicyName: string; PolicyDocument: unknown }[]) ??
    []) {
    policies.push({
      name: inline.PolicyName,
      policy: resolve(resources, inline.PolicyDocument) as PolicyDocument,
    });
  }
  return {
    name: prefix,
    principal: `arn:${PARTITION}:sts::${ACCOUNT}:assumed-role/${physicalName(roleId)}/session`,
    policies,
    logGroupArn: arnOf(resources, onlyLogicalId(resources, 'AWS::Logs::LogGroup', `${prefix}LogGroup`)),
    deadLetterQueueArn: arnOf(
      resources,
      onlyLogicalId(resources, 'AWS::SQS::Queue', `${prefix}FailureQueue`),
    ),
    functionArn: arnOf(resources, onlyLogicalId(resources, 'AWS::Lambda::Function', `${prefix}Function`)),
  };
}

function resourcePoliciesOf(resources: Resources): Map<string, PolicyDocument> {
  const found = new Map<string, PolicyDocument>();
  const add = (arn: string, document: unknown) => {
    if (found.has(arn)) throw new Error(`two resource policies for ${arn}: merge them before simulating`);
    found.set(arn, resolve(resources, document) as PolicyDocument);
  };
  for (const [logicalId, resource] of Object.entries(resources)) {
    const props = resource.Properties ?? {};
    const targets = (key: string) =>
      ((props[key] as { Ref?: string }[] | undefined) ?? []).map((ref) => arnOf(resources, ref.Ref ?? ''));
    if (resource.Type === 'AWS::SNS::TopicPolicy')
      for (const arn of targets('Topics')) add(arn, props.PolicyDocument);
    if (resource.Type === 'AWS::SQS::QueuePolicy')
      for (const arn of targets('Queues')) add(arn, props.PolicyDocument);
    if (resource.Type === 'AWS::KMS::Key') add(arnOf(resources, logicalId), props.KeyPolicy);
    if (resource.Type === 'AWS::Events::EventBusPolicy') {
      throw new Error('an event bus policy is in the template: simulate it on its bus');
    }
  }
  return found;
}

function resolveStack(context: Record<string, unknown>): ResolvedStack {
  const { template } = synth(context);
  const resources = template.toJSON().Resources as Resources;
  const topicId = onlyLogicalId(resources, 'AWS::SNS::Topic', 'NotificationsTopic');
  const keyRef = (resources[topicId] as CfnResource).Properties?.KmsMasterKeyId as
    { Ref?: string; 'Fn::GetAtt'?: [string, string] } | undefined;
  const keyId = keyRef?.Ref ?? keyRef?.['Fn::GetAtt']?.[0];
  const topicKeyArn =
    keyId !== undefined && resources[keyId]?.Type === 'AWS::KMS::Key' ? arnOf(resources, keyId) : undefined;
  const checkerPolicy = roleUnderTest(resources, 'Checker').policies;
  const putEvents = checkerPolicy
    .flatMap((p) => p.policy.Statement)
    .find((statement) => statement.Sid === 'PublishFindingEvents');
  const watermarkIds = logicalIdsOf(resources, 'AWS::DynamoDB::Table', 'IrsaWatermarksTable');
  return {
    resources,
    checker: roleUnderTest(resources, 'Checker'),
    ...(logicalIdsOf(resources, 'AWS::IAM::Role', 'IrsaCheckerRole').length > 0
      ? { irsa: roleUnderTest(resources, 'IrsaChecker') }
      : {}),
    topicArn: arnOf(resources, topicId),
    ...(topicKeyArn ? { topicKeyArn } : {}),
    ledgerArn: arnOf(resources, onlyLogicalId(resources, 'AWS::DynamoDB::Table', 'FindingsLedgerTable')),
    ...(watermarkIds[0] ? { watermarkArn: arnOf(resources, watermarkIds[0]) } : {}),
    busArn: String(putEvents?.Resource),
    resourcePolicies: resourcePoliciesOf(resources),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Simulation.

type Outcome = 'Allowed' | 'denied';

/** The default key policy of a key the stack does not own: the account may use it, IAM policies decide. */
const FOREIGN_KEY_POLICY: PolicyDocument = {
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: `arn:${PARTITION}:iam::${ACCOUNT}:root` },
      Action: 'kms:*',
      Resource: '*',
    },
  ],
};

function accountOf(arn: string): string {
  return arn.startsWith('arn:') ? arn.split(':')[4] || ACCOUNT : ACCOUNT;
}

function regionOf(arn: string): string {
  return arn.startsWith('arn:') ? arn.split(':')[3] || REGION : REGION;
}

async function simulate(
  stack: ResolvedStack,
  role: RoleUnderTest,
  action: string,
  resource: string,
  context: Record<string, string | string[]> = {},
): Promise<Outcome> {
  const resourcePolicy =
    stack.resourcePolicies.get(resource) ??
    (resource.startsWith(`arn:${PARTITION}:kms:`) ? FOREIGN_KEY_POLICY : undefined);
  const simulation: Simulation = {
    request: {
      principal: role.principal,
      action,
      resource: { resource, accountId: accountOf(resource) },
      // Every call the functions make is over TLS (the SDK's default) to the resource's region.
      contextVariables: {
        'aws:SecureTransport': 'true',
        'aws:RequestedRegion': regionOf(resource),
        ...context,
      },
    },
    identityPolicies: role.policies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(resourcePolicy ? { resourcePolicy } : {}),
  };
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error') {
    throw new Error(`iam-simulate rejected ${action} on ${resource}: ${JSON.stringify(result.errors)}`);
  }
  if (result.resultType === 'single') {
    // A key dropped as unknown for the action could make a case pass by accident.
    expect(result.result.ignoredContextKeys ?? []).toEqual([]);
  }
  return result.overallResult === 'Allowed' ? 'Allowed' : 'denied';
}

// ---------------------------------------------------------------------------------------------------------
// The cases.

const TOKEN_PARAMETER = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/tmc/x/token`;
const OTHER_PARAMETER = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/prod/db/password`;
const ANY_PARAMETER = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/*`;
const TOKEN_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const TMC_FUNCTION = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:tmc-data-sync-x`;
const OTHER_FUNCTION = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:payments-api`;
const TMC_RULE = `arn:aws:events:${REGION}:${ACCOUNT}:rule/tmc-data-sync-x`;
const OTHER_TABLE = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/orders`;
const TMC_TAG = { [`aws:ResourceTag/${TMC_CREDENTIAL_TAG_KEY}`]: 'x' };
const VIA = (service: string) => ({ 'kms:ViaService': `${service}.${REGION}.amazonaws.com` });

const READ_TOKEN = [
  'ssm:GetParameter',
  'ssm:GetParameters',
  'ssm:GetParametersByPath',
  'ssm:GetParameterHistory',
];
const MODIFY_LAMBDA = [
  'lambda:UpdateFunctionCode',
  'lambda:UpdateFunctionConfiguration',
  'lambda:DeleteFunction',
  'lambda:PutFunctionConcurrency',
  'lambda:AddPermission',
];
const MODIFY_RULE = [
  'events:PutRule',
  'events:DeleteRule',
  'events:DisableRule',
  'events:EnableRule',
  'events:PutTargets',
  'events:RemoveTargets',
];
const MODIFY_PARAMETER = ['ssm:PutParameter', 'ssm:DeleteParameter', 'ssm:AddTagsToResource'];
const DYNAMODB_WRITES = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:DeleteTable',
  'dynamodb:UpdateTable',
];

interface Case {
  readonly title: string;
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string | string[]>;
  readonly expected: Outcome;
}

const denied = (
  title: string,
  actions: readonly string[],
  resources: readonly string[],
  context?: Record<string, string | string[]>,
): Case[] =>
  actions.flatMap((action) =>
    resources.map((resource) => ({
      title,
      action,
      resource,
      ...(context ? { context } : {}),
      expected: 'denied' as const,
    })),
  );

/** What every checker role must be refused, whatever the configuration. */
function forbiddenCases(stack: ResolvedStack, role: RoleUnderTest): Case[] {
  const ownFunctions = [stack.checker.functionArn, ...(stack.irsa ? [stack.irsa.functionArn] : [])];
  const otherTables = [
    OTHER_TABLE,
    ...(role === stack.irsa || !stack.watermarkArn ? [] : [stack.watermarkArn]),
  ];
  return [
    ...denied('read the TMC token or any parameter', READ_TOKEN, [
      TOKEN_PARAMETER,
      OTHER_PARAMETER,
      ANY_PARAMETER,
    ]),
    ...denied(
      'read the TMC token even though it carries the TMC tag',
      READ_TOKEN,
      [TOKEN_PARAMETER],
      TMC_TAG,
    ),
    ...denied('decrypt the token key via SSM', ['kms:Decrypt'], [TOKEN_KEY], VIA('ssm')),
    ...denied('decrypt the token key directly', ['kms:Decrypt'], [TOKEN_KEY]),
    ...denied(
      'use the token key even via SNS',
      ['kms:Decrypt', 'kms:GenerateDataKey'],
      [TOKEN_KEY],
      VIA('sns'),
    ),
    ...(stack.topicKeyArn
      ? [
          ...denied(
            'use the topic key outside SNS',
            ['kms:Decrypt', 'kms:GenerateDataKey'],
            [stack.topicKeyArn],
          ),
          ...denied('use the topic key via SSM', ['kms:Decrypt'], [stack.topicKeyArn], VIA('ssm')),
          ...denied(
            'manage the topic key',
            ['kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion', 'kms:CreateGrant'],
            [stack.topicKeyArn],
          ),
        ]
      : []),
    ...denied('modify a TMC function', MODIFY_LAMBDA, [TMC_FUNCTION], TMC_TAG),
    ...denied('modify any other function', MODIFY_LAMBDA, [OTHER_FUNCTION, ...ownFunctions]),
    ...denied(
      'invoke a function that is not TMC-tagged',
      ['lambda:InvokeFunction'],
      [OTHER_FUNCTION, ...ownFunctions],
    ),
    ...denied('modify a TMC rule', MODIFY_RULE, [TMC_RULE], TMC_TAG),
    ...denied('modify the TMC token parameter', MODIFY_PARAMETER, [TOKEN_PARAMETER], TMC_TAG),
    ...denied(
      'publish to another topic',
      ['sns:Publish'],
      [
        `arn:aws:sns:${REGION}:${ACCOUNT}:other-topic`,
        `arn:aws:sns:eu-west-1:${ACCOUNT}:${stack.topicArn.split(':')[5] ?? ''}`,
        `arn:aws:sns:${REGION}:${OTHER_ACCOUNT}:${stack.topicArn.split(':')[5] ?? ''}`,
      ],
    ),
    ...(stack.resourcePolicies.has(stack.topicArn)
      ? denied('publish to its own topic without TLS', ['sns:Publish'], [stack.topicArn], {
          'aws:SecureTransport': 'false',
        })
      : []),
    ...denied(
      'put events on another bus',
      ['events:PutEvents'],
      [
        `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/other`,
        `arn:aws:events:eu-west-1:${ACCOUNT}:event-bus/default`,
        `arn:aws:events:${REGION}:${OTHER_ACCOUNT}:event-bus/default`,
      ],
    ),
    ...denied('write any other table', DYNAMODB_WRITES, otherTables),
    ...denied('write the ledger other than by conditional PutItem, or change it', DYNAMODB_WRITES.slice(1), [
      stack.ledgerArn,
    ]),
    ...denied('scan or delete from the ledger', ['dynamodb:Scan', 'dynamodb:DeleteItem'], [stack.ledgerArn]),
    ...denied(
      'assume roles or change IAM',
      ['sts:AssumeRole', 'iam:UpdateAssumeRolePolicy', 'iam:PutRolePolicy'],
      [`arn:aws:iam::${ACCOUNT}:role/AccessEC2role`],
    ),
  ];
}

const allowed = (
  title: string,
  action: string,
  resource: string,
  context?: Record<string, string | string[]>,
): Case => ({
  title,
  action,
  resource,
  ...(context ? { context } : {}),
  expected: 'Allowed',
});

/** What both roles need: logs, failure queue, the ledger, the topic (and its key) and the bus. */
function sharedNeeds(stack: ResolvedStack, role: RoleUnderTest): Case[] {
  const stream = `${role.logGroupArn.replace(/:\*$/, '')}:log-stream:2030/01/01/[$LATEST]abc`;
  return [
    allowed('write its logs', 'logs:CreateLogStream', stream),
    allowed('write its logs', 'logs:PutLogEvents', stream),
    allowed('record failed invocations', 'sqs:SendMessage', role.deadLetterQueueArn),
    allowed('load the ledger', 'dynamodb:BatchGetItem', stack.ledgerArn),
    allowed('commit the ledger', 'dynamodb:PutItem', stack.ledgerArn),
    allowed('list open findings', 'dynamodb:Query', `${stack.ledgerArn}/index/open-index`),
    allowed('publish its digest', 'sns:Publish', stack.topicArn),
    allowed('put its events', 'events:PutEvents', stack.busArn),
    ...(stack.topicKeyArn
      ? [
          allowed('encrypt for the topic via SNS', 'kms:GenerateDataKey', stack.topicKeyArn, VIA('sns')),
          allowed('decrypt for the topic via SNS', 'kms:Decrypt', stack.topicKeyArn, VIA('sns')),
        ]
      : []),
  ];
}

function checkerNeeds(stack: ResolvedStack, autoRemediation: boolean): Case[] {
  return [
    ...sharedNeeds(stack, stack.checker),
    allowed('discover TMC resources by tag', 'tag:GetResources', '*'),
    allowed('read a TMC function', 'lambda:GetFunctionConfiguration', TMC_FUNCTION, TMC_TAG),
    {
      ...allowed('', 'lambda:GetFunctionConfiguration', OTHER_FUNCTION),
      title: 'read a function without the TMC tag',
      expected: 'denied',
    },
    allowed('read function metrics', 'cloudwatch:GetMetricData', '*'),
    allowed('describe a TMC rule', 'events:DescribeRule', TMC_RULE),
    allowed('list a TMC rule targets', 'events:ListTargetsByRule', TMC_RULE),
    allowed('read token parameter metadata', 'ssm:DescribeParameters', '*'),
    {
      title: autoRemediation
        ? 're-trigger a TMC-tagged data-sync (autoRemediation)'
        : 'invoke TMC functions (autoRemediation is off)',
      action: 'lambda:InvokeFunction',
      resource: TMC_FUNCTION,
      context: TMC_TAG,
      expected: autoRemediation ? 'Allowed' : 'denied',
    },
    ...denied(
      'read the IRSA watermarks',
      ['dynamodb:GetItem'],
      stack.watermarkArn ? [stack.watermarkArn] : [],
    ),
    ...denied('hold IRSA permissions', ['cloudtrail:LookupEvents', 'iam:ListOpenIDConnectProviders'], ['*']),
  ];
}

function irsaNeeds(stack: ResolvedStack, role: RoleUnderTest): Case[] {
  const watermark = stack.watermarkArn as string;
  return [
    ...sharedNeeds(stack, role),
    allowed('scan CloudTrail in its region', 'cloudtrail:LookupEvents', '*', {
      'aws:RequestedRegion': REGION,
    }),
    allowed('scan CloudTrail in us-east-1', 'cloudtrail:LookupEvents', '*', {
      'aws:RequestedRegion': 'us-east-1',
    }),
    // No irsaRegions: the regions of the account's EKS OIDC providers, known only at run time.
    allowed('scan CloudTrail where an EKS cluster is', 'cloudtrail:LookupEvents', '*', {
      'aws:RequestedRegion': 'eu-west-1',
    }),
    allowed('read a role trust policy', 'iam:GetRole', `arn:aws:iam::${ACCOUNT}:role/AccessEC2role`),
    allowed('list OIDC providers', 'iam:ListOpenIDConnectProviders', '*'),
    allowed(
      'read an OIDC provider',
      'iam:GetOpenIDConnectProvider',
      `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.${REGION}.amazonaws.com/id/EXAMPLE`,
    ),
    allowed('read its watermark', 'dynamodb:GetItem', watermark),
    allowed('save its watermark', 'dynamodb:PutItem', watermark),
    ...denied('change watermarks other than by PutItem', DYNAMODB_WRITES.slice(1), [watermark]),
    ...denied('hold credential-check permissions', ['tag:GetResources', 'ssm:DescribeParameters'], ['*']),
    ...denied('invoke any function', ['lambda:InvokeFunction'], [TMC_FUNCTION], TMC_TAG),
    ...denied('read TMC functions', ['lambda:GetFunctionConfiguration'], [TMC_FUNCTION], TMC_TAG),
  ];
}

// ---------------------------------------------------------------------------------------------------------

const configurations: [string, Record<string, unknown>][] = [
  ['default', {}],
  ['autoRemediation', { autoRemediation: 'true' }],
  ['IRSA disabled', { irsaEnabled: 'false' }],
];

const label = (c: Case) =>
  `${c.expected === 'Allowed' ? 'may' : 'may not'} ${c.title}: ${c.action} on ${c.resource}${
    c.context ? ` with ${JSON.stringify(c.context)}` : ''
  }`;

describe.each(configurations)('least privilege, simulated (%s configuration)', (name, context) => {
  const stack = resolveStack(context);
  const autoRemediation = context.autoRemediation === 'true';

  test('the harness is not vacuous: one widened statement flips a forbidden case to Allowed', async () => {
    const widened: RoleUnderTest = {
      ...stack.checker,
      policies: [
        ...stack.checker.policies,
        {
          name: 'widened',
          policy: { Statement: [{ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: TOKEN_PARAMETER }] },
        },
      ],
    };
    expect(await simulate(stack, widened, 'ssm:GetParameter', TOKEN_PARAMETER)).toBe('Allowed');
    expect(await simulate(stack, stack.checker, 'ssm:GetParameter', TOKEN_PARAMETER)).toBe('denied');
  });

  test('the template resolves: both roles have policies, all resources are concrete ARNs', () => {
    expect(stack.checker.policies.length).toBeGreaterThan(0);
    expect(stack.irsa === undefined).toBe(name === 'IRSA disabled');
    expect(JSON.stringify(stack.checker.policies)).not.toMatch(/"(Ref|Fn::[A-Za-z]+)"/);
    expect(stack.busArn).toBe(`arn:aws:events:${REGION}:${ACCOUNT}:event-bus/default`);
  });

  const checkerCases = [...checkerNeeds(stack, autoRemediation), ...forbiddenCases(stack, stack.checker)];
  test.each(checkerCases.map((c) => [label(c), c] as const))(
    'credential check role %s',
    async (_label, c) => {
      expect(await simulate(stack, stack.checker, c.action, c.resource, c.context)).toBe(c.expected);
    },
  );

  const irsa = stack.irsa;
  if (irsa) {
    const irsaCases = [...irsaNeeds(stack, irsa), ...forbiddenCases(stack, irsa)];
    test.each(irsaCases.map((c) => [label(c), c] as const))('IRSA role %s', async (_label, c) => {
      expect(await simulate(stack, irsa, c.action, c.resource, c.context)).toBe(c.expected);
    });
  }

  test('any KMS permission is on the topic key only and only via SNS (none while the topic uses the AWS key)', () => {
    for (const role of [stack.checker, ...(irsa ? [irsa] : [])]) {
      const kmsStatements = role.policies
        .flatMap((p) => p.policy.Statement)
        .filter((statement) => JSON.stringify(statement.Action ?? statement.NotAction).includes('kms:'));
      if (!stack.topicKeyArn) {
        expect(kmsStatements).toEqual([]);
        continue;
      }
      for (const statement of kmsStatements) {
        expect(statement.Effect).toBe('Allow');
        expect([statement.Resource].flat()).toEqual([stack.topicKeyArn]);
        expect(statement.Condition).toEqual({
          StringEquals: { 'kms:ViaService': `sns.${REGION}.amazonaws.com` },
        });
      }
    }
  });

  /*
   * Found by this simulation: events:ListRuleNamesByTarget supports no resource-level permissions (the IAM
   * service authorization data lists no resource type for it), so AWS evaluates it against "*"; granted on
   * arn:...:rule/* only, the checker's rule discovery by target would have been AccessDenied in AWS.
   */
  test('credential check role may list the rules targeting a TMC function (ListRuleNamesByTarget on *)', async () => {
    expect(await simulate(stack, stack.checker, 'events:ListRuleNamesByTarget', '*')).toBe('Allowed');
  });
});
