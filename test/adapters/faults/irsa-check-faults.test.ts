/**
 * Fault injection for the IRSA check: CloudTrail LookupEvents, IAM GetRole / ListOpenIDConnectProviders /
 * GetOpenIDConnectProvider and the DynamoDB watermark (GetItem, PutItem) fail in every way. The run completes,
 * the failed API is an ERROR named with its region, the other region and role are diagnosed as in a healthy run,
 * nothing is PASS that was not verified, and no watermark advances over what was not read.
 */
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import 'aws-sdk-client-mock-jest';
import type { Finding } from '../../../lambdas/core/finding';
import { ERROR_FAULT_KINDS, faultError, reportedName, type ErrorFault } from './fault-kinds';
import {
  APIS,
  cloudtrail,
  denied,
  FAULT_REGION,
  healthy,
  install,
  MALFORMED,
  MAX_PAGES,
  OK_REGION,
  REPORTED_REGION,
  roleArn,
  run,
  SERVICE,
  type Api,
} from './irsa-account';

const operation = (api: Api) => `${SERVICE[api]}:${api}`;
const groupsIn = (findings: readonly Finding[], region: string) =>
  findings.filter((finding) => finding.checkId === 'irsa.assume-role.denied' && finding.region === region);
const summaryOf = (finding: Finding) => ({
  status: finding.status,
  cause: finding.evidence.cause,
  resource: finding.resource.arn,
});

let baseline: Awaited<ReturnType<typeof run>>;
beforeAll(async () => {
  install();
  baseline = await run();
});

it('the healthy account: both regions scanned, both roles diagnosed, both watermarks saved', () => {
  expect(baseline.findings.filter((finding) => finding.status === 'ERROR')).toEqual([]);
  expect(groupsIn(baseline.findings, FAULT_REGION).map(summaryOf)).toEqual([
    { status: 'FAIL', cause: 'sub-mismatch', resource: roleArn('RoleWest') },
  ]);
  expect(groupsIn(baseline.findings, OK_REGION).map(summaryOf)).toEqual([
    { status: 'FAIL', cause: 'sub-mismatch', resource: roleArn('RoleEast') },
  ]);
  expect(baseline.watermarkCommits.map((commit) => commit.status)).toEqual(['saved', 'saved']);
});

function expectContained(api: Api, result: Awaited<ReturnType<typeof run>>, errorName?: string): void {
  const { findings } = result;
  const failed = findings.find(
    (finding) => finding.checkId === 'checker.error' && finding.resource.name === operation(api),
  );
  if (api === 'PutItem') {
    // Written after publishing: the run reports it in its summary and result, and reads the range again.
    const commit = result.watermarkCommits.find((item) => item.region === FAULT_REGION);
    expect(commit).toMatchObject({
      status: 'failed',
      failure: { operation: 'PutItem', region: FAULT_REGION },
    });
    expect(result.summary.regions.find((region) => region.region === FAULT_REGION)!.watermark).toBe('failed');
  } else {
    expect(failed).toMatchObject({ status: 'ERROR', region: REPORTED_REGION[api] });
    if (errorName) {
      expect(failed!.evidence.errorNames).toEqual([expect.stringMatching(new RegExp(`^${errorName}`))]);
    }
    expect(failed!.message).toContain(REPORTED_REGION[api]);
  }
  // Nothing PASSes for the failed operation where it failed.
  expect(
    findings.filter(
      (finding) =>
        finding.resource.name === operation(api) &&
        finding.region === REPORTED_REGION[api] &&
        finding.status === 'PASS',
    ),
  ).toEqual([]);

  // The other region is scanned, diagnosed and committed as in the healthy run (IAM faults are global).
  const okGroups = groupsIn(findings, OK_REGION).map(summaryOf);
  if (SERVICE[api] !== 'iam') {
    expect(okGroups).toEqual(groupsIn(baseline.findings, OK_REGION).map(summaryOf));
  } else {
    expect(okGroups.map((group) => group.status)).toEqual(['FAIL']);
  }
  expect(result.watermarkCommits.find((commit) => commit.region === OK_REGION)?.status).toBe('saved');

  if (api === 'LookupEvents') {
    // Not read, so not reported as clean: no group, no PASS, no watermark moved past the unread window.
    expect(groupsIn(findings, FAULT_REGION)).toEqual([]);
    const region = result.summary.regions.find((item) => item.region === FAULT_REGION)!;
    expect(region.complete).toBe(false);
    expect(result.watermarkCommits.find((commit) => commit.region === FAULT_REGION)).toBeUndefined();
  }
  if (SERVICE[api] === 'iam') {
    // The denials are real (CloudTrail says so), but no diagnosis may rest on the unread IAM data.
    const west = groupsIn(findings, FAULT_REGION);
    expect(west.map((finding) => finding.status)).toEqual(['FAIL']);
    if (api === 'GetRole') expect(west[0]!.evidence.cause).toBe('unknown');
    expect(findings.some((finding) => finding.evidence.cause === 'oidc-provider-missing')).toBe(false);
    expect(JSON.stringify(west[0]!.evidence)).toContain(operation(api));
  }
  if (api === 'GetItem') {
    // Scanned from the lookback, but not committed: without the stored version a write could clobber.
    expect(groupsIn(findings, FAULT_REGION)).toHaveLength(1);
    expect(result.watermarkCommits.find((commit) => commit.region === FAULT_REGION)).toBeUndefined();
  }
}

