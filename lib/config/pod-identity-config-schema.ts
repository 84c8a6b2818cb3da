import { boolean } from './config-fields';

/**
 * The EKS Pod Identity check's configuration key (docs/pod-identity.md): the credential checker also checks the
 * Pod Identity associations of the EKS clusters in `regions`, their roles and the agent add-on. On by default: its
 * reads (lib/permissions/pod-identity-permissions.ts) change nothing and cost nothing.
 */
export const podIdentityConfigShape = {
  podIdentityEnabled: boolean().default(true),
};

export type PodIdentityConfigKey = keyof typeof podIdentityConfigShape;

/** A valid example for each key, for the "how to fix" part of error messages. */
export const POD_IDENTITY_EXAMPLES = {
  podIdentityEnabled: 'false',
} as const satisfies Record<PodIdentityConfigKey, string>;
