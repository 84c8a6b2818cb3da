import { SecretValue } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { severitiesFrom, type PageableSeverity } from '../config/paging-config-schema';
import { findingEventPattern, PAGING_MAX_EVENT_AGE, PAGING_RETRY_ATTEMPTS } from './paging-rules';
import { PAGER_DUTY_RESOLVE, pagerDutyTrigger, TransformerInput } from './paging-input';

/** PagerDuty's Events API v2 endpoint (developer.pagerduty.com, "Send an Alert Event"). */
export const PAGER_DUTY_EVENTS_ENDPOINT = 'https://events.pagerduty.com/v2/enqueue';
/**
 * Invocations per second the API destination sends at most: PagerDuty limits events per integration key, and a
 * storm of transitions should queue in EventBridge (retried, then the dead-letter queue), not be refused with 429s.
 */
export const PAGER_DUTY_RATE_PER_SECOND = 2;
/**
 * The connection's API key header. A connection must have an authorization, but PagerDuty reads the routing key
 * from the body only (`routing_key`), so the header carries a constant, as AWS's own guide does for Sumo Logic
 * ("API destination partners"); the routing key itself travels only as the secret body parameter.
 */
export const UNUSED_AUTH_HEADER = 'X-Tmc-Health-Connection';

export interface PagerDutyPagingProps {
  /** The bus the finding events are on (the account's findings bus, or the hub's). */
  readonly bus?: events.IEventBus;
  /** The account whose events page: the one whose functions publish them (never another's, should the bus take them). */
  readonly account: string;
  /** The Secrets Manager secret (name or ARN) whose SecretString is the routing key. */
  readonly routingKeySecret: string;
  /**
   * The least severe finding that pages.
   * @default HIGH
   */
  readonly minSeverity?: PageableSeverity;
  /** Where events EventBridge could not deliver go (alarmed by the self-monitoring). */
  readonly deadLetterQueue: sqs.IQueue;
  /**
   * The runbook links are http(s) URLs (`runbookBaseUrl` set): PagerDuty then gets a `links` entry to the runbook.
   * @default false
   */
  readonly runbookIsUrl?: boolean;
}

/**
 * PagerDuty Events v2 from the finding lifecycle (docs/paging.md): an EventBridge connection carrying the routing
 * key as a secret body parameter (`routing_key`, resolved by CloudFormation from Secrets Manager at deploy and kept
 * by EventBridge in a secret of its own: never in the template), an API destination on the Events v2 endpoint, one
 * rule per paging severity turning OPENED and ESCALATED events that are not suppressed into `trigger`s, and one
 * rule turning every RESOLVED event into a `resolve` with the same `dedup_key` (the finding id). PagerDuty drops a
 * resolve for a key it never saw, so resolving what never paged costs an invocation and nothing else.
 */
export class PagerDutyPaging extends Construct {
  readonly connection: events.Connection;
  readonly destination: events.ApiDestination;
  /** The trigger rules by checker severity. */
  readonly triggerRules: Readonly<Partial<Record<PageableSeverity, events.Rule>>>;
  readonly resolveRule: events.Rule;

  constructor(scope: Construct, id: string, props: PagerDutyPagingProps) {
    super(scope, id);
    this.connection = new events.Connection(this, 'Connection', {
      description: 'TMC health paging: PagerDuty Events v2, the routing key from Secrets Manager',
      authorization: events.Authorization.apiKey(
        UNUSED_AUTH_HEADER,
        SecretValue.unsafePlainText('pagerduty-reads-the-routing-key-from-the-body'),
      ),
      bodyParameters: {
        routing_key: events.HttpParameter.fromSecret(SecretValue.secretsManager(props.routingKeySecret)),
      },
    });
    this.destination = new events.ApiDestination(this, 'Destination', {
      description: 'TMC health paging: PagerDuty Events API v2',
      connection: this.connection,
      endpoint: PAGER_DUTY_EVENTS_ENDPOINT,
      httpMethod: events.HttpMethod.POST,
      rateLimitPerSecond: PAGER_DUTY_RATE_PER_SECOND,
    });
    const target = (input: TransformerInput) =>
      new targets.ApiDestination(this.destination, {
        event: input,
        deadLetterQueue: props.deadLetterQueue,
        retryAttempts: PAGING_RETRY_ATTEMPTS,
        maxEventAge: PAGING_MAX_EVENT_AGE,
      });

    const triggerRules: Partial<Record<PageableSeverity, events.Rule>> = {};
    for (const severity of severitiesFrom(props.minSeverity ?? 'HIGH')) {
      const rule = new events.Rule(this, `Trigger${severity}`, {
        description: `TMC health paging: ${severity} findings opened or escalated to a PagerDuty trigger`,
        ...(props.bus ? { eventBus: props.bus } : {}),
        eventPattern: findingEventPattern(props.account, ['OPENED', 'ESCALATED'], severity),
      });
      rule.addTarget(target(new TransformerInput(pagerDutyTrigger(severity, props.runbookIsUrl ?? false))));
      triggerRules[severity] = rule;
    }
    this.triggerRules = triggerRules;
    this.resolveRule = new events.Rule(this, 'Resolve', {
      description: 'TMC health paging: resolved findings to a PagerDuty resolve (same dedup_key)',
      ...(props.bus ? { eventBus: props.bus } : {}),
      eventPattern: findingEventPattern(props.account, ['RESOLVED']),
    });
    this.resolveRule.addTarget(target(new TransformerInput(PAGER_DUTY_RESOLVE)));
  }
}
