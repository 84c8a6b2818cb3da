import * as fs from 'node:fs';
import * as path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { METRIC_NAMES, SERVICE_NAMES } from '../../lambdas/core/observability';
import { RUN_REPORT_DETAIL_TYPE, RUN_REPORT_SOURCE } from '../../lambdas/core/fleet/run-report-types';
import type { TmcHealthHubStack } from '../../lib/tmc-health-hub-stack';
import {
  HUB_CONTEXT,
  resourceOf,
  synthApp,
  type PolicyStatementJson,
  type TemplateResource,
} from './helpers';

const ORG = 'o-a1b2c3d4e5';

function hubOf(context: Record<string, unknown> = {}) {
  const synthesized = synthApp({ ...HUB_CONTEXT, ...context });
  const hub = synthesized.hub as TmcHealthHubStack;
  return { ...synthesized, hub, template: synthesized.templateOf(hub) };
}

describe('mode=hub defines the hub and one asset bucket stack per member region, nothing else', () => {
  const { assembly, single, member, memberAssets } = hubOf();

  test('stacks: TmcHealthHub and TmcHealthMemberAssets-<region>; no single-account or member stack', () => {
    expect(single).toBeUndefined();
    expect(member).toBeUndefined();
    expect(assembly.stacks.map((stack) => stack.stackName).sort()).toEqual([
      'TmcHealthHub',
      'TmcHealthMemberAssets-eu-west-1',
      'TmcHealthMemberAssets-us-east-1',
    ]);
    expect(memberAssets.map((stack) => stack.region)).toEqual(['eu-west-1', 'us-east-1']);
  });

  test('the hub is environment-agnostic; it depends on the asset stacks (they are deployed first)', () => {
    const hub = assembly.getStackByName('TmcHealthHub');
    expect(hub.environment.account).toBe('unknown-account');
    expect(hub.environment.region).toBe('unknown-region');
    expect(hub.dependencies.map((dependency) => dependency.id)).toEqual(
      expect.arrayContaining(['TmcHealthMemberAssets-eu-west-1', 'TmcHealthMemberAssets-us-east-1']),
    );
  });
});

