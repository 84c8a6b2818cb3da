import { ConfigError, loadConfig } from '../../lib/config/config';

function problemsOf(context: Record<string, unknown>): string {
  try {
    loadConfig(context);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected an invalid configuration');
}

describe('loadConfig: defaults and accepted forms', () => {
  test('an empty context gives the documented defaults', () => {
    expect(loadConfig({})).toEqual({
      notificationEmails: [],
      eventBusName: 'default',
      regions: [],
      schedule: 'rate(15 minutes)',
      metricsWindowMinutes: 30,
      metricsIntervalMinutes: 60,
      errorThreshold: 1,
      tokenMaxAgeHours: 720,
      dataSyncPattern: expect.any(String),
      resourceRetrieverPattern: expect.any(String),
      logRetentionDays: 30,
      irsaEnabled: true,
      irsaRegions: [],
      irsaSchedule: 'rate(15 minutes)',
      irsaLookbackMinutes: 60,
      irsaOverlapMinutes: 15,
      irsaMaxPagesPerRegion: 50,
      irsaCriticalCount: 100,
      irsaRoleNamePatterns: ['*'],
      irsaRealtime: false,
      reminderHours: 24,
      goneAfterRuns: 3,
      stormThreshold: 10,
      suppressions: [],
      autoRemediation: false,
      mode: 'single',
      memberOrganizationalUnitIds: [],
      memberRegions: [],
      hubIntake: 'direct',
      securityHubExport: false,
      eksConnectorEnabled: true,
      eksConnectorPendingGraceMinutes: 30,
      podIdentityEnabled: true,
      detailedMetrics: false,
      dashboard: false,
      pagerDutyMinSeverity: 'HIGH',
      opsItemsForHigh: false,
      throttleAlarms: false,
    });
  });

  test('CDK keys (@-prefixed, containing ":", CLI-owned) are ignored', () => {
    expect(() =>
      loadConfig({
        '@aws-cdk/core:newStyleStackSynthesis': true,
        'aws:cdk:bundling-stacks': [],
        'availability-zones:account=1:region=x': ['a'],
        'acknowledged-issue-numbers': [1],
        'cli-telemetry': false,
      }),
    ).not.toThrow();
  });

  test('-c strings: comma-separated or JSON lists, numeric strings; lists are de-duplicated', () => {
    const config = loadConfig({
      notificationEmails: ' ops@example.com , oncall@example.com,ops@example.com ',
      regions: '["eu-west-1","us-east-1"]',
      credentialNames: 'a,b',
      errorThreshold: '2',
      tokenMaxAgeHours: '0.5',
      logRetentionDays: '365',
      reservedConcurrency: '1',
    });
    expect(config).toMatchObject({
      notificationEmails: ['ops@example.com', 'oncall@example.com'],
      regions: ['eu-west-1', 'us-east-1'],
      credentialNames: ['a', 'b'],
      errorThreshold: 2,
      tokenMaxAgeHours: 0.5,
      logRetentionDays: 365,
      reservedConcurrency: 1,
    });
  });

  test.each([
    'rate(6 minutes)',
    'rate(1 hour)',
    'rate(2 hours)',
    'rate(1 day)',
    'rate(7 days)',
    'cron(0 * * * ? *)',
    'cron(0/10 * * * ? *)',
    'cron(0,30 8-18 ? * MON-FRI *)',
    'cron(15 10 L * ? 2030)',
    'cron(0 12 ? * 6L *)',
  ])('accepts the schedule %s', (schedule) => {
    expect(loadConfig({ schedule }).schedule).toBe(schedule);
  });

  test('accepts event bus names and ARNs, and topic ARNs in other partitions', () => {
    expect(loadConfig({ eventBusName: 'aws.partner/example.com/123/bus' }).eventBusName).toBe(
      'aws.partner/example.com/123/bus',
    );
    expect(() =>
      loadConfig({
        eventBusName: 'arn:aws-us-gov:events:us-gov-west-1:123456789012:event-bus/central',
        existingTopicArn: 'arn:aws-cn:sns:cn-north-1:123456789012:alerts',
      }),
    ).not.toThrow();
  });
});

describe('loadConfig: every invalid value fails, naming the key and the fix', () => {
  test.each<[string, Record<string, unknown>, RegExp]>([
    [
      'bad email',
      { notificationEmails: 'ops@example.com,not-an-email' },
      /notificationEmails: "not-an-email" is not a valid email address/,
    ],
    ['email list of the wrong type', { notificationEmails: 42 }, /notificationEmails: must be a list/],
    [
      'bad schedule expression',
      { schedule: 'every 15 minutes' },
      /schedule: must be an EventBridge Scheduler expression/,
    ],
    [
      'singular/plural mismatch',
      { schedule: 'rate(15 minute)' },
      /schedule: use the plural unit .*rate\(15 minutes\)/,
    ],
    ['plural for 1', { schedule: 'rate(1 hours)' }, /schedule: use the singular unit .*rate\(1 hour\)/],
    ['zero rate', { schedule: 'rate(0 minutes)' }, /schedule: the rate value must be a positive integer/],
    [
      'rate(1 minute) could overlap',
      { schedule: 'rate(1 minute)' },
      /schedule: runs every 1 minute\(s\), but runs must be at least 6 minutes apart/,
    ],
    [
      'rate equal to the timeout could overlap',
      { schedule: 'rate(5 minutes)' },
      /schedule: runs every 5 minute\(s\).*never overlap/,
    ],
    [
      'cron every 5 minutes could overlap',
      { schedule: 'cron(*/5 * * * ? *)' },
      /schedule: runs every 5 minute\(s\)/,
    ],
    [
      'cron with close minutes could overlap',
      { schedule: 'cron(0,3 * * * ? *)' },
      /schedule: runs every 3 minute\(s\)/,
    ],
    ['cron with 5 fields', { schedule: 'cron(0 * * * ?)' }, /schedule: cron\(\) needs 6 fields/],
    ['cron without ?', { schedule: 'cron(0 * * * * *)' }, /schedule: cron\(\) needs "\?" in exactly one/],
    ['cron minute out of range', { schedule: 'cron(61 * * * ? *)' }, /schedule: cron\(\) minutes field "61"/],
    [
      'one-time at()',
      { schedule: 'at(2030-01-01T00:00:00)' },
      /schedule: one-time at\(\) schedules are not supported/,
    ],
    [
      'unknown region',
      { regions: 'eu-west-1,mars-north-1' },
      /regions: "mars-north-1" is not a known AWS region/,
    ],
    ['malformed region', { regions: 'EU_WEST_1' }, /regions: "EU_WEST_1" is not a known AWS region/],
    [
      'regions across partitions',
      { regions: 'eu-west-1,cn-north-1' },
      /regions: all regions must be in the same AWS partition/,
    ],
    [
      'negative tokenMaxAgeHours',
      { tokenMaxAgeHours: '-5' },
      /tokenMaxAgeHours: must be a positive number \(got "-5"\)\. Set it in cdk\.json "context" or pass -c tokenMaxAgeHours=720\./,
    ],
    [
      'zero tokenMaxAgeHours',
      { tokenMaxAgeHours: 0 },
      /tokenMaxAgeHours: must be a positive number \(got 0\)/,
    ],
    [
      'non-numeric errorThreshold',
      { errorThreshold: 'many' },
      /errorThreshold: must be a positive integer \(got "many"\)/,
    ],
    ['zero errorThreshold', { errorThreshold: '0' }, /errorThreshold: must be a positive integer/],
    ['fractional errorThreshold', { errorThreshold: 1.5 }, /errorThreshold: must be a positive integer/],
    [
      'negative metricsWindowMinutes',
      { metricsWindowMinutes: -30 },
      /metricsWindowMinutes: must be a whole number of minutes from 5 to 1440/,
    ],
    [
      'zero reservedConcurrency',
      { reservedConcurrency: 0 },
      /reservedConcurrency: must be a positive integer/,
    ],
    [
      'unsupported logRetentionDays',
      { logRetentionDays: 31 },
      /logRetentionDays: must be one of 1, 3, 5, 7, 14, 30/,
    ],
    [
      'malformed topic ARN',
      { existingTopicArn: 'arn:aws:sns:eu-west-1:123:alerts' },
      /existingTopicArn: must be an SNS topic ARN/,
    ],
    [
      'queue ARN as topic ARN',
      { existingTopicArn: 'arn:aws:sqs:eu-west-1:123456789012:q' },
      /existingTopicArn: must be an SNS topic ARN/,
    ],
    [
      'FIFO topic',
      { existingTopicArn: 'arn:aws:sns:eu-west-1:123456789012:alerts.fifo' },
      /existingTopicArn: FIFO topics are not supported/,
    ],
    [
      'malformed event bus ARN',
      { eventBusName: 'arn:aws:events:eu-west-1:123456789012:rule/x' },
      /eventBusName: must be an event bus name or an ARN/,
    ],
    [
      'event bus name with spaces',
      { eventBusName: 'my bus' },
      /eventBusName: must be an event bus name or an ARN/,
    ],
    [
      'bad dataSyncPattern regex',
      { dataSyncPattern: 'data(sync' },
      /dataSyncPattern: must be a valid, non-empty regular expression/,
    ],
    [
      'bad resourceRetrieverPattern regex',
      { resourceRetrieverPattern: '[' },
      /resourceRetrieverPattern: must be a valid, non-empty regular expression/,
    ],
    [
      'credential name with a space',
      { credentialNames: ['my cred'] },
      /credentialNames: credential names must not contain commas or whitespace/,
    ],
    ['runbookBaseUrl not a URL', { runbookBaseUrl: 'wiki/tmc' }, /runbookBaseUrl: must be an http\(s\) URL/],
    [
      'unknown key with suggestion',
      { notificationEmail: 'ops@example.com' },
      /notificationEmail: unknown configuration key\. Did you mean "notificationEmails"\?/,
    ],
    [
      'wrongly cased key',
      { tokenmaxagehours: 1 },
      /tokenmaxagehours: unknown configuration key\. Did you mean "tokenMaxAgeHours"\?/,
    ],
    [
      'unknown key without suggestion',
      { colour: 'blue' },
      /colour: unknown configuration key\. Valid keys are: notificationEmails, /,
    ],
  ])('%s', (_name, context, expected) => {
    expect(problemsOf(context)).toMatch(expected);
  });

  test('every problem says how to fix it', () => {
    expect(problemsOf({ schedule: 'rate(1 minute)' })).toContain('pass -c "schedule=rate(15 minutes)"');
    expect(problemsOf({ notificationEmails: 'x' })).toContain('-c notificationEmails=ops@example.com');
    expect(problemsOf({ notificationEmail: 'x' })).toContain('Fix or remove it in cdk.json "context"');
  });

  test('all problems are reported at once', () => {
    const message = problemsOf({
      notificationEmail: 'ops@example.com',
      schedule: 'rate(1 minute)',
      regions: 'nowhere-1',
      errorThreshold: 0,
      tokenMaxAgeHours: -5,
      existingTopicArn: 'not-an-arn',
      dataSyncPattern: '(',
    });
    expect(message).toMatch(/^Invalid configuration \(7 problems\):/);
    for (const key of [
      'notificationEmail:',
      'schedule:',
      'regions:',
      'errorThreshold:',
      'tokenMaxAgeHours:',
      'existingTopicArn:',
      'dataSyncPattern:',
    ]) {
      expect(message).toContain(`  - ${key}`);
    }
  });

  test('a single problem is one line', () => {
    expect(problemsOf({ errorThreshold: 0 })).toMatch(/^Invalid configuration: errorThreshold: [^\n]+$/);
  });
});
