import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { OPEN_INDEX } from '../../lambdas/core/lifecycle/ledger-table';
import { lifecycleSettingsFromEnvironment } from '../../lambdas/core/lifecycle/settings';
import {
  actionSet,
  actionsOf,
  allPolicyStatements,
  resourceOf,
  roleAllows,
  synth,
  type PolicyStatementJson,
} from './helpers';

const LEDGER_ARN = { 'Fn::GetAtt': [expect.stringMatching(/^FindingsLedgerTable/), 'Arn'] };
const OPEN_INDEX_ARN = {
  'Fn::Join': ['', [LEDGER_ARN, `/index/${OPEN_INDEX}`]],
};

function ledgerStatements(statements: readonly PolicyStatementJson[]): PolicyStatementJson[] {
  return statements.filter((statement) => JSON.stringify(statement.Resource).includes('FindingsLedgerTable'));
}

function variablesOf(
  template: ReturnType<typeof synth>['template'],
  prefix: string,
): Record<string, unknown> {
  const fn = resourceOf(template, 'AWS::Lambda::Function', prefix);
  return (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
}

describe('the findings ledger table', () => {
  const { template } = synth();

  test('key findingId, on-demand, PITR, AWS-owned key, TTL expiresAt, sparse KEYS_ONLY open-index', () => {
    const table = resourceOf(template, 'AWS::DynamoDB::Table', 'FindingsLedgerTable');
    expect(table.Properties).toEqual({
      KeySchema: [{ AttributeName: 'findingId', KeyType: 'HASH' }],
      AttributeDefinitions: [
        { AttributeName: 'findingId', AttributeType: 'S' },
        { AttributeName: 'openMarker', AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: false },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      GlobalSecondaryIndexes: [
        {
          IndexName: OPEN_INDEX,
          KeySchema: [{ AttributeName: 'openMarker', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    });
  });

  test('removed with the stack (the JSDoc says what is lost), and output by name', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({ KeySchema: [{ AttributeName: 'findingId', KeyType: 'HASH' }] }),
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
    });
    template.hasOutput('FindingsLedgerTableName', {
      Value: { Ref: Match.stringLikeRegexp('^FindingsLedgerTable') },
    });
  });

  test('created without the IRSA check too', () => {
    resourceOf(synth({ irsaEnabled: false }).template, 'AWS::DynamoDB::Table', 'FindingsLedgerTable');
  });
});

describe.each([
  ['credential check', 'CheckerRole'],
  ['IRSA check', 'IrsaCheckerRole'],
])('the %s role and the ledger', (_name, rolePrefix) => {
  const { template } = synth();
  const statements = ledgerStatements(roleAllows(template, rolePrefix));

  test('BatchGetItem and PutItem on the table, Query on the open-index: nothing else', () => {
    expect(statements).toEqual([
      {
        Sid: 'ReadWriteFindingsLedger',
        Effect: 'Allow',
        Action: ['dynamodb:BatchGetItem', 'dynamodb:PutItem'],
        Resource: LEDGER_ARN,
      },
      { Sid: 'ListOpenFindings', Effect: 'Allow', Action: 'dynamodb:Query', Resource: OPEN_INDEX_ARN },
    ]);
  });
});

test('no role may Scan, delete or update ledger items, or use the ledger with a wildcard', () => {
  const { template } = synth();
  const dynamo = roleAllows(template, '').filter((statement) =>
    actionsOf(statement).some((action) => action.startsWith('dynamodb:')),
  );
  expect(actionSet(dynamo)).toEqual([
    'dynamodb:BatchGetItem',
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:Query',
  ]);
  expect(JSON.stringify(dynamo)).not.toContain('/index/*');
});

describe('the lifecycle environment', () => {
  const context = {
    reminderHours: '12',
    goneAfterRuns: 5,
    stormThreshold: '20',
    suppressions: '[{"checkId":"tmc.token.stale","expires":"2999-12-31","reason":"rotation moved to vault"}]',
    autoRemediation: 'true',
  };
  const { template } = synth(context);

  test.each([['CheckerFunction'], ['IrsaCheckerFunction']])(
    '%s gets every lifecycle key, and lifecycleSettingsFromEnvironment reads it back',
    (prefix) => {
      const variables = variablesOf(template, prefix);
      expect(variables.TMC_HEALTH_LEDGER_TABLE).toEqual({
        Ref: expect.stringMatching(/^FindingsLedgerTable/),
      });
      const resolved = Object.fromEntries(
        Object.entries(variables).map(([name, value]) => [name, typeof value === 'string' ? value : 'table']),
      );
      expect(lifecycleSettingsFromEnvironment(resolved)).toEqual({
        ledgerTableName: 'table',
        reminderHours: 12,
        goneAfterRuns: 5,
        stormThreshold: 20,
        sameCheckThreshold: 3,
        suppressions: [
          { checkId: 'tmc.token.stale', expires: '2999-12-31', reason: 'rotation moved to vault' },
        ],
        autoRemediation: true,
      });
    },
  );

  test('no suppressions: no TMC_HEALTH_SUPPRESSIONS variable', () => {
    expect(variablesOf(synth().template, 'CheckerFunction')).not.toHaveProperty('TMC_HEALTH_SUPPRESSIONS');
  });
});

describe('auto-remediation permission', () => {
  const invokers = (context: Record<string, unknown>) =>
    allPolicyStatements(synth(context).template).filter(
      (found) =>
        found.statement.Effect === 'Allow' &&
        actionsOf(found.statement).some((action) => action.toLowerCase() === 'lambda:invokefunction') &&
        // The schedules' own grants: each scheduler role may invoke its own function.
        !found.logicalId.includes('ScheduleRole'),
    );

  test.each([
    ['default', {}],
    ['explicitly false', { autoRemediation: 'false' }],
  ])('%s: no lambda:InvokeFunction outside the scheduler roles', (_name, context) => {
    expect(invokers(context)).toEqual([]);
  });

  test('true: the credential-check role may invoke tagged functions in each checked region only', () => {
    const found = invokers({ autoRemediation: true, regions: 'eu-west-1,us-east-1' });
    expect(found.map((f) => f.logicalId)).toEqual([expect.stringMatching(/^CheckerRole/)]);
    const statement = found[0]?.statement;
    expect(statement?.Sid).toBe('RetriggerTmcDataSync');
    expect(statement?.Action).toBe('lambda:InvokeFunction');
    expect(statement?.Condition).toEqual({
      Null: { 'aws:ResourceTag/account.tmc.cloud.vmware.com': 'false' },
    });
    const resources = JSON.stringify(statement?.Resource);
    expect(resources).toContain(':lambda:eu-west-1:');
    expect(resources).toContain(':lambda:us-east-1:');
    expect(resources.match(/:function:\*/g)).toHaveLength(2);
  });

  test('true without regions: the stack region', () => {
    const statement = invokers({ autoRemediation: true })[0]?.statement;
    expect(JSON.stringify(statement?.Resource)).toContain('{"Ref":"AWS::Region"}');
  });

  test('the IRSA role never gets it', () => {
    const found = invokers({ autoRemediation: true });
    expect(found.filter((f) => f.logicalId.startsWith('Irsa'))).toEqual([]);
  });
});

describe('suppression warnings', () => {
  test('an expired suppression warns (synth still succeeds); an active one does not', () => {
    const { stack } = synth({
      suppressions: [
        { checkId: 'tmc.token.stale', expires: '2000-01-01', reason: 'old rotation' },
        { credentialName: 'prod-eks', expires: '2999-12-31', reason: 'decommissioning' },
      ],
    });
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.anyValue());
    const texts = warnings.map((warning) => JSON.stringify(warning.entry.data));
    expect(texts).toHaveLength(1);
    expect(texts[0]).toMatch(/suppressions item 0 \(\\"old rotation\\"\) expired on 2000-01-01/);
  });

  test('a suppression naming no checkId, credentialName or roleArnPattern warns that it mutes everything', () => {
    const { stack } = synth({ suppressions: [{ expires: '2999-12-31', reason: 'freeze' }] });
    const texts = Annotations.fromStack(stack)
      .findWarning('*', Match.anyValue())
      .map((warning) => JSON.stringify(warning.entry.data));
    expect(texts.join('\n')).toMatch(/mutes every finding/);
  });

  test('no suppressions: no warnings', () => {
    expect(Annotations.fromStack(synth().stack).findWarning('*', Match.anyValue())).toEqual([]);
  });
});
