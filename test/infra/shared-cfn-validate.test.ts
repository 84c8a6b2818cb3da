import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

/**
 * The infra tier validates every synthesized template with the CloudFormation validator that `cdk synth` runs
 * (cdk.json's validateAgainstDefaultRules), through one engine per jest worker that keeps each template's report
 * (test/infra/support/shared-cfn-validate-environment.js). A kept report must still fail a bad template, each time.
 */
const CONTEXT = { '@aws-cdk/core:validateAgainstDefaultRules': true };

interface ValidatorStats {
  readonly validations: number;
  readonly reports: number;
}
const stats = (): ValidatorStats =>
  (
    globalThis as unknown as { __tmcSharedCloudFormationValidate: { stats(): ValidatorStats } }
  ).__tmcSharedCloudFormationValidate.stats();

function queueStack(retention: unknown): Stack {
  const stack = new Stack(new App({ context: CONTEXT }), 'Queue');
  new CfnResource(stack, 'Queue', {
    type: 'AWS::SQS::Queue',
    properties: { MessageRetentionPeriod: retention },
  });
  return stack;
}

test('a bad template fails synthesis, the first time and again from the kept report', () => {
  const before = stats();
  expect(() => Template.fromStack(queueStack('two weeks'))).toThrow(/MessageRetentionPeriod/);
  const afterFirst = stats();
  expect(afterFirst.validations).toBe(before.validations + 1);
  expect(() => Template.fromStack(queueStack('two weeks'))).toThrow(/MessageRetentionPeriod/);
  expect(stats().validations).toBe(afterFirst.validations);
});

test('a good template passes, and another template is validated on its own', () => {
  const before = stats();
  expect(Template.fromStack(queueStack(1_209_600)).resourceCountIs('AWS::SQS::Queue', 1)).toBeUndefined();
  expect(Template.fromStack(queueStack(60)).resourceCountIs('AWS::SQS::Queue', 1)).toBeUndefined();
  expect(stats().validations).toBe(before.validations + 2);
});
