import { Aws, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { addToDeadLetterQueueResourcePolicy, bindBaseTargetConfig } from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeOpsItemRole } from '../permissions/nag-acknowledgements';
import { findingEventPattern, PAGING_MAX_EVENT_AGE, PAGING_RETRY_ATTEMPTS } from './paging-rules';
import { OPS_ITEM_SEVERITY, opsItem, TransformerInput, type OpsItemSeverity } from './paging-input';

export interface OpsItemsProps {
  /** The bus the finding events are on (the account's findings bus, or the hub's). */
  readonly bus?: events.IEventBus;
  /** The account whose events create OpsItems: the one whose functions publish them. */
  readonly account: string;
  /** Where events EventBridge could not deliver go (alarmed by the self-monitoring). */
  readonly deadLetterQueue: sqs.IQueue;
}

/**
 * An OpsCenter OpsItem per HIGH or CRITICAL finding that opens (or escalates to one of them), not suppressed
 * (docs/paging.md): one rule per severity (OpsCenter's severity is a constant of its rule's input transformer),
 * each targeting `arn:<partition>:ssm:<region>:<account>:opsitem` with a role that may only create OpsItems in
 * this account and region. The deduplication string is the finding id, so an escalation, or a retried delivery,
 * creates no second OpsItem while the first is open. Nothing resolves an OpsItem: a RESOLVED finding leaves it to
 * the engineer (a target can only create).
 */
export class OpsItems extends Construct {
  readonly role: iam.Role;
  readonly rules: Readonly<Record<OpsItemSeverity, events.Rule>>;

  constructor(scope: Construct, id: string, props: OpsItemsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.role = new iam.Role(this, 'Role', {
      description: 'TMC health paging: EventBridge creates OpsCenter OpsItems for HIGH and CRITICAL findings',
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'CreateOpsItems',
        actions: ['ssm:CreateOpsItem'],
        resources: [stack.formatArn({ service: 'ssm', resource: 'opsitem', resourceName: '*' })],
      }),
    );
    acknowledgeOpsItemRole(this.role);
    const opsCenter = stack.formatArn({ service: 'ssm', resource: 'opsitem' });
    const rules: Partial<Record<OpsItemSeverity, events.Rule>> = {};
    for (const severity of Object.keys(OPS_ITEM_SEVERITY) as OpsItemSeverity[]) {
      const rule = new events.Rule(this, `Create${severity}`, {
        description: `TMC health paging: an OpsCenter OpsItem per ${severity} finding opened or escalated`,
        ...(props.bus ? { eventBus: props.bus } : {}),
        eventPattern: findingEventPattern(props.account, ['OPENED', 'ESCALATED'], severity),
      });
      rule.addTarget(
        opsItemTarget(opsCenter, this.role, props.deadLetterQueue, new TransformerInput(opsItem(severity))),
      );
      rules[severity] = rule;
    }
    this.rules = rules as Record<OpsItemSeverity, events.Rule>;
  }
}

/**
 * The OpsCenter target, which aws-events-targets does not have: `arn:<partition>:ssm:<region>:<account>:opsitem`,
 * the role, the input, the retry policy and the dead-letter queue, whose policy lets this rule send to it.
 */
function opsItemTarget(
  arn: string,
  role: iam.IRole,
  deadLetterQueue: sqs.IQueue,
  input: events.RuleTargetInput,
): events.IRuleTarget {
  return {
    bind: (rule) => {
      addToDeadLetterQueueResourcePolicy(rule, deadLetterQueue);
      return {
        ...bindBaseTargetConfig({
          deadLetterQueue,
          retryAttempts: PAGING_RETRY_ATTEMPTS,
          maxEventAge: PAGING_MAX_EVENT_AGE,
        }),
        arn,
        role,
        input,
      };
    },
  };
}
