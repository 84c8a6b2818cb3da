import type * as NodeCrypto from 'node:crypto';

/** Bumped on any breaking change to the published finding shape (docs/finding-schema.json). */
export const FINDING_SCHEMA_VERSION = '1.0';

export const STATUSES = ['FAIL', 'ERROR', 'PASS'] as const;
export type Status = (typeof STATUSES)[number];

/** Ordered from most to least severe: index order is used for ranking. */
export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const COMPONENTS = ['data-sync', 'resource-retriever', 'event-rule', 'auth-token'] as const;
export type Component = (typeof COMPONENTS)[number];

export const CHECK_IDS = [
  'tmc.credential.not-found',
  'tmc.lambda.missing',
  'tmc.lambda.unhealthy',
  'tmc.lambda.not-invoked',
  'tmc.lambda.errors',
  'tmc.lambda.throttled',
  'tmc.event-rule.missing',
  'tmc.event-rule.disabled',
  'tmc.event-rule.wrong-target',
  'tmc.token.missing',
  'tmc.token.stale',
  'irsa.assume-role.denied',
  'eks.connector.pending',
  'eks.connector.activation-expired',
  'eks.connector.failed',
  'eks.connector.role-invalid',
  'pod-identity.role-invalid',
  'pod-identity.target-role-invalid',
  'pod-identity.agent-not-installed',
  'pod-identity.agent-unhealthy',
  'fleet.member.silent',
  'checker.error',
] as const;
export type CheckId = (typeof CHECK_IDS)[number];

export const RESOURCE_TYPES = [
  'AWS::Lambda::Function',
  'AWS::Events::Rule',
  'AWS::SSM::Parameter',
  'TMC::Credential',
  'AWS::IAM::Role',
  'AWS::API::Operation',
  /** An Organizations member account, as the hub sees it (fleet.member.silent): named `<accountId>/<family>`. */
  'AWS::Organizations::Account',
  /** A cluster registered with EKS through the EKS Connector (eks.connector.*), or an EKS cluster (pod-identity.*). */
  'AWS::EKS::Cluster',
  /** An EKS Pod Identity association whose role is not known (its DescribePodIdentityAssociation failed). */
  'AWS::EKS::PodIdentityAssociation',
] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export interface FindingResource {
  readonly type: ResourceType;
  /** Present when the resource exists; absent for "missing" findings. */
  readonly arn?: string;
  readonly name: string;
}

export interface TmcContext {
  readonly credentialName: string;
  readonly component?: Component;
}

/** The IRSA check's context: one group of denied AssumeRoleWithWebIdentity calls. */
export interface IrsaContext {
  /** `system:serviceaccount:<namespace>:<name>` as CloudTrail logged it. */
  readonly serviceAccount: string;
  readonly namespace: string;
  /** The OIDC provider ARN (normalised from the issuer host when CloudTrail logged only that). */
  readonly oidcProvider: string;
  readonly errorCode: string;
  readonly count: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
  /** Up to 5 CloudTrail event ids, to look the calls up. */
  readonly sampleEventIds: readonly string[];
}

/** A trust policy document as IAM takes it: `Version` and the statements, each a JSON object. */
export interface TrustPolicyDocument {
  readonly Version: string;
  readonly Statement: readonly Readonly<Record<string, unknown>>[];
}

/**
 * The fix of an IRSA finding as a whole trust policy, for `aws iam update-assume-role-policy` (which replaces the
 * role's trust policy with the document given): the role's own statements in order, only the web-identity one
 * corrected. Built from the role's policy, the account's OIDC providers and placeholders, never from the denied
 * call (lambdas/core/irsa/correction.ts). Every finding of the role carries the same document.
 */
export interface IrsaCorrection {
  /** The role's name, as `--role-name` takes it. */
  readonly roleName: string;
  readonly roleArn: string;
  /** The whole document to apply; absent when it cannot be given as one (the note says why). */
  readonly trustPolicy?: TrustPolicyDocument;
  /** What differs from the role's current trust policy, one line each. */
  readonly changes: readonly string[];
  /** `<placeholders>` the document still holds, to fill in before applying; empty when it is ready as written. */
  readonly placeholders: readonly string[];
  /** How far to trust the document, what to check first and how to apply it. */
  readonly note: string;
}

export interface Remediation {
  readonly text: string;
  readonly whoCanFix: string;
  readonly runbookUrl: string;
}

export type Evidence = Readonly<Record<string, string | number | boolean | null | readonly string[]>>;

export interface Finding {
  readonly schemaVersion: typeof FINDING_SCHEMA_VERSION;
  readonly findingId: string;
  readonly checkId: CheckId;
  readonly status: Status;
  readonly severity: Severity;
  readonly title: string;
  readonly message: string;
  readonly accountId: string;
  readonly region: string;
  readonly resource: FindingResource;
  readonly tmc?: TmcContext;
  readonly irsa?: IrsaContext;
  /** On IRSA findings whose fix is in the role's trust policy, when it can be given without the caller's values. */
  readonly correction?: IrsaCorrection;
  readonly evidence: Evidence;
  readonly remediation: Remediation;
  readonly observedAt: string;
}

/**
 * Deterministic id: the same check on the same resource in the same account and region always yields the
 * same id, across runs and across the Lambda and the CLI, so downstream systems can correlate and de-duplicate.
 * `resourceKey` is the resource ARN when the check is about one resource, or a stable credential/component key
 * when the check is about presence (the resource may not exist).
 */
export function makeFindingId(
  checkId: CheckId,
  accountId: string,
  region: string,
  resourceKey: string,
): string {
  return nodeCrypto()
    .createHash('sha256')
    .update([checkId, accountId, region, resourceKey].join('\n'))
    .digest('hex')
    .slice(0, 32);
}

/**
 * node:crypto, loaded on the first finding id rather than imported: the CLI's `explain`, `--help` and usage errors
 * import this module but never make an id, and loading node:crypto is about a tenth of their start-up.
 * process.getBuiltinModule is Node 20.16+ and 22.3+; an older Node takes require, which every build of this code
 * has (CommonJS, and the CLI's ES module bundle, scripts/build-cli.ts).
 */
function nodeCrypto(): typeof NodeCrypto {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return process.getBuiltinModule?.('node:crypto') ?? (require('node:crypto') as typeof NodeCrypto);
}

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** The most severe of the given severities, or undefined for an empty list. */
export function worstSeverity(severities: readonly Severity[]): Severity | undefined {
  return [...severities].sort((a, b) => severityRank(a) - severityRank(b))[0];
}

export function isProblem(finding: Pick<Finding, 'status'>): boolean {
  return finding.status !== 'PASS';
}