describe('the hub bus', () => {
  const { template } = hubOf();

  test('is the custom bus tmc-health-fleet', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'tmc-health-fleet' });
  });

  test('policy: events:PutEvents of run reports by the member checker roles of the organization only, nothing broader', () => {
    const policies = Object.values(
      template.findResources('AWS::Events::EventBusPolicy'),
    ) as TemplateResource[];
    expect(policies).toHaveLength(1);
    const properties = policies[0]!.Properties;
    expect(properties.EventBusName).toEqual({ Ref: expect.stringMatching(/^FleetBus/) });
    const statement = properties.Statement as PolicyStatementJson & { Principal: unknown };
    expect(statement).toEqual({
      Sid: expect.any(String),
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: 'events:PutEvents',
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^FleetBus/), 'Arn'] },
      Condition: {
        StringEquals: { 'aws:PrincipalOrgID': ORG },
        ArnLike: {
          'aws:PrincipalArn': {
            'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::*:role/tmc-health-member/*']],
          },
        },
        'ForAllValues:StringEquals': {
          'events:source': RUN_REPORT_SOURCE,
          'events:detail-type': RUN_REPORT_DETAIL_TYPE,
        },
      },
    });
  });

  test('hubIntake=direct (the default): the run report rule invokes the intake, its failure queue the dead-letter queue', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: Match.stringLikeRegexp('^FleetBus') },
      EventPattern: { source: [RUN_REPORT_SOURCE], 'detail-type': [RUN_REPORT_DETAIL_TYPE] },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^IntakeFunction'), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^IntakeFailureQueue'), 'Arn'] } },
          RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 3 },
        }),
      ],
    });
    // No queue between them, nothing polled.
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 0);
    expect(Object.keys(template.findResources('AWS::SQS::Queue')).sort()).toEqual([
      expect.stringMatching(/^IntakeFailureQueue/),
      expect.stringMatching(/^WatchFailureQueue/),
    ]);
  });

  test('hubIntake=direct: only the run report rule may invoke the intake (events.amazonaws.com, aws:SourceArn)', () => {
    const permissions = Object.values(
      template.findResources('AWS::Lambda::Permission'),
    ) as TemplateResource[];
    expect(permissions.map((permission) => permission.Properties)).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [expect.stringMatching(/^IntakeFunction/), 'Arn'] },
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [expect.stringMatching(/^FleetBusRunReports/), 'Arn'] },
      },
    ]);
  });

  test('hubIntake=direct: the dead-letter queue takes messages from the rule only, TLS only, encrypted', () => {
    const queue = resourceOf(template, 'AWS::SQS::Queue', 'IntakeFailureQueue').Properties;
    expect(queue).toMatchObject({ SqsManagedSseEnabled: true });
    const statements = (Object.values(template.findResources('AWS::SQS::QueuePolicy')) as TemplateResource[])
      .filter((policy) =>
        (policy.Properties.Queues as { Ref: string }[]).some((q) => q.Ref.startsWith('IntakeFailureQueue')),
      )
      .flatMap(
        (policy) => (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
      );
    expect(statements.filter((statement) => statement.Effect === 'Allow')).toEqual([
      expect.objectContaining({
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Condition: {
          ArnEquals: {
            'aws:SourceArn': { 'Fn::GetAtt': [expect.stringMatching(/^FleetBusRunReports/), 'Arn'] },
          },
        },
      }),
    ]);
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  test('hubIntake=direct: the intake role reads no queue (no sqs:ReceiveMessage anywhere)', () => {
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toContain('sqs:ReceiveMessage');
  });
});

describe('the hub bus, hubIntake=queue', () => {
  const { template } = hubOf({ hubIntake: 'queue' });

  test('the run report rule puts each report on the report queue, what it cannot deliver on the failure queue', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: Match.stringLikeRegexp('^FleetBus') },
      EventPattern: { source: [RUN_REPORT_SOURCE], 'detail-type': [RUN_REPORT_DETAIL_TYPE] },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FleetBusReportQueue'), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^IntakeFailureQueue'), 'Arn'] } },
          RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 3 },
        }),
      ],
    });
    // Nothing invokes the intake directly: only the queue's event source mapping.
    expect(
      template.findResources('AWS::Lambda::Permission', {
        Properties: { Principal: 'events.amazonaws.com' },
      }),
    ).toEqual({});
  });

  test('the report queue: SSE, TLS only, the intake failure queue as its dead-letter queue after 5 receives', () => {
    const queue = resourceOf(template, 'AWS::SQS::Queue', 'FleetBusReportQueue').Properties;
    expect(queue).toMatchObject({
      SqsManagedSseEnabled: true,
      // Six times the intake's 2 minute timeout, plus the 5-minute batching window.
      VisibilityTimeout: 1020,
      MessageRetentionPeriod: 4 * 24 * 3600,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [expect.stringMatching(/^IntakeFailureQueue/), 'Arn'] },
        maxReceiveCount: 5,
      },
    });
  });

  test('the intake consumes the report queue in batches of 10, gathered up to 5 minutes, reporting item failures', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FleetBusReportQueue'), 'Arn'] },
      FunctionName: { Ref: Match.stringLikeRegexp('^IntakeFunction') },
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 300,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  test('queue policies: only the run report rule may send (events.amazonaws.com, aws:SourceArn), TLS only', () => {
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy')) as TemplateResource[];
    const ofQueue = (prefix: string) =>
      policies.filter((policy) =>
        (policy.Properties.Queues as { Ref: string }[]).some((queue) => queue.Ref.startsWith(prefix)),
      );
    for (const [prefix, actions] of [
      // The rule's target (CDK's grantSendMessages): SendMessage and the two reads a sender may make.
      ['FleetBusReportQueue', ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage']],
      // The rule's dead-letter queue.
      ['IntakeFailureQueue', 'sqs:SendMessage'],
    ] as const) {
      const statements = ofQueue(prefix).flatMap(
        (policy) => (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
      );
      const sends = statements.filter((statement) => statement.Effect === 'Allow');
      expect(sends).toEqual([
        expect.objectContaining({
          Principal: { Service: 'events.amazonaws.com' },
          Action: actions,
          Resource: { 'Fn::GetAtt': [expect.stringMatching(new RegExp(`^${prefix}`)), 'Arn'] },
          Condition: {
            ArnEquals: {
              'aws:SourceArn': { 'Fn::GetAtt': [expect.stringMatching(/^FleetBusRunReports/), 'Arn'] },
            },
          },
        }),
      ]);
      expect(statements).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });
});

describe('the hub functions, tables, topic and alarms', () => {
  const { template } = hubOf({ notificationEmails: 'ops@example.com' });
  const functionOf = (prefix: string) => resourceOf(template, 'AWS::Lambda::Function', prefix);
  const variables = (prefix: string) =>
    (functionOf(prefix).Properties.Environment as { Variables: Record<string, unknown> }).Variables;

  test('the findings ledger (reused) and the heartbeat table: accountId and family', () => {
    resourceOf(template, 'AWS::DynamoDB::Table', 'FindingsLedgerTable');
    expect(resourceOf(template, 'AWS::DynamoDB::Table', 'HeartbeatsTable').Properties).toMatchObject({
      KeySchema: [
        { AttributeName: 'accountId', KeyType: 'HASH' },
        { AttributeName: 'family', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'accountId', AttributeType: 'S' },
        { AttributeName: 'family', AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  test('the intake reads what its handler reads: ledger, heartbeat table, hub bus, topic, lifecycle', () => {
    expect(variables('IntakeFunction')).toMatchObject({
      TMC_HEALTH_LEDGER_TABLE: { Ref: expect.stringMatching(/^FindingsLedgerTable/) },
      TMC_HEALTH_FLEET_TABLE: { Ref: expect.stringMatching(/^HeartbeatsTable/) },
      TMC_HEALTH_EVENT_BUS: 'tmc-health-fleet',
      TMC_HEALTH_TOPIC_ARN: { Ref: expect.stringMatching(/^NotificationsTopic/) },
      TMC_HEALTH_REMINDER_HOURS: '24',
      POWERTOOLS_SERVICE_NAME: SERVICE_NAMES.fleetIntake,
    });
    expect(variables('IntakeFunction')).not.toHaveProperty('TMC_HEALTH_MEMBER_SILENT_AFTER_MINUTES');
    expect(functionOf('IntakeFunction').Properties.Runtime).toBe('nodejs24.x');
    expect(functionOf('IntakeFunction').Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  test('the watch gets the silence threshold: three schedule periods by default, or as configured', () => {
    expect(variables('WatchFunction')).toMatchObject({
      TMC_HEALTH_FLEET_TABLE: { Ref: expect.stringMatching(/^HeartbeatsTable/) },
      TMC_HEALTH_MEMBER_SILENT_AFTER_MINUTES: '45',
      POWERTOOLS_SERVICE_NAME: SERVICE_NAMES.fleetWatch,
    });
    const slower = hubOf({ schedule: 'rate(1 hour)', irsaSchedule: 'rate(2 hours)' }).template;
    const watch = resourceOf(slower, 'AWS::Lambda::Function', 'WatchFunction').Properties.Environment as {
      Variables: Record<string, unknown>;
    };
    expect(watch.Variables.TMC_HEALTH_MEMBER_SILENT_AFTER_MINUTES).toBe('360');
  });

  test('the watch runs on the member schedule; the intake retries a report (async, up to an hour)', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(15 minutes)',
      Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WatchFunction'), 'Arn'] } }),
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: Match.stringLikeRegexp('^IntakeFunction') },
      MaximumEventAgeInSeconds: 3600,
      MaximumRetryAttempts: 2,
    });
  });

  test('the topic and its key (reused), with the email subscription', () => {
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });

  test('self-monitoring on both hub functions, notifying the topic', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as TemplateResource[];
    const names = alarms.map((alarm) => alarm.Properties.AlarmName).sort();
    // hubIntake=direct: no queue to wait in; a failed report fails its invocation (errors), then its failure queue.
    expect(names).toEqual([
      ...['dead-letter-queue-not-empty', 'errors', 'no-successful-run'].map(
        (suffix) => `TmcHealthHub-fleet-intake-${suffix}`,
      ),
      ...['dead-letter-queue-not-empty', 'errors', 'no-successful-run'].map(
        (suffix) => `TmcHealthHub-fleet-watch-${suffix}`,
      ),
    ]);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^NotificationsTopic/) }]);
    }
  });

  test('throttleAlarms=true adds a Throttles alarm to both (scheduled) hub functions', () => {
    const app = synthApp({ ...HUB_CONTEXT, throttleAlarms: 'true' });
    const names = (
      Object.values(app.templateOf(app.hub!).findResources('AWS::CloudWatch::Alarm')) as TemplateResource[]
    ).map((alarm) => String(alarm.Properties.AlarmName));
    expect(names.filter((name) => name.endsWith('-throttles')).sort()).toEqual([
      'TmcHealthHub-fleet-intake-throttles',
      'TmcHealthHub-fleet-watch-throttles',
    ]);
  });
});

describe('the hub alarms read only free metrics; no dashboard and no custom metrics by default', () => {
  const { template } = hubOf();

  test('hubIntake=queue: a report the intake failed on (a batch item failure: the invocation succeeded) is an alarm', () => {
    const { template } = hubOf({ hubIntake: 'queue' });
    expect(
      (Object.values(template.findResources('AWS::CloudWatch::Alarm')) as TemplateResource[])
        .map((alarm) => String(alarm.Properties.AlarmName))
        .filter((name) => name.startsWith('TmcHealthHub-fleet-intake-'))
        .sort(),
    ).toEqual(
      ['dead-letter-queue-not-empty', 'errors', 'no-successful-run', 'retried'].map(
        (suffix) => `TmcHealthHub-fleet-intake-${suffix}`,
      ),
    );
    const retried = (Object.values(template.findResources('AWS::CloudWatch::Alarm')) as TemplateResource[])
      .map((alarm) => alarm.Properties)
      .find((props) => props.AlarmName === 'TmcHealthHub-fleet-intake-retried');
    const queue = resourceOf(template, 'AWS::SQS::Queue', 'FleetBusReportQueue').Properties;
    expect(retried).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [expect.stringMatching(/^FleetBusReportQueue/), 'QueueName'] },
        },
      ],
      Statistic: 'Maximum',
      ComparisonOperator: 'GreaterThanThreshold',
      // Older than the visibility timeout: received, not deleted, waiting for its retry.
      Threshold: queue.VisibilityTimeout,
      TreatMissingData: 'notBreaching',
    });
    expect(JSON.stringify(retried?.AlarmDescription)).toMatch(
      /EventBridge or SNS refused.*operations\.md#retried/,
    );
  });

  test('no dashboard, no DashboardName output, no function asked for custom metrics', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(Object.keys(template.findOutputs('DashboardName'))).toEqual([]);
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function')) as TemplateResource[]) {
      const environment = fn.Properties.Environment as { Variables?: Record<string, unknown> } | undefined;
      expect(environment?.Variables?.TMC_HEALTH_DETAILED_METRICS).toBeUndefined();
    }
  });
});

