import { Match } from 'aws-cdk-lib/assertions';
import { resourceOf, synth } from './helpers';

describe('TmcHealthCheckerStack with the default configuration', () => {
  const { template } = synth();

  test('the checker runs on Node.js 24, arm64, 256 MB, 5-minute timeout', () => {
    // Two functions: the credential checker and the IRSA check (irsa-stack.test.ts).
    template.resourceCountIs('AWS::Lambda::Function', 2);
    expect(resourceOf(template, 'AWS::Lambda::Function', 'CheckerFunction').Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 256,
      Timeout: 300,
      Handler: 'index.handler',
    });
  });

  test('the function environment comes from settingsToEnvironment plus Powertools settings', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          TMC_HEALTH_METRICS_WINDOW_MINUTES: '30',
          TMC_HEALTH_ERROR_THRESHOLD: '1',
          TMC_HEALTH_TOKEN_MAX_AGE_HOURS: '720',
          TMC_HEALTH_EVENT_BUS: 'default',
          TMC_HEALTH_TOPIC_ARN: { Ref: Match.stringLikeRegexp('NotificationsTopic') },
          POWERTOOLS_SERVICE_NAME: 'tmc-health-checker',
          POWERTOOLS_METRICS_NAMESPACE: 'TmcHealth',
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
    });
  });

  test('without regions configured, no TMC_HEALTH_REGIONS is set (the Lambda uses AWS_REGION)', () => {
    const fn = resourceOf(template, 'AWS::Lambda::Function', 'CheckerFunction');
    expect(fn.Properties.Environment).toBeDefined();
    const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables).toHaveProperty('TMC_HEALTH_EVENT_BUS');
    expect(variables).not.toHaveProperty('TMC_HEALTH_REGIONS');
    expect(variables).not.toHaveProperty('TMC_HEALTH_CREDENTIAL_NAMES');
    // The credential checker gets none of the IRSA check's settings.
    expect(Object.keys(variables).filter((name) => name.startsWith('TMC_HEALTH_IRSA_'))).toEqual([]);
  });

  test('no reserved concurrency by default (new accounts have a concurrency quota of 10)', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: Match.absent(),
    });
  });

  test('async invocations are never retried, expire after 60 s and fail to the SQS queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('FailureQueue'), 'Arn'] } },
      },
    });
  });

  test('the failure queue is encrypted, SSL-only and keeps messages 14 days', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  test('the schedule runs rate(15 minutes) with no retries and no flexible window', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(15 minutes)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('CheckerFunction'), 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('FailureQueue'), 'Arn'] } },
      },
    });
  });

  test('the log group is explicit, used by the function, keeps logs 30 days and goes with the stack', () => {
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 30 },
      DeletionPolicy: 'Delete',
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('CheckerLogGroup') } },
    });
  });

  test("the topic is encrypted with the stack's customer-managed key and has an SSL-only policy", () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NotificationsTopicKey'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Principal: '*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
    template.resourceCountIs('AWS::KMS::Key', 1);
  });

  test('no email subscriptions without notificationEmails', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  test('outputs the topic ARN, event bus, function name, DLQ URL and log group', () => {
    template.hasOutput('TopicArn', { Value: { Ref: Match.stringLikeRegexp('NotificationsTopic') } });
    template.hasOutput('EventBusName', { Value: 'default' });
    template.hasOutput('FunctionName', { Value: { Ref: Match.stringLikeRegexp('CheckerFunction') } });
    template.hasOutput('DeadLetterQueueUrl', { Value: { Ref: Match.stringLikeRegexp('FailureQueue') } });
    template.hasOutput('LogGroupName', { Value: { Ref: Match.stringLikeRegexp('CheckerLogGroup') } });
  });

  test('the stack is environment-agnostic (synthesizes without account or region)', () => {
    const { stack } = synth();
    expect(stack.resolve(stack.region)).toEqual({ Ref: 'AWS::Region' });
    expect(stack.resolve(stack.account)).toEqual({ Ref: 'AWS::AccountId' });
  });
});

describe('TmcHealthCheckerStack with configuration', () => {
  test('reservedConcurrency (as -c passes it, a string) sets reserved concurrency', () => {
    const { template } = synth({ reservedConcurrency: '1' });
    template.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 1 });
  });

  test('notificationEmails subscribes each address to the created topic', () => {
    const { template } = synth({ notificationEmails: 'ops@example.com, oncall@example.com' });
    template.resourceCountIs('AWS::SNS::Subscription', 2);
    for (const email of ['ops@example.com', 'oncall@example.com']) {
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: email,
        TopicArn: { Ref: Match.stringLikeRegexp('NotificationsTopic') },
      });
    }
  });

  test('existingTopicArn: no topic is created, the emails subscribe to it in its region', () => {
    const arn = 'arn:aws:sns:eu-west-1:123456789012:central-alerts';
    const { template } = synth({ existingTopicArn: arn, notificationEmails: ['ops@example.com'] });
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.hasResourceProperties('AWS::SNS::Subscription', { TopicArn: arn, Region: 'eu-west-1' });
    template.hasOutput('TopicArn', { Value: arn });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TMC_HEALTH_TOPIC_ARN: arn }) },
    });
  });

  test('runtime settings are passed to the function environment', () => {
    const { template } = synth({
      regions: 'eu-west-1,us-east-1',
      credentialNames: '["cred-a","cred-b"]',
      metricsWindowMinutes: 60,
      errorThreshold: '3',
      tokenMaxAgeHours: '48.5',
      dataSyncPattern: 'sync',
      resourceRetrieverPattern: 'retriever',
      eventBusName: 'tmc-findings',
      runbookBaseUrl: 'https://wiki.example.com/tmc',
      logRetentionDays: '90',
      schedule: 'cron(0/30 * * * ? *)',
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          TMC_HEALTH_REGIONS: 'eu-west-1,us-east-1',
          TMC_HEALTH_CREDENTIAL_NAMES: 'cred-a,cred-b',
          TMC_HEALTH_METRICS_WINDOW_MINUTES: '60',
          TMC_HEALTH_ERROR_THRESHOLD: '3',
          TMC_HEALTH_TOKEN_MAX_AGE_HOURS: '48.5',
          TMC_HEALTH_DATA_SYNC_PATTERN: 'sync',
          TMC_HEALTH_RESOURCE_RETRIEVER_PATTERN: 'retriever',
          TMC_HEALTH_EVENT_BUS: 'tmc-findings',
          TMC_HEALTH_RUNBOOK_BASE_URL: 'https://wiki.example.com/tmc',
        }),
      },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0/30 * * * ? *)',
    });
    template.hasOutput('EventBusName', { Value: 'tmc-findings' });
  });
});
