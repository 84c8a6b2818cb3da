/**
 * No PASS without proof (lambdas/core/proof.ts), on plain findings and failures: which failed read voids which
 * PASS, by operation, region, credential and resource.
 */
import { CATALOGUE } from '../../lambdas/core/catalogue';
import { CHECK_READS, checksReading, declaredReadOperations } from '../../lambdas/core/check-reads';
import { CHECK_IDS, type CheckId, type Finding, type Status } from '../../lambdas/core/finding';
import { buildFinding } from '../../lambdas/core/finding-factory';
import { GLOBAL_REGION, type ApiFailure } from '../../lambdas/core/inventory';
import { requireProof } from '../../lambdas/core/proof';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const fnArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
const OWNERS = new Map([
  [fnArn('alpha-data-sync'), 'alpha'],
  [fnArn('beta-data-sync'), 'beta'],
]);
const ownerOf = (arn: string) => OWNERS.get(arn);

function finding(
  checkId: CheckId,
  options: { status?: Status; arn?: string; credential?: string; region?: string } = {},
): Finding {
  return buildFinding(
    {
      accountId: ACCOUNT,
      region: options.region ?? REGION,
      observedAt: '2025-06-01T12:00:00Z',
      runbookBaseUrl: 'https://example.com/checks.md',
    },
    {
      checkId,
      status: options.status ?? 'PASS',
      title: 'data-sync Lambda present',
      message: 'Credential alpha has its data-sync Lambda alpha-data-sync in eu-west-1.',
      resource: {
        type: 'AWS::Lambda::Function',
        name: 'alpha-data-sync',
        ...(options.arn ? { arn: options.arn } : {}),
      },
      resourceKey: options.arn ?? 'key',
      ...(options.credential ? { tmc: { credentialName: options.credential } } : {}),
      evidence: { functions: ['alpha-data-sync'] },
    },
  );
}

function failure(operation: string, extra: Partial<ApiFailure> = {}): ApiFailure {
  const [service, name] = operation.split(':') as [string, string];
  return {
    service,
    operation: name,
    region: REGION,
    errorName: 'TimeoutError',
    message: 'a request has exceeded the configured 10000 ms requestTimeout',
    ...extra,
  };
}

const ALPHA_FN = fnArn('alpha-data-sync');
const BETA_FN = fnArn('beta-data-sync');
const GFC = 'lambda:GetFunctionConfiguration';

