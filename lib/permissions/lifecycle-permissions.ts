import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { TMC_CREDENTIAL_TAG_KEY } from '../../lambdas/core/inventory';

export interface LedgerPermissionsProps {
  /** ARN of the findings ledger table. */
  readonly tableArn: string;
  /** ARN of its open-index (`<tableArn>/index/open-index`). */
  readonly openIndexArn: string;
}

/**
 * Exactly what `DynamoLedgerStore` calls: BatchGetItem and conditional PutItem on the table, Query on the sparse
 * open-index. No Scan, no DeleteItem, no UpdateItem (grantReadWriteData would add all of those).
 */
export function ledgerStatements(props: LedgerPermissionsProps): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'ReadWriteFindingsLedger',
      actions: ['dynamodb:BatchGetItem', 'dynamodb:PutItem'],
      resources: [props.tableArn],
    }),
    new iam.PolicyStatement({
      sid: 'ListOpenFindings',
      actions: ['dynamodb:Query'],
      resources: [props.openIndexArn],
    }),
  ];
}

/**
 * Only with autoRemediation: re-trigger a TMC data-sync function that stopped running. Same scope as the
 * checker's read of those functions: the checked regions, and only functions carrying the TMC credential tag.
 */
export function autoRemediationStatements(regions: readonly string[]): iam.PolicyStatement[] {
  const scoped = regions.length > 0 ? regions : [Aws.REGION];
  return [
    new iam.PolicyStatement({
      sid: 'RetriggerTmcDataSync',
      actions: ['lambda:InvokeFunction'],
      resources: scoped.map((region) => `arn:${Aws.PARTITION}:lambda:${region}:${Aws.ACCOUNT_ID}:function:*`),
      conditions: { Null: { [`aws:ResourceTag/${TMC_CREDENTIAL_TAG_KEY}`]: 'false' } },
    }),
  ];
}
