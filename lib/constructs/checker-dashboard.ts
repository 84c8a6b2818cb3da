import { Aws, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { SEVERITIES, STATUSES } from '../../lambdas/core/finding';
import { TRANSITIONS } from '../../lambdas/core/lifecycle/types';
import {
  METRIC_DIMENSIONS,
  METRIC_NAMES,
  METRICS_NAMESPACE,
  SERVICE_NAMES,
} from '../../lambdas/core/observability';
import type { MonitoredChecker } from './self-monitoring';
import { addStackOutputs } from './stack-outputs';

/** One checker function on the dashboard. */
export interface DashboardChecker {
  /** Section title, e.g. `Credential check`. */
  readonly title: string;
  /** Its Powertools `service` dimension (SERVICE_NAMES in lambdas/core/observability.ts). */
  readonly serviceName: string;
  /** The function whose Lambda metrics (invocations, errors, throttles, duration) the section graphs. */
  readonly function: lambda.IFunction;
  /** Its log group: the run summaries and problems the Logs Insights widgets read. */
  readonly logGroupName: string;
  /**
   * Fields of its run summary (`summary.` paths of the `<label> complete` log line) listed per run.
   * @default ['summary.findings']
   */
  readonly summaryFields?: readonly string[];
}

export interface CheckerDashboardProps {
  /** The checker functions, one section each. */
  readonly checkers: readonly DashboardChecker[];
  /**
   * Alarms shown in a status widget at the top.
   * @default - no alarm status widget
   */
  readonly alarms?: readonly cloudwatch.IAlarm[];
  /**
   * The dashboard name.
   * @default - `<stack name>-<region>` (dashboards are global to the account, metrics are per region)
   */
  readonly dashboardName?: string;
  /**
   * Graph the checkers' custom metrics too (the `detailedMetrics` key: only then are they emitted).
   * @default false
   */
  readonly detailedMetrics?: boolean;
  /**
   * The period of every graph.
   * @default Duration.minutes(15)
   */
  readonly period?: Duration;
}

const WIDTH = 8;
const HEIGHT = 6;

/** The structured log field every run summary line carries (RUN_OUTCOME_FIELD in lambdas/app/observe-run.ts). */
const RUN_OUTCOME = 'runOutcome';

/**
 * A CloudWatch dashboard (the `dashboard` key, off by default) with, per checker, from what costs nothing extra:
 * Lambda invocations, errors, throttles and duration (AWS/Lambda), and CloudWatch Logs Insights over its
 * structured logs: runs delivered and undelivered, the latest runs' summaries, problems by check. With
 * `detailedMetrics` also the custom metrics: completed runs and publish failures; findings by status and problems
 * by severity; checks errored, API calls and what the run deadline left unchecked; run duration; lifecycle
 * transitions (names from the telemetry contract, lambdas/core/observability.ts).
 */
export class CheckerDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: CheckerDashboardProps) {
    super(scope, id);
    const period = props.period ?? Duration.minutes(15);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName ?? `${Stack.of(this).stackName}-${Aws.REGION}`,
      defaultInterval: Duration.days(1),
    });
    if (props.alarms && props.alarms.length > 0) {
      this.dashboard.addWidgets(
        new cloudwatch.AlarmStatusWidget({
          title: 'Self-monitoring alarms (runbook: docs/operations.md)',
          alarms: [...props.alarms],
          width: 24,
          height: 4,
        }),
      );
    }
    for (const checker of props.checkers) {
      const metric = (
        metricName: string,
        statistic: string,
        label: string,
        dimensions: Record<string, string> = {},
      ): cloudwatch.Metric =>
        new cloudwatch.Metric({
          namespace: METRICS_NAMESPACE,
          metricName,
          dimensionsMap: { service: checker.serviceName, ...dimensions },
          statistic,
          period,
          label,
        });
      const graph = (
        title: string,
        left: cloudwatch.IMetric[],
        extra: Partial<cloudwatch.GraphWidgetProps> = {},
      ) =>
        new cloudwatch.GraphWidget({
          title: `${checker.title}: ${title}`,
          left,
          width: WIDTH,
          height: HEIGHT,
          ...extra,
        });
      const fn = checker.function;
      const lambdaOptions = { period, statistic: cloudwatch.Stats.SUM };
      this.dashboard.addWidgets(
        new cloudwatch.TextWidget({ markdown: `## ${checker.title}`, width: 24, height: 1 }),
      );
      const logs = (
        title: string,
        queryLines: string[],
        view: cloudwatch.LogQueryVisualizationType,
        width = WIDTH,
      ) =>
        new cloudwatch.LogQueryWidget({
          title: `${checker.title}: ${title}`,
          logGroupNames: [checker.logGroupName],
          queryLines,
          view,
          width,
          height: HEIGHT,
        });
      const summaryFields = checker.summaryFields ?? ['summary.findings'];
      this.dashboard.addWidgets(
        logs(
          'runs (from the run summaries)',
          [`filter ispresent(${RUN_OUTCOME})`, `stats count(*) as runs by ${RUN_OUTCOME}, bin(1h)`],
          cloudwatch.LogQueryVisualizationType.BAR,
        ),
        logs(
          'latest runs',
          [
            `filter ispresent(${RUN_OUTCOME})`,
            `fields @timestamp, runId, ${RUN_OUTCOME}, ${summaryFields.join(', ')}`,
            'sort @timestamp desc',
            'limit 20',
          ],
          cloudwatch.LogQueryVisualizationType.TABLE,
        ),
        logs(
          'problems by check (distinct findings)',
          [
            'filter level = "WARN" and ispresent(checkId)',
            'stats count_distinct(finding.findingId) as problems by checkId',
            'sort problems desc',
            'limit 20',
          ],
          cloudwatch.LogQueryVisualizationType.TABLE,
        ),
      );
      this.dashboard.addWidgets(
        graph('invocations, errors, throttles', [
          fn.metricInvocations({ ...lambdaOptions, label: 'Invocations' }),
          fn.metricErrors({ ...lambdaOptions, label: 'Errors' }),
          fn.metricThrottles({ ...lambdaOptions, label: 'Throttles' }),
        ]),
        graph('Lambda duration (ms)', [
          fn.metricDuration({ period, statistic: cloudwatch.Stats.AVERAGE, label: 'Average' }),
          fn.metricDuration({ period, statistic: cloudwatch.Stats.MAXIMUM, label: 'Maximum' }),
        ]),
      );
      if (!props.detailedMetrics) continue;
      this.dashboard.addWidgets(
        graph('runs completed, publish failures', [
          metric(METRIC_NAMES.runCompleted, cloudwatch.Stats.SUM, 'RunCompleted'),
          metric(METRIC_NAMES.publishFailures, cloudwatch.Stats.SUM, 'PublishFailures'),
        ]),
      );
      this.dashboard.addWidgets(
        graph(
          'findings by status (per run)',
          STATUSES.map((status) =>
            metric(METRIC_NAMES.findings, cloudwatch.Stats.MAXIMUM, status, {
              [METRIC_DIMENSIONS.status]: status,
            }),
          ),
          { stacked: true },
        ),
        graph(
          'problems by severity (per run)',
          SEVERITIES.map((severity) =>
            metric(METRIC_NAMES.findings, cloudwatch.Stats.MAXIMUM, severity, {
              [METRIC_DIMENSIONS.severity]: severity,
            }),
          ),
          { stacked: true },
        ),
        graph(
          'checks errored, unchecked at deadline, API calls',
          [
            metric(METRIC_NAMES.checksErrored, cloudwatch.Stats.MAXIMUM, 'ChecksErrored'),
            metric(METRIC_NAMES.uncheckedAtDeadline, cloudwatch.Stats.MAXIMUM, 'UncheckedAtDeadline'),
          ],
          { right: [metric(METRIC_NAMES.apiCalls, cloudwatch.Stats.SUM, 'ApiCalls')] },
        ),
      );
      this.dashboard.addWidgets(
        graph('run duration (ms)', [
          metric(METRIC_NAMES.runDuration, cloudwatch.Stats.AVERAGE, 'Average'),
          metric(METRIC_NAMES.runDuration, cloudwatch.Stats.MAXIMUM, 'Maximum'),
        ]),
        graph(
          'lifecycle transitions',
          TRANSITIONS.map((transition) =>
            metric(METRIC_NAMES.transitions, cloudwatch.Stats.SUM, transition, {
              [METRIC_DIMENSIONS.transition]: transition,
            }),
          ),
          { stacked: true, width: 16 },
        ),
      );
    }
  }
}

