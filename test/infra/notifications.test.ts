import { Match } from 'aws-cdk-lib/assertions';
import { resourceOf, synth, type PolicyStatementJson } from './helpers';

const ALARM_SOURCE = {
  StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
  ArnLike: {
    'aws:SourceArn': {
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':cloudwatch:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          ':alarm:TmcHealthChecker-*',
        ],
      ],
    },
  },
};

describe('the topic key (created topic)', () => {
  const { template } = synth();
  const key = resourceOf(template, 'AWS::KMS::Key', 'NotificationsTopicKey');
  const statements = (key.Properties.KeyPolicy as { Statement: PolicyStatementJson[] }).Statement;

  test('is a customer-managed key with rotation on, deleted (after the pending window) with the stack', () => {
    expect(key.Properties.EnableKeyRotation).toBe(true);
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
  });

  test('key policy: the account root (delegating to IAM) and CloudWatch for this stack alarms, nothing else', () => {
    expect(statements).toHaveLength(2);
    expect(statements[0]).toEqual({
      Effect: 'Allow',
      Principal: {
        AWS: {
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']],
        },
      },
      Action: 'kms:*',
      Resource: '*',
    });
    expect(statements[1]).toEqual({
      Sid: 'AllowCloudWatchAlarmsToUseTheKey',
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Resource: '*',
      Condition: ALARM_SOURCE,
    });
  });

  test('encrypts the topic', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NotificationsTopicKey'), 'Arn'] },
    });
  });
});

describe('the topic policy', () => {
  const { template } = synth();
  const policy = resourceOf(template, 'AWS::SNS::TopicPolicy', 'NotificationsTopicPolicy');
  const statements = (policy.Properties.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement;

  test('denies publishing without TLS to everyone (aws:SecureTransport false)', () => {
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Principal: '*',
        Action: 'sns:Publish',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
  });

  test('allows CloudWatch to publish only for this stack alarms, and grants nothing else', () => {
    const allows = statements.filter((statement) => statement.Effect === 'Allow');
    expect(allows).toEqual([
      expect.objectContaining({
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Condition: ALARM_SOURCE,
      }),
    ]);
  });
});

describe('with an existing topic', () => {
  test('no key, no topic, no topic policy is created', () => {
    const { template } = synth({ existingTopicArn: 'arn:aws:sns:eu-west-1:123456789012:alerts' });
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.resourceCountIs('AWS::SNS::TopicPolicy', 0);
  });
});
