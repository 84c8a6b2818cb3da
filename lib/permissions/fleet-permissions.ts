import * as iam from 'aws-cdk-lib/aws-iam';
import { publishStatements } from './checker-permissions';
import { ledgerStatements } from './lifecycle-permissions';

/** What both hub functions share: the findings ledger, the hub bus and the topic (and its key, through SNS). */
export interface FleetPermissionsProps {
  readonly ledgerTableArn: string;
  readonly ledgerOpenIndexArn: string;
  readonly heartbeatTableArn: string;
  /** The hub bus: finding events go there. */
  readonly eventBusArn: string;
  readonly topicArn: string;
  /** @default - no KMS permission (an existing topic) */
  readonly topicKeyArn?: string;
}

/**
 * The fleet intake: the lifecycle of each member's run (the ledger's calls, scoped to the member's open marker by
 * the store, not by IAM: one table holds every member), its heartbeat (GetItem for the last report, so a stale
 * one stays out of the ledger; conditional PutItem; UpdateItem for a further part of a split report), and
 * publishing. No Scan, no DeleteItem, nothing in any member account.
 */
export function fleetIntakeStatements(props: FleetPermissionsProps): iam.PolicyStatement[] {
  return [
    ...ledgerStatements({ tableArn: props.ledgerTableArn, openIndexArn: props.ledgerOpenIndexArn }),
    new iam.PolicyStatement({
      sid: 'RecordMemberHeartbeats',
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      resources: [props.heartbeatTableArn],
    }),
    ...publishStatements(props),
  ];
}

/**
 * The fleet watch: reads every heartbeat (a Scan: the table holds two items per member), runs the `fleet`
 * family's lifecycle, publishes. It writes no heartbeat.
 */
export function fleetWatchStatements(props: FleetPermissionsProps): iam.PolicyStatement[] {
  return [
    ...ledgerStatements({ tableArn: props.ledgerTableArn, openIndexArn: props.ledgerOpenIndexArn }),
    new iam.PolicyStatement({
      sid: 'ListMemberHeartbeats',
      actions: ['dynamodb:Scan'],
      resources: [props.heartbeatTableArn],
    }),
    ...publishStatements(props),
  ];
}
