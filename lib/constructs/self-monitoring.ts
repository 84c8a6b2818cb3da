import { Aws, Duration, Fn, type CfnCondition } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deadMansSwitchWindow, formatMinutes } from '../dead-mans-switch';

/** The period of the Lambda error and throttle, dead-letter queue and retried reports alarms. */
const ALARM_PERIOD = Duration.minutes(5);
/** Where the alarm descriptions point the on-call engineer: anchors are appended (`#lambda-errors` ...). */
const RUNBOOK = 'docs/operations.md';

/** One checker function the self-monitoring watches. */
export interface MonitoredChecker {
  /** Short kebab-case name used in alarm names, e.g. `credential-check`. */
  readonly name: string;
  /** What it is, for alarm descriptions, e.g. `TMC health credential check`. */
  readonly title: string;
  /** Its Powertools `service` dimension (SERVICE_NAMES in lambdas/core/observability.ts). */
  readonly serviceName: string;
  /** The function whose Lambda errors, throttles and successful invocations are alarmed. */
  readonly function: lambda.IFunction;
  /** Its failure destination, also its schedule's dead-letter queue. */
  readonly failureQueue: sqs.IQueue;
  /**
   * Its validated EventBridge Scheduler expression (the dead-man's switch window derives from it).
   * @default - not scheduled (invoked by an event rule, like the Security Hub exporter): no dead-man's switch, since
   * a quiet period without invocations is normal for it
   */
  readonly scheduleExpression?: string;
  /** Its log group name (the first place to look), for alarm descriptions. */
  readonly logGroupName: string;
  /**
   * The queue the function consumes with batch item failures (the hub's report queue): a message it failed on
   * waits for its retry there, invisible to the Errors alarm since the invocation itself succeeded.
   * @default - the function is invoked asynchronously: every failure is an invocation error
   */
  readonly inputQueue?: MonitoredInputQueue;
}

/** A queue a function consumes, alarmed when a message waits past its first delivery. */
export interface MonitoredInputQueue {
  readonly queue: sqs.IQueue;
  /** What its messages are, for the alarm description, e.g. `run report`. */
  readonly messages: string;
  /** A message older than this was received and not deleted at least once (the queue's visibility timeout). */
  readonly retriedAfter: Duration;
}

/**
 * A dead-letter queue of something that is not a checker function (the paging rules' targets): alarmed on its
 * visible messages, like a checker's failure queue.
 */
export interface MonitoredQueue {
  /** Short kebab-case name used in the alarm name, e.g. `paging`. */
  readonly name: string;
  /** What delivers to it, for the alarm description, e.g. `TMC health paging`. */
  readonly title: string;
  readonly queue: sqs.IQueue;
  /** What a message in it is, for the alarm description. */
  readonly messages: string;
}

export interface SelfMonitoringProps {
  /** The checker functions to watch. */
  readonly checkers: readonly MonitoredChecker[];
  /**
   * Other dead-letter queues to alarm on.
   * @default - none
   */
  readonly queues?: readonly MonitoredQueue[];
  /** Every alarm name starts with this (the topic key policy allows CloudWatch for `<prefix>*` only). */
  readonly alarmNamePrefix: string;
  /**
   * Where alarms notify.
   * @default - no alarm actions (e.g. an existing topic in another region: alarms can only notify a topic in
   * their own region)
   */
  readonly topic?: sns.ITopic;
  /**
   * Deploy-time condition under which the alarms notify `topic` (an existing topic whose region is only known
   * to equal the stack's at deploy time); outside it they have no action.
   * @default - the alarms always notify `topic`
   */
  readonly topicCondition?: CfnCondition;
  /**
   * A Lambda Throttles alarm on every function, the scheduled ones included. Off, a scheduled function (one with a
   * dead-man's switch) has none: its throttled invocation expires into its dead-letter queue (a minute's maximum
   * event age; the queue's alarm) and throttling that lasts stops its successful runs (the dead-man's switch, whose
   * description says how to confirm throttling), so the alarm would only repeat them, at $0.10 a month each. A
   * function without a schedule keeps it either way: a quiet period without invocations is normal for it.
   * @default false
   */
  readonly throttleAlarms?: boolean;
}

/** The alarms of one checker. */
export interface CheckerAlarms {
  /** The function failed (unhandled error or timeout), which includes a run that could not deliver its findings. */
  readonly errors: cloudwatch.Alarm;
  /** Lambda throttled the function (functions without a schedule, or every function with `throttleAlarms`). */
  readonly throttles?: cloudwatch.Alarm;
  /** The dead-man's switch: no successful invocation in two schedule periods (scheduled functions only). */
  readonly noSuccessfulRun?: cloudwatch.Alarm;
  /** Its dead-letter queue holds failed or expired invocations. */
  readonly failureQueue: cloudwatch.Alarm;
  /** A message of its input queue waits for a retry (only with `inputQueue`). */
  readonly retried?: cloudwatch.Alarm;
}

