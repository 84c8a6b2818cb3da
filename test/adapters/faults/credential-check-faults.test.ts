/**
 * Fault injection for the credential check: every AWS API it calls fails in every way, in one region (and, for
 * per-resource calls, for one credential), and the run must still complete, report the affected checks as ERROR
 * naming the API and region, check everything else exactly as in a healthy run, and report nothing as PASS that
 * was not verified.
 */
import 'aws-sdk-client-mock-jest';
import type { Finding } from '../../../lambdas/core/finding';
import { checksReading } from '../../../lambdas/core/check-reads';
import {
  callsOf,
  credentialOf,
  FAULT_REGION,
  healthy,
  installAccount,
  MALFORMED,
  OK_REGION,
  operation,
  REGIONS,
  ruleName,
  runAccountCheck as run,
  SERVICE,
  type CredentialApi,
  type GetClient,
} from './credential-account';
import { ERROR_FAULT_KINDS, faultError, reportedName, type ErrorFault } from './fault-kinds';

/**
 * What a fault in the API touches in the faulted region: every request (`region`: batched calls), or only the
 * requests about one credential's resources (per-resource calls), so the other credential proves isolation.
 */
const SCOPE: Record<CredentialApi, 'region' | 'alpha' | 'beta'> = {
  GetResources: 'region',
  GetFunctionConfiguration: 'alpha',
  GetMetricData: 'region',
  DescribeRule: 'alpha',
  ListTargetsByRule: 'alpha',
  // Only beta's rule is untagged, so only beta's lookups use it.
  ListRuleNamesByTarget: 'beta',
  DescribeParameters: 'region',
};

/**
 * Whether each dependent finding of a healthy run must still be there, as ERROR: a check that silently
 * disappears would let the finding lifecycle count its resource as gone. Not possible when the failed call is
 * the one that names the resources (discovery, or the untagged-rule lookup).
 */
const KEEPS_EVERY_CHECK: Record<CredentialApi, boolean> = {
  GetResources: false,
  GetFunctionConfiguration: true,
  GetMetricData: true,
  DescribeRule: true,
  ListTargetsByRule: true,
  ListRuleNamesByTarget: false,
  DescribeParameters: true,
};

/** The list field and the token field of each paginated API. */
const PAGED: Partial<Record<CredentialApi, { list: string; token: string }>> = {
  GetResources: { list: 'ResourceTagMappingList', token: 'PaginationToken' },
  GetMetricData: { list: 'MetricDataResults', token: 'NextToken' },
  ListTargetsByRule: { list: 'Targets', token: 'NextToken' },
  ListRuleNamesByTarget: { list: 'RuleNames', token: 'NextToken' },
  DescribeParameters: { list: 'Parameters', token: 'NextToken' },
};
const PAGED_APIS = Object.keys(PAGED) as CredentialApi[];
const APIS = Object.keys(SERVICE) as CredentialApi[];

type Behaviour = (input: Record<string, unknown>, getClient: GetClient, call: number) => Promise<unknown>;

/** Answers healthily except for the requests in the API's fault scope in the faulted region. */
function inject(api: CredentialApi, behaviour: Behaviour): void {
  const scope = SCOPE[api];
  let calls = 0;
  installAccount({
    [api]: async (input: Record<string, unknown>, currentClient: GetClient) => {
      // getClient() names the client of the latest send: read it before awaiting anything.
      const client = currentClient();
      const getClient = () => client;
      const region = await client.config.region();
      const inScope = scope === 'region' || credentialOf(input) === scope;
      if (region !== FAULT_REGION || !inScope) {
        return (healthy[api] as (i: unknown, g: GetClient) => Promise<unknown>)(input, getClient);
      }
      calls += 1;
      return behaviour(input, getClient, calls);
    },
  });
}

const keyOf = (finding: Finding) => finding.findingId;
const statusById = (findings: readonly Finding[]) =>
  Object.fromEntries(findings.map((finding) => [keyOf(finding), finding.status]));

function inFaultScope(api: CredentialApi, finding: Finding): boolean {
  if (finding.region !== FAULT_REGION) return false;
  const scope = SCOPE[api];
  return scope === 'region' || finding.tmc?.credentialName === scope;
}

/** The checks whose PASS rests on the API, as the checks declare it (lambdas/core/check-reads.ts). */
function dependsOn(api: CredentialApi, finding: Finding): boolean {
  if (finding.checkId === 'checker.error') return finding.resource.name === operation(api);
  return checksReading(operation(api)).includes(finding.checkId);
}

let baseline: readonly Finding[];
beforeAll(async () => {
  installAccount();
  baseline = (await run()).findings;
});

describe('the healthy two-region, two-credential account', () => {
  it('passes every check, calling every API in both regions', () => {
    expect(baseline.filter((finding) => finding.status !== 'PASS')).toEqual([]);
    for (const region of REGIONS) {
      for (const api of APIS) {
        expect(
          baseline.some(
            (finding) =>
              finding.checkId === 'checker.error' &&
              finding.region === region &&
              finding.resource.name === operation(api),
          ),
        ).toBe(true);
      }
      expect(baseline.filter((finding) => finding.region === region && finding.tmc)).not.toHaveLength(0);
    }
  });
});

