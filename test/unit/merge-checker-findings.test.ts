/**
 * One checker.error finding per id in a credential-check run: the EKS Connector and Pod Identity families both
 * call eks:ListClusters and iam:GetRole in a region, and each reports its calls.
 */
import { checkerFindings } from '../../lambdas/core/checks/checker-findings';
import { mergeCheckerFindings } from '../../lambdas/core/checks/merge-checker-findings';
import { resourceKeyOf } from '../../lambdas/core/finding-factory';
import type { ApiFailure } from '../../lambdas/core/inventory';

const SCOPE = {
  accountId: '111122223333',
  region: 'us-west-2',
  observedAt: '2026-03-10T12:00:00.000Z',
  runbookBaseUrl: 'docs/checks.md',
};
const denied = (resourceArn: string, errorName = 'AccessDenied'): ApiFailure => ({
  service: 'iam',
  operation: 'GetRole',
  region: SCOPE.region,
  errorName,
  message: 'not authorized',
  resourceArn,
});
const family = (failures: ApiFailure[], succeeded: string[] = []) =>
  checkerFindings(SCOPE, { region: SCOPE.region, failures, succeededOperations: succeeded });

describe('mergeCheckerFindings', () => {
  it('two ERRORs of one operation are one, with every failed call', () => {
    const merged = mergeCheckerFindings([
      ...family([denied('arn:aws:iam::111122223333:role/a')]),
      ...family([denied('arn:aws:iam::111122223333:role/b', 'ThrottlingException')]),
    ]);
    expect(merged).toHaveLength(1);
    expect(merged[0]).toMatchObject({
      status: 'ERROR',
      evidence: {
        failedCalls: 2,
        errorNames: ['AccessDenied', 'ThrottlingException'],
        resources: ['arn:aws:iam::111122223333:role/a', 'arn:aws:iam::111122223333:role/b'],
      },
    });
    expect(merged[0]!.message).toMatch(/2 call\(s\) failed/);
    expect(resourceKeyOf(merged[0]!)).toBe('iam:GetRole');
  });

  it('an ERROR and a PASS of one operation: the ERROR (unknown is never healthy)', () => {
    const merged = mergeCheckerFindings([
      ...family([], ['iam:GetRole']),
      ...family([denied('arn:aws:iam::111122223333:role/a')]),
    ]);
    expect(merged.map((finding) => finding.status)).toEqual(['ERROR']);
  });

  it('two PASSes are one; other findings and other operations are left as they are', () => {
    const first = family([], ['iam:GetRole', 'eks:ListClusters']);
    const second = family([], ['iam:GetRole']);
    const merged = mergeCheckerFindings([...first, ...second]);
    expect(merged.map((finding) => finding.resource.name)).toEqual(['iam:GetRole', 'eks:ListClusters']);
    expect(merged[0]).toBe(first[0]);
  });
});
