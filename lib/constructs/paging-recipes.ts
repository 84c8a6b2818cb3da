import { Aws, Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgePagingDeadLetterQueue } from '../permissions/nag-acknowledgements';
import type { TmcHealthConfig } from '../config/config';
import type { PageableSeverity } from '../config/paging-config-schema';
import { findingsBusOf } from './findings-bus';
import { OpsItems } from './ops-items';
import { PagerDutyPaging } from './pager-duty-paging';
import type { MonitoredQueue } from './self-monitoring';

export interface PagingRecipesProps {
  /**
   * The bus the finding events are on (the hub's bus).
   * @default - `eventBusName`
   */
  readonly bus?: events.IEventBus;
  /**
   * The findings bus by name or ARN (`eventBusName`, single mode): it must be in the stack's account and region.
   * @default 'default' (the account's default bus)
   */
  readonly eventBusName?: string;
  /**
   * The Secrets Manager secret (name or ARN) holding the PagerDuty routing key.
   * @default - no PagerDuty paging
   */
  readonly pagerDutyRoutingKeySecret?: string;
  /**
   * The least severe finding that pages PagerDuty.
   * @default HIGH
   */
  readonly pagerDutyMinSeverity?: PageableSeverity;
  /**
   * An OpsCenter OpsItem per HIGH or CRITICAL finding that opens.
   * @default false
   */
  readonly opsItemsForHigh?: boolean;
  /**
   * The runbook links are http(s) URLs (`runbookBaseUrl` set), so PagerDuty can link them.
   * @default false
   */
  readonly runbookIsUrl?: boolean;
}

/**
 * The paging recipes (docs/paging.md) on the findings bus: PagerDuty Events v2 (`PagerDutyPaging`) and OpsCenter
 * OpsItems (`OpsItems`), whichever is configured, with the dead-letter queue both deliver their failures to
 * (`deadLetterQueues`, for the self-monitoring's alarm on its visible messages). Only this account's finding events
 * are read: at the hub, the intake's, which name each member account.
 */
export class PagingRecipes extends Construct {
  readonly pagerDuty?: PagerDutyPaging;
  readonly opsItems?: OpsItems;
  readonly deadLetterQueue: sqs.Queue;
  /** For the findings home's alarms. */
  readonly deadLetterQueues: readonly MonitoredQueue[];

  constructor(scope: Construct, id: string, props: PagingRecipesProps) {
    super(scope, id);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledgePagingDeadLetterQueue(this.deadLetterQueue);
    const key =
      props.pagerDutyRoutingKeySecret === undefined ? 'opsItemsForHigh' : 'pagerDutyRoutingKeySecret';
    const named = props.eventBusName ?? 'default';
    const bus =
      props.bus ?? (named === 'default' ? undefined : findingsBusOf(this, named, key, 'the paging recipes'));
    const common = { bus, account: Aws.ACCOUNT_ID, deadLetterQueue: this.deadLetterQueue };
    if (props.pagerDutyRoutingKeySecret !== undefined) {
      this.pagerDuty = new PagerDutyPaging(this, 'PagerDuty', {
        ...common,
        routingKeySecret: props.pagerDutyRoutingKeySecret,
        minSeverity: props.pagerDutyMinSeverity,
        runbookIsUrl: props.runbookIsUrl,
      });
    }
    if (props.opsItemsForHigh) this.opsItems = new OpsItems(this, 'OpsItems', common);
    this.deadLetterQueues = [
      {
        name: 'paging',
        title: 'TMC health paging (PagerDuty, OpsCenter)',
        queue: this.deadLetterQueue,
        messages: 'finding event EventBridge could not deliver to PagerDuty or OpsCenter',
      },
    ];
  }
}

/**
 * The paging recipes a configuration asks for, on `bus` (the hub's) or the configured `eventBusName`; undefined when
 * it asks for none.
 */
export function configuredPaging(
  scope: Construct,
  config: TmcHealthConfig,
  bus?: events.IEventBus,
): PagingRecipes | undefined {
  if (config.pagerDutyRoutingKeySecret === undefined && !config.opsItemsForHigh) return undefined;
  return new PagingRecipes(scope, 'Paging', {
    ...(bus ? { bus } : { eventBusName: config.eventBusName }),
    pagerDutyRoutingKeySecret: config.pagerDutyRoutingKeySecret,
    pagerDutyMinSeverity: config.pagerDutyMinSeverity,
    opsItemsForHigh: config.opsItemsForHigh,
    runbookIsUrl: config.runbookBaseUrl !== undefined,
  });
}
