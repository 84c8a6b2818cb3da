/**
 * The shapes EKS documents for the values the Pod Identity check reads, checked where they enter: a value outside
 * its shape is malformed, counted in `skippedRecords` and left out, so no message, title or evidence the checker
 * writes carries a name or ARN longer or stranger than EKS itself allows.
 */
import type { SkippedRecord } from '../../core/inventory';

/** EKS cluster names: up to 100 characters, a letter or digit first. */
export const CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;
/** A Kubernetes namespace: an RFC 1123 label. */
export const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** A Kubernetes service account name: an RFC 1123 subdomain. */
export const SERVICE_ACCOUNT = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
/** Association ids (`a-...`): letters, digits and dashes. */
export const ASSOCIATION_ID = /^[A-Za-z0-9-]{1,64}$/;
/** An IAM role ARN; IAM allows paths and names of at most 512 and 64 characters. */
export const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/(?:[\w+=,.@-]+\/){0,20}[\w+=,.@-]{1,64}$/;
/** Any ARN of reasonable length without spaces or controls (owner ARNs, add-on ARNs, association ARNs). */
export const ANY_ARN = /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:[\x21-\x7e]{1,1024}$/;
/** `sts:ExternalId`: 2 to 1,224 characters of `[\w+=,.@:/-]`. */
export const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

const MAX_DETAIL = 100;

/** Records a malformed value, its detail cut to a few characters (it is someone else's text). */
export function skip(skipped: SkippedRecord[], source: string, reason: string, value?: unknown): void {
  const detail =
    value === undefined
      ? undefined
      : typeof value === 'string'
        ? value
        : (JSON.stringify(value) ?? typeof value);
  skipped.push({ source, reason, ...(detail === undefined ? {} : { detail: detail.slice(0, MAX_DETAIL) }) });
}

/** The value when it is a string of the shape; absent (and a skipped record, when present but malformed) otherwise. */
export function shaped(
  value: unknown,
  shape: RegExp,
  skipped: SkippedRecord[],
  source: string,
  field: string,
): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string' && value.length <= 2048 && shape.test(value)) return value;
  skip(skipped, source, `${field} is malformed`, value);
  return undefined;
}
