/**
 * The demo's pretend AWS account, seeded through the real AWS SDK with the integration tier's own helpers
 * (test/integration/support): two TMC credentials in us-west-2, one healthy and one broken, and a few EKS pods
 * denied their IAM role (roles and OIDC providers in moto, the denied calls in the CloudTrail stub).
 */
import { destroyClients, TEST_REGION, testClients } from '../../test/integration/support/moto';
import type { CloudTrailStub } from '../../test/integration/support/cloudtrail-stub';
import { PAIR_SPECS, seedIrsaScenario } from '../../test/integration/support/irsa-seed';
import { parameterNameFor, seedTmcCredential } from '../../test/integration/support/seed';
import type { DiagnosisCause } from '../../lambdas/core/irsa/types';

export const REGION = TEST_REGION;
export const HEALTHY_CREDENTIAL = 'acme-prod';
export const BROKEN_CREDENTIAL = 'acme-staging';
/** The broken credential's token parameter, reported by the proxy as last modified this many days ago. */
export const STALE_TOKEN_PARAMETER = parameterNameFor(BROKEN_CREDENTIAL);
export const STALE_TOKEN_AGE_DAYS = 40;
/** The IRSA causes the demo seeds, one broken role and service account each (from the integration tier's specs). */
export const IRSA_CAUSES: readonly DiagnosisCause[] = [
  'sub-mismatch',
  'aud-mismatch',
  'wildcard-under-string-equals',
];

const MINUTE = 60_000;

/** The integration tier's broken (role, service account) pairs for the demo's causes. */
export const DEMO_PAIRS = IRSA_CAUSES.map((cause) => {
  const spec = PAIR_SPECS.find((candidate) => candidate.cause === cause);
  if (spec === undefined)
    throw new Error(`no IRSA pair in test/integration/support/irsa-seed.ts for ${cause}`);
  return spec;
});

export interface SeededDenial {
  readonly roleName: string;
  /** system:serviceaccount:<namespace>:<name> */
  readonly subject: string;
  readonly region: string;
  readonly cause: DiagnosisCause;
  readonly count: number;
}

export interface SeededAccount {
  readonly healthy: string;
  readonly broken: string;
  readonly staleTokenParameter: string;
  readonly denials: readonly SeededDenial[];
}

/**
 * Seeds moto (credentials, IAM roles, OIDC providers) and the stub (denied and successful AssumeRoleWithWebIdentity
 * calls over the last 40 minutes, inside the CLI's default 60-minute lookback). Expects an empty moto.
 */
export async function seedAccount(motoEndpoint: string, stub: CloudTrailStub): Promise<SeededAccount> {
  const clients = testClients(motoEndpoint);
  try {
    await seedTmcCredential(clients, HEALTHY_CREDENTIAL);
    await seedTmcCredential(clients, BROKEN_CREDENTIAL, { omitFunction: 'resource-retriever' });

    const now = Date.now();
    const scenario = await seedIrsaScenario(
      clients,
      { from: new Date(now - 40 * MINUTE), to: new Date(now - 2 * MINUTE) },
      DEMO_PAIRS,
    );
    // The denials, and the correct role's successful calls the check must ignore (not the tier's malformed record).
    for (const pair of scenario.broken) stub.seed(pair.region, pair.events);
    stub.seed(REGION, scenario.successes);

    return {
      healthy: HEALTHY_CREDENTIAL,
      broken: BROKEN_CREDENTIAL,
      staleTokenParameter: STALE_TOKEN_PARAMETER,
      denials: scenario.broken.map((pair) => ({
        roleName: pair.roleName,
        subject: pair.subject,
        region: pair.region,
        cause: pair.cause,
        count: pair.count,
      })),
    };
  } finally {
    destroyClients(clients);
  }
}
