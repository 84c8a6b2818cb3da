import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { METRIC_NAMES, SERVICE_NAMES } from '../../lambdas/core/observability';
import { loadConfigFromContext } from '../../lib/config/config';
import { deadMansSwitchWindow } from '../../lib/dead-mans-switch';
import { parseScheduleExpression } from '../../lib/config/schedule-expression';
import { TmcHealthCheckerStack } from '../../lib/tmc-health-checker-stack';
import { HUB_CONTEXT, synth, synthApp, type TemplateResource } from './helpers';

interface MetricQuery {
  readonly Id: string;
  readonly Expression?: string;
  readonly ReturnData?: boolean;
  readonly MetricStat?: {
    readonly Metric: { Namespace: string; MetricName: string; Dimensions?: unknown };
    readonly Period: number;
    readonly Stat: string;
  };
}

type AlarmProps = Record<string, unknown> & {
  readonly AlarmName: string;
  readonly AlarmActions?: unknown;
  readonly Namespace?: string;
  readonly Dimensions?: { Name: string; Value: unknown }[];
  readonly Metrics?: readonly MetricQuery[];
};

/** Every namespace an alarm reads: its own metric's, or each metric of its metric math. */
function namespacesOf(props: AlarmProps): string[] {
  if (props.Metrics) return props.Metrics.flatMap((query) => query.MetricStat?.Metric.Namespace ?? []);
  return [props.Namespace ?? '(none)'];
}

/** What AWS measures and bills nothing extra for: the only namespaces an alarm may read. */
const FREE_NAMESPACES = ['AWS/Lambda', 'AWS/SQS'];

function alarms(template: Template): Map<string, AlarmProps> {
  const found = template.findResources('AWS::CloudWatch::Alarm') as Record<string, TemplateResource>;
  return new Map(
    Object.values(found).map((resource) => {
      const props = resource.Properties as AlarmProps;
      return [props.AlarmName, props];
    }),
  );
}

function alarm(template: Template, name: string): AlarmProps {
  const found = alarms(template).get(name);
  if (!found) throw new Error(`no alarm named ${name}; have ${[...alarms(template).keys()].join(', ')}`);
  return found;
}

/**
 * The checkers' part of the telemetry contract: the fleet hub's services and per-member metrics (SERVICE_NAMES
 * fleetIntake and fleetWatch, ChecksFailing, RunReported, RunReportRejected) belong to the hub stack, not this one.
 */
const CHECKER_SERVICES = [SERVICE_NAMES.credentials, SERVICE_NAMES.irsa];
const FLEET_ONLY_METRICS: readonly string[] = [
  METRIC_NAMES.checksFailing,
  METRIC_NAMES.runReported,
  METRIC_NAMES.runReportRejected,
];
const CHECKER_METRICS = Object.values(METRIC_NAMES).filter((name) => !FLEET_ONLY_METRICS.includes(name));

const TOPIC_ACTION = [{ Ref: expect.stringMatching(/^NotificationsTopic[0-9A-F]{8}$/) as unknown }];
const CHECKERS = [
  {
    name: 'credential-check',
    service: SERVICE_NAMES.credentials,
    fn: /^CheckerFunction/,
    dlq: /^CheckerFailureQueue/,
  },
  {
    name: 'irsa-check',
    service: SERVICE_NAMES.irsa,
    fn: /^IrsaCheckerFunction/,
    dlq: /^IrsaCheckerFailureQueue/,
  },
];

describe('throttleAlarms', () => {
  test('true: one Throttles alarm per checker; the Security Hub exporter (no schedule) has one either way', () => {
    const throttles = (context: Record<string, unknown>) =>
      [...alarms(synth(context).template).keys()].filter((name) => name.endsWith('-throttles')).sort();
    expect(throttles({ throttleAlarms: 'true' })).toEqual([
      'TmcHealthChecker-credential-check-throttles',
      'TmcHealthChecker-irsa-check-throttles',
    ]);
    expect(throttles({ securityHubExport: 'true' })).toEqual([
      'TmcHealthChecker-security-hub-export-throttles',
    ]);
  });
});

