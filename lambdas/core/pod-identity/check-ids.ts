import type { CheckId } from '../finding';

/** The EKS Pod Identity checks: two per association, two per cluster that has associations. */
export const POD_IDENTITY_CHECK_IDS = [
  'pod-identity.role-invalid',
  'pod-identity.target-role-invalid',
  'pod-identity.agent-not-installed',
  'pod-identity.agent-unhealthy',
] as const satisfies readonly CheckId[];
export type PodIdentityCheckId = (typeof POD_IDENTITY_CHECK_IDS)[number];
