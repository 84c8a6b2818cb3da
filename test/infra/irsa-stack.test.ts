import { Match } from 'aws-cdk-lib/assertions';
import { irsaSettingsFromEnvironment } from '../../lambdas/core/irsa/settings';
import { resourceOf, synth } from './helpers';

function variablesOf(fn: { Properties: Record<string, unknown> }): Record<string, unknown> {
  return (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
}

describe('IRSA check with the default configuration', () => {
  const { template } = synth();
  const fn = resourceOf(template, 'AWS::Lambda::Function', 'IrsaCheckerFunction');

  test('its own function: Node.js 24, arm64, 5-minute timeout, its own role and log group', () => {
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: 300,
      Handler: 'index.handler',
      Role: { 'Fn::GetAtt': [expect.stringMatching(/^IrsaCheckerRole/) as unknown, 'Arn'] },
      LoggingConfig: { LogGroup: { Ref: expect.stringMatching(/^IrsaCheckerLogGroup/) as unknown } },
    });
    expect(JSON.stringify(fn.Properties.Role)).toMatch(/"IrsaCheckerRole[0-9A-F]{8}"/);
    expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  test('async invocations are never retried, expire after 60 s and fail to its own queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: Match.stringLikeRegexp('^IrsaCheckerFunction') },
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
      DestinationConfig: {
        OnFailure: {
          Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^IrsaCheckerFailureQueue'), 'Arn'] },
        },
      },
    });
  });

  test('its own schedule: rate(15 minutes), no retries, no flexible window, its own DLQ and role', () => {
    const schedule = resourceOf(template, 'AWS::Scheduler::Schedule', 'IrsaSchedule');
    expect(schedule.Properties).toMatchObject({
      ScheduleExpression: 'rate(15 minutes)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
      },
    });
    const target = JSON.stringify(schedule.Properties.Target);
    expect(target).toMatch(/"IrsaCheckerFunction[0-9A-F]{8}","Arn"/);
    expect(target).toMatch(/"IrsaCheckerFailureQueue[0-9A-F]{8}","Arn"/);
    expect(target).toMatch(/"IrsaScheduleRole[0-9A-F]{8}","Arn"/);
  });

  test('the watermark table: key pk (string), on-demand, PITR, AWS-owned key, removed with the stack', () => {
    // The watermark table and the findings ledger (findings-ledger.test.ts).
    template.resourceCountIs('AWS::DynamoDB::Table', 2);
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        // SSEEnabled false selects the AWS-owned key (tables are always encrypted at rest): no KMS grant needed.
        SSESpecification: { SSEEnabled: false },
      },
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
    });
  });

  test('the environment follows the irsaSettingsToEnvironment contract, with the table and the topic', () => {
    const variables = variablesOf(fn);
    expect(variables).toEqual({
      TMC_HEALTH_IRSA_LOOKBACK_MINUTES: '60',
      TMC_HEALTH_IRSA_OVERLAP_MINUTES: '15',
      TMC_HEALTH_IRSA_MAX_PAGES_PER_REGION: '50',
      TMC_HEALTH_IRSA_CRITICAL_COUNT: '100',
      TMC_HEALTH_IRSA_WATERMARK_TABLE: { Ref: expect.stringMatching(/^IrsaWatermarksTable/) as unknown },
      TMC_HEALTH_EVENT_BUS: 'default',
      TMC_HEALTH_TOPIC_ARN: { Ref: expect.stringMatching(/^NotificationsTopic/) as unknown },
      // The lifecycle settings, shared with the credential checker (findings-ledger.test.ts).
      TMC_HEALTH_LEDGER_TABLE: { Ref: expect.stringMatching(/^FindingsLedgerTable/) as unknown },
      TMC_HEALTH_REMINDER_HOURS: '24',
      TMC_HEALTH_GONE_AFTER_RUNS: '3',
      TMC_HEALTH_STORM_THRESHOLD: '10',
      TMC_HEALTH_SAME_CHECK_THRESHOLD: expect.stringMatching(/^\d+$/) as unknown,
      TMC_HEALTH_AUTO_REMEDIATION: 'false',
      POWERTOOLS_SERVICE_NAME: 'tmc-health-irsa-checker',
      POWERTOOLS_METRICS_NAMESPACE: 'TmcHealth',
      NODE_OPTIONS: '--enable-source-maps',
    });
  });

  test('outputs the IRSA function, its log group and DLQ, and the watermark table', () => {
    template.hasOutput('IrsaFunctionName', {
      Value: { Ref: Match.stringLikeRegexp('^IrsaCheckerFunction') },
    });
    template.hasOutput('WatermarkTableName', {
      Value: { Ref: Match.stringLikeRegexp('^IrsaWatermarksTable') },
    });
    template.hasOutput('IrsaLogGroupName', {
      Value: { Ref: Match.stringLikeRegexp('^IrsaCheckerLogGroup') },
    });
    template.hasOutput('IrsaDeadLetterQueueUrl', {
      Value: { Ref: Match.stringLikeRegexp('^IrsaCheckerFailureQueue') },
    });
  });
});

