/**
 * The IRSA check's data contract: what the adapters observe (CloudTrail denials, IAM trust policies, OIDC
 * providers) as plain data, for the pure diagnosis to turn into findings. See lambdas/core/inventory.ts for
 * `Observed` and `ApiFailure`, shared with the credential check.
 */
import type { ApiFailure, Observed, SkippedRecord } from '../inventory';

/** One failed `AssumeRoleWithWebIdentity` call, parsed from a CloudTrail event. */
export interface WebIdentityDenial {
  readonly eventId: string;
  /** ISO-8601. */
  readonly eventTime: string;
  /** The region whose CloudTrail recorded it (us-east-1 for the global STS endpoint). */
  readonly region: string;
  readonly roleArn: string;
  /** `userIdentity.userName`, e.g. `system:serviceaccount:<namespace>:<serviceaccount>`; absent when not logged. */
  readonly subject?: string;
  /**
   * `userIdentity.identityProvider` as logged: an issuer host and path
   * (`oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE`) or an OIDC provider ARN. Normalised by the core.
   */
  readonly identityProvider?: string;
  readonly errorCode: string;
  readonly errorMessage?: string;
  readonly sourceIpAddress?: string;
  readonly userAgent?: string;
}

/** A slice of a region's CloudTrail; both ends inclusive, like LookupEvents' StartTime and EndTime. ISO-8601. */
export interface TimeRange {
  readonly from: string;
  readonly to: string;
}

/** How far one planned range got: LookupEvents pages newest first, so a cut leaves [from, oldestSeen] unread. */
export interface ScannedRange extends TimeRange {
  /** `gap`: an older range a previous run could not finish; `window`: from the watermark (or lookback) to now. */
  readonly kind: 'gap' | 'window';
  readonly pages: number;
  readonly complete: boolean;
  /** Time of the oldest event read, when the range was cut after reading some events. */
  readonly oldestSeen?: string;
}

/** The result of scanning one region's CloudTrail for one run. */
export interface TrailScan {
  readonly region: string;
  /** Window actually covered: [from, to). ISO-8601. */
  readonly from: string;
  readonly to: string;
  readonly eventsScanned: number;
  readonly pages: number;
  /** False when the page budget ran out: the rest is picked up next run from the watermark. */
  readonly complete: boolean;
  readonly denials: readonly WebIdentityDenial[];
  readonly skipped: readonly SkippedRecord[];
  /** The ranges planned from the watermark, in scan order, and how far each got. */
  readonly ranges?: readonly ScannedRange[];
  /** Denials already counted by an earlier run (overlap re-reads) or read twice in this one, left out. */
  readonly duplicatesDropped?: number;
  /**
   * Denials read at a time a later run reads again and left for it (core/irsa/watermark.ts `settle`): the cut
   * second of a range, or overlap denials beyond what the watermark may remember. A scan that left any is not
   * complete: they are counted by a later run.
   */
  readonly deferred?: number;
}

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: unknown;
  readonly NotPrincipal?: unknown;
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: readonly PolicyStatement[] | PolicyStatement;
}

/** A role as IAM reports it; `trustPolicy` is already URL-decoded and parsed by the adapter. */
export interface RoleTrust {
  readonly roleArn: string;
  readonly exists: boolean;
  readonly trustPolicy?: PolicyDocument;
}

export interface OidcProvider {
  /** `arn:aws:iam::<account>:oidc-provider/<issuer host and path>`. */
  readonly arn: string;
  /** Issuer host and path without scheme, e.g. `oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE`. */
  readonly url: string;
  readonly clientIds: readonly string[];
}

export interface IrsaSnapshot {
  readonly accountId: string;
  readonly observedAt: string;
  readonly scans: readonly Observed<TrailScan>[];
  /** Keyed by role ARN; one lookup per distinct role in the run. */
  readonly roles: ReadonlyMap<string, Observed<RoleTrust>>;
  /** The account's OIDC providers (listed once per run). */
  readonly providers: Observed<readonly OidcProvider[]>;
  readonly failures: readonly ApiFailure[];
  readonly succeededOperations: readonly string[];
}

export const DIAGNOSIS_CAUSES = [
  'role-not-found',
  'no-web-identity-statement',
  'provider-mismatch',
  'oidc-provider-missing',
  'sub-mismatch',
  'wildcard-under-string-equals',
  'aud-mismatch',
  'explicit-deny',
  'invalid-token',
  'expired-token',
  'unknown',
] as const;
export type DiagnosisCause = (typeof DIAGNOSIS_CAUSES)[number];