/** A dead-letter queue holds a message (AWS/SQS, free): any visible message alarms at once. */
function queueNotEmpty(queue: sqs.IQueue, period: Duration, alarmDescription: string): cloudwatch.AlarmProps {
  return {
    metric: queue.metricApproximateNumberOfMessagesVisible({ period, statistic: cloudwatch.Stats.MAXIMUM }),
    threshold: 0,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    // SQS stops reporting on queues inactive for hours: an idle empty queue is healthy.
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    alarmDescription,
  };
}

/** The dead-man's switch expression: invocations that did not fail, a gap in either series counted as zero. */
export const SUCCESSFUL_INVOCATIONS_EXPRESSION = 'FILL(invocations, 0) - FILL(errors, 0)';

/**
 * Watches the watcher, on metrics AWS measures for free (AWS/Lambda, AWS/SQS; never the checkers' own custom
 * metrics, which are off by default): for each checker function, alarms on Lambda errors (a run that could not
 * deliver its findings fails its invocation, so this covers publish failures) and, for a function without a
 * schedule or with `throttleAlarms`, throttles; a dead-man's switch
 * (Invocations minus Errors below 1 in two schedule periods, missing data breaching), a non-empty dead-letter queue
 * and, for a queue consumer, a message waiting for its retry; all notifying the findings topic.
 */