describe('self-monitoring alarms (default configuration)', () => {
  const { template } = synth();

  test('three alarms per checker (no Throttles alarm: throttleAlarms is off), each notifying the findings topic', () => {
    expect([...alarms(template).keys()].sort()).toEqual(
      CHECKERS.flatMap(({ name }) =>
        ['errors', 'no-successful-run', 'dead-letter-queue-not-empty'].map(
          (suffix) => `TmcHealthChecker-${name}-${suffix}`,
        ),
      ).sort(),
    );
    for (const props of alarms(template).values()) {
      expect(props.AlarmActions).toEqual(TOPIC_ACTION);
      expect(props.AlarmDescription ? JSON.stringify(props.AlarmDescription) : '').toMatch(
        /Runbook: docs\/operations\.md#[a-z-]+/,
      );
    }
  });

  test('every runbook anchor an alarm points to is a section of docs/operations.md', () => {
    const doc = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'operations.md'), 'utf8');
    const headings = new Set([...doc.matchAll(/^### ([a-z-]+)$/gm)].map((match) => match[1]));
    const anchors = [...alarms(template).values()].map(
      (props) => /operations\.md#([a-z-]+)/.exec(JSON.stringify(props.AlarmDescription))?.[1],
    );
    expect(new Set(anchors).size).toBe(3);
    for (const anchor of anchors) expect(headings).toContain(anchor);
    // A run that could not deliver its findings fails its invocation: the Errors alarm says so and links it.
    for (const { name } of CHECKERS) {
      const errors = JSON.stringify(alarm(template, `TmcHealthChecker-${name}-errors`).AlarmDescription);
      expect(errors).toMatch(/could not deliver its findings/);
      expect(errors).toContain('operations.md#publish-failures');
    }
    expect(headings).toContain('publish-failures');
  });

  describe.each(CHECKERS)('$name', ({ name, service, fn, dlq }) => {
    const prefix = `TmcHealthChecker-${name}`;

    test.each([
      ['errors', 'Errors', {}],
      ['throttles', 'Throttles', { throttleAlarms: 'true' }],
    ])('Lambda %s > 0 over 5 minutes, missing data not breaching', (suffix, metricName, context) => {
      expect(alarm(synth(context).template, `${prefix}-${suffix}`)).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: metricName,
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: expect.stringMatching(fn) as unknown } }],
        Statistic: 'Sum',
        Period: 300,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        TreatMissingData: 'notBreaching',
      });
    });

    test("dead-man's switch: Invocations - Errors < 1 in two 15-minute periods (30 minutes), missing data breaching", () => {
      const props = alarm(template, `${prefix}-no-successful-run`);
      expect(props).toMatchObject({
        EvaluationPeriods: 2,
        DatapointsToAlarm: 2,
        ComparisonOperator: 'LessThanThreshold',
        Threshold: 1,
        TreatMissingData: 'breaching',
      });
      // Metric math: no MetricName, Namespace, Period or Statistic of its own (CloudFormation rejects both forms).
      for (const key of ['MetricName', 'Namespace', 'Period', 'Statistic', 'Dimensions']) {
        expect(props[key]).toBeUndefined();
      }
      const queries = props.Metrics ?? [];
      const returned = queries.filter((query) => query.ReturnData !== false);
      expect(returned).toEqual([
        expect.objectContaining({ Expression: 'FILL(invocations, 0) - FILL(errors, 0)', ReturnData: true }),
      ]);
      const read = queries.filter((query) => query.MetricStat !== undefined);
      expect(read.map((query) => [query.Id, query.ReturnData, query.MetricStat?.Metric.MetricName])).toEqual([
        ['invocations', false, 'Invocations'],
        ['errors', false, 'Errors'],
      ]);
      for (const query of read) {
        expect(query.MetricStat).toMatchObject({
          Metric: {
            Namespace: 'AWS/Lambda',
            Dimensions: [{ Name: 'FunctionName', Value: { Ref: expect.stringMatching(fn) as unknown } }],
          },
          Period: 900,
          Stat: 'Sum',
        });
      }
      expect(JSON.stringify(props.AlarmDescription)).toContain(
        service === SERVICE_NAMES.irsa ? 'IRSA' : 'credential',
      );
    });

    test("without its Throttles alarm, the dead-man's switch names throttling and how to confirm it", () => {
      const description = JSON.stringify(alarm(template, `${prefix}-no-successful-run`).AlarmDescription);
      expect(description).toMatch(/Throttling also stops runs/);
      expect(description).toContain('--namespace AWS/Lambda --metric-name Throttles');
      // The function's own name (a reference to it), so the command reads this function's metric.
      expect(description).toMatch(new RegExp(`Name=FunctionName,Value=.*"Ref":"${fn.source.slice(1)}`));
      // Under CloudWatch's 1,024-character limit for a description, with a long function name.
      expect(description.length).toBeLessThan(1024 - 64);
    });

    test('dead-letter queue not empty: ApproximateNumberOfMessagesVisible > 0', () => {
      expect(alarm(template, `${prefix}-dead-letter-queue-not-empty`)).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [
          { Name: 'QueueName', Value: { 'Fn::GetAtt': [expect.stringMatching(dlq), 'QueueName'] } },
        ],
        Statistic: 'Maximum',
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        TreatMissingData: 'notBreaching',
      });
    });
  });

  test('the functions carry the service names and namespace of the custom metrics, which are off', () => {
    for (const service of CHECKER_SERVICES) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            POWERTOOLS_SERVICE_NAME: service,
            POWERTOOLS_METRICS_NAMESPACE: 'TmcHealth',
            TMC_HEALTH_DETAILED_METRICS: Match.absent(),
          }),
        },
      });
    }
  });

  test('detailedMetrics=true turns them on in both checker functions, and changes no alarm', () => {
    const on = synth({ detailedMetrics: 'true' }).template;
    const flagged = (Object.values(on.findResources('AWS::Lambda::Function')) as TemplateResource[]).filter(
      (resource) =>
        (resource.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables
          ?.TMC_HEALTH_DETAILED_METRICS === 'true',
    );
    expect(flagged).toHaveLength(2);
    expect([...alarms(on).values()]).toEqual([...alarms(template).values()]);
  });
});

