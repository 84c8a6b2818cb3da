/**
 * The AWS names are validated twice, with one set of rules and messages (lambdas/core/aws-names.ts): by `cdk synth`
 * with full-zod schemas (lib/config/aws-names.ts, inside the config schemas) and by the CLI with zod/mini ones, so a
 * value the CLI accepts also deploys. Both must give the same verdict and the same messages for every value.
 */
import * as mini from '../../lambdas/core/aws-names';
import * as classic from '../../lib/config/aws-names';

const issuesOf = (result: { success: boolean; error?: { issues: readonly { message: string }[] } }) =>
  result.success ? [] : result.error!.issues.map((issue) => issue.message);

const REGIONS: unknown[] = [
  'eu-west-1',
  'us-gov-west-1',
  'cn-north-1',
  'eu-west-9',
  'EU-WEST-1',
  '',
  'aws-global',
  42,
  null,
];
const TOPICS: unknown[] = [
  'arn:aws:sns:eu-west-1:123456789012:alerts',
  'arn:aws-us-gov:sns:us-gov-west-1:123456789012:alerts',
  'arn:aws:sns:eu-west-1:123456789012:alerts.fifo',
  'arn:aws:sns:eu-west-1:1234:alerts',
  'not-an-arn.fifo',
  '',
  7,
];
const BUSES: unknown[] = [
  'default',
  'tmc-health-fleet',
  'arn:aws:events:eu-west-1:123456789012:event-bus/tmc-health-fleet',
  'arn:aws:events:eu-west-1:123456789012:rule/x',
  'has space',
  '',
  undefined,
];

test.each([
  ['region', REGIONS],
  ['topicArn', TOPICS],
  ['eventBus', BUSES],
] as const)('%s: the CLI (zod/mini) and cdk synth (zod) agree on every value and message', (name, values) => {
  for (const value of values) {
    const fromCli = issuesOf(mini[name].safeParse(value));
    const fromSynth = issuesOf(classic[name].safeParse(value));
    expect({ value, messages: fromCli }).toEqual({ value, messages: fromSynth });
  }
});

test('the messages say what is wrong', () => {
  expect(issuesOf(mini.region.safeParse('eu-west-9'))).toEqual([
    '"eu-west-9" is not a known AWS region (e.g. eu-west-1)',
  ]);
  expect(issuesOf(mini.region.safeParse(3))).toEqual(['each region must be a string']);
  expect(issuesOf(mini.topicArn.safeParse('arn:aws:sns:eu-west-1:123456789012:alerts.fifo'))).toEqual([
    'FIFO topics are not supported (the checker publishes without a message group, and email cannot subscribe)',
  ]);
  expect(issuesOf(mini.eventBus.safeParse('has space'))).toEqual([
    'must be an event bus name or an ARN: arn:aws:events:<region>:<12-digit account id>:event-bus/<name>',
  ]);
  expect(classic.partitionOf('us-gov-east-1')).toBe('aws-us-gov');
});
