import { CHECK_IDS, type Finding } from '../finding';
import { globMatches, STAR_GLOB } from '../glob';
import * as z from '../zod';

/**
 * A mute: findings matching every given field are kept out of SNS and marked SUPPRESSED on EventBridge until
 * `expires`. An expiry is mandatory so a mute cannot outlive the reason for it unnoticed.
 */
export const suppressionSchema = z.strictObject({
  checkId: z.optional(z.enum(CHECK_IDS)),
  credentialName: z.optional(z.string().check(z.minLength(1))),
  /**
   * Glob over the finding's resource ARN (`*` matches any run of characters, `?` only itself), e.g.
   * `arn:aws:iam::*:role/legacy-*`. The ARN may come from CloudTrail (a denied caller names any role ARN), so it
   * is matched in linear time (../glob.ts).
   */
  roleArnPattern: z.optional(z.string().check(z.minLength(1))),
  expires: z.union([z.iso.datetime({ offset: true }), z.iso.date()]),
  reason: z.string().check(z.minLength(3)),
});

export type Suppression = z.infer<typeof suppressionSchema>;

/** When the suppression stops muting, in epoch milliseconds (also used by the stack to warn about expired ones). */
export function suppressionExpiresAt(suppression: Suppression): number {
  // A bare date mutes through the end of that day (UTC).
  return suppression.expires.length === 10
    ? Date.parse(`${suppression.expires}T23:59:59.999Z`)
    : Date.parse(suppression.expires);
}

/** The first active suppression matching the finding, if any. */
export function matchingSuppression(
  finding: Finding,
  suppressions: readonly Suppression[],
  now: Date,
): Suppression | undefined {
  return suppressions.find(
    (suppression) =>
      suppressionExpiresAt(suppression) > now.getTime() &&
      (suppression.checkId === undefined || suppression.checkId === finding.checkId) &&
      (suppression.credentialName === undefined ||
        suppression.credentialName === finding.tmc?.credentialName) &&
      (suppression.roleArnPattern === undefined ||
        (finding.resource.arn !== undefined &&
          globMatches(finding.resource.arn, suppression.roleArnPattern, STAR_GLOB))),
  );
}