describe('no alarm of any default template reads a custom metric (single, hub, member)', () => {
  const single = synth().template;
  const hubApp = synthApp({ ...HUB_CONTEXT });
  const queuedHub = synthApp({ ...HUB_CONTEXT, hubIntake: 'queue' });
  const member = synthApp({
    mode: 'member',
    hubEventBusArn: 'arn:aws:events:eu-west-1:123456789012:event-bus/tmc-health-fleet',
  });
  test.each([
    ['single', single],
    ['hub', hubApp.templateOf(hubApp.hub!)],
    ['hub with hubIntake=queue', queuedHub.templateOf(queuedHub.hub!)],
    ['hub: member template', hubApp.templateOf(hubApp.hub!.memberTemplate)],
    ['member', member.templateOf(member.member!)],
  ])('%s', (_mode, template) => {
    for (const props of alarms(template).values()) {
      for (const namespace of namespacesOf(props)) expect(FREE_NAMESPACES).toContain(namespace);
    }
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
  });

  test('the single and hub stacks do have alarms (the check above is not vacuous); a member has none', () => {
    expect(alarms(single).size).toBe(6);
    // hubIntake=direct: the intake's errors, failure queue and dead-man's switch, the watch's three.
    expect(alarms(hubApp.templateOf(hubApp.hub!)).size).toBe(6);
    // hubIntake=queue: and the report queue's retried alarm.
    expect(alarms(queuedHub.templateOf(queuedHub.hub!)).size).toBe(7);
    expect(alarms(hubApp.templateOf(hubApp.hub!.memberTemplate)).size).toBe(0);
    expect(alarms(member.templateOf(member.member!)).size).toBe(0);
  });

  test('with every optional extra on, the alarms still read only free namespaces (single and hub)', () => {
    const extras = { detailedMetrics: 'true', dashboard: 'true', throttleAlarms: 'true' };
    const hubOn = synthApp({ ...HUB_CONTEXT, ...extras });
    for (const template of [
      synth({ ...extras, securityHubExport: 'true', irsaRealtime: 'true' }).template,
      hubOn.templateOf(hubOn.hub!),
    ]) {
      expect(alarms(template).size).toBeGreaterThan(0);
      for (const props of alarms(template).values()) {
        for (const namespace of namespacesOf(props)) expect(FREE_NAMESPACES).toContain(namespace);
      }
    }
  });
});