export class SelfMonitoring extends Construct {
  /** Alarms by checker name. */
  readonly alarms: Readonly<Record<string, CheckerAlarms>>;
  /** The alarm of each other dead-letter queue (`queues`), by its name. */
  readonly queueAlarms: Readonly<Record<string, cloudwatch.Alarm>>;
  /** Every alarm, in creation order. */
  readonly allAlarms: readonly cloudwatch.Alarm[];
  /** Why a checker's dead-man's switch window was clamped, by checker name (turned into synth warnings). */
  readonly clampedWindows: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: SelfMonitoringProps) {
    super(scope, id);
    const period = ALARM_PERIOD;
    const runbook = RUNBOOK;
    const every = formatMinutes(period.toMinutes());
    const alarms: Record<string, CheckerAlarms> = {};
    const clamped: Record<string, string> = {};
    const all: cloudwatch.Alarm[] = [];

    for (const checker of props.checkers) {
      const group = new Construct(this, checker.name);
      const alarm = (alarmId: string, suffix: string, options: cloudwatch.AlarmProps): cloudwatch.Alarm => {
        const created = new cloudwatch.Alarm(group, alarmId, {
          ...options,
          alarmName: `${props.alarmNamePrefix}${checker.name}-${suffix}`,
        });
        this.notify(created, props);
        all.push(created);
        return created;
      };
      const logs = `aws logs tail ${checker.logGroupName} --since 1h`;

      const errors = alarm('Errors', 'errors', {
        metric: checker.function.metricErrors({ period, statistic: cloudwatch.Stats.SUM }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription:
          `${checker.title}: the Lambda function failed (unhandled error or timeout) in the last ${every}, or a ` +
          'run could not deliver its findings (EventBridge or SNS refused them; the findings ledger was not ' +
          `advanced, so the next run retries). First check the log: ${logs}. ` +
          `Runbook: ${runbook}#lambda-errors (undelivered findings: ${runbook}#publish-failures)`,
      });
      const schedule = checker.scheduleExpression;
      const throttles =
        !(props.throttleAlarms ?? false) && schedule !== undefined
          ? undefined
          : alarm('Throttles', 'throttles', {
              metric: checker.function.metricThrottles({ period, statistic: cloudwatch.Stats.SUM }),
              threshold: 0,
              comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
              evaluationPeriods: 1,
              treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
              alarmDescription:
                `${checker.title}: Lambda throttled the function in the last ${every}, so a run started late or not ` +
                'at all. First check the account concurrency (aws lambda get-account-settings) and the reserved ' +
                `concurrency setting. Runbook: ${runbook}#lambda-throttles`,
            });

      const deadMansSwitch = (schedule: string): cloudwatch.Alarm => {
        const window = deadMansSwitchWindow(schedule);
        if (window.clampedBecause) clamped[checker.name] = window.clampedBecause;
        const windowText = formatMinutes((window.periodSeconds / 60) * window.evaluationPeriods);
        const windowPeriod = Duration.seconds(window.periodSeconds);
        const windowSum = { period: windowPeriod, statistic: cloudwatch.Stats.SUM };
        return alarm('NoSuccessfulRun', 'no-successful-run', {
          // Metric math over two free metrics (billed as two alarm metrics): an invocation that did not end in error
          // is a run that completed and delivered, since a run that could not deliver fails its invocation.
          metric: new cloudwatch.MathExpression({
            expression: SUCCESSFUL_INVOCATIONS_EXPRESSION,
            usingMetrics: {
              invocations: checker.function.metricInvocations(windowSum),
              errors: checker.function.metricErrors(windowSum),
            },
            period: windowPeriod,
            label: 'Successful invocations',
          }),
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
          evaluationPeriods: window.evaluationPeriods,
          datapointsToAlarm: window.evaluationPeriods,
          // No datapoint at all (the function was never invoked) is the case this alarm exists for.
          treatMissingData: cloudwatch.TreatMissingData.BREACHING,
          alarmDescription:
            `${checker.title}: no run completed successfully in ${windowText} (schedule ` +
            `${schedule}): nothing is being checked, and silence does not mean healthy. ` +
            `First check the Errors alarm, the dead-letter queue and the log (${logs}). ` +
            'Throttling also stops runs: confirm it with the Throttles metric of the function (aws cloudwatch ' +
            'get-metric-statistics --namespace AWS/Lambda --metric-name Throttles --dimensions ' +
            `Name=FunctionName,Value=${checker.function.functionName} --statistics Sum --period 300 ` +
            '--start-time <2 h ago> --end-time <now>). ' +
            `Runbook: ${runbook}#no-successful-run`,
        });
      };
      const noSuccessfulRun = schedule === undefined ? undefined : deadMansSwitch(schedule);
      const failureQueue = alarm(
        'FailureQueue',
        'dead-letter-queue-not-empty',
        queueNotEmpty(
          checker.failureQueue,
          period,
          `${checker.title}: its dead-letter queue holds failed or expired invocations (the run failed, or ` +
            'Scheduler could not invoke it). First read one message (aws sqs receive-message --queue-url ' +
            `${checker.failureQueue.queueUrl}) for the error, then purge the queue. ` +
            `Runbook: ${runbook}#dead-letter-queue-not-empty`,
        ),
      );
      const input = checker.inputQueue;
      const retried = input
        ? alarm('Retried', 'retried', {
            metric: input.queue.metricApproximateAgeOfOldestMessage({
              period,
              statistic: cloudwatch.Stats.MAXIMUM,
            }),
            threshold: input.retriedAfter.toSeconds(),
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluationPeriods: 1,
            // An idle queue stops reporting: nothing waits.
            treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
            alarmDescription:
              `${checker.title}: a ${input.messages} has waited over ${formatMinutes(input.retriedAfter.toMinutes())} ` +
              'in its queue, so the function failed on it at least once (for instance EventBridge or SNS refused ' +
              'its findings) and it waits for a retry; after the last retry it goes to the dead-letter queue. ' +
              `First search the log for the failed ${input.messages} (${logs}). Runbook: ${runbook}#retried`,
          })
        : undefined;
      alarms[checker.name] = {
        errors,
        ...(throttles ? { throttles } : {}),
        ...(noSuccessfulRun ? { noSuccessfulRun } : {}),
        failureQueue,
        ...(retried ? { retried } : {}),
      };
    }
    const queueAlarms: Record<string, cloudwatch.Alarm> = {};
    for (const monitored of props.queues ?? []) {
      const created = new cloudwatch.Alarm(new Construct(this, monitored.name), 'DeadLetterQueue', {
        ...queueNotEmpty(
          monitored.queue,
          period,
          `${monitored.title}: its dead-letter queue holds a ${monitored.messages} (retries exhausted, or ` +
            'refused: a 4xx answer is not retried). First read one message (aws sqs receive-message --queue-url ' +
            `${monitored.queue.queueUrl} --message-attribute-names All) for the error, then purge the queue. ` +
            `Runbook: ${runbook}#paging-dead-letter-queue`,
        ),
        alarmName: `${props.alarmNamePrefix}${monitored.name}-dead-letter-queue-not-empty`,
      });
      this.notify(created, props);
      all.push(created);
      queueAlarms[monitored.name] = created;
    }
    this.queueAlarms = queueAlarms;
    this.alarms = alarms;
    this.allAlarms = all;
    this.clampedWindows = clamped;
  }

  /** The alarm notifies the topic, under its condition when it has one. */
  private notify(created: cloudwatch.Alarm, props: SelfMonitoringProps): void {
    if (!props.topic) return;
    created.addAlarmAction(new actions.SnsAction(props.topic));
    if (props.topicCondition) {
      (created.node.defaultChild as cloudwatch.CfnAlarm).addPropertyOverride(
        'AlarmActions',
        Fn.conditionIf(props.topicCondition.logicalId, [props.topic.topicArn], Aws.NO_VALUE),
      );
    }
  }
}
