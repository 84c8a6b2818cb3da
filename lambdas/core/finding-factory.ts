import { CATALOGUE, remediationText, runbookUrl } from './catalogue';
import {
  FINDING_SCHEMA_VERSION,
  makeFindingId,
  type CheckId,
  type Evidence,
  type Finding,
  type FindingResource,
  type IrsaContext,
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
  readonly evidence: Evidence;
}

export function buildFinding(scope: FindingScope, spec: FindingSpec): Finding {
  const definition = CATALOGUE[spec.checkId];
  const severity = spec.severity ?? (spec.status === 'PASS' ? 'INFORMATIONAL' : definition.defaultSeverity);
  return {
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
    evidence: spec.evidence,
    remediation: {
      text: spec.status === 'PASS' ? 'No action needed.' : remediationText(spec.checkId),
      whoCanFix: definition.whoCanFix,
      runbookUrl: runbookUrl(scope.runbookBaseUrl, spec.checkId),
    },
    observedAt: scope.observedAt,
  };
}

/** Stable key for checks about whether a credential's component exists at all. */
export function presenceKey(credentialName: string, component: string): string {
  return `tmc-credential/${credentialName}/${component}`;
}