/** The dead-man's switch as its window: the period of the metrics its math reads, and its evaluation periods. */
function windowOf(props: AlarmProps): { Period: number | undefined; EvaluationPeriods: unknown } {
  const periods = new Set((props.Metrics ?? []).flatMap((query) => query.MetricStat?.Period ?? []));
  expect(periods.size).toBe(1);
  return { Period: [...periods][0], EvaluationPeriods: props.EvaluationPeriods };
}

describe("dead-man's switch window follows the schedule", () => {
  const deadMan = (context: Record<string, unknown>, checker = 'credential-check') =>
    windowOf(alarm(synth(context).template, `TmcHealthChecker-${checker}-no-successful-run`));

  test('rate(1 hour): two one-hour periods', () => {
    expect(deadMan({ schedule: 'rate(1 hour)' })).toMatchObject({ Period: 3600, EvaluationPeriods: 2 });
  });

  test('a daily cron: two one-day periods (CloudWatch allows 7 days for periods of an hour or more)', () => {
    expect(deadMan({ schedule: 'cron(0 9 * * ? *)' })).toMatchObject({ Period: 86400, EvaluationPeriods: 2 });
  });

  test('a weekday cron: the period is the weekend gap, not the 15 minutes between weekday runs', () => {
    // Friday 17:45 to Monday 08:00: 2 days 14 h 15 min.
    expect(deadMan({ irsaSchedule: 'cron(0/15 8-17 ? * MON-FRI *)' }, 'irsa-check')).toMatchObject({
      Period: 3735 * 60,
      EvaluationPeriods: 2,
    });
    expect(deadMan({ irsaSchedule: 'cron(0/15 8-17 ? * MON-FRI *)' })).toMatchObject({ Period: 900 });
  });

  test('a monthly cron is clamped to a 7-day window, with a synth warning', () => {
    const { stack, template } = synth({ schedule: 'cron(0 12 1 * ? *)' });
    expect(windowOf(alarm(template, 'TmcHealthChecker-credential-check-no-successful-run'))).toMatchObject({
      Period: 302400,
      EvaluationPeriods: 2,
    });
    Annotations.fromStack(stack).hasWarning(
      '/TmcHealthChecker',
      Match.stringLikeRegexp("can leave 31 d between two runs.*dead-man's switch fires after 7 days"),
    );
  });

  test('a cron whose longest gap cannot be determined (L) gets the 7-day window and a warning', () => {
    const { stack, template } = synth({ schedule: 'cron(0 12 L * ? *)' });
    expect(windowOf(alarm(template, 'TmcHealthChecker-credential-check-no-successful-run'))).toMatchObject({
      Period: 302400,
    });
    Annotations.fromStack(stack).hasWarning(
      '/TmcHealthChecker',
      Match.stringLikeRegexp('cannot be determined'),
    );
  });

  test('the default schedule raises no dead-man warning', () => {
    const warnings = Annotations.fromStack(synth().stack).findWarning(
      '*',
      Match.stringLikeRegexp('dead-man'),
    );
    expect(warnings).toEqual([]);
  });
});

