import type { Finding, ResourceType, Severity } from '../finding';
import type { LifecycleFinding } from '../lifecycle/types';

/**
 * Findings in the AWS Security Finding Format (docs/security-hub.md), for BatchImportFindings with the
 * account's default product. Pure: the adapter (lambdas/adapters/publish-security-hub.ts) only sends what this
 * returns. The types below are the subset of the SDK's AwsSecurityFinding this module fills in, so the core
 * stays free of the SDK; the adapter's assignment to the SDK type checks that they agree.
 *
 * What is exported:
 * - a FAIL (stateless: every run; lifecycle: OPENED, ESCALATED and REMINDER) as an ACTIVE finding, Compliance
 *   FAILED, Workflow NEW;
 * - a lifecycle RESOLVED transition as the same finding (same Id: Security Hub updates it in place) ARCHIVED,
 *   Compliance PASSED, Workflow RESOLVED;
 * - never a PASS of its own (Security Hub would fill up with one passed finding per resource and run), and never
 *   an ERROR. An ERROR says the checker could not look, nothing about the resource: sent as NOT_AVAILABLE it
 *   would overwrite the last known FAILED of the same finding id with "unknown" (an ERROR shares its finding id
 *   with the FAIL of the same check and resource), hiding a problem that was seen. ERRORs stay on EventBridge,
 *   SNS and the ChecksErrored metric, where the checker's operators look; the Security Hub finding keeps its
 *   last known state until the check can tell again.
 */

export const ASFF_SCHEMA_VERSION = '2018-10-08';
/** Shown as "Product name" in the Security Hub console (settable for the default product only). */
export const ASFF_PRODUCT_NAME = 'TMC Health Checker';
/**
 * Every finding is a configuration check of the account against what TMC and EKS need; none is a compliance
 * standard's control (CIS, PCI), so not "Industry and Regulatory Standards", and none is a threat or behaviour.
 */
export const ASFF_FINDING_TYPE = 'Software and Configuration Checks/AWS Security Best Practices';
/** `tmc-health/<checkId>/<findingId>`: the finding id is stable per check, account, region and resource. */
export const ASFF_ID_PREFIX = 'tmc-health/';
/** ProductFields keys: one namespace, so they never collide with the `aws/` keys Security Hub adds. */
export const PRODUCT_FIELD_PREFIX = 'tmc-health/';

/** The ASFF length limits (BatchImportFindings refuses a longer value), counted here in UTF-8 bytes. */
export const ASFF_LIMITS = {
  title: 256,
  description: 1024,
  recommendationText: 512,
  productFieldValue: 2048,
  resourceDetailsValue: 1024,
} as const;

export type AsffComplianceStatus = 'FAILED' | 'PASSED';
export type AsffRecordState = 'ACTIVE' | 'ARCHIVED';
export type AsffWorkflowStatus = 'NEW' | 'RESOLVED';
export type AsffPartition = 'aws' | 'aws-cn' | 'aws-us-gov';

export interface AsffResource {
  readonly Type: string;
  readonly Id: string;
  readonly Partition: AsffPartition;
  readonly Region?: string;
  readonly Details?: { readonly Other: Record<string, string> };
}

/** The subset of the SDK's AwsSecurityFinding this module fills in. */
export interface AsffFinding {
  readonly SchemaVersion: typeof ASFF_SCHEMA_VERSION;
  readonly Id: string;
  readonly ProductArn: string;
  readonly ProductName: string;
  readonly GeneratorId: string;
  readonly AwsAccountId: string;
  readonly Types: string[];
  readonly CreatedAt: string;
  readonly UpdatedAt: string;
  readonly FirstObservedAt?: string;
  readonly LastObservedAt: string;
  readonly Severity: { readonly Label: Severity; readonly Original: string };
  readonly FindingProviderFields: {
    readonly Severity: { readonly Label: Severity; readonly Original: string };
    readonly Types: string[];
  };
  readonly Title: string;
  readonly Description: string;
  readonly Remediation: { readonly Recommendation: { readonly Text: string; readonly Url?: string } };
  readonly ProductFields: Record<string, string>;
  readonly Resources: AsffResource[];
  readonly Compliance: { readonly Status: AsffComplianceStatus };
  readonly Workflow: { readonly Status: AsffWorkflowStatus };
  readonly RecordState: AsffRecordState;
}

/** Where the findings go: the account's default product in the Security Hub of `region`. */
export interface AsffContext {
  /** The account calling BatchImportFindings: it may only import findings of its own account. */
  readonly accountId: string;
  /** The Security Hub region (the function's). */
  readonly region: string;
  /** UpdatedAt. */
  readonly now: Date;
}

