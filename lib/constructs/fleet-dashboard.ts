import { Aws, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { METRIC_DIMENSIONS, METRIC_NAMES, METRICS_NAMESPACE } from '../../lambdas/core/observability';

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

/**
 * The organization at a glance: per member account and check family (the intake's fleet metrics, found with
 * SEARCH since the member accounts are not known at synth time), the checks failing and erroring in its last run
 * and the run reports received (a line that stops is a member gone silent; the fleet watch also reports it as a
 * finding), then the hub's own functions and alarms. Failing and erroring are the Maximum per period: a run's
 * count, or for a report split by region (over 200 KB) its largest part.
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
          '## Member accounts\nOne line per account and check family (credentials, irsa). A line that stops: ' +
          'that member stopped reporting (see the fleet.member.silent findings).',
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      search('Checks failing (last run)', METRIC_NAMES.checksFailing, cloudwatch.Stats.MAXIMUM),
      search('Checks erroring (last run)', METRIC_NAMES.checksErrored, cloudwatch.Stats.MAXIMUM),
      search('Run reports received', METRIC_NAMES.runReported, cloudwatch.Stats.SUM),
    );
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
