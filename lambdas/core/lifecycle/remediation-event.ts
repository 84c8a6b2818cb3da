import * as z from '../zod';

/**
 * The finding update the built-in remediation publishes: what it did about a finding that just
 * opened. One event per action, on the same bus and source as the findings, so a rule can follow up on it.
 */

export const REMEDIATION_SCHEMA_VERSION = '1.0';
export const REMEDIATION_DETAIL_TYPE = 'TMC Health Remediation';

export const REMEDIATION_ACTIONS = ['retrigger-data-sync'] as const;
export type RemediationAction = (typeof REMEDIATION_ACTIONS)[number];

/**
 * `INVOKED`: Lambda accepted the asynchronous invocation (202). `FAILED`: the invocation was refused (the error
 * is named). `SKIPPED`: a precondition did not hold (token stale or missing, function not Active): nothing was
 * invoked, and `reason` says why.
 */
export const REMEDIATION_OUTCOMES = ['INVOKED', 'FAILED', 'SKIPPED'] as const;
export type RemediationOutcome = (typeof REMEDIATION_OUTCOMES)[number];

const nonEmpty = () => z.string().check(z.minLength(1));
const matching = (pattern: RegExp) => z.string().check(z.regex(pattern));

export const remediationDetailSchema = z.strictObject({
  schemaVersion: z.literal(REMEDIATION_SCHEMA_VERSION),
  runId: nonEmpty(),
  action: z.enum(REMEDIATION_ACTIONS),
  outcome: z.enum(REMEDIATION_OUTCOMES),
  /** The finding that triggered the action, and its transition's idempotency key. */
  findingId: matching(/^[0-9a-f]{32}$/),
  idempotencyKey: nonEmpty(),
  checkId: nonEmpty(),
  accountId: matching(/^\d{12}$/),
  region: nonEmpty(),
  credentialName: nonEmpty(),
  functionArn: matching(/^arn:/),
  /** Why the action was taken, skipped or failed, in words an on-call engineer can act on. */
  reason: nonEmpty(),
  /** The AWS error name when `outcome` is FAILED. */
  errorName: z.optional(nonEmpty()),
  at: z.iso.datetime({ offset: true }),
});

export type RemediationDetail = z.infer<typeof remediationDetailSchema>;
