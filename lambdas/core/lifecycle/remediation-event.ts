import { z } from 'zod';

/**
 * The finding update the built-in remediation publishes (issue 5, item 7): what it did about a finding that just
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

export const remediationDetailSchema = z.strictObject({
  schemaVersion: z.literal(REMEDIATION_SCHEMA_VERSION),
  runId: z.string().min(1),
  action: z.enum(REMEDIATION_ACTIONS),
  outcome: z.enum(REMEDIATION_OUTCOMES),
  /** The finding that triggered the action, and its transition's idempotency key. */
  findingId: z.string().regex(/^[0-9a-f]{32}$/),
  idempotencyKey: z.string().min(1),
  checkId: z.string().min(1),
  accountId: z.string().regex(/^\d{12}$/),
  region: z.string().min(1),
  credentialName: z.string().min(1),
  functionArn: z.string().regex(/^arn:/),
  /** Why the action was taken, skipped or failed, in words an on-call engineer can act on. */
  reason: z.string().min(1),
  /** The AWS error name when `outcome` is FAILED. */
  errorName: z.string().min(1).optional(),
  at: z.iso.datetime({ offset: true }),
});

export type RemediationDetail = z.infer<typeof remediationDetailSchema>;