describe('deadMansSwitchWindow and the longest schedule gap', () => {
  test.each([
    ['rate(15 minutes)', 15, 900],
    ['rate(6 minutes)', 6, 360],
    ['rate(2 days)', 2880, 172800],
    ['cron(0/20 * * * ? *)', 20, 1200],
    ['cron(0 9 ? * MON,WED,FRI *)', 4320, 259200],
    ['cron(0 8,20 * * ? *)', 720, 43200],
  ])('%s: longest gap %i minutes, period %i s', (expression, gap, period) => {
    const parsed = parseScheduleExpression(expression);
    expect(parsed.ok && parsed.maxIntervalMinutes).toBe(gap);
    expect(deadMansSwitchWindow(expression)).toEqual({
      periodSeconds: period,
      evaluationPeriods: 2,
      runIntervalMinutes: gap,
    });
  });

  test.each([
    'cron(0 12 L * ? *)',
    'cron(0 12 ? * 6L *)',
    'cron(0 12 ? * 2#1 *)',
    'cron(0 12 15W * ? *)',
    'cron(0 9 * * ? 2030)',
  ])('%s: gap undetermined, clamped to the 7-day window', (expression) => {
    const window = deadMansSwitchWindow(expression);
    expect(window.runIntervalMinutes).toBeUndefined();
    expect(window.periodSeconds * window.evaluationPeriods).toBe(7 * 86400);
    expect(window.clampedBecause).toMatch(/cannot be determined/);
  });

  test('a weekly cron (6 d 16 h between runs) is clamped to the 7-day window, and says so', () => {
    const window = deadMansSwitchWindow('cron(0 9,17 ? * WED *)');
    expect(window).toMatchObject({ periodSeconds: 302400, evaluationPeriods: 2, runIntervalMinutes: 9600 });
    expect(window.clampedBecause).toMatch(/can leave 6 d 16 h between two runs/);
  });

  test('every window stays within CloudWatch limits (multiple of 60 s; ≤ 1 day under an hour, ≤ 7 days)', () => {
    for (const expression of [
      'rate(6 minutes)',
      'rate(59 minutes)',
      'rate(1 hour)',
      'rate(3 days)',
      'rate(4 days)',
      'rate(30 days)',
      'cron(0 0 29 2 ? *)',
    ]) {
      const { periodSeconds, evaluationPeriods } = deadMansSwitchWindow(expression);
      expect(periodSeconds % 60).toBe(0);
      expect(periodSeconds * evaluationPeriods).toBeLessThanOrEqual(periodSeconds < 3600 ? 86400 : 604800);
    }
  });
});

describe('alarms with an existing topic', () => {
  const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:alerts';

  function synthIn(region: string): { stack: TmcHealthCheckerStack; template: Template } {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [], existingTopicArn: TOPIC } });
    const stack = new TmcHealthCheckerStack(app, 'TmcHealthChecker', {
      config: loadConfigFromContext(app),
      env: { account: '123456789012', region },
    });
    return { stack, template: Template.fromStack(stack) };
  }

  test('in the stack region: the alarms notify the existing topic, no key is created', () => {
    const { template } = synthIn('eu-west-1');
    for (const props of alarms(template).values()) expect(props.AlarmActions).toEqual([TOPIC]);
    template.resourceCountIs('AWS::KMS::Key', 0);
  });

  test('in another region: no alarm actions, and a warning saying why', () => {
    const { stack, template } = synthIn('us-east-1');
    expect(alarms(template).size).toBe(6);
    for (const props of alarms(template).values()) expect(props.AlarmActions).toBeUndefined();
    Annotations.fromStack(stack).hasWarning(
      '/TmcHealthChecker',
      Match.stringLikeRegexp('CloudWatch alarms can only notify a topic in their own region'),
    );
  });

  test('region known only at deploy time: the actions are conditional on the regions matching', () => {
    const { template } = synth({ existingTopicArn: TOPIC });
    template.hasCondition('ExistingTopicInStackRegion', {
      'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'],
    });
    for (const props of alarms(template).values()) {
      expect(props.AlarmActions).toEqual({
        'Fn::If': ['ExistingTopicInStackRegion', [TOPIC], { Ref: 'AWS::NoValue' }],
      });
    }
  });
});

