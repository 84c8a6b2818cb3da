import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface CheckerScheduleProps {
  /** The function to invoke (asynchronously). */
  readonly function: lambda.IFunction;
  /** A validated EventBridge Scheduler expression, e.g. `rate(15 minutes)`. */
  readonly expression: string;
  /**
   * What runs, for the descriptions of the schedule and its role.
   * @default 'the TMC credential health checker'
   */
  readonly targetDescription?: string;
  /**
   * Where invocations that Scheduler could not deliver go.
   * @default - none
   */
  readonly deadLetterQueue?: sqs.IQueue;
  /**
   * How long Scheduler keeps trying to deliver one invocation.
   * @default Duration.minutes(1)
   */
  readonly maxEventAge?: Duration;
  /**
   * Send the run's scheduled time as the event (`{"scheduledTime": "<aws.scheduler.scheduled-time>"}`): the time
   * the run was due, free of delivery delay, which the credential check's metrics cadence decides by.
   * @default false - no input (Scheduler sends an empty event)
   */
  readonly sendScheduledTime?: boolean;
}

/** An EventBridge Scheduler schedule that invokes the checker, never retrying (a late run could overlap). */
export class CheckerSchedule extends Construct {
  readonly schedule: scheduler.Schedule;
  /** The role Scheduler assumes; it may only invoke the function and write to the dead-letter queue. */
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: CheckerScheduleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const target = props.targetDescription ?? 'the TMC credential health checker';
    this.role = new iam.Role(this, 'Role', {
      description: `EventBridge Scheduler: invoke ${props.targetDescription ?? 'the TMC health checker'}`,
      // Confused-deputy protection: only schedules of this account's default group may assume it.
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': stack.account,
            'aws:SourceArn': stack.formatArn({
              service: 'scheduler',
              resource: 'schedule-group',
              resourceName: 'default',
            }),
          },
        },
      }),
    });
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: `Runs ${target}`,
      schedule: scheduler.ScheduleExpression.expression(props.expression),
      timeWindow: scheduler.TimeWindow.off(),
      target: new LambdaInvoke(props.function, {
        role: this.role,
        retryAttempts: 0,
        maxEventAge: props.maxEventAge ?? Duration.minutes(1),
        deadLetterQueue: props.deadLetterQueue,
        ...(props.sendScheduledTime
          ? {
              input: scheduler.ScheduleTargetInput.fromObject({
                scheduledTime: scheduler.ContextAttribute.scheduledTime,
              }),
            }
          : {}),
      }),
    });
  }
}
