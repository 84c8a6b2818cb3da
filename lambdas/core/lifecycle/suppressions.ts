import { z } from 'zod';
import { CHECK_IDS, type Finding } from '../finding';

/**
 * A mute: findings matching every given field are kept out of SNS and marked SUPPRESSED on EventBridge until
 * `expires`. An expiry is mandatory so a mute cannot outlive the reason for it unnoticed.
 */
export const suppressionSchema = z.strictObject({
  checkId: z.enum(CHECK_IDS).optional(),
  credentialName: z.string().min(1).optional(),
  /** Glob over the finding's resource ARN (`*` matches any run of characters), e.g. `arn:aws:iam::*:role/legacy-*`. */
  roleArnPattern: z.string().min(1).optional(),
  expires: z.iso.datetime({ offset: true }).or(z.iso.date()),
  reason: z.string().min(3),
});

export type Suppression = z.infer<typeof suppressionSchema>;

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

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
          globToRegExp(suppression.roleArnPattern).test(finding.resource.arn))),
  );
}
