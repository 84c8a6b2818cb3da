/**
 * No PASS without proof, generated from the checks' declared reads (lambdas/core/check-reads.ts): for every
 * operation the checkers call, each way a call can fail (throttled past the retries, 5xx, access denied, timed
 * out, reset, or answered with a malformed response) is injected on every call of that operation, in every
 * region, and the run must
 * - complete;
 * - report no PASS for any check that declares the operation, about anything a failed request was about (a
 *   credential whose resources it named; everything, for a request that named none), and keep each such check
 *   of the healthy run (as ERROR, or the FAIL it was), unless the operation is the one that names the resources
 *   checked;
 * - report the operation itself as an ERROR;
 * - leave every other check (and the same checks of credentials no failed request was about) exactly as in the
 *   healthy run, and every other operation not failed.
 * A new check is covered by declaring its reads; a new operation by adding its fault injector below (a test
 * fails until it has one). The account fixtures are the fault-injection accounts of this folder, the
 * Organizations hub's fleet watch over its heartbeat table, the EKS Connector check's registered clusters, and the
 * EKS Pod Identity check's associations, roles and agent add-ons.
 */
import 'aws-sdk-client-mock-jest';
import { checksReading, declaredReadOperations } from '../../../lambdas/core/check-reads';
import type { Finding } from '../../../lambdas/core/finding';
import {
  COMMANDS,
  CREDENTIALS,
  installAccount,
  MALFORMED as CREDENTIAL_MALFORMED,
  operation as credentialOperation,
  requestNames,
  runAccountCheck,
  type CredentialApi,
} from './credential-account';
import * as eksConnectorAccount from './eks-connector-account';
import { ERROR_FAULT_KINDS, faultError, type ErrorFault } from './fault-kinds';
import * as fleetAccount from './fleet-account';
import * as podIdentityAccount from './pod-identity-account';
import {
  install as installIrsaAccount,
  MALFORMED as IRSA_MALFORMED,
  run as runIrsaAccountCheck,
  SERVICE as IRSA_SERVICE,
  type Api as IrsaApi,
} from './irsa-account';

type Answer = (input: Record<string, unknown>) => unknown;

interface Family {
  readonly name: string;
  /** Installs the healthy account with `operation` answering `answer` on every call (none: all healthy). */
  readonly install: (operation?: string, answer?: Answer) => void;
  readonly operations: readonly string[];
  readonly malformed: (operation: string) => Answer;
  readonly run: () => Promise<readonly Finding[]>;
  /**
   * Whether a finding is about what the faulted requests were about: a credential whose resources a failed
   * request named (a request naming none concerns every credential). Everything, where findings have no owner.
   */
  readonly concernedByFault: (finding: Finding) => boolean;
  /** Operations whose failure leaves nothing to name the checked resources by: their checks may be absent. */
  readonly namesResources: readonly string[];
}

const CREDENTIAL_APIS = Object.keys(COMMANDS) as CredentialApi[];
const credentialApiOf = (operation: string) =>
  CREDENTIAL_APIS.find((api) => credentialOperation(api) === operation) as CredentialApi;

/** The credentials the faulted requests named; `*` for a request that named none. */
const faultedCredentials = new Set<string>();

const credentialFamily: Family = {
  name: 'credential check',
  install: (operation, answer) => {
    faultedCredentials.clear();
    installAccount(
      operation && answer
        ? {
            [credentialApiOf(operation)]: (input: Record<string, unknown>) => {
              const named = CREDENTIALS.filter((credential) => requestNames(input, credential));
              for (const credential of named.length > 0 ? named : ['*']) faultedCredentials.add(credential);
              return Promise.resolve(answer(input));
            },
          }
        : {},
    );
  },
  concernedByFault: (finding) =>
    faultedCredentials.has('*') ||
    finding.tmc === undefined ||
    faultedCredentials.has(finding.tmc.credentialName),
  operations: CREDENTIAL_APIS.map(credentialOperation),
  malformed: (operation) => CREDENTIAL_MALFORMED[credentialApiOf(operation)],
  run: async () => (await runAccountCheck()).findings,
  // Discovery names every resource; the untagged rule is only known through its target lookup.
  namesResources: ['tagging:GetResources', 'events:ListRuleNamesByTarget'],
};

