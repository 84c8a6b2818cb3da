import { Aws, Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { SERVICE_NAMES } from '../../lambdas/core/observability';
import {
  FINDING_EVENT_DETAIL_TYPE,
  FINDING_EVENT_SOURCE,
} from '../../lambdas/core/security-hub/finding-event';
import { acknowledgeDeadLetterQueue } from '../permissions/nag-acknowledgements';
import { securityHubImportStatements } from '../permissions/security-hub-permissions';
import { CheckerFunction } from './checker-function';
import { findingsBusOf } from './findings-bus';
import type { MonitoredChecker } from './self-monitoring';

/**
 * How long Lambda keeps a failed import for another try, and how often: Security Hub throttles
 * BatchImportFindings (a storm of transitions is many invocations at once), and the publisher's own retries span
 * seconds, Lambda's minutes.
 */
export const SECURITY_HUB_EXPORT_RETRY_ATTEMPTS = 2;
export const SECURITY_HUB_EXPORT_MAX_EVENT_AGE = Duration.hours(6);
/** How long EventBridge tries to hand an event to the function (it is rarely refused: Lambda queues it). */
export const SECURITY_HUB_RULE_MAX_EVENT_AGE = Duration.hours(2);
export const SECURITY_HUB_RULE_RETRY_ATTEMPTS = 8;

/**
 * The rule's pattern: the checkers' finding events (every one: the exporter decides what Security Hub takes), put
 * in `account` only.
 */
export function securityHubExportEventPattern(account: string): {
  readonly source: string[];
  readonly 'detail-type': string[];
  readonly account: string[];
} {
  return { source: [FINDING_EVENT_SOURCE], 'detail-type': [FINDING_EVENT_DETAIL_TYPE], account: [account] };
}

export interface SecurityHubExporterProps {
  /** The bus the checkers put their finding events on (`eventBusName`: `default`, a name or an ARN). */
  readonly eventBusName: string;
  /** Retention of the function's log group. */
  readonly logRetention: logs.RetentionDays;
}

/**
 * The Security Hub export (`securityHubExport`, docs/security-hub.md): a rule on the findings bus matching this
 * account's `tmc-health` finding events, and the exporter function it invokes with each one, which imports it as
 * ASFF into the account's default product in the stack's region. The checkers then carry no Security Hub client
 * and no Security Hub permission; only this function's role may call `securityhub:BatchImportFindings`, on that
 * product only. A failed import fails the invocation: Lambda retries it, then records it in the function's failure
 * queue, which is also the rule's dead-letter queue.
 *
 * Direct rule to function, one event per invocation: no queue between them to pay for or watch. A run publishes
 * only its transitions, so invocations are few (one per finding that opens, escalates, is reminded or resolves).
 */
export class SecurityHubExporter extends Construct {
  readonly exporter: CheckerFunction;
  readonly rule: events.Rule;
  /** For the findings home's alarms: errors, throttles and its dead-letter queue; no dead-man's switch (not scheduled). */
  readonly monitored: MonitoredChecker;

  constructor(scope: Construct, id: string, props: SecurityHubExporterProps) {
    super(scope, id);
    this.exporter = new CheckerFunction(this, 'Exporter', {
      handler: 'security-hub-export',
      serviceName: SERVICE_NAMES.securityHubExport,
      description: 'Imports the TMC health finding events of this account into Security Hub (ASFF)',
      roleDescription: 'TMC health Security Hub export: BatchImportFindings into the account default product',
      environment: {},
      timeout: Duration.minutes(1),
      maxEventAge: SECURITY_HUB_EXPORT_MAX_EVENT_AGE,
      retryAttempts: SECURITY_HUB_EXPORT_RETRY_ATTEMPTS,
      logRetention: props.logRetention,
    });
    this.exporter.grant(securityHubImportStatements());

    const pattern = securityHubExportEventPattern(Aws.ACCOUNT_ID);
    this.rule = new events.Rule(this, 'Rule', {
      description:
        'TMC health Security Hub export: the finding events of this account to the Security Hub exporter',
      ...(props.eventBusName === 'default'
        ? {}
        : { eventBus: findingsBusOf(this, props.eventBusName, 'securityHubExport', 'the exporter') }),
      // Never another account's events, should the bus accept them: the product takes this account's only.
      eventPattern: { source: pattern.source, detailType: pattern['detail-type'], account: pattern.account },
    });
    this.rule.addTarget(
      new targets.LambdaFunction(this.exporter.function, {
        deadLetterQueue: this.exporter.failureQueue,
        retryAttempts: SECURITY_HUB_RULE_RETRY_ATTEMPTS,
        maxEventAge: SECURITY_HUB_RULE_MAX_EVENT_AGE,
      }),
    );
    acknowledgeDeadLetterQueue(this.exporter.failureQueue);
    this.monitored = this.exporter.monitoredAs('security-hub-export', 'TMC health Security Hub export');
  }
}
