import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

/** The keys of a heartbeat item: one per member account and check family. */
export const HEARTBEAT_PARTITION_KEY = 'accountId';
export const HEARTBEAT_SORT_KEY = 'family';

/**
 * The hub's heartbeats: when each member account last reported, per check family, and what that run
 * found. The fleet intake writes one per run report, the fleet watch reads them all to find silent members.
 * On-demand (a write per report, one read of the table per watch run), AWS-owned encryption (no KMS grant
 * needed), point-in-time recovery. Removed with the stack: after a redeploy the hub knows each member again
 * from its next report (a member that never reports again is then not flagged).
 */
export class FleetHeartbeatTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: HEARTBEAT_PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      sortKey: { name: HEARTBEAT_SORT_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.DEFAULT,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}
