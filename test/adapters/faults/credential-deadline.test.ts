/**
 * The run deadline of the credential check, on an injected clock: no AWS call starts after it, and every check
 * it leaves unchecked is an ERROR naming the deadline (never PASS, never dropped), counted in the result.
 */
import { runCredentialCheck } from '../../../lambdas/app/credential-check';
import { createRegionClients } from '../../../lambdas/adapters/clients';
import { isDeadlineFinding } from '../../../lambdas/core/deadline';
import type { Finding } from '../../../lambdas/core/finding';
import { checkerSettingsSchema } from '../../../lambdas/core/settings';
import {
  ACCOUNT,
  callsOf,
  COMMANDS,
  FAULT_REGION,
  healthy,
  installAccount,
  NOW,
  OK_REGION,
  REGIONS,
  type CredentialApi,
  type GetClient,
} from './credential-account';

const settings = checkerSettingsSchema.parse({ regions: [...REGIONS], credentialNames: ['alpha', 'beta'] });
const DEADLINE = new Date(NOW.getTime() + 60_000);
let time = NOW.getTime();
const clock = () => new Date(time);

function run(deadline?: Date) {
  return runCredentialCheck(
    { accountId: ACCOUNT, settings, defaultRegion: OK_REGION, ...(deadline ? { deadline } : {}) },
    { clientsFor: (region) => createRegionClients(region, { maxAttempts: 1 }), now: clock },
  );
}

/** Checks whose data comes from calls made after discovery. */
const AFTER_DISCOVERY = [
  'tmc.lambda.unhealthy',
  'tmc.lambda.not-invoked',
  'tmc.lambda.errors',
  'tmc.lambda.throttled',
  'tmc.event-rule.missing',
  'tmc.event-rule.disabled',
  'tmc.event-rule.wrong-target',
  'tmc.token.missing',
  'tmc.token.stale',
];

let baseline: readonly Finding[];
beforeAll(async () => {
  installAccount();
  time = NOW.getTime();
  baseline = (await run(DEADLINE)).findings;
});
beforeEach(() => {
  time = NOW.getTime();
});

it('a deadline that is not reached changes nothing', async () => {
  installAccount();
  const result = await run(DEADLINE);
  expect(result.uncheckedAtDeadline).toBe(0);
  expect(baseline.filter((finding) => finding.status !== 'PASS')).toEqual([]);
});

it('a deadline already passed: no AWS call, every check ERROR naming the deadline, counted', async () => {
  installAccount();
  const result = await run(NOW);
  for (const api of Object.keys(COMMANDS) as CredentialApi[]) expect(callsOf(api)).toBe(0);
  expect(result.findings.filter((finding) => finding.status !== 'ERROR')).toEqual([]);
  // Both configured credentials in both regions, and discovery itself per region.
  const notFound = result.findings.filter((finding) => finding.checkId === 'tmc.credential.not-found');
  expect(notFound).toHaveLength(4);
  for (const finding of notFound) expect(finding.message).toContain('DeadlineExceeded');
  expect(
    result.findings
      .filter((finding) => finding.checkId === 'checker.error')
      .map((finding) => `${finding.region} ${finding.resource.name}`)
      .sort(),
  ).toEqual([`${OK_REGION} tagging:GetResources`, `${FAULT_REGION} tagging:GetResources`].sort());
  expect(result.uncheckedAtDeadline).toBe(result.findings.length);
  expect(result.findings.every(isDeadlineFinding)).toBe(true);
});

it('a deadline passed after discovery: the rest is ERROR, nothing PASSes unverified or disappears', async () => {
  // Both regions discover (they start together); the clock passes the deadline as the answers arrive.
  installAccount({
    GetResources: async (input: never, getClient: GetClient) => {
      const answer = await healthy.GetResources(input, getClient);
      time = DEADLINE.getTime() + 1;
      return answer;
    },
  });
  const result = await run(DEADLINE);

  expect(callsOf('GetResources')).toBe(2);
  for (const api of [
    'GetFunctionConfiguration',
    'GetMetricData',
    'DescribeRule',
    'DescribeParameters',
  ] as const) {
    expect(callsOf(api)).toBe(0);
  }
  const afterDiscovery = result.findings.filter((finding) => AFTER_DISCOVERY.includes(finding.checkId));
  expect(afterDiscovery.length).toBeGreaterThan(0);
  for (const finding of afterDiscovery) {
    expect({ check: finding.checkId, status: finding.status, deadline: isDeadlineFinding(finding) }).toEqual({
      check: finding.checkId,
      status: 'ERROR',
      deadline: true,
    });
  }
  // What discovery verified still passes: the credentials exist.
  expect(
    result.findings
      .filter((finding) => finding.checkId === 'tmc.credential.not-found')
      .map((finding) => finding.status),
  ).toEqual(['PASS', 'PASS', 'PASS', 'PASS']);
  // No check of the full run is silently missing, except those of beta's untagged rule, which only the
  // lookups cut by the deadline could have found (its presence check is ERROR instead), and the checker's
  // own PASS for calls a dependent call never reached (ListTargetsByRule follows DescribeRule).
  const ids = new Set(result.findings.map((finding) => finding.findingId));
  const missing = baseline.filter(
    (finding) =>
      !ids.has(finding.findingId) &&
      finding.checkId !== 'checker.error' &&
      !(finding.tmc?.credentialName === 'beta' && finding.resource.name === 'beta-sync-schedule'),
  );
  expect(missing.map((finding) => `${finding.region} ${finding.checkId} ${finding.resource.name}`)).toEqual(
    [],
  );
  expect(result.uncheckedAtDeadline).toBe(result.findings.filter(isDeadlineFinding).length);
  expect(result.uncheckedAtDeadline).toBeGreaterThan(afterDiscovery.length - 1);
  expect(result.summary.failedOperations).toEqual(
    expect.arrayContaining([
      `${FAULT_REGION} lambda:GetFunctionConfiguration`,
      `${OK_REGION} ssm:DescribeParameters`,
    ]),
  );
});