export type ExportState = 'ACTIVE' | 'RESOLVED';

/**
 * How a finding is exported, or undefined when it is not (see the module comment): a lifecycle RESOLVED
 * transition is RESOLVED, any other FAIL is ACTIVE, everything else (PASS, ERROR) is left out.
 */
export function exportStateOf(finding: Finding | LifecycleFinding): ExportState | undefined {
  if (isLifecycleFinding(finding) && finding.transition === 'RESOLVED') return 'RESOLVED';
  return finding.status === 'FAIL' ? 'ACTIVE' : undefined;
}

function isLifecycleFinding(finding: Finding | LifecycleFinding): finding is LifecycleFinding {
  return 'transition' in finding && typeof finding.transition === 'string';
}

/** `aws-cn` for the China regions, `aws-us-gov` for GovCloud, `aws` otherwise (Security Hub's partitions). */
export function partitionOfRegion(region: string): AsffPartition {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** `arn:<partition>:securityhub:<region>:<account>:product/<account>/default`: the account's own product. */
export function defaultProductArn(region: string, accountId: string): string {
  return `arn:${partitionOfRegion(region)}:securityhub:${region}:${accountId}:product/${accountId}/default`;
}

/** The ASFF Id of a finding: the same every run, so an import updates the finding instead of adding one. */
export function asffIdOf(finding: Pick<Finding, 'checkId' | 'findingId'>): string {
  return `${ASFF_ID_PREFIX}${finding.checkId}/${finding.findingId}`;
}

/**
 * The ASFF resource type of our resource types: the ASFF type when Security Hub has one (and the resource exists,
 * so its ARN is the canonical Id), `Other` otherwise. ASFF has no EventBridge rule or SSM parameter type (only
 * AwsEventsEventbus, AwsEventsEndpoint and AwsSsmPatchCompliance in those services).
 */
export const ASFF_RESOURCE_TYPES: Readonly<Record<ResourceType, string>> = {
  'AWS::Lambda::Function': 'AwsLambdaFunction',
  'AWS::IAM::Role': 'AwsIamRole',
  'AWS::Events::Rule': 'Other',
  'AWS::SSM::Parameter': 'Other',
  'TMC::Credential': 'Other',
  'AWS::API::Operation': 'Other',
  'AWS::Organizations::Account': 'Other',
  'AWS::EKS::Cluster': 'AwsEksCluster',
  'AWS::EKS::PodIdentityAssociation': 'Other',
};

const REGION_SHAPE = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const ASFF_PARTITIONS: readonly string[] = ['aws', 'aws-cn', 'aws-us-gov'];

/** The finding as ASFF, or undefined when it is not exported (`exportStateOf`). */
export function toAsff(finding: Finding | LifecycleFinding, context: AsffContext): AsffFinding | undefined {
  const state = exportStateOf(finding);
  if (state === undefined) return undefined;
  const active = state === 'ACTIVE';
  const lifecycle = isLifecycleFinding(finding) ? finding : undefined;
  const now = context.now.toISOString();
  const severity = { Label: finding.severity, Original: finding.severity };
  const firstObservedAt = validTime(lifecycle?.firstObservedAt) ?? validTime(finding.irsa?.firstSeen);
  const lastObservedAt =
    validTime(lifecycle?.lastObservedAt) ??
    validTime(finding.irsa?.lastSeen) ??
    validTime(finding.observedAt) ??
    now;
  // Without the ledger the start of the problem is unknown: CreatedAt is then when it was observed. Never
  // after UpdatedAt (a clock ahead of this one).
  const createdAt = earliest(firstObservedAt ?? validTime(finding.observedAt) ?? now, now);
  const runbook = finding.remediation.runbookUrl;
  return {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: asffIdOf(finding),
    ProductArn: defaultProductArn(context.region, context.accountId),
    ProductName: ASFF_PRODUCT_NAME,
    GeneratorId: finding.checkId,
    AwsAccountId: finding.accountId,
    Types: [ASFF_FINDING_TYPE],
    CreatedAt: createdAt,
    UpdatedAt: now,
    ...(firstObservedAt === undefined ? {} : { FirstObservedAt: earliest(firstObservedAt, now) }),
    LastObservedAt: earliest(lastObservedAt, now),
    Severity: severity,
    // Security Hub takes the provider's severity and types from here on updates: the top-level fields belong to
    // the Security Hub user once they changed them with BatchUpdateFindings.
    FindingProviderFields: { Severity: severity, Types: [ASFF_FINDING_TYPE] },
    Title: truncateUtf8(nonEmpty(finding.title, finding.checkId), ASFF_LIMITS.title),
    Description: truncateUtf8(
      nonEmpty(finding.message, finding.title, finding.checkId),
      ASFF_LIMITS.description,
    ),
    Remediation: {
      Recommendation: {
        Text: truncateUtf8(
          nonEmpty(finding.remediation.text, 'See the runbook.'),
          ASFF_LIMITS.recommendationText,
        ),
        // A relative runbook link (the default docs/checks.md#...) is no URL Security Hub can open: it stays in
        // ProductFields only.
        ...(isHttpUrl(runbook) ? { Url: runbook } : {}),
      },
    },
    ProductFields: productFields(finding, lifecycle),
    Resources: [resourceOf(finding, context)],
    Compliance: { Status: active ? 'FAILED' : 'PASSED' },
    // Security Hub honours Workflow only when it creates the finding; afterwards the workflow is the Security Hub
    // user's, and it moves a RESOLVED finding back to NEW by itself when RecordState turns ACTIVE again.
    Workflow: { Status: active ? 'NEW' : 'RESOLVED' },
    RecordState: active ? 'ACTIVE' : 'ARCHIVED',
  };
}

function resourceOf(finding: Finding, context: AsffContext): AsffResource {
  const { resource } = finding;
  const arnPartition = resource.arn?.split(':')[1];
  const partition =
    arnPartition !== undefined && ASFF_PARTITIONS.includes(arnPartition)
      ? (arnPartition as AsffPartition)
      : partitionOfRegion(context.region);
  const type = resource.arn ? ASFF_RESOURCE_TYPES[resource.type] : 'Other';
  const region = REGION_SHAPE.test(finding.region) ? finding.region : undefined;
  return {
    Type: type,
    // A missing resource has no ARN: its type and name say what should be there.
    Id: resource.arn ?? `${resource.type}/${resource.name}`,
    Partition: partition,
    ...(region === undefined ? {} : { Region: region }),
    ...(type === 'Other'
      ? {
          Details: {
            Other: {
              ResourceType: resource.type,
              Name: truncateUtf8(nonEmpty(resource.name, resource.type), ASFF_LIMITS.resourceDetailsValue),
            },
          },
        }
      : {}),
  };
}

/** What the ASFF has no field for, under `tmc-health/` keys; empty values are left out. */
function productFields(finding: Finding, lifecycle: LifecycleFinding | undefined): Record<string, string> {
  const fields: Record<string, string | number | undefined> = {
    findingId: finding.findingId,
    checkId: finding.checkId,
    status: finding.status,
    resourceType: finding.resource.type,
    resourceName: finding.resource.name,
    region: finding.region,
    runbook: finding.remediation.runbookUrl,
    whoCanFix: finding.remediation.whoCanFix,
    credentialName: finding.tmc?.credentialName,
    component: finding.tmc?.component,
    serviceAccount: finding.irsa?.serviceAccount,
    oidcProvider: finding.irsa?.oidcProvider,
    errorCode: finding.irsa?.errorCode,
    deniedCalls: finding.irsa?.count,
    transition: lifecycle?.transition,
    occurrenceCount: lifecycle?.occurrenceCount,
    idempotencyKey: lifecycle?.idempotencyKey,
    // A muted finding is still a failed check: exported like on EventBridge, and marked the same way.
    suppression: lifecycle?.suppression
      ? `${lifecycle.suppression.reason} (until ${lifecycle.suppression.expires})`
      : undefined,
  };
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || value === '') continue;
    out[`${PRODUCT_FIELD_PREFIX}${key}`] = truncateUtf8(String(value), ASFF_LIMITS.productFieldValue);
  }
  return out;
}

const ELLIPSIS = '...';

/**
 * `text` cut to at most `maxBytes` UTF-8 bytes, cleanly: never inside a character, at the last space when one is
 * near the cut (within the last fifth), trailing spaces and punctuation dropped, and `...` appended to show the
 * cut. Bytes, the strictest reading of the ASFF limits: within them, the text is within any character count too.
 */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const budget = maxBytes - ELLIPSIS.length;
  let cut = '';
  let bytes = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > budget) break;
    cut += char;
    bytes += size;
  }
  const space = cut.search(/\s\S*$/);
  if (space >= 0 && space >= cut.length * 0.8) cut = cut.slice(0, space);
  return `${cut.replace(/[\s.,;:!?-]+$/u, '')}${ELLIPSIS}`;
}

function nonEmpty(...candidates: readonly string[]): string {
  return candidates.find((text) => text.trim() !== '') ?? '-';
}

function validTime(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}

function earliest(a: string, b: string): string {
  return Date.parse(a) <= Date.parse(b) ? a : b;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
