/**
 * Where member accounts read the member stack's Lambda code (docs/organizations.md "How member accounts
 * get the code"): one bucket per member region in the hub account, readable by the organization, named after
 * the hub account and the region so that the member template, deployed in any account and region by the
 * StackSet, can name the bucket of its own region.
 */

export const MEMBER_ASSET_BUCKET_PREFIX = 'tmc-health-member-assets-';

/** `tmc-health-member-assets-<hub account>-<region>` (tokens or literals, also cdk-assets placeholders). */
export function memberAssetBucketName(hubAccount: string, region: string): string {
  return `${MEMBER_ASSET_BUCKET_PREFIX}${hubAccount}-${region}`;
}

/** The id of the stack holding the asset bucket of one member region. */
export function memberAssetStackId(region: string): string {
  return `TmcHealthMemberAssets-${region}`;
}
