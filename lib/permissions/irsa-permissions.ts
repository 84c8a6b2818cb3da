import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { publishStatements } from './checker-permissions';

export interface IrsaPermissionsProps {
  /** CloudTrail regions scanned; empty means the stack's region plus us-east-1 (as the function computes). */
  readonly regions: readonly string[];
  /** IAM role name patterns (`name`, `path/*`, `*`) whose trust policies may be read. */
  readonly roleNamePatterns: readonly string[];
  /** ARN of the watermark table. */
  readonly watermarkTableArn: string;
  /** ARN of the bus findings are put on. */
  readonly eventBusArn: string;
  /** ARN of the topic findings are published to. */
  readonly topicArn: string;
  /**
   * ARN of the key encrypting the topic, when the stack created it.
   * @default - no KMS permission (an existing topic)
   */
  readonly topicKeyArn?: string;
}

/** `arn:<partition>:iam::<account>:role/<pattern>` for a role name pattern such as `eks/*`. */
export function roleArnPattern(pattern: string): string {
  return `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/${pattern}`;
}

/** The OIDC providers of this account (their ARNs end in the issuer host and path, unknown at deploy time). */
export function oidcProviderArns(): string {
  return `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:oidc-provider/*`;
}

/**
 * The aws:RequestedRegion condition on LookupEvents: exactly the configured `irsaRegions`. With none configured
 * the function reads its own region, us-east-1 and every region the account's EKS OIDC providers name, known only
 * at run time (a cluster created next week adds its region), so no region condition: LookupEvents is read-only
 * in every region, and a region it may not read would be an ERROR finding rather than a silent gap.
 */
export function irsaScanRegionCondition(regions: readonly string[]): Record<string, unknown> | undefined {
  return regions.length > 0 ? { StringEquals: { 'aws:RequestedRegion': [...regions] } } : undefined;
}

/**
 * Every API the IRSA check calls, each action listed explicitly and scoped to the narrowest resource it
 * supports. Like the credential checker: no ssm:GetParameter*, no kms:Decrypt, no sts:*; and it cannot
 * change IAM (read-only IAM actions only).
 */
export function irsaPolicyStatements(props: IrsaPermissionsProps): iam.PolicyStatement[] {
  return [...irsaReadStatements(props), ...publishStatements(props)];
}

/** The IRSA check's reads and its watermark table (everything but publishing), shared with the member stack. */
export function irsaReadStatements(
  props: Pick<IrsaPermissionsProps, 'regions' | 'roleNamePatterns' | 'watermarkTableArn'>,
): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'ScanWebIdentityDenials',
      actions: ['cloudtrail:LookupEvents'],
      // LookupEvents has no resource-level permissions; configured regions are kept to by a region condition.
      resources: ['*'],
      ...(irsaScanRegionCondition(props.regions)
        ? { conditions: irsaScanRegionCondition(props.regions) }
        : {}),
    }),
    new iam.PolicyStatement({
      sid: 'ReadRoleTrustPolicies',
      actions: ['iam:GetRole'],
      resources: props.roleNamePatterns.map(roleArnPattern),
    }),
    new iam.PolicyStatement({
      sid: 'ListOidcProviders',
      actions: ['iam:ListOpenIDConnectProviders'],
      // A list action: no resource-level permissions.
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'ReadOidcProviders',
      actions: ['iam:GetOpenIDConnectProvider'],
      resources: [oidcProviderArns()],
    }),
    new iam.PolicyStatement({
      sid: 'ReadWriteScanWatermarks',
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
      resources: [props.watermarkTableArn],
    }),
  ];
}

/**
 * IRSA real time (`irsaRealtime`, docs/irsa-realtime.md), on the watermark table only: the claim transaction
 * (ConditionCheckItem on the region's watermark, UpdateItem on its claims item, PutItem of the announcement
 * marker, which `irsaReadStatements` already grants), the scans' leases and folds (UpdateItem), and freeing an
 * announcement marker (DeleteItem). Granted only when real time is on.
 */
export function irsaRealtimeStatements(
  props: Pick<IrsaPermissionsProps, 'watermarkTableArn'>,
): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'ClaimRealtimeDenials',
      actions: ['dynamodb:ConditionCheckItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      resources: [props.watermarkTableArn],
    }),
  ];
}
