import { Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import type { Construct } from 'constructs';

/**
 * The findings bus by name, or by ARN in this stack's account and region, for a rule that reads the finding events
 * the checkers put there (`eventBusName`): a rule can only be created on a bus of its own account and region, so a
 * bus elsewhere is refused here (when the stack's environment is known) with the fix, rather than by
 * CloudFormation at deploy. `key` is the configuration key that asked for the rule, `reader` what reads the bus.
 */
export function findingsBusOf(
  scope: Construct,
  nameOrArn: string,
  key: string,
  reader: string,
): events.IEventBus {
  if (!nameOrArn.startsWith('arn:')) return events.EventBus.fromEventBusName(scope, 'Bus', nameOrArn);
  const [, , , region, account] = nameOrArn.split(':');
  const stack = Stack.of(scope);
  const elsewhere = [
    [account, stack.account, 'account'],
    [region, stack.region, 'region'],
  ].filter(([bus, own]) => !Token.isUnresolved(own) && bus !== own);
  if (elsewhere.length > 0) {
    throw new Error(
      `${key}: ${reader} reads the finding events from eventBusName ${nameOrArn}, which is in ` +
        `another ${elsewhere.map(([, , what]) => what).join(' and ')} than the stack; a rule can only be ` +
        'created on a bus of its own account and region. Deploy the stack there, use a bus of this account and ' +
        `region, or turn ${key} off.`,
    );
  }
  return events.EventBus.fromEventBusArn(scope, 'Bus', nameOrArn);
}