describe('the fleet dashboard (dashboard=true)', () => {
  const { template } = hubOf({ dashboard: 'true' });
  const body = JSON.stringify(
    (Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0] as TemplateResource).Properties
      .DashboardBody,
  );

  test("reads the member accounts from the intake's log with Logs Insights, not from custom metrics", () => {
    expect(body).toContain('fleet intake: run report');
    expect(body).toContain('\\"type\\":\\"log\\"');
    expect(body).toContain('IntakeLogGroup');
    expect(body).not.toContain('TmcHealth,AccountId,Family');
    template.hasOutput('DashboardName', {});
  });

  test('and shows the hub functions and their alarms', () => {
    expect(body).toContain('IntakeFunction');
    expect(body).toContain('WatchFunction');
    expect(body).toContain('\\"type\\":\\"alarm\\"');
  });
});

describe('the fleet dashboard (dashboard=true, detailedMetrics=true)', () => {
  const { template } = hubOf({ dashboard: 'true', detailedMetrics: 'true' });
  const body = JSON.stringify(
    (Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0] as TemplateResource).Properties
      .DashboardBody,
  );

  test('both hub functions emit the custom metrics', () => {
    const flagged = (
      Object.values(template.findResources('AWS::Lambda::Function')) as TemplateResource[]
    ).filter(
      (fn) =>
        (fn.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables
          ?.TMC_HEALTH_DETAILED_METRICS === 'true',
    );
    expect(flagged).toHaveLength(2);
  });

  test('finds the per-member metrics with SEARCH over {TmcHealth,AccountId,Family}', () => {
    for (const [metric, statistic] of [
      [METRIC_NAMES.checksFailing, 'Maximum'],
      [METRIC_NAMES.checksErrored, 'Maximum'],
      [METRIC_NAMES.runReported, 'Sum'],
    ] as const) {
      expect(body).toContain(
        `SEARCH('{TmcHealth,AccountId,Family} MetricName=\\\\\\"${metric}\\\\\\"', '${statistic}', 900)`,
      );
    }
  });
});

