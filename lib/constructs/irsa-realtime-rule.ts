import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CLOUDTRAIL_DETAIL_TYPE, STS_EVENT_SOURCE, STS_SERVICE } from '../../lambdas/core/irsa/realtime';
import { WEB_IDENTITY_EVENT_NAME } from '../../lambdas/core/irsa/parse-event';

/**
 * The rule's state. `AssumeRoleWithWebIdentity` is a read-only management event, and a rule in plain `ENABLED`
 * receives no read-only management event delivered by CloudTrail (docs/irsa-realtime.md, with the sources).
 */
export const IRSA_REALTIME_RULE_STATE = 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';

/** Denied web-identity calls only: an `errorCode` is present exactly when the call failed. */
export const IRSA_REALTIME_EVENT_PATTERN = {
  source: [STS_EVENT_SOURCE],
  'detail-type': [CLOUDTRAIL_DETAIL_TYPE],
  detail: {
    eventSource: [STS_SERVICE],
    eventName: [WEB_IDENTITY_EVENT_NAME],
    errorCode: [{ exists: true }],
  },
} as const;

/** How long EventBridge keeps trying to deliver an event, and how often; later, the scan has it anyway. */
export const IRSA_REALTIME_MAX_EVENT_AGE = Duration.minutes(15);
export const IRSA_REALTIME_RETRY_ATTEMPTS = 4;

export interface IrsaRealtimeRuleProps {
  /** The IRSA function: it tells the rule's events from its schedule's. */
  readonly function: lambda.IFunction;
  /** Where events EventBridge could not deliver go (the function's failure queue). */
  readonly deadLetterQueue: sqs.IQueue;
}

/**
 * IRSA denials in near real time (`irsaRealtime`): a rule on this region's default bus sending each denied
 * `AssumeRoleWithWebIdentity` call, as CloudTrail delivers it to EventBridge, to the IRSA function. The stack is
 * single-region, so the rule sees this region's calls only; docs/irsa-realtime.md says how to forward other
 * regions' events here. The target's permission (lambda:InvokeFunction for events.amazonaws.com, scoped to this
 * rule's ARN) and the queue's policy for undelivered events are added by the CDK target.
 */
export class IrsaRealtimeRule extends Construct {
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: IrsaRealtimeRuleProps) {
    super(scope, id);
    this.rule = new events.Rule(this, 'Rule', {
      description:
        'TMC health IRSA check in near real time: denied sts:AssumeRoleWithWebIdentity calls (CloudTrail) ' +
        'to the IRSA function',
      eventPattern: {
        source: [...IRSA_REALTIME_EVENT_PATTERN.source],
        detailType: [...IRSA_REALTIME_EVENT_PATTERN['detail-type']],
        detail: {
          eventSource: [...IRSA_REALTIME_EVENT_PATTERN.detail.eventSource],
          eventName: [...IRSA_REALTIME_EVENT_PATTERN.detail.eventName],
          errorCode: [{ exists: true }],
        },
      },
    });
    // aws-cdk-lib's Rule has only `enabled`: the state that also matches read-only management events is set on
    // the CloudFormation resource.
    (this.rule.node.defaultChild as events.CfnRule).state = IRSA_REALTIME_RULE_STATE;
    this.rule.addTarget(
      new targets.LambdaFunction(props.function, {
        deadLetterQueue: props.deadLetterQueue,
        retryAttempts: IRSA_REALTIME_RETRY_ATTEMPTS,
        maxEventAge: IRSA_REALTIME_MAX_EVENT_AGE,
      }),
    );
  }
}
