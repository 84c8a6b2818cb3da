import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RUN_REPORT_DETAIL_TYPE, RUN_REPORT_SOURCE } from '../../lambdas/core/fleet/run-report-types';
import type { HubIntake } from '../config/config';
import { memberReporterRoleArnPattern } from '../fleet/member-role-path';

/** The hub bus: member accounts put their run reports here, the hub its finding events. */
export const FLEET_BUS_NAME = 'tmc-health-fleet';

/** Reports the intake takes in one invocation (one combined digest per batch, or per wave of a batch of large reports). */
export const INTAKE_BATCH_SIZE = 10;
/**
 * How long the event source gathers reports before invoking the intake with fewer than a full batch: Lambda's
 * longest, 5 minutes. Each invocation costs a ReceiveMessage, a DeleteMessageBatch and a Lambda request whatever
 * it holds, so the longer window fills batches in smaller organizations (docs/performance.md prices it); a report
 * and its digest reach the hub up to 5 minutes later, well within a 15-minute schedule.
 */
export const INTAKE_BATCHING_WINDOW = Duration.minutes(5);
/** Receives of a report before it moves to the dead-letter queue (the first delivery and four retries). */
export const INTAKE_MAX_RECEIVE_COUNT = 5;
/**
 * How long and how often the run report rule tries to hand a report to its target (the queue, or the intake
 * itself), before the report goes to the dead-letter queue. Rarely needed either way: SQS takes the message, and
 * Lambda queues an asynchronous invocation even when it must throttle the function.
 */
export const INTAKE_RULE_RETRY_ATTEMPTS = 3;
export const INTAKE_RULE_MAX_EVENT_AGE = Duration.hours(1);

export interface FleetBusProps {
  /** Only principals of this organization may put events on the bus (`aws:PrincipalOrgID`). */
  readonly organizationId: string;
  /** The fleet intake: invoked by the rule with each report, or consuming the report queue in batches. */
  readonly intake: lambda.IFunction;
  /** The intake's timeout: the queue's visibility timeout follows from it. */
  readonly intakeTimeout: Duration;
  /**
   * The rule's dead-letter queue (the intake's failure queue, alarmed): reports EventBridge could not hand to its
   * target and, with the queue, reports the intake failed on INTAKE_MAX_RECEIVE_COUNT times.
   */
  readonly deadLetterQueue: sqs.IQueue;
  /**
   * `direct`: the rule invokes the intake with each report (asynchronously: Lambda retries a failed report, then
   * puts it on the function's failure queue). `queue`: the rule puts each report on the report queue, whose event
   * source mapping hands the intake batches.
   * @default 'direct'
   */
  readonly intakeMode?: HubIntake;
}

/**
 * The hub bus `tmc-health-fleet` and the rule that hands each run report to the fleet intake (`intakeMode`):
 * - `direct`: the rule's target is the intake itself, one report per asynchronous invocation, one digest per report
 *   that changes something; no queue, nothing polled. Only this rule may invoke it (lambda:InvokeFunction for
 *   events.amazonaws.com, aws:SourceArn the rule).
 * - `queue`: the rule puts each report on the report queue, whose event source hands the intake up to
 *   INTAKE_BATCH_SIZE reports at once, gathered for up to INTAKE_BATCHING_WINDOW, so reports arriving around the
 *   same time share one digest. The intake reports batch item failures: only the reports it failed on are
 *   delivered again.
 *
 * Resource policy: `events:PutEvents` only for the member checkers' roles (`aws:PrincipalArn` under the path the
 * member stack gives them, MEMBER_REPORTER_ROLE_PATH) in accounts of the organization, and only run reports
 * (source `tmc-health`, detail-type `TMC Health Run Report`); nothing else (no rule or target management, no other
 * account, no other principal of a member account). The intake still checks that each report names the account
 * EventBridge says sent it. The hub's own functions put their finding events through their identity policies
 * (same account).
 */
export class FleetBus extends Construct {
  readonly bus: events.EventBus;
  readonly runReportRule: events.Rule;
  /** `queue` only: the run reports on their way to the intake (SSE, TLS only, a dead-letter queue). */
  readonly reportQueue?: sqs.Queue;
  /**
   * `queue` only: how long a received report stays invisible; one older than this failed at least once and waits
   * for a retry.
   */
  readonly visibilityTimeout?: Duration;

  constructor(scope: Construct, id: string, props: FleetBusProps) {
    super(scope, id);
    this.bus = new events.EventBus(this, 'Bus', {
      eventBusName: FLEET_BUS_NAME,
      description: 'TMC health: run reports from the member accounts of the organization, finding events',
    });
    this.bus.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'MemberCheckersSendRunReports',
        principals: [new iam.AnyPrincipal()],
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
        conditions: {
          StringEquals: { 'aws:PrincipalOrgID': props.organizationId },
          ArnLike: { 'aws:PrincipalArn': memberReporterRoleArnPattern(Stack.of(this).partition) },
          // Multi-valued keys (one value per entry of the call): every entry must be a run report. Both are
          // always present, since every PutEvents entry has a source and a detail-type.
          'ForAllValues:StringEquals': {
            'events:source': RUN_REPORT_SOURCE,
            'events:detail-type': RUN_REPORT_DETAIL_TYPE,
          },
        },
      }),
    );
    const pattern = { source: [RUN_REPORT_SOURCE], detailType: [RUN_REPORT_DETAIL_TYPE] };
    const retry = {
      deadLetterQueue: props.deadLetterQueue,
      retryAttempts: INTAKE_RULE_RETRY_ATTEMPTS,
      maxEventAge: INTAKE_RULE_MAX_EVENT_AGE,
    };
    if ((props.intakeMode ?? 'direct') === 'direct') {
      this.runReportRule = new events.Rule(this, 'RunReports', {
        eventBus: this.bus,
        description: 'Each run report of a member account to the fleet intake',
        eventPattern: pattern,
        // The target adds the function's resource policy: events.amazonaws.com may invoke it, for this rule only.
        targets: [new targets.LambdaFunction(props.intake, retry)],
      });
      return;
    }
    // AWS's advice for a Lambda event source: six times the function timeout, plus the batching window.
    this.visibilityTimeout = Duration.seconds(
      props.intakeTimeout.toSeconds() * 6 + INTAKE_BATCHING_WINDOW.toSeconds(),
    );
    this.reportQueue = new sqs.Queue(this, 'ReportQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: this.visibilityTimeout,
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: props.deadLetterQueue, maxReceiveCount: INTAKE_MAX_RECEIVE_COUNT },
    });
    this.runReportRule = new events.Rule(this, 'RunReports', {
      eventBus: this.bus,
      description: 'Each run report of a member account to the fleet intake report queue',
      eventPattern: pattern,
      // The target adds the queue policy: events.amazonaws.com may SendMessage, for this rule only.
      targets: [new targets.SqsQueue(this.reportQueue, retry)],
    });
    props.intake.addEventSource(
      new SqsEventSource(this.reportQueue, {
        batchSize: INTAKE_BATCH_SIZE,
        maxBatchingWindow: INTAKE_BATCHING_WINDOW,
        reportBatchItemFailures: true,
      }),
    );
  }
}