describe('irsaEnabled=false', () => {
  test('only the credential check is monitored and on the dashboard', () => {
    const { template } = synth({ irsaEnabled: false, dashboard: true, detailedMetrics: true });
    expect(
      [...alarms(template).keys()].every((name) => name.startsWith('TmcHealthChecker-credential-check-')),
    ).toBe(true);
    expect(alarms(template).size).toBe(3);
    const body = JSON.stringify(template.findResources('AWS::CloudWatch::Dashboard'));
    expect(body).not.toContain(SERVICE_NAMES.irsa);
  });
});

describe('the dashboard (off by default: $3 a month)', () => {
  test('default: no dashboard and no DashboardName output', () => {
    const { template } = synth();
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(Object.keys(template.findOutputs('DashboardName'))).toEqual([]);
  });

  test('dashboard=true alone: AWS/Lambda graphs and Logs Insights over the run summaries, no custom metric', () => {
    const { template } = synth({ dashboard: 'true' });
    const dashboards = template.findResources('AWS::CloudWatch::Dashboard') as Record<
      string,
      TemplateResource
    >;
    const body = JSON.stringify(Object.values(dashboards)[0]?.Properties.DashboardBody);
    expect(body).not.toContain('\\"TmcHealth\\"');
    expect(body).toContain('\\"type\\":\\"log\\"');
    expect(body).toContain('ispresent(runOutcome)');
    expect(body).toContain('summary.byStatus.FAIL');
    expect(body).toContain('summary.denialGroups');
    for (const lambdaMetric of ['Invocations', 'Errors', 'Throttles', 'Duration']) {
      expect(body).toContain(`\\"AWS/Lambda\\",\\"${lambdaMetric}\\"`);
    }
    expect(body).toContain('Self-monitoring alarms');
  });
});

describe('the dashboard (dashboard=true, detailedMetrics=true)', () => {
  const { template } = synth({ dashboard: 'true', detailedMetrics: 'true' });
  const dashboards = template.findResources('AWS::CloudWatch::Dashboard') as Record<string, TemplateResource>;
  const body = JSON.stringify(Object.values(dashboards)[0]?.Properties.DashboardBody);

  test('one dashboard, named after the stack and region', () => {
    expect(Object.keys(dashboards)).toHaveLength(1);
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardName: { 'Fn::Join': ['', ['TmcHealthChecker-', { Ref: 'AWS::Region' }]] },
    });
    template.hasOutput('DashboardName', {});
  });

  test('graphs every metric of the telemetry contract, for both services', () => {
    for (const metricName of CHECKER_METRICS) expect(body).toContain(`\\"${metricName}\\"`);
    for (const service of CHECKER_SERVICES) expect(body).toContain(`\\"${service}\\"`);
    for (const lambdaMetric of ['Invocations', 'Errors', 'Throttles', 'Duration']) {
      expect(body).toContain(`\\"AWS/Lambda\\",\\"${lambdaMetric}\\"`);
    }
  });

  test('findings by status and severity, transitions by kind', () => {
    for (const status of ['FAIL', 'ERROR', 'PASS']) expect(body).toContain(`\\"status\\",\\"${status}\\"`);
    for (const severity of ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL']) {
      expect(body).toContain(`\\"severity\\",\\"${severity}\\"`);
    }
    for (const transition of ['OPENED', 'ESCALATED', 'RESOLVED', 'REMINDER']) {
      expect(body).toContain(`\\"transition\\",\\"${transition}\\"`);
    }
  });

  test('shows the alarms', () => {
    expect(body).toContain('Self-monitoring alarms');
    expect(body).toContain('SelfMonitoringcredentialcheckNoSuccessfulRun');
  });
});
