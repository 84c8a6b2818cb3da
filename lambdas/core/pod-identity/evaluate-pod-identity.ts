/**
 * The EKS Pod Identity checks. Pure: the snapshot (lambdas/adapters/gather-pod-identity.ts) and the settings come
 * in, findings go out. Per association: `pod-identity.role-invalid` (its role exists and trusts EKS Pod Identity
 * for it) and `pod-identity.target-role-invalid` (with role chaining, the target role exists and trusts the
 * association's role). Per cluster that has associations: `pod-identity.agent-not-installed` and
 * `pod-identity.agent-unhealthy` (the `eks-pod-identity-agent` add-on). A cluster whose associations could not be
 * listed has no finding of its own: its checker.error says the checker could not look, and the region is not
 * counted as covered (run-summary.ts), so nothing there resolves for being absent.
 */
import { checkerFindings } from '../checks/checker-findings';
import type { Finding } from '../finding';
import type { FindingScope } from '../finding-factory';
import { requireProof } from '../proof';
import type { CheckerSettings } from '../settings';
import { agentFindings } from './agent-findings';
import { roleFinding, targetRoleFinding } from './association-findings';
import type { PodIdentityAssociation, PodIdentityCluster, PodIdentitySnapshot } from './types';

export type PodIdentityEvaluationSettings = Pick<CheckerSettings, 'runbookBaseUrl'>;

const byName = (a: PodIdentityCluster, b: PodIdentityCluster) => compare(a.name, b.name);
const byServiceAccount = (a: PodIdentityAssociation, b: PodIdentityAssociation) =>
  compare(a.namespace, b.namespace) ||
  compare(a.serviceAccount, b.serviceAccount) ||
  compare(a.associationId, b.associationId);

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function evaluatePodIdentity(
  snapshot: PodIdentitySnapshot,
  settings: PodIdentityEvaluationSettings,
): Finding[] {
  return snapshot.regions.flatMap((region) => {
    const scope: FindingScope = {
      accountId: snapshot.accountId,
      region: region.region,
      observedAt: snapshot.observedAt,
      runbookBaseUrl: settings.runbookBaseUrl,
    };
    const context = { scope, snapshot, region };
    const clusters = region.listing.ok ? [...region.clusters].sort(byName) : [];
    const findings = clusters
      .filter((cluster) => cluster.listing.ok)
      .flatMap((cluster) => [
        ...[...cluster.associations]
          .sort(byServiceAccount)
          .flatMap((association) => [
            roleFinding(cluster, association, context),
            targetRoleFinding(cluster, association, context),
          ]),
        ...agentFindings(cluster, context),
      ]);
    return requireProof([...findings, ...checkerFindings(scope, region)], { failures: region.failures });
  });
}
