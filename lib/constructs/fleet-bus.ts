import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RUN_REPORT_DETAIL_TYPE, RUN_REPORT_SOURCE } from '../../lambdas/core/fleet/run-report-types';

/** The hub bus: member accounts put their run reports here, the hub its finding events. */
export const FLEET_BUS_NAME = 'tmc-health-fleet';

export interface FleetBusProps {
  /** Only principals of this organization may put events on the bus (`aws:PrincipalOrgID`). */
  readonly organizationId: string;
  /** The fleet intake: invoked for every run report. */
  readonly intake: lambda.IFunction;
  /** Where run reports EventBridge could not deliver to the intake go (the intake's failure queue). */
  readonly deadLetterQueue: sqs.IQueue;
}

/**
 * The hub bus `tmc-health-fleet` and the rule that hands each run report to the fleet intake.
 *
 * Resource policy: `events:PutEvents` for any principal of the organization, and only run reports (source
 * `tmc-health`, detail-type `TMC Health Run Report`); nothing else (no rule or target management, no other
 * account). The hub's own functions put their finding events through their identity policies (same account).
 */
export class FleetBus extends Construct {
  readonly bus: events.EventBus;
  readonly runReportRule: events.Rule;

  constructor(scope: Construct, id: string, props: FleetBusProps) {
    super(scope, id);
    this.bus = new events.EventBus(this, 'Bus', {
      eventBusName: FLEET_BUS_NAME,
      description: 'TMC health: run reports from the member accounts of the organization, finding events',
    });
    this.bus.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OrganizationMembersSendRunReports',
        principals: [new iam.AnyPrincipal()],
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
        conditions: {
          StringEquals: { 'aws:PrincipalOrgID': props.organizationId },
          // Multi-valued keys (one value per entry of the call): every entry must be a run report. Both are
          // always present, since every PutEvents entry has a source and a detail-type.
          'ForAllValues:StringEquals': {
            'events:source': RUN_REPORT_SOURCE,
            'events:detail-type': RUN_REPORT_DETAIL_TYPE,
          },
        },
      }),
    );
    this.runReportRule = new events.Rule(this, 'RunReports', {
      eventBus: this.bus,
      description: 'Each run report of a member account to the fleet intake',
      eventPattern: { source: [RUN_REPORT_SOURCE], detailType: [RUN_REPORT_DETAIL_TYPE] },
      targets: [
        new targets.LambdaFunction(props.intake, {
          deadLetterQueue: props.deadLetterQueue,
          retryAttempts: 3,
          maxEventAge: Duration.hours(1),
        }),
      ],
    });
  }
}
