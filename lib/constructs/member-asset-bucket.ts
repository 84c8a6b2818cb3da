import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { memberAssetBucketName } from '../fleet/member-assets';

export interface MemberAssetBucketProps {
  /** The organization whose accounts may read the objects (`aws:PrincipalOrgID`). */
  readonly organizationId: string;
}

/**
 * The bucket member accounts read the member stack's Lambda code from, in one region (`tmc-health-member-
 * assets-<account>-<region>`). Anyone in the organization may read an object (s3:GetObject, nothing else: no
 * listing, no writing); the hub account writes through `cdk deploy` (its own IAM permissions). SSE-S3, so a
 * reader needs no KMS grant; public access blocked (a policy limited by aws:PrincipalOrgID is not public).
 *
 * Retained when its stack is deleted: a StackSet instance created later still reads the current code, and a
 * deleted bucket's name could be taken by another account, whose objects member accounts would then read.
 * docs/organizations.md says how to remove it.
 */
export class MemberAssetBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: MemberAssetBucketProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: memberAssetBucketName(stack.account, stack.region),
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OrganizationReadsMemberCode',
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:GetObject'],
        resources: [this.bucket.arnForObjects('*')],
        conditions: { StringEquals: { 'aws:PrincipalOrgID': props.organizationId } },
      }),
    );
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Holds only the bundled checker code cdk deploy writes for the member accounts: no data. Reads by ' +
        'member accounts are recorded as CloudTrail S3 data events when those are turned on for the bucket.',
    });
  }
}