/** The properties every fault must keep. `expectError`: whether the API must be reported as an ERROR. */
function expectContained(api: CredentialApi, findings: readonly Finding[], expectedErrorName?: string): void {
  // 1. The API is reported as failed, in the faulted region, and named.
  const checkerError = findings.find(
    (finding) =>
      finding.checkId === 'checker.error' &&
      finding.region === FAULT_REGION &&
      finding.resource.name === operation(api),
  );
  expect(checkerError).toMatchObject({ status: 'ERROR' });
  if (expectedErrorName !== undefined) {
    expect(checkerError!.evidence.errorNames).toContain(expectedErrorName);
  }

  // 2. Nothing that depends on the failed call PASSes in its scope, and what is reported names the call.
  const affected = findings.filter((finding) => inFaultScope(api, finding) && dependsOn(api, finding));
  expect(affected.filter((finding) => finding.status === 'PASS')).toEqual([]);
  expect(affected.length).toBeGreaterThan(0);
  for (const finding of affected.filter((finding) => finding.status === 'ERROR')) {
    expect(finding.message).toContain(FAULT_REGION);
  }
  const dependentErrors = affected.filter(
    (finding) => finding.checkId !== 'checker.error' && finding.status === 'ERROR',
  );
  for (const finding of dependentErrors) expect(JSON.stringify(finding)).toContain(operation(api));

  // 3. Dependent checks are reported as ERROR, not dropped (their absence would read as "resource gone").
  if (KEEPS_EVERY_CHECK[api]) {
    const byId = new Map(findings.map((finding) => [finding.findingId, finding]));
    for (const expected of baseline.filter(
      (finding) => inFaultScope(api, finding) && dependsOn(api, finding),
    )) {
      expect({
        id: expected.findingId,
        check: expected.checkId,
        status: byId.get(expected.findingId)?.status,
      }).toEqual({
        id: expected.findingId,
        check: expected.checkId,
        status: 'ERROR',
      });
    }
    // ...and no other check of the healthy run disappears either.
    const missing = baseline.filter((finding) => inFaultScope(api, finding) && !byId.has(finding.findingId));
    expect(missing.map((finding) => `${finding.checkId} ${finding.resource.name}`)).toEqual([]);
  } else {
    expect(dependentErrors.length).toBeGreaterThan(0);
  }

  // 4. Everything outside the fault's reach is checked exactly as in the healthy run.
  const untouched = (finding: Finding) =>
    finding.region === OK_REGION ||
    (SCOPE[api] !== 'region' &&
      finding.region === FAULT_REGION &&
      finding.tmc?.credentialName !== undefined &&
      finding.tmc.credentialName !== SCOPE[api]);
  expect(statusById(findings.filter(untouched))).toEqual(statusById(baseline.filter(untouched)));
}

describe.each(APIS)('%s', (api) => {
  it.each(ERROR_FAULT_KINDS)('fails with %s: the run completes and reports it', async (kind: ErrorFault) => {
    inject(api, () => Promise.reject(faultError(kind)));
    const result = await run();
    expectContained(api, result.findings, reportedName(kind));
    expect(result.summary.failedOperations).toContain(`${FAULT_REGION} ${operation(api)}`);
    expect(result.summary.failedOperations.filter((name) => name.startsWith(OK_REGION))).toEqual([]);
  });

  it('answers with a malformed response (its fields missing): ERROR, never PASS', async () => {
    inject(api, (input) => Promise.resolve(MALFORMED[api](input)));
    const result = await run();
    expectContained(api, result.findings);
  });
});

describe.each(PAGED_APIS)('%s pagination', (api) => {
  const { list, token } = PAGED[api]!;

  it('follows a page with a token and no items to the data behind it', async () => {
    inject(api, (input, getClient) =>
      input[token] === undefined
        ? Promise.resolve({ [list]: [], [token]: 'page-2' })
        : (healthy[api] as (i: unknown, g: GetClient) => Promise<unknown>)(input, getClient),
    );
    const result = await run();
    expect(statusById(result.findings)).toEqual(statusById(baseline));
  });

  it('gives up on a token that never ends, and reports it as ERROR', async () => {
    inject(api, (_input, _getClient, call) => Promise.resolve({ [list]: [], [token]: `token-${call}` }));
    const result = await run();
    expectContained(api, result.findings, 'PaginationLimitExceeded');
    expect(callsOf(api)).toBeLessThan(1_000);
  });

  it('gives up at once on a token that repeats itself', async () => {
    inject(api, () => Promise.resolve({ [list]: [], [token]: 'same-token' }));
    const result = await run();
    expectContained(api, result.findings, 'PaginationLoop');
  });
});

it('the faulted rule lookups name the rule of the affected credential only', async () => {
  inject('DescribeRule', () => Promise.reject(faultError('access-denied')));
  const result = await run();
  const ruleErrors = result.findings.filter(
    (finding) => finding.checkId.startsWith('tmc.event-rule') && finding.status === 'ERROR',
  );
  expect(ruleErrors.map((finding) => finding.tmc?.credentialName)).not.toContain('beta');
  expect(JSON.stringify(ruleErrors)).toContain(ruleName('alpha'));
});
