/**
 * The run report's families and bounds, without its schema: the heartbeat store and `tmc-health fleet` need these
 * constants, and importing run-report-parse.ts would build its zod schemas (and grow the CLI's start-up chunk).
 */
import type { ReportedFamily } from './run-report-types';

/** The families a report may carry (run-report-types.ts `ReportedFamily`). */
export const REPORTED_FAMILIES = ['credentials', 'irsa'] as const satisfies readonly ReportedFamily[];

/**
 * Length caps (UTF-16 code units, as zod counts) on every free-text field of a report, so what one member sends
 * is bounded field by field, not only as a whole: the hub puts these strings into its own events, digests and
 * heartbeats (each under a 256 KB limit), and a report over a cap is rejected naming the field. Each cap sits well
 * above what an honest member produces: the member bounds what it reads from CloudTrail before it builds a finding
 * (lambdas/core/irsa/parse-event.ts: 512 for a subject or provider, 1,024 for free text, 2,048 for an ARN), and
 * a title or message joins a few of those.
 */
export const REPORT_TEXT_LIMITS = {
  /** A member's run id is a UUID. */
  runId: 128,
  /** An AWS region name, or the global pseudo-region. */
  region: 32,
  /** `region service:Operation`. */
  failedOperation: 256,
  /** ISO-8601 with an offset and at most nanoseconds. */
  timestamp: 40,
  /** A finding's resource key: an IRSA group's joins a role ARN, a subject, a provider ARN and an error code. */
  resourceKey: 8_192,
  title: 4_096,
  message: 16_384,
  /** IAM's own limit on an ARN. */
  arn: 2_048,
  resourceName: 2_048,
  credentialName: 512,
  /** A `system:serviceaccount:<ns>:<sa>` subject, a namespace, an error code, a CloudTrail event id. */
  name: 1_024,
  evidenceKey: 256,
  evidenceValue: 8_192,
  remediation: 8_192,
  url: 2_048,
  /** An IRSA correction's trust policy as JSON: IAM's largest trust policy quota, with room for escapes. */
  trustPolicy: 16_384,
} as const;

/** More regions than AWS has, with room for the global pseudo-region and new ones. */
export const MAX_REPORT_REGIONS = 64;
