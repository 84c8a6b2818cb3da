import { CATALOGUE, remediationText, runbookUrl } from './catalogue';
import {
  FINDING_SCHEMA_VERSION,
  makeFindingId,
  type CheckId,
  type Evidence,
  type Finding,
  type FindingResource,
  type IrsaContext,
  type IrsaCorrection,
  type Severity,
  type Status,
  type TmcContext,
} from './finding';

/** What every finding of one region shares. */
export interface FindingScope {
  readonly accountId: string;
  readonly region: string;
  readonly observedAt: string;
  readonly runbookBaseUrl: string;
}

export interface FindingSpec {
  readonly checkId: CheckId;
  readonly status: Status;
  /** Defaults to the catalogue's severity for FAIL and ERROR, INFORMATIONAL for PASS. */
  readonly severity?: Severity;
  readonly title: string;
  readonly message: string;
  readonly resource: FindingResource;
  /** What makes the finding id stable: the ARN for per-resource checks, a credential/component key otherwise. */
  readonly resourceKey: string;
  readonly tmc?: TmcContext;
  readonly irsa?: IrsaContext;
  readonly correction?: IrsaCorrection;
  readonly evidence: Evidence;
}

/**
 * The resource key each finding was built with: what, with its check, account and region, its id is the hash of
 * (makeFindingId). Not part of the published finding; a member's run report carries it so the hub can recompute
 * every reported id against the account that sent it (lambdas/core/fleet/run-report-parse.ts). Weak: it lives as long as
 * the finding object.
 */
const resourceKeys = new WeakMap<Finding, string>();

/** The resource key `finding` was built with, when it came from buildFinding (or carryResourceKey). */
export function resourceKeyOf(finding: Finding): string | undefined {
  return resourceKeys.get(finding);
}

/** `derived`, a copy of `original` with other fields (same id), keeps the original's resource key. */
export function carryResourceKey(original: Finding, derived: Finding): Finding {
  const key = resourceKeys.get(original);
  if (key !== undefined && derived.findingId === original.findingId) resourceKeys.set(derived, key);
  return derived;
}

export function buildFinding(scope: FindingScope, spec: FindingSpec): Finding {
  const definition = CATALOGUE[spec.checkId];
  const severity = spec.severity ?? (spec.status === 'PASS' ? 'INFORMATIONAL' : definition.defaultSeverity);
  const finding: Finding = {
    schemaVersion: FINDING_SCHEMA_VERSION,
    findingId: makeFindingId(spec.checkId, scope.accountId, scope.region, spec.resourceKey),
    checkId: spec.checkId,
    status: spec.status,
    severity,
    title: spec.title,
    message: spec.message,
    accountId: scope.accountId,
    region: scope.region,
    resource: spec.resource,
    ...(spec.tmc ? { tmc: spec.tmc } : {}),
    ...(spec.irsa ? { irsa: spec.irsa } : {}),
    ...(spec.correction ? { correction: spec.correction } : {}),
    evidence: spec.evidence,
    remediation: remediationOf(spec.checkId, spec.status, scope.runbookBaseUrl),
    observedAt: scope.observedAt,
  };
  resourceKeys.set(finding, spec.resourceKey);
  return finding;
}

/**
 * A finding's remediation, all of it from the catalogue: what to do, who can, and the runbook under
 * `runbookBaseUrl`. The hub restates every reported finding's remediation with it (lambdas/core/fleet/
 * hub-remediation.ts), so no member writes the fix the hub's readers see.
 */
export function remediationOf(
  checkId: CheckId,
  status: Status,
  runbookBaseUrl: string,
): Finding['remediation'] {
  return {
    text: status === 'PASS' ? 'No action needed.' : remediationText(checkId),
    whoCanFix: CATALOGUE[checkId].whoCanFix,
    runbookUrl: runbookUrl(runbookBaseUrl, checkId),
  };
}

/** Stable key for checks about whether a credential's component exists at all. */
export function presenceKey(credentialName: string, component: string): string {
  return `tmc-credential/${credentialName}/${component}`;
}
