/**
 * How member accounts get the Lambda code (docs/organizations.md): the hub's deploy publishes each member asset to
 * an organization-readable bucket per member region, and the StackSet template reads it from the bucket of the
 * region it is deployed in, in the hub's account (the account of HubEventBusArn).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import type { TmcHealthHubStack } from '../../lib/tmc-health-hub-stack';
import {
  HUB_CONTEXT,
  resourceOf,
  synthApp,
  type PolicyStatementJson,
  type TemplateResource,
} from './helpers';
import { useBundleCache } from './support/bundle-cache';

// One test bundles the hub's functions to see that it does; the bundles themselves are bundling.test.ts's subject.
const bundleCache = useBundleCache();

interface FileAsset {
  readonly source: { readonly path: string; readonly packaging: string };
  readonly destinations: Record<
    string,
    {
      readonly bucketName: string;
      readonly objectKey: string;
      readonly region: string;
      assumeRoleArn?: string;
    }
  >;
}

describe('the member template reads its code from the organization-readable bucket of its region', () => {
  const { assembly, hub: hubStack, templateOf } = synthApp(HUB_CONTEXT);
  const hub = hubStack as TmcHealthHubStack;
  const member = templateOf(hub.memberTemplate);
  const functions = Object.entries(
    member.findResources('AWS::Lambda::Function') as Record<string, TemplateResource>,
  );
  const manifestId = `${hub.memberTemplate.artifactId}.assets`;
  const manifest = JSON.parse(
    fs.readFileSync(path.join(assembly.directory, `${manifestId}.json`), 'utf8'),
  ) as {
    files: Record<string, FileAsset>;
  };

  test('Code: tmc-health-member-assets-<account of HubEventBusArn>-<AWS::Region>, key <asset hash>.zip', () => {
    expect(functions).toHaveLength(2);
    for (const [, fn] of functions) {
      const code = fn.Properties.Code as { S3Bucket: unknown; S3Key: string };
      expect(code.S3Bucket).toEqual({
        'Fn::Join': [
          '',
          [
            'tmc-health-member-assets-',
            { 'Fn::Select': [4, { 'Fn::Split': [':', { Ref: 'HubEventBusArn' }] }] },
            '-',
            { Ref: 'AWS::Region' },
          ],
        ],
      });
      expect(code.S3Key).toMatch(/^[0-9a-f]{64}\.zip$/);
      // Nothing points at a CDK bootstrap bucket: member accounts are not bootstrapped.
      expect(JSON.stringify(fn)).not.toContain('cdk-hnb659fds');
    }
    expect(JSON.stringify(member.toJSON())).not.toContain('BootstrapVersion');
  });

  test('each of those assets is published to the bucket of every member region, under the same key', () => {
    for (const [, fn] of functions) {
      const key = (fn.Properties.Code as { S3Key: string }).S3Key;
      const asset = manifest.files[key.replace(/\.zip$/, '')] as FileAsset;
      expect(asset.source.packaging).toBe('zip');
      expect(Object.values(asset.destinations).sort((a, b) => a.region.localeCompare(b.region))).toEqual([
        {
          bucketName: 'tmc-health-member-assets-${AWS::AccountId}-eu-west-1',
          objectKey: key,
          region: 'eu-west-1',
        },
        {
          bucketName: 'tmc-health-member-assets-${AWS::AccountId}-us-east-1',
          objectKey: key,
          region: 'us-east-1',
        },
      ]);
    }
    expect(Object.keys(manifest.files)).toHaveLength(functions.length);
  });

  test('cdk deploy TmcHealthHub publishes them: the manifest is a dependency of the hub artifact', () => {
    const hubArtifact = assembly.getStackByName('TmcHealthHub');
    expect(hubArtifact.dependencies.map((dependency) => dependency.id)).toContain(manifestId);
  });

  test('the template bundles exactly when the hub does (cdk deploy --exclusively TmcHealthHub)', () => {
    const only = (patterns: string[]) => {
      const app = new App({ context: { ...HUB_CONTEXT, 'aws:cdk:bundling-stacks': patterns } });
      const { addStacks } = jest.requireActual<typeof import('../../lib/app-stacks')>('../../lib/app-stacks');
      const { loadConfigFromContext } =
        jest.requireActual<typeof import('../../lib/config/config')>('../../lib/config/config');
      const { hub: built } = addStacks(app, loadConfigFromContext(app));
      return (built as TmcHealthHubStack).memberTemplate.bundlingRequired;
    };
    expect(only(['TmcHealthHub'])).toBe(true);
    // ...and the hub's functions were bundled (by esbuild or from the cache of an earlier run).
    expect(bundleCache.hits + bundleCache.misses).toBeGreaterThan(0);
    expect(only(['TmcHealthMemberAssets-eu-west-1'])).toBe(false);
  });
});

describe.each(['eu-west-1', 'us-east-1'])('the asset bucket stack of %s', (region) => {
  const { memberAssets, templateOf } = synthApp(HUB_CONTEXT);
  const stack = memberAssets.find((candidate) => candidate.region === region);
  if (!stack) throw new Error(`no asset stack for ${region}`);
  const template = templateOf(stack);
  const bucket = resourceOf(template, 'AWS::S3::Bucket', 'MemberAssetsBucket');
  const statements = (
    resourceOf(template, 'AWS::S3::BucketPolicy', 'MemberAssetsBucket').Properties.PolicyDocument as {
      Statement: PolicyStatementJson[];
    }
  ).Statement;

  test('is pinned to its region; the bucket is named after the account and region, private, SSE-S3', () => {
    expect(stack.stackName).toBe(`TmcHealthMemberAssets-${region}`);
    expect(bucket.Properties).toMatchObject({
      BucketName: {
        'Fn::Join': ['', ['tmc-health-member-assets-', { Ref: 'AWS::AccountId' }, `-${region}`]],
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  test('policy: s3:GetObject on its objects for principals of the organization only; TLS only', () => {
    const allows = statements.filter((statement) => statement.Effect === 'Allow');
    expect(allows).toEqual([
      {
        Sid: 'OrganizationReadsMemberCode',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: 's3:GetObject',
        Resource: {
          'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^MemberAssetsBucket/), 'Arn'] }, '/*']],
        },
        Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
      },
    ]);
    const denies = statements.filter((statement) => statement.Effect === 'Deny');
    expect(denies).toHaveLength(1);
    expect(denies[0]?.Condition).toEqual({ Bool: { 'aws:SecureTransport': 'false' } });
  });
});
