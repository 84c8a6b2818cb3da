/**
 * The Arn* condition operators of the shared trust-policy evaluator (lambdas/core/irsa/condition-evaluator.ts),
 * added for EKS Pod Identity trust policies, which condition `aws:SourceArn` on the cluster's ARN with them.
 */
import { arnMatches, evaluateCondition } from '../../lambdas/core/irsa/condition-evaluator';

const CLUSTER = 'arn:aws:eks:us-west-2:111122223333:cluster/prod';

describe('arnMatches: each of the six parts on its own', () => {
  it.each<[string, string, boolean]>([
    [CLUSTER, CLUSTER, true],
    [CLUSTER, 'arn:aws:eks:*:111122223333:cluster/*', true],
    [CLUSTER, 'arn:aws:eks:us-west-?:111122223333:cluster/prod', true],
    [CLUSTER, 'arn:aws:eks:us-west-2:111122223333:cluster/staging', false],
    [CLUSTER, 'arn:aws:eks:us-west-2:444455556666:cluster/prod', false],
    // A star stays within its part: it cannot swallow the account's colons.
    [CLUSTER, 'arn:aws:eks:*/prod', false],
    [CLUSTER, 'arn:*:*:*:*:*', true],
    // The resource part keeps its own colons.
    [
      'arn:aws:logs:us-west-2:111122223333:log-group:/aws/eks:*',
      'arn:aws:logs:*:*:log-group:/aws/eks:*',
      true,
    ],
    ['not-an-arn', '*', false],
    [CLUSTER, 'ARN:aws:eks:us-west-2:111122223333:cluster/prod', false],
  ])('%s against %s: %s', (value, pattern, expected) => {
    expect(arnMatches(value, pattern)).toBe(expected);
  });
});

describe('the operators', () => {
  const context = { 'aws:SourceArn': CLUSTER };
  it.each<[string, string, boolean]>([
    ['ArnEquals', CLUSTER, true],
    ['ArnLike', 'arn:aws:eks:*:111122223333:cluster/*', true],
    ['ArnNotEquals', CLUSTER, false],
    ['ArnNotLike', 'arn:aws:eks:*:444455556666:cluster/*', true],
    ['ArnEqualsIfExists', CLUSTER, true],
    ['ForAnyValue:ArnLike', 'arn:aws:eks:*:*:cluster/prod', true],
  ])('%s %s', (operator, pattern, expected) => {
    const result = evaluateCondition({ [operator]: { 'aws:SourceArn': pattern } }, context);
    expect([result.matches, result.unknownOperators]).toEqual([expected, []]);
  });

  it('a missing key: ArnNotLike matches (nothing is like it), ArnLike does not', () => {
    expect(evaluateCondition({ ArnNotLike: { 'aws:SourceArn': CLUSTER } }, {}).matches).toBe(true);
    expect(evaluateCondition({ ArnLike: { 'aws:SourceArn': CLUSTER } }, {}).matches).toBe(false);
  });
});
