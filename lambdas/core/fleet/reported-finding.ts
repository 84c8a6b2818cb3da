/**
 * A finding as a member's run report carries it, restated in zod/mini (the published schema is full zod, not for
 * Lambda bundles), with the report's length caps: the hub's intake and the Security Hub exporter check findings
 * with it. Apart from run-report.ts so a function that only checks findings bundles none of the report building.
 */
import {
  CHECK_IDS,
  COMPONENTS,
  FINDING_SCHEMA_VERSION,
  RESOURCE_TYPES,
  SEVERITIES,
  STATUSES,
} from '../finding';
import * as z from '../zod';

import { REPORT_TEXT_LIMITS } from './run-report-limits';

// Each free-text field's cap (run-report-limits.ts, kept free of zod for the CLI's start-up).
export { REPORT_TEXT_LIMITS };

/** Lines of an IRSA correction's changes or placeholders: a few per denied service account of the role. */
const MAX_CORRECTION_LINES = 100;

/** Values of one evidence list (a finding's sample event ids, denied actions...). */
const MAX_EVIDENCE_LIST = 1_000;
/** Keys of one finding's evidence. */
const MAX_EVIDENCE_KEYS = 200;

/** A string of at most `max` characters (and at least one unless `empty`). */
export const text = (max: number, empty = false) =>
  empty ? z.string().check(z.maxLength(max)) : z.string().check(z.minLength(1), z.maxLength(max));
export const position = z.int().check(z.positive());
export const timestamp = z.iso.datetime({ offset: true }).check(z.maxLength(REPORT_TEXT_LIMITS.timestamp));
export const utcTimestamp = z.iso.datetime().check(z.maxLength(REPORT_TEXT_LIMITS.timestamp));
export const region = text(REPORT_TEXT_LIMITS.region);

/**
 * A finding as the hub's lifecycle uses it: the published finding schema (lambdas/core/finding-schema.ts, full
 * zod, not for Lambda bundles) restated in zod/mini, with the report's length caps. Loose objects: a field added
 * later passes through untouched. test/unit/fleet-run-report.test.ts checks both agree.
 */
export const reportedFindingSchema = z.looseObject({
  schemaVersion: z.literal(FINDING_SCHEMA_VERSION),
  findingId: z.string().check(z.regex(/^[0-9a-f]{32}$/)),
  checkId: z.enum(CHECK_IDS),
  status: z.enum(STATUSES),
  severity: z.enum(SEVERITIES),
  title: text(REPORT_TEXT_LIMITS.title),
  message: text(REPORT_TEXT_LIMITS.message),
  accountId: z.string().check(z.regex(/^\d{12}$/)),
  region,
  resource: z.looseObject({
    type: z.enum(RESOURCE_TYPES),
    arn: z.optional(z.string().check(z.maxLength(REPORT_TEXT_LIMITS.arn), z.regex(/^arn:/))),
    name: text(REPORT_TEXT_LIMITS.resourceName),
  }),
  tmc: z.optional(
    z.looseObject({
      credentialName: text(REPORT_TEXT_LIMITS.credentialName),
      component: z.optional(z.enum(COMPONENTS)),
    }),
  ),
  irsa: z.optional(
    z.looseObject({
      serviceAccount: text(REPORT_TEXT_LIMITS.name, true),
      namespace: text(REPORT_TEXT_LIMITS.name, true),
      oidcProvider: text(REPORT_TEXT_LIMITS.arn, true),
      errorCode: text(REPORT_TEXT_LIMITS.name),
      count: position,
      firstSeen: utcTimestamp,
      lastSeen: utcTimestamp,
      sampleEventIds: z.array(text(REPORT_TEXT_LIMITS.name, true)).check(z.maxLength(5)),
    }),
  ),
  correction: z.optional(
    z.looseObject({
      roleName: z.string().check(z.regex(/^[\w+=,.@-]{1,64}$/)),
      roleArn: z.string().check(z.maxLength(REPORT_TEXT_LIMITS.arn), z.regex(/^arn:/)),
      // A document IAM would take: the nesting is bounded by RUN_REPORT_MAX_DECODED_DEPTH before parsing, the size
      // here, by IAM's largest trust policy quota.
      trustPolicy: z.optional(
        z
          .looseObject({
            Version: text(REPORT_TEXT_LIMITS.name),
            Statement: z.array(z.record(z.string(), z.unknown())).check(z.minLength(1)),
          })
          .check(
            z.refine((policy) => JSON.stringify(policy).length <= REPORT_TEXT_LIMITS.trustPolicy, {
              message: `must be at most ${REPORT_TEXT_LIMITS.trustPolicy} characters as JSON`,
            }),
          ),
      ),
      changes: z.array(text(REPORT_TEXT_LIMITS.title)).check(z.maxLength(MAX_CORRECTION_LINES)),
      placeholders: z.array(text(REPORT_TEXT_LIMITS.name)).check(z.maxLength(MAX_CORRECTION_LINES)),
      note: text(REPORT_TEXT_LIMITS.remediation),
    }),
  ),
  evidence: z
    .record(
      text(REPORT_TEXT_LIMITS.evidenceKey),
      z.union([
        text(REPORT_TEXT_LIMITS.evidenceValue, true),
        z.number(),
        z.boolean(),
        z.null(),
        z.array(text(REPORT_TEXT_LIMITS.evidenceValue, true)).check(z.maxLength(MAX_EVIDENCE_LIST)),
      ]),
    )
    .check(
      z.refine((evidence) => Object.keys(evidence).length <= MAX_EVIDENCE_KEYS, {
        message: `must have at most ${MAX_EVIDENCE_KEYS} keys`,
      }),
    ),
  remediation: z.looseObject({
    text: text(REPORT_TEXT_LIMITS.remediation),
    whoCanFix: text(REPORT_TEXT_LIMITS.name),
    runbookUrl: text(REPORT_TEXT_LIMITS.url),
  }),
  observedAt: utcTimestamp,
});
