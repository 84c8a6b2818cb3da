import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { OPEN_INDEX } from '../../lambdas/core/lifecycle/ledger-table';
import { ledgerStatements } from '../permissions/lifecycle-permissions';
import type { BindableTable } from './checker-function';

/** The attributes of the table shape `DynamoLedgerStore` expects (see its header comment). */
export const LEDGER_PARTITION_KEY = 'findingId';
export const LEDGER_OPEN_MARKER = 'openMarker';
export const LEDGER_TTL_ATTRIBUTE = 'expiresAt';
export const LEDGER_OPEN_INDEX = OPEN_INDEX;

/**
 * The findings ledger: one item per finding id, so each run publishes transitions (opened, escalated, resolved,
 * reminder) instead of every finding. Shared by both checks (each keeps to its own `OPEN#<family>` marker).
 *
 * - On-demand: a few reads and writes per run.
 * - Sparse GSI `open-index` on `openMarker` (KEYS_ONLY: the store reads the items themselves with BatchGetItem),
 *   so open entries are listed with a Query rather than a Scan.
 * - TTL on `expiresAt`: resolved entries expire after a while; open ones never carry it.
 * - Encrypted with the AWS-owned key, so the functions need no KMS permission.
 * - Point-in-time recovery on, to undo a bad deploy or a runaway write.
 *
 * Removed with the stack (like the watermark table) rather than retained: a retained table would outlive
 * `cdk destroy` as an orphan nobody cleans up, and a redeploy would not reuse it anyway. What is lost is the lifecycle history (and the
 * table's point-in-time backups with it): after a redeploy every problem still present is announced once more as
 * OPENED, occurrence counts restart, and a relapse of a resolved finding starts a new sequence. No finding is
 * lost: the next run re-observes everything.
 */
export class FindingsLedger extends Construct implements BindableTable<'readWrite'> {
  readonly table: dynamodb.Table;
  /** The ARN of the open-index, for the dynamodb:Query grant. */
  readonly openIndexArn: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: LEDGER_PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.DEFAULT,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: LEDGER_TTL_ATTRIBUTE,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: LEDGER_OPEN_INDEX,
      partitionKey: { name: LEDGER_OPEN_MARKER, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.KEYS_ONLY,
    });
    this.openIndexArn = `${this.table.tableArn}/index/${LEDGER_OPEN_INDEX}`;
  }

  get tableName(): string {
    return this.table.tableName;
  }

  /** `readWrite`: exactly what `DynamoLedgerStore` calls (lib/permissions/lifecycle-permissions.ts). */
  statementsFor(access: 'readWrite'): iam.PolicyStatement[] {
    switch (access) {
      case 'readWrite':
        return ledgerStatements({ tableArn: this.table.tableArn, openIndexArn: this.openIndexArn });
    }
  }
}
