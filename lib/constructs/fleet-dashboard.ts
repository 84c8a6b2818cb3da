import { Aws, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { METRIC_DIMENSIONS, METRIC_NAMES, METRICS_NAMESPACE } from '../../lambdas/core/observability';
import type { FleetReports } from './fleet-reports';
import { addStackOutputs } from './stack-outputs';

/** One hub function on the dashboard. */
export interface FleetDashboardFunction {
  /** Its row's title, e.g. `Fleet intake`. */
  readonly title: string;
  /** The function whose Lambda metrics (invocations, errors, throttles, duration) the row graphs. */
  readonly function: lambda.IFunction;
}

export interface FleetDashboardProps {
  /** The hub's own functions (intake, watch): invocations, errors, throttles, duration. */
  readonly functions: readonly FleetDashboardFunction[];
  /**
   * Alarms shown in a status widget at the top.
   * @default - no alarm status widget
   */
  readonly alarms?: readonly cloudwatch.IAlarm[];
  /** The fleet intake's log group: its one line per run report (`fleet intake: run report`) the widgets query. */
  readonly intakeLogGroupName: string;
  /**
   * Graph the intake's per-member custom metrics too (the `detailedMetrics` key: only then are they emitted).
   * @default false
   */
  readonly detailedMetrics?: boolean;
  /**
   * The period of every graph.
   * @default Duration.minutes(15)
   */
  readonly period?: Duration;
}

const HEIGHT = 6;

/** `SEARCH('{TmcHealth,AccountId,Family} MetricName="<name>"', '<statistic>', <period s>)`. */
export function fleetSearch(metricName: string, statistic: string, period: Duration): string {
  const schema = [METRICS_NAMESPACE, METRIC_DIMENSIONS.accountId, METRIC_DIMENSIONS.family].join(',');
  return `SEARCH('{${schema}} MetricName="${metricName}"', '${statistic}', ${period.toSeconds()})`;
}

/** The intake's log line per run report (FLEET_REPORT_LOG_MESSAGE in lambdas/app/fleet-intake-report.ts). */
const REPORT_LINE = 'filter message = "fleet intake: run report" and fleetReport.outcome = "accepted"';

/**
 * The organization at a glance (the `dashboard` key, off by default): per member account and check family, from
 * CloudWatch Logs Insights over the intake's one log line per run report (the member accounts are not known at
 * synth time, and per-member custom metrics would cost $1.80 a month each): the checks failing and erroring in
 * its last report, the reports received and when the last one arrived (a member gone silent stops there; the
 * fleet watch also reports it as a finding); then the hub's own functions (AWS/Lambda) and alarms. With
 * `detailedMetrics`, the intake's fleet metrics too, found with SEARCH: failing and erroring are the Maximum per
 * period, a run's count or, for a report split by region (over 200 KB), its largest part.
 */
export class FleetDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: FleetDashboardProps) {
    super(scope, id);
    const period = props.period ?? Duration.minutes(15);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${Stack.of(this).stackName}-${Aws.REGION}`,
      defaultInterval: Duration.days(1),
    });
    if (props.alarms && props.alarms.length > 0) {
      this.dashboard.addWidgets(
        new cloudwatch.AlarmStatusWidget({
          title: 'Hub self-monitoring alarms (runbook: docs/operations.md)',
          alarms: [...props.alarms],
          width: 24,
          height: 4,
        }),
      );
    }
    const search = (title: string, metricName: string, statistic: string) =>
      new cloudwatch.GraphWidget({
        title,
        left: [
          new cloudwatch.MathExpression({ expression: fleetSearch(metricName, statistic, period), period }),
        ],
        width: 8,
        height: HEIGHT,
        legendPosition: cloudwatch.LegendPosition.RIGHT,
      });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown:
          '## Member accounts\nOne row per account and check family (credentials, irsa), from the fleet ' +
          "intake's log. A last report long ago: that member stopped reporting (see the fleet.member.silent " +
          'findings).',
        width: 24,
        height: 2,
      }),
    );
    const logs = (title: string, queryLines: string[], view: cloudwatch.LogQueryVisualizationType) =>
      new cloudwatch.LogQueryWidget({
        title,
        logGroupNames: [props.intakeLogGroupName],
        queryLines,
        view,
        width: 12,
        height: HEIGHT,
      });
    const member = 'fleetReport.accountId, fleetReport.family';
    this.dashboard.addWidgets(
      logs(
        'Member accounts: last report, checks failing and erroring (its latest part)',
        [
          REPORT_LINE,
          `stats latest(fleetReport.failing) as failing, latest(fleetReport.errored) as erroring, ` +
            `sum(fleetReport.runsReported) as runs, max(@timestamp) as lastReport by ${member}`,
          'sort failing desc, erroring desc',
          'limit 100',
        ],
        cloudwatch.LogQueryVisualizationType.TABLE,
      ),
      logs(
        'Run reports received',
        [REPORT_LINE, 'stats sum(fleetReport.runsReported) as runs by bin(1h)'],
        cloudwatch.LogQueryVisualizationType.BAR,
      ),
    );
    if (props.detailedMetrics) {
      this.dashboard.addWidgets(
        search('Checks failing (last run)', METRIC_NAMES.checksFailing, cloudwatch.Stats.MAXIMUM),
        search('Checks erroring (last run)', METRIC_NAMES.checksErrored, cloudwatch.Stats.MAXIMUM),
        search('Run reports received', METRIC_NAMES.runReported, cloudwatch.Stats.SUM),
      );
    }
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({ markdown: '## Hub functions', width: 24, height: 1 }),
    );
    const sum = { period, statistic: cloudwatch.Stats.SUM };
    for (const fn of props.functions) {
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: `${fn.title}: invocations, errors, throttles`,
          left: [
            fn.function.metricInvocations({ ...sum, label: 'Invocations' }),
            fn.function.metricErrors({ ...sum, label: 'Errors' }),
            fn.function.metricThrottles({ ...sum, label: 'Throttles' }),
          ],
          width: 12,
          height: HEIGHT,
        }),
        new cloudwatch.GraphWidget({
          title: `${fn.title}: duration (ms)`,
          left: [
            fn.function.metricDuration({ period, statistic: cloudwatch.Stats.AVERAGE, label: 'Average' }),
            fn.function.metricDuration({ period, statistic: cloudwatch.Stats.MAXIMUM, label: 'Maximum' }),
          ],
          width: 12,
          height: HEIGHT,
        }),
      );
    }
  }
}

/**
 * The hub's dashboard of its fleet functions and their alarms, with its `DashboardName` output; undefined unless
 * the configuration's `dashboard` is true (it costs $3 a month).
 */
export function fleetDashboardOf(
  stack: Stack,
  reports: FleetReports,
  alarms: readonly cloudwatch.IAlarm[],
  config: { readonly dashboard: boolean; readonly detailedMetrics: boolean },
): FleetDashboard | undefined {
  if (!config.dashboard) return undefined;
  const { detailedMetrics } = config;
  const dashboard = new FleetDashboard(stack, 'Dashboard', {
    functions: [
      { title: 'Fleet intake', function: reports.intake.function },
      { title: 'Fleet watch', function: reports.watch.function },
    ],
    alarms,
    intakeLogGroupName: reports.intake.logGroup.logGroupName,
    detailedMetrics,
  });
  addStackOutputs(stack, {
    DashboardName: [
      dashboard.dashboard.dashboardName,
      'CloudWatch dashboard of the member accounts and the hub functions',
    ],
  });
  return dashboard;
}