/**
 * The watermark table's calls are the scan's bookkeeping, not reads a check's result rests on: a failed GetItem
 * makes the region scan its whole lookback, a failed PutItem (after publishing) reads the range again next run.
 * irsa-check-faults.test.ts covers both.
 */
const BOOKKEEPING = new Set(['dynamodb:GetItem', 'dynamodb:PutItem']);
const IRSA_APIS = (Object.keys(IRSA_SERVICE) as IrsaApi[]).filter(
  (api) => !BOOKKEEPING.has(`${IRSA_SERVICE[api]}:${api}`),
);
const irsaApiOf = (operation: string) =>
  IRSA_APIS.find((api) => `${IRSA_SERVICE[api]}:${api}` === operation) as IrsaApi;

const irsaFamily: Family = {
  name: 'IRSA check',
  install: (operation, answer) =>
    operation && answer
      ? installIrsaAccount(irsaApiOf(operation), (input) => answer(input), { everywhere: true })
      : installIrsaAccount(),
  operations: IRSA_APIS.map((api) => `${IRSA_SERVICE[api]}:${api}`),
  malformed: (operation) => (input) => IRSA_MALFORMED[irsaApiOf(operation)](input, 'any'),
  run: async () => (await runIrsaAccountCheck()).findings,
  concernedByFault: () => true,
  // Denials are only known from CloudTrail.
  namesResources: ['cloudtrail:LookupEvents'],
};

const fleetFamily: Family = {
  name: 'fleet watch (hub)',
  install: (_operation, answer) => fleetAccount.install(answer),
  operations: fleetAccount.OPERATIONS,
  malformed: () => fleetAccount.MALFORMED,
  run: fleetAccount.run,
  // Every member's verdict rests on the one Scan.
  concernedByFault: () => true,
  // The heartbeats are the only source of the members: without them there is no finding to keep.
  namesResources: ['dynamodb:Scan'],
};

const eksConnectorFamily: Family = {
  name: 'EKS Connector (credential check)',
  install: eksConnectorAccount.install,
  operations: eksConnectorAccount.OPERATIONS,
  malformed: () => eksConnectorAccount.MALFORMED,
  run: eksConnectorAccount.run,
  // Each fault is injected on every call: every cluster's findings rest on it.
  concernedByFault: () => true,
  // The listing names the clusters, and only DescribeCluster tells a registered one (its connectorConfig): a
  // cluster that could not be described has no finding, and its region is not covered (nothing resolves as gone).
  namesResources: ['eks:ListClusters', 'eks:DescribeCluster'],
};

const podIdentityFamily: Family = {
  name: 'EKS Pod Identity (credential check)',
  install: podIdentityAccount.install,
  operations: podIdentityAccount.OPERATIONS,
  malformed: () => podIdentityAccount.MALFORMED,
  run: podIdentityAccount.run,
  // The findings about the cluster, association or role a faulted request named (an association without a
  // target role rests on no GetRole; a cluster with the add-on on no DescribeCluster).
  concernedByFault: podIdentityAccount.concernedByFault,
  // The clusters, then each cluster's associations, are only known from their listings.
  namesResources: ['eks:ListClusters', 'eks:ListPodIdentityAssociations'],
};

const FAMILIES = [credentialFamily, irsaFamily, fleetFamily, eksConnectorFamily, podIdentityFamily];
type Fault = ErrorFault | 'malformed';
const FAULTS: readonly Fault[] = [...ERROR_FAULT_KINDS, 'malformed'];

const statusOf = (findings: readonly Finding[]) =>
  new Map(findings.map((finding) => [finding.findingId, finding.status]));
const describeFinding = (finding: Finding) =>
  `${finding.checkId} ${finding.region} ${finding.resource.arn ?? finding.resource.name}`;
