/**
 * The inventory snapshot: everything the AWS adapters observed about TMC credentials in one account, as plain
 * data. The pure evaluation turns it into findings; it never calls AWS itself.
 *
 * Every observation that depends on an AWS call is an `Observed<T>`: either the value, or the failure that
 * kept us from seeing it. "Could not look" is never collapsed into "nothing there".
 */

/** The tag TMC puts on every resource it creates for a credential; the value is the credential name. */
export const TMC_CREDENTIAL_TAG_KEY = 'account.tmc.cloud.vmware.com';

export interface ApiFailure {
  /** e.g. `lambda`, `cloudwatch`, `events`, `ssm`, `tagging`, `sts`. */
  readonly service: string;
  /** The API operation, e.g. `GetFunctionConfiguration`. */
  readonly operation: string;
  readonly region: string;
  /** The SDK error name, e.g. `AccessDeniedException`, `ThrottlingException`. */
  readonly errorName: string;
  readonly message: string;
  /** The resource the call was about, when there was one. */
  readonly resourceArn?: string;
  /** The resources a batched call was about (e.g. DescribeParameters for several names), when it named them. */
  readonly resourceArns?: readonly string[];
}

/**
 * Where failures of calls to global services (IAM) are reported, like the console does: a failure there concerns
 * findings of every region.
 */
export const GLOBAL_REGION = 'global';

export type Observed<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly failure: ApiFailure };

export interface LambdaConfiguration {
  readonly description?: string;
  /** `Pending` | `Active` | `Inactive` | `Failed`. */
  readonly state?: string;
  readonly stateReason?: string;
  readonly stateReasonCode?: string;
  /** `Successful` | `Failed` | `InProgress`. */
  readonly lastUpdateStatus?: string;
  readonly lastUpdateStatusReason?: string;
  readonly lastModified?: string;
  readonly runtime?: string;
}

export interface LambdaMetrics {
  readonly windowMinutes: number;
  /** Sums over the window; a missing datapoint counts as zero. */
  readonly invocations: number;
  readonly errors: number;
  readonly throttles: number;
}

export interface TaggedFunction {
  readonly credentialName: string;
  readonly arn: string;
  readonly name: string;
  readonly configuration: Observed<LambdaConfiguration>;
  /** Absent when metrics were not requested (e.g. configuration could not be read). */
  readonly metrics?: Observed<LambdaMetrics>;
}

export interface EventRuleTarget {
  readonly id: string;
  readonly arn: string;
}

export interface TaggedRule {
  readonly credentialName: string;
  readonly arn: string;
  readonly name: string;
  readonly eventBusName: string;
  /** How we found it: by its tag (real AWS) or as a target-holder of the credential's Lambda (fallback). */
  readonly discoveredBy: 'tag' | 'target';
  /** `ENABLED` | `DISABLED` | `ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS`. */
  readonly state: string;
  readonly scheduleExpression?: string;
  readonly targets: Observed<readonly EventRuleTarget[]>;
}

export interface TaggedParameter {
  readonly credentialName: string;
  readonly arn: string;
  readonly name: string;
  /** ISO-8601. Metadata only: the value is never read. */
  readonly lastModifiedDate?: string;
  readonly type?: string;
  readonly version?: number;
}

/** A resource the tagging API listed but its own service says no longer exists. */
export interface VanishedResource {
  readonly credentialName: string;
  readonly arn: string;
  readonly resourceType: 'lambda:function' | 'events:rule' | 'ssm:parameter';
}

/** Malformed or unexpected API data, counted and skipped rather than fatal. */
export interface SkippedRecord {
  readonly source: string;
  readonly reason: string;
  readonly detail?: string;
}

export interface RegionInventory {
  readonly region: string;
  /** The tagging-API discovery itself. When it failed, nothing below can be trusted as complete. */
  readonly discovery: Observed<{ readonly taggedResourceCount: number }>;
  readonly functions: readonly TaggedFunction[];
  readonly rules: readonly TaggedRule[];
  readonly parameters: readonly TaggedParameter[];
  readonly vanished: readonly VanishedResource[];
  /**
   * Lookups that failed for a whole credential component, e.g. DescribeParameters denied for the parameters of
   * credential X: keyed so the evaluation can mark the dependent checks ERROR instead of "missing".
   */
  readonly componentFailures: readonly ComponentFailure[];
  /** Tagged rules and parameters that could not be read; absent in snapshots from before it existed. */
  readonly unread?: readonly UnreadResource[];
  /** Every failed call (one checker.error finding each, de-duplicated by service+operation). */
  readonly failures: readonly ApiFailure[];
  /** `service:Operation` names that were called and succeeded at least once in this region. */
  readonly succeededOperations: readonly string[];
  readonly skipped: readonly SkippedRecord[];
}

/**
 * A tagged resource whose own read failed (or never happened): its per-resource checks are reported as ERROR
 * under its ARN instead of disappearing, which the finding lifecycle would count towards "resource gone".
 */
export interface UnreadResource {
  readonly credentialName: string;
  readonly arn: string;
  readonly name: string;
  readonly resourceType: 'events:rule' | 'ssm:parameter';
  readonly failure: ApiFailure;
}

export interface ComponentFailure {
  readonly credentialName: string;
  readonly kind: 'functions' | 'rules' | 'parameters';
  readonly failure: ApiFailure;
}

export interface InventorySnapshot {
  readonly accountId: string;
  /** ISO-8601 time the snapshot was taken; the evaluation's "now". */
  readonly observedAt: string;
  readonly regions: readonly RegionInventory[];
}
