import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';

/** The account's default Security Hub product in the stack's region: where both checkers import. */
export function securityHubProductArn(): string {
  return `arn:${Aws.PARTITION}:securityhub:${Aws.REGION}:${Aws.ACCOUNT_ID}:product/${Aws.ACCOUNT_ID}/default`;
}

/**
 * Only with securityHubExport: BatchImportFindings into that product (lambdas/core/security-hub/asff.ts
 * `defaultProductArn`). The action supports the product resource type, so no other product, account or region is
 * granted; nothing that reads or changes findings another way (GetFindings, BatchUpdateFindings) is granted.
 */
export function securityHubImportStatements(): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'ImportFindingsIntoSecurityHub',
      actions: ['securityhub:BatchImportFindings'],
      resources: [securityHubProductArn()],
    }),
  ];
}