const calledOperations = (findings: readonly Finding[]) =>
  findings.filter((finding) => finding.checkId === 'checker.error').map((finding) => finding.resource.name);

describe('coverage of the declarations', () => {
  it('every read a check declares has a fault injector', () => {
    const injected = FAMILIES.flatMap((family) => family.operations);
    expect(declaredReadOperations().filter((operation) => !injected.includes(operation))).toEqual([]);
  });

  it.each(FAMILIES.map((family) => [family.name, family] as const))(
    '%s: every operation a healthy run calls is injected, or is bookkeeping',
    async (_name, family) => {
      family.install();
      const called = new Set(calledOperations(await family.run()));
      expect(called.size).toBeGreaterThan(0);
      const uncovered = [...called].filter(
        (operation) => !family.operations.includes(operation) && !BOOKKEEPING.has(operation),
      );
      expect(uncovered).toEqual([]);
    },
  );

  it('every injected operation is a read some check declares', () => {
    const declared = declaredReadOperations();
    const undeclared = FAMILIES.flatMap((family) => family.operations).filter(
      (operation) => !declared.includes(operation),
    );
    expect(undeclared).toEqual([]);
  });
});

describe.each(FAMILIES.map((family) => [family.name, family] as const))('%s', (_name, family) => {
  let baseline: readonly Finding[];
  beforeAll(async () => {
    family.install();
    baseline = await family.run();
  });

  it('the healthy account reports nothing it could not check', () => {
    expect(baseline.filter((finding) => finding.status === 'ERROR').map(describeFinding)).toEqual([]);
    expect(baseline.some((finding) => finding.checkId !== 'checker.error')).toBe(true);
  });

  const cases = family.operations.flatMap((operation) => FAULTS.map((fault) => [operation, fault] as const));

  it.each(cases)('%s fails (%s): no PASS without it, nothing else changes', async (operation, fault) => {
    family.install(
      operation,
      fault === 'malformed' ? family.malformed(operation) : () => Promise.reject(faultError(fault)),
    );
    const findings = await family.run();

    const dependent = new Set<string>(checksReading(operation));
    expect(dependent.size).toBeGreaterThan(0);
    const isDependent = (finding: Finding) => dependent.has(finding.checkId);

    // No check that rests on the failed operation passes where the operation was called for.
    const unproven = findings.filter(
      (finding) => isDependent(finding) && family.concernedByFault(finding) && finding.status === 'PASS',
    );
    expect(unproven.map(describeFinding)).toEqual([]);

    // Each of them is still reported (not dropped: absence reads as "resource gone"), unless nothing named it.
    if (!family.namesResources.includes(operation)) {
      const now = statusOf(findings);
      const dropped = baseline.filter((finding) => isDependent(finding) && !now.has(finding.findingId));
      expect(dropped.map(describeFinding)).toEqual([]);
    }

    // The operation itself is an ERROR wherever the healthy run called it.
    const calledIn = baseline.filter(
      (finding) => finding.checkId === 'checker.error' && finding.resource.name === operation,
    );
    expect(calledIn.length).toBeGreaterThan(0);
    const reported = statusOf(findings);
    for (const call of calledIn)
      expect([operation, reported.get(call.findingId)]).toEqual([operation, 'ERROR']);

    // Everything else is exactly as in the healthy run, and no other operation failed.
    const others = (list: readonly Finding[]) =>
      list
        .filter(
          (finding) =>
            finding.checkId !== 'checker.error' &&
            (!isDependent(finding) || !family.concernedByFault(finding)),
        )
        .map((finding) => `${describeFinding(finding)} ${finding.status}`)
        .sort();
    expect(others(findings)).toEqual(others(baseline));
    const otherErrors = findings.filter(
      (finding) =>
        finding.checkId === 'checker.error' &&
        finding.status === 'ERROR' &&
        finding.resource.name !== operation,
    );
    expect(otherErrors.map(describeFinding)).toEqual([]);
  });
});
