import * as iam from 'aws-cdk-lib/aws-iam';
import { publishStatements } from './checker-permissions';

/**
 * What both hub functions share: the heartbeats, the hub bus and the topic (and its key, through SNS). The
 * findings ledger is bound with `CheckerFunction.useTable`, its grant with its name.
 */
export interface FleetPermissionsProps {
  /** ARN of the heartbeat table. */
  readonly heartbeatTableArn: string;
  /** The hub bus: finding events go there. */
  readonly eventBusArn: string;
  /** The topic the digests are published to. */
  readonly topicArn: string;
  /** @default - no KMS permission (an existing topic) */
  readonly topicKeyArn?: string;
}

/**
 * The fleet intake, besides the ledger (scoped to the member's open marker by the store, not by IAM: one table
 * holds every member): the heartbeat of each member's run (GetItem for the last report, so a stale
 * one stays out of the ledger; conditional PutItem; UpdateItem for a further part of a split report), and
 * publishing. No Scan, no DeleteItem, nothing in any member account.
 */
export function fleetIntakeStatements(props: FleetPermissionsProps): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'RecordMemberHeartbeats',
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      resources: [props.heartbeatTableArn],
    }),
    ...publishStatements(props),
  ];
}

/**
 * The fleet watch, besides the ledger (the `fleet` family's lifecycle): reads every heartbeat (a Scan: the table
 * holds two items per member), publishes. It writes no heartbeat.
 */
export function fleetWatchStatements(props: FleetPermissionsProps): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'ListMemberHeartbeats',
      actions: ['dynamodb:Scan'],
      resources: [props.heartbeatTableArn],
    }),
    ...publishStatements(props),
  ];
}
