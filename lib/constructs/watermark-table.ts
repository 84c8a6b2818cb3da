import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

/** The partition key attribute; items are `irsa-watermark#<region>`, one per scanned region. */
export const WATERMARK_PARTITION_KEY = 'pk';

/**
 * Where the IRSA check keeps its CloudTrail scan position per region (high-water mark, unscanned gaps, recent
 * event ids). On-demand: a few reads and writes per run. Encrypted with the AWS-owned key, so the function needs
 * no KMS permission. Removed with the stack: losing it only makes the next run look back irsaLookbackMinutes
 * again, as the first run does (findings already published are not lost).
 */
export class WatermarkTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: WATERMARK_PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.DEFAULT,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}