describe('IRSA check with configuration', () => {
  test('irsaEnabled=false (as -c passes it) removes the function, schedule, table, roles and outputs', () => {
    const { template } = synth({ irsaEnabled: 'false' });
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.resourceCountIs('AWS::Scheduler::Schedule', 1);
    // Only the findings ledger, which the credential check uses too.
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    resourceOf(template, 'AWS::DynamoDB::Table', 'FindingsLedgerTable');
    template.resourceCountIs('AWS::SQS::Queue', 1);
    const ids = Object.keys(template.toJSON().Resources as Record<string, unknown>);
    expect(ids.filter((id) => id.startsWith('Irsa'))).toEqual([]);
    const outputs = Object.keys(template.toJSON().Outputs as Record<string, unknown>);
    expect(outputs).not.toContain('IrsaFunctionName');
    expect(outputs).not.toContain('WatermarkTableName');
    expect(outputs).toContain('FunctionName');
  });

  test('every irsa* key reaches the function environment, and the function parses it back', () => {
    const { template } = synth({
      irsaRegions: 'eu-west-1,eu-central-1',
      irsaLookbackMinutes: '120',
      irsaOverlapMinutes: 0,
      irsaMaxPagesPerRegion: '20',
      irsaCriticalCount: 7,
      irsaSchedule: 'cron(0/30 * * * ? *)',
      eventBusName: 'tmc-findings',
      runbookBaseUrl: 'https://wiki.example.com/tmc',
      reservedConcurrency: '1',
    });
    const fn = resourceOf(template, 'AWS::Lambda::Function', 'IrsaCheckerFunction');
    const variables = variablesOf(fn);
    expect(variables).toMatchObject({
      TMC_HEALTH_IRSA_REGIONS: 'eu-west-1,eu-central-1',
      TMC_HEALTH_IRSA_LOOKBACK_MINUTES: '120',
      TMC_HEALTH_IRSA_OVERLAP_MINUTES: '0',
      TMC_HEALTH_IRSA_MAX_PAGES_PER_REGION: '20',
      TMC_HEALTH_IRSA_CRITICAL_COUNT: '7',
      TMC_HEALTH_EVENT_BUS: 'tmc-findings',
      TMC_HEALTH_RUNBOOK_BASE_URL: 'https://wiki.example.com/tmc',
    });
    expect(fn.Properties.ReservedConcurrentExecutions).toBe(1);
    // Replace the tokens with what CloudFormation would resolve them to, then parse as the Lambda does.
    const resolved = Object.fromEntries(
      Object.entries(variables).map(([name, value]) => [
        name,
        typeof value === 'string' ? value : 'resolved',
      ]),
    );
    expect(irsaSettingsFromEnvironment(resolved)).toMatchObject({
      regions: ['eu-west-1', 'eu-central-1'],
      lookbackMinutes: 120,
      overlapMinutes: 0,
      maxPagesPerRegion: 20,
      criticalCount: 7,
      watermarkTableName: 'resolved',
      eventBusName: 'tmc-findings',
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0/30 * * * ? *)',
      Target: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^IrsaCheckerFunction'), 'Arn'] } },
    });
    // The credential checker keeps its own schedule.
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(15 minutes)',
      Target: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CheckerFunction'), 'Arn'] } },
    });
  });

  test('an existing topic is used by both functions', () => {
    const arn = 'arn:aws:sns:eu-west-1:123456789012:central-alerts';
    const { template } = synth({ existingTopicArn: arn });
    expect(variablesOf(resourceOf(template, 'AWS::Lambda::Function', 'IrsaCheckerFunction'))).toMatchObject({
      TMC_HEALTH_TOPIC_ARN: arn,
    });
  });
});
