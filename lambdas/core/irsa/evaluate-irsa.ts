import { checkerFindings, type RegionCalls } from '../checks/checker-findings';
import { makeFindingId, type Finding, type IrsaCorrection, type Severity } from '../finding';
import { buildFinding, type FindingScope } from '../finding-factory';
import { GLOBAL_REGION, type ApiFailure, type Observed } from '../inventory';
import { requireProof } from '../proof';
import { roleCorrection, type TrustEdit } from './correction';
import { diagnoseGroup, type Diagnosis } from './diagnose';
import { compareText, groupDenials, type DenialGroup } from './group';
import { offerNote } from './provenance';
import { roleNameOf, serviceAccountOf } from './provider';
import type { IrsaSettings } from './settings';
import type { DiagnosisCause, IrsaSnapshot, RoleTrust, TrailScan, WebIdentityDenial } from './types';

export const IRSA_CHECK_ID = 'irsa.assume-role.denied';

/**
 * Causes that are usually client-side or transient (a token the pod will refresh): MEDIUM instead of the
 * catalogue's HIGH. Volume overrides both: see `criticalCount`.
 */
export const MEDIUM_IRSA_CAUSES: readonly DiagnosisCause[] = ['invalid-token', 'expired-token'];

/**
 * Where calls to global services (IAM) are reported: the adapters record IAM failures under this pseudo-region
 * (like the console), so their PASS findings go there too and a resolved failure keeps its finding id.
 * Calls to regional services are reported in the region they were made in.
 */
export { GLOBAL_REGION };
const GLOBAL_SERVICES = new Set(['iam']);

export type IrsaEvaluationSettings = Pick<IrsaSettings, 'criticalCount' | 'runbookBaseUrl'> & {
  /** Defaults to MEDIUM_IRSA_CAUSES. */
  readonly mediumCauses?: readonly DiagnosisCause[];
};

export function irsaSeverity(
  group: Pick<DenialGroup, 'count'>,
  cause: DiagnosisCause,
  settings: IrsaEvaluationSettings,
): Severity {
  if (group.count >= settings.criticalCount) return 'CRITICAL';
  return (settings.mediumCauses ?? MEDIUM_IRSA_CAUSES).includes(cause) ? 'MEDIUM' : 'HIGH';
}

/** The roles the denials name, each once, sorted: what the adapters must look up with GetRole. */
export function rolesToDiagnose(scans: readonly Observed<TrailScan>[]): string[] {
  const roles = new Set<string>();
  for (const scan of scans) if (scan.ok) for (const denial of scan.value.denials) roles.add(denial.roleArn);
  return [...roles].sort(compareText);
}

/** What makes a denial group's finding id stable (with the account, the region and the check id). */
export function groupResourceKey(
  group: Pick<DenialGroup, 'roleArn' | 'subject' | 'providerArn' | 'errorCode'>,
): string {
  return `${group.roleArn}|${group.subject}|${group.providerArn}|${group.errorCode}`;
}

/**
 * The id of the finding a denial would be reported under (its group's), without diagnosing it: the real-time
 * path asks the ledger whether that finding is already open before doing anything else.
 */
export function denialFindingId(accountId: string, denial: WebIdentityDenial): string {
  const group = groupDenials([denial])[0] as DenialGroup;
  return makeFindingId(IRSA_CHECK_ID, accountId, group.region, groupResourceKey(group));
}

const NOT_LOOKED_UP = (roleArn: string): Observed<RoleTrust> => ({
  ok: false,
  failure: {
    service: 'iam',
    operation: 'GetRole',
    region: GLOBAL_REGION,
    errorName: 'NotLookedUp',
    message: 'the role was not looked up in this run',
    resourceArn: roleArn,
  },
});

function groupFinding(
  scope: FindingScope,
  group: DenialGroup,
  diagnosis: Diagnosis,
  scan: TrailScan | undefined,
  settings: IrsaEvaluationSettings,
  correction: IrsaCorrection | undefined,
): Finding {
  const account = serviceAccountOf(group.subject);
  const roleName = roleNameOf(group.roleArn);
  const who = account ? `${account.namespace}/${account.name}` : group.subject || 'a service account';
  const calls =
    group.count === 1 ? '1 AssumeRoleWithWebIdentity call' : `${group.count} AssumeRoleWithWebIdentity calls`;
  return buildFinding(scope, {
    checkId: IRSA_CHECK_ID,
    status: 'FAIL',
    severity: irsaSeverity(group, diagnosis.cause, settings),
    title: `${who} cannot assume role ${roleName} (${diagnosis.cause})`,
    message: `${calls} for role ${group.roleArn} failed with ${group.errorCode} in ${group.region} between ${group.firstSeen} and ${group.lastSeen}: ${diagnosis.detail}.`,
    resource: { type: 'AWS::IAM::Role', arn: group.roleArn, name: roleName },
    resourceKey: groupResourceKey(group),
    ...(correction ? { correction } : {}),
    irsa: {
      serviceAccount: group.subject,
      namespace: account?.namespace ?? '',
      oidcProvider: group.providerArn,
      errorCode: group.errorCode,
      count: group.count,
      firstSeen: group.firstSeen,
      lastSeen: group.lastSeen,
      sampleEventIds: group.sampleEventIds,
    },
    evidence: {
      cause: diagnosis.cause,
      detail: diagnosis.detail,
      expected: diagnosis.expected,
      actual: diagnosis.actual,
      // Why no correction is given, when the caller's values are all there would be to build one from.
      ...(diagnosis.offer.kind === 'withheld' ? { correctionWithheld: offerNote(diagnosis.offer) } : {}),
      errorMessage: group.errorMessages[0] ?? null,
      sourceIps: group.sourceIps,
      userAgents: group.userAgents,
      region: group.region,
      ...(scan ? { windowFrom: scan.from, windowTo: scan.to, windowComplete: scan.complete } : {}),
      ...diagnosis.evidence,
    },
  });
}

