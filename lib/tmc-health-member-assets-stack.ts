import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { MemberAssetBucket } from './constructs/member-asset-bucket';

export interface TmcHealthMemberAssetsStackProps extends StackProps {
  /** The organization whose accounts may read the member code. */
  readonly organizationId: string;
}

/**
 * The organization-readable bucket of one member region, in the hub account (docs/organizations.md).
 * One per `memberRegions` entry, deployed before the hub: `cdk deploy TmcHealthHub` publishes the member Lambda
 * code into each of them, and the StackSet's member stacks read it from the bucket of their region.
 */
export class TmcHealthMemberAssetsStack extends Stack {
  readonly assets: MemberAssetBucket;

  constructor(scope: Construct, id: string, props: TmcHealthMemberAssetsStackProps) {
    super(scope, id, props);
    this.assets = new MemberAssetBucket(this, 'MemberAssets', { organizationId: props.organizationId });
    new CfnOutput(this, 'BucketName', {
      value: this.assets.bucket.bucketName,
      description: "Where member accounts of this region read the checkers' Lambda code",
    });
  }
}