/** The run summary fields charted for each checker, by its Powertools service. */
const SUMMARY_FIELDS: Readonly<Record<string, readonly string[]>> = {
  [SERVICE_NAMES.credentials]: [
    'summary.credentials',
    'summary.findings',
    'summary.byStatus.FAIL',
    'summary.byStatus.ERROR',
  ],
  [SERVICE_NAMES.irsa]: [
    'summary.findings',
    'summary.denialGroups',
    'summary.eventsScanned',
    'summary.incompleteScans',
  ],
};

/** The single stack's dashboard of its checkers and their alarms, with its `DashboardName` output. */
export function checkerDashboardOf(
  stack: Stack,
  checkers: readonly MonitoredChecker[],
  alarms: readonly cloudwatch.IAlarm[],
  detailedMetrics: boolean,
): CheckerDashboard {
  const dashboard = new CheckerDashboard(stack, 'Dashboard', {
    checkers: checkers.map(({ title, serviceName, function: fn, logGroupName }) => ({
      title,
      serviceName,
      function: fn,
      logGroupName,
      ...(SUMMARY_FIELDS[serviceName] ? { summaryFields: SUMMARY_FIELDS[serviceName] } : {}),
    })),
    alarms,
    detailedMetrics,
  });
  addStackOutputs(stack, {
    DashboardName: [
      dashboard.dashboard.dashboardName,
      'CloudWatch dashboard of both checks (runs, findings, errors, alarms)',
    ],
  });
  return dashboard;
}