/** A diagnosis whose fix is in the trust policy and may be offered: not built on the caller's values alone. */
function correctable(diagnosis: Diagnosis): boolean {
  return diagnosis.offer.kind !== 'withheld' && diagnosis.edits.length > 0;
}

/**
 * One correction per role: the edits of all its correctable findings applied to its trust policy together, so the
 * role gets one document (one file to apply) that fixes every denial it can, whichever finding it is read from.
 */
function correctionsByRole(
  diagnosed: readonly { readonly group: DenialGroup; readonly diagnosis: Diagnosis }[],
  roles: IrsaSnapshot['roles'],
): Map<string, IrsaCorrection> {
  const edits = new Map<string, TrustEdit[]>();
  for (const { group, diagnosis } of diagnosed) {
    if (!correctable(diagnosis)) continue;
    edits.set(group.roleArn, [...(edits.get(group.roleArn) ?? []), ...diagnosis.edits]);
  }
  const corrections = new Map<string, IrsaCorrection>();
  for (const [roleArn, roleEdits] of edits) {
    const role = roles.get(roleArn);
    const policy = role?.ok && role.value.exists ? role.value.trustPolicy : undefined;
    if (!policy) continue;
    const correction = roleCorrection(roleArn, roleNameOf(roleArn), policy, roleEdits);
    if (correction) corrections.set(roleArn, correction);
  }
  return corrections;
}

function regionOf(scan: Observed<TrailScan>): string {
  return scan.ok ? scan.value.region : scan.failure.region;
}

function failureKey(failure: ApiFailure): string {
  return JSON.stringify([
    failure.service,
    failure.operation,
    failure.region,
    failure.errorName,
    failure.message,
    failure.resourceArn ?? '',
  ]);
}

/**
 * The checker's own calls, one set per region: failures where the adapters recorded them; successes of regional
 * services in every scanned region (checkerFindings drops those that failed there), of IAM under `global`.
 * A failed scan's failure is included even when the adapters did not also list it in `snapshot.failures`.
 */
function regionCalls(snapshot: IrsaSnapshot): RegionCalls[] {
  const failures = new Map<string, ApiFailure>();
  for (const failure of [
    ...snapshot.failures,
    ...snapshot.scans.flatMap((scan) => (scan.ok ? [] : [scan.failure])),
  ])
    failures.set(failureKey(failure), failure);
  const scanned = [...new Set(snapshot.scans.map(regionOf))];
  const global = snapshot.succeededOperations.filter((op) => GLOBAL_SERVICES.has(op.split(':')[0] ?? ''));
  const regional = snapshot.succeededOperations.filter((op) => !global.includes(op));
  const regions = [...new Set([...scanned, ...[...failures.values()].map((failure) => failure.region)])];
  if (global.length > 0 && !regions.includes(GLOBAL_REGION)) regions.push(GLOBAL_REGION);
  return regions.map((region) => ({
    region,
    failures: [...failures.values()].filter((failure) => failure.region === region),
    succeededOperations: region === GLOBAL_REGION ? global : scanned.includes(region) ? regional : [],
  }));
}

/**
 * The IRSA check: one FAIL finding per group of denied AssumeRoleWithWebIdentity calls (region, role, subject,
 * provider, error code), diagnosed from IAM, plus the checker's own call results. Pure.
 */
export function evaluateIrsa(snapshot: IrsaSnapshot, settings: IrsaEvaluationSettings): Finding[] {
  const scope = (region: string): FindingScope => ({
    accountId: snapshot.accountId,
    region,
    observedAt: snapshot.observedAt,
    runbookBaseUrl: settings.runbookBaseUrl,
  });
  const scans = new Map<string, TrailScan>();
  for (const scan of snapshot.scans) if (scan.ok) scans.set(scan.value.region, scan.value);
  const groups = groupDenials([...scans.values()].flatMap((scan) => scan.denials));
  const diagnosed = groups.map((group) => {
    const role = snapshot.roles.get(group.roleArn) ?? NOT_LOOKED_UP(group.roleArn);
    return { group, diagnosis: diagnoseGroup(group, role, snapshot.providers) };
  });
  const corrections = correctionsByRole(diagnosed, snapshot.roles);
  const denied = diagnosed.map(({ group, diagnosis }) =>
    groupFinding(
      scope(group.region),
      group,
      diagnosis,
      scans.get(group.region),
      settings,
      correctable(diagnosis) ? corrections.get(group.roleArn) : undefined,
    ),
  );
  const calls = regionCalls(snapshot);
  const checker = calls.flatMap((region) => checkerFindings(scope(region.region), region));
  return requireProof([...denied, ...checker], { failures: calls.flatMap((region) => region.failures) });
}
