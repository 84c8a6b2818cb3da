/**
 * The IAM path of the roles a member stack's checkers run as. The hub bus accepts run reports only from principals
 * under this path (`aws:PrincipalArn`), so a person or workload elsewhere in a member account cannot put reports
 * on the bus in that account's name. Role names stay generated (one stack per region must not collide); the path
 * is what the bus policy can name without knowing them.
 */
export const MEMBER_REPORTER_ROLE_PATH = '/tmc-health-member/';

/** The `aws:PrincipalArn` pattern of those roles in any account (the bus policy also requires the organization). */
export function memberReporterRoleArnPattern(partition: string): string {
  return `arn:${partition}:iam::*:role${MEMBER_REPORTER_ROLE_PATH}*`;
}