describe.each<[string, Finding, ApiFailure, Status]>([
  // [case, the finding as the check computed it, the failed read, the status that must come out]
  [
    'resource read of this very resource failed',
    finding('tmc.lambda.missing', { arn: ALPHA_FN, credential: 'alpha' }),
    failure(GFC, { resourceArn: ALPHA_FN }),
    'ERROR',
  ],
  [
    'resource read of another resource failed',
    finding('tmc.lambda.missing', { arn: ALPHA_FN, credential: 'alpha' }),
    failure(GFC, { resourceArn: BETA_FN }),
    'PASS',
  ],
  [
    'a batch naming this resource failed',
    finding('tmc.token.stale', { arn: 'arn:p1', credential: 'alpha' }),
    failure('ssm:DescribeParameters', { resourceArns: ['arn:p0', 'arn:p1'] }),
    'ERROR',
  ],
  [
    'a batch naming other resources failed',
    finding('tmc.token.stale', { arn: 'arn:p9', credential: 'alpha' }),
    failure('ssm:DescribeParameters', { resourceArns: ['arn:p0', 'arn:p1'] }),
    'PASS',
  ],
  [
    'a call about no particular resource failed',
    finding('tmc.lambda.errors', { arn: ALPHA_FN, credential: 'alpha' }),
    failure('cloudwatch:GetMetricData'),
    'ERROR',
  ],
  [
    'a region-wide read failed in another region',
    finding('tmc.lambda.errors', { arn: ALPHA_FN, credential: 'alpha' }),
    failure('tagging:GetResources', { region: 'us-east-1' }),
    'PASS',
  ],
  [
    'a region-wide read failed in this region',
    finding('tmc.credential.not-found', { credential: 'alpha' }),
    failure('tagging:GetResources'),
    'ERROR',
  ],
  [
    'a global (IAM) read failed: it concerns every region',
    finding('irsa.assume-role.denied', { region: 'us-west-2', arn: 'arn:aws:iam::1:role/r' }),
    failure('iam:ListOpenIDConnectProviders', { region: GLOBAL_REGION }),
    'ERROR',
  ],
  [
    "credential read: a failure about this credential's function",
    finding('tmc.event-rule.wrong-target', { arn: 'arn:rule/alpha', credential: 'alpha' }),
    failure(GFC, { resourceArn: ALPHA_FN }),
    'ERROR',
  ],
  [
    "credential read: a failure about another credential's function",
    finding('tmc.event-rule.wrong-target', { arn: 'arn:rule/alpha', credential: 'alpha' }),
    failure(GFC, { resourceArn: BETA_FN }),
    'PASS',
  ],
  [
    'credential read: a failure about a resource nobody is known to own',
    finding('tmc.event-rule.wrong-target', { arn: 'arn:rule/alpha', credential: 'alpha' }),
    failure(GFC, { resourceArn: fnArn('unknown') }),
    'ERROR',
  ],
  [
    'a read the check does not declare failed',
    finding('tmc.token.missing', { arn: 'arn:p1', credential: 'alpha' }),
    failure(GFC),
    'PASS',
  ],
  [
    'a FAIL stays a FAIL',
    finding('tmc.lambda.unhealthy', { status: 'FAIL', arn: ALPHA_FN, credential: 'alpha' }),
    failure(GFC, { resourceArn: ALPHA_FN }),
    'FAIL',
  ],
  [
    'checker.error findings are about the calls themselves',
    finding('checker.error', { arn: ALPHA_FN }),
    failure(GFC),
    'PASS',
  ],
])('%s', (_case, input, failed, expected) => {
  it(`comes out ${expected}`, () => {
    const [output] = requireProof([input], { failures: [failed], ownerOf });
    expect(output!.status).toBe(expected);
    if (expected === input.status) {
      expect(output).toEqual(input);
      return;
    }
    const operation = `${failed.service}:${failed.operation}`;
    expect(output).toMatchObject({
      findingId: input.findingId,
      checkId: input.checkId,
      severity: CATALOGUE[input.checkId].defaultSeverity,
      title: `${input.title} (unconfirmed)`,
      evidence: { ...input.evidence, unconfirmedBy: [operation] },
    });
    expect(output!.message).toContain(`${operation} failed in ${failed.region} with TimeoutError`);
    expect(output!.message).toContain(input.message);
    expect(output!.remediation.text).not.toBe('No action needed.');
  });
});

it('names every failed read a PASS rested on, each once', () => {
  const input = finding('tmc.lambda.errors', { arn: ALPHA_FN, credential: 'alpha' });
  const [output] = requireProof([input], {
    failures: [
      failure(GFC, { resourceArn: ALPHA_FN }),
      failure('cloudwatch:GetMetricData'),
      failure('cloudwatch:GetMetricData', { errorName: 'ThrottlingException' }),
    ],
    ownerOf,
  });
  expect(output!.evidence.unconfirmedBy).toEqual([GFC, 'cloudwatch:GetMetricData']);
});

it('leaves the findings alone when every read succeeded', () => {
  const findings = CHECK_IDS.map((checkId) => finding(checkId, { arn: ALPHA_FN, credential: 'alpha' }));
  expect(requireProof(findings, { failures: [] })).toEqual(findings);
});

describe('the declarations', () => {
  it('name each read as service:Operation, once per check', () => {
    for (const checkId of CHECK_IDS) {
      const operations = CHECK_READS[checkId].map((read) => read.operation);
      for (const operation of operations) expect(operation).toMatch(/^[a-z]+:[A-Z][A-Za-z]+$/);
      expect(new Set(operations).size).toBe(operations.length);
    }
  });

  it('give every check but checker.error at least one read', () => {
    expect(CHECK_IDS.filter((checkId) => CHECK_READS[checkId].length === 0)).toEqual(['checker.error']);
  });

  it("make the Lambda's confirmation a read of tmc.lambda.missing and of every check after it", () => {
    expect(checksReading(GFC)).toEqual([
      'tmc.lambda.missing',
      'tmc.lambda.unhealthy',
      'tmc.lambda.not-invoked',
      'tmc.lambda.errors',
      'tmc.lambda.throttled',
      'tmc.event-rule.wrong-target',
    ]);
    expect(declaredReadOperations()).toContain(GFC);
  });
});
