import { z } from 'zod';
import {
  CHECK_IDS,
  COMPONENTS,
  FINDING_SCHEMA_VERSION,
  RESOURCE_TYPES,
  SEVERITIES,
  STATUSES,
} from './finding';

/**
 * The published finding as a runtime schema. docs/finding-schema.json is generated from it
 * (`npm run docs`), and a test keeps both in step with each other and with what the evaluation emits.
 */
export const findingSchema = z
  .strictObject({
    schemaVersion: z.literal(FINDING_SCHEMA_VERSION),
    findingId: z
      .string()
      .regex(/^[0-9a-f]{32}$/)
      .describe('Deterministic: hash of check, account, region and resource.'),
    checkId: z.enum(CHECK_IDS).describe('See docs/checks.md.'),
    status: z.enum(STATUSES).describe('FAIL: a problem; ERROR: could not be checked; PASS: healthy.'),
    severity: z.enum(SEVERITIES),
    title: z.string().min(1),
    message: z.string().min(1),
    accountId: z.string().regex(/^\d{12}$/),
    region: z.string().min(1),
    resource: z.strictObject({
      type: z.enum(RESOURCE_TYPES),
      arn: z.string().regex(/^arn:/).optional().describe('Absent when the resource does not exist.'),
      name: z.string().min(1),
    }),
    tmc: z
      .strictObject({
        credentialName: z.string().min(1),
        component: z.enum(COMPONENTS).optional(),
      })
      .optional(),
    irsa: z
      .strictObject({
        serviceAccount: z.string(),
        namespace: z.string(),
        oidcProvider: z.string(),
        errorCode: z.string().min(1),
        count: z.number().int().positive(),
        firstSeen: z.iso.datetime(),
        lastSeen: z.iso.datetime(),
        sampleEventIds: z.array(z.string()).max(5),
      })
      .optional()
      .describe('Present on irsa.* findings: the group of denied AssumeRoleWithWebIdentity calls.'),
    correction: z
      .strictObject({
        roleName: z
          .string()
          .regex(/^[\w+=,.@-]{1,64}$/)
          .describe("The role's name, as `aws iam update-assume-role-policy --role-name` takes it."),
        roleArn: z.string().regex(/^arn:/),
        trustPolicy: z
          .strictObject({
            Version: z.string().min(1),
            Statement: z.array(z.looseObject({})).min(1),
          })
          .optional()
          .describe(
            "The role's whole trust policy with only the web-identity statement corrected, for `--policy-document`; absent when it cannot be given as one (over IAM's size limit: `note` says so).",
          ),
        changes: z.array(z.string().min(1)).min(1).describe('What differs from the current trust policy.'),
        placeholders: z
          .array(z.string().min(1))
          .describe(
            '`<placeholders>` to fill in before applying; empty when the document is ready as written.',
          ),
        note: z
          .string()
          .min(1)
          .describe('How far to trust the document, what to check first and how to apply it.'),
      })
      .optional()
      .describe(
        "Present on irsa.* findings whose fix is in the role's trust policy, when it can be built from the role's policy, the account's OIDC providers and placeholders alone: never from the denied call's subject or issuer.",
      ),
    evidence: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())]))
      .describe('The figures behind the verdict; keys depend on the check.'),
    remediation: z.strictObject({
      text: z.string().min(1),
      whoCanFix: z.string().min(1),
      runbookUrl: z.string().min(1),
    }),
    observedAt: z.iso.datetime(),
  })
  .describe(
    'A TMC health finding, published as the detail of an EventBridge event (detail-type "TMC Health Finding").',
  );

export function findingJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://tmc-health-checker/finding-schema.json',
    title: 'TMC Health Finding',
    ...z.toJSONSchema(findingSchema),
  };
}