describe.each(APIS)('%s', (api) => {
  it.each(ERROR_FAULT_KINDS)('fails with %s: the run completes and reports it', async (kind: ErrorFault) => {
    install(api, () => Promise.reject(faultError(kind)));
    const result = await run();
    expectContained(api, result, reportedName(kind));
  });

  if (api !== 'GetItem' && api !== 'PutItem') {
    it('answers with a malformed response: ERROR, never PASS', async () => {
      install(api, (input) => MALFORMED[api](input, FAULT_REGION));
      const result = await run();
      expectContained(api, result, 'Malformed');
    });
  }
});

it('GetItem: a stored item that is not a watermark is reported and the region scans its lookback', async () => {
  install('GetItem', (input) => MALFORMED.GetItem(input, FAULT_REGION));
  const result = await run();
  expect(result.summary.regions.find((region) => region.region === FAULT_REGION)).toMatchObject({
    skippedRecords: 1,
    complete: true,
  });
  expect(groupsIn(result.findings, FAULT_REGION)).toHaveLength(1);
});

describe('LookupEvents pagination', () => {
  it('follows a page with a token and no events to the events behind it', async () => {
    install('LookupEvents', (input) =>
      input.NextToken === undefined
        ? { Events: [], NextToken: 'page-2' }
        : healthy.LookupEvents(input, FAULT_REGION),
    );
    const result = await run();
    expect(groupsIn(result.findings, FAULT_REGION).map(summaryOf)).toEqual(
      groupsIn(baseline.findings, FAULT_REGION).map(summaryOf),
    );
  });

  it('stops a token that never ends at the page budget and keeps the unread range for the next run', async () => {
    install('LookupEvents', (_input, call) => ({
      Events: [denied(`endless-${call}`, 55, FAULT_REGION)],
      NextToken: `token-${call}`,
    }));
    const result = await run();
    expect(cloudtrail.commandCalls(LookupEventsCommand).length).toBeLessThanOrEqual(MAX_PAGES + 1);
    const region = result.summary.regions.find((item) => item.region === FAULT_REGION)!;
    expect(region).toMatchObject({ complete: false, pages: MAX_PAGES, progress: 'continues next run' });
    expect(region.pendingGaps.length).toBeGreaterThan(0);
    expect(result.findings.filter((finding) => finding.status === 'ERROR')).toEqual([]);
  });
});