describe('the member StackSet', () => {
  const { template, assembly, hub } = hubOf();
  const stackSet = resourceOf(template, 'AWS::CloudFormation::StackSet', 'MemberStackSet').Properties;

  test('service-managed, auto-deployed to the OUs in the regions, not retained on account removal', () => {
    expect(stackSet).toMatchObject({
      StackSetName: 'TmcHealthMember',
      PermissionModel: 'SERVICE_MANAGED',
      CallAs: 'DELEGATED_ADMIN',
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      Capabilities: ['CAPABILITY_IAM'],
      StackInstancesGroup: [
        {
          DeploymentTargets: { OrganizationalUnitIds: ['ou-ab12-34cd56ef', 'ou-ab12-78gh90ij'] },
          Regions: ['eu-west-1', 'us-east-1'],
        },
      ],
    });
  });

  test('passes HubEventBusArn = the hub bus ARN, its only parameter', () => {
    expect(stackSet.Parameters).toEqual([
      {
        ParameterKey: 'HubEventBusArn',
        ParameterValue: { 'Fn::GetAtt': [expect.stringMatching(/^FleetBus/), 'Arn'] },
      },
    ]);
    const memberTemplate = JSON.parse(
      fs.readFileSync(path.join(assembly.directory, hub.memberTemplate.templateFile), 'utf8'),
    ) as { Parameters: Record<string, unknown> };
    expect(Object.keys(memberTemplate.Parameters)).toEqual(['HubEventBusArn']);
  });

  test("the template URL is the member template, published as a file asset of the hub's bootstrap bucket", () => {
    const url = (stackSet.TemplateURL as { 'Fn::Sub': string })['Fn::Sub'];
    const hash = /\/([0-9a-f]{64})\.json$/.exec(url)?.[1] as string;
    expect(url).toMatch(/^https:\/\/s3\.\$\{AWS::Region\}\.\$\{AWS::URLSuffix\}\/cdk-hnb659fds-assets-/);
    const manifest = JSON.parse(
      fs.readFileSync(path.join(assembly.directory, 'TmcHealthHub.assets.json'), 'utf8'),
    ) as { files: Record<string, { source: { path: string; packaging: string } }> };
    expect(manifest.files[hash]?.source).toEqual({
      path: hub.memberTemplate.templateFile,
      packaging: 'file',
    });
    // The template itself is not a deployable stack of the app.
    expect(assembly.stacks.map((stack) => stack.stackName)).not.toContain(hub.memberTemplate.stackName);
  });
});
