import { withFamilyCalls, type RunSummary } from '../run-summary';
import { isPodIdentityRegionComplete, type PodIdentitySnapshot } from './types';

/** The credential check's run summary with the Pod Identity reads added (skipped records, failed operations). */
export function withPodIdentityCalls(summary: RunSummary, snapshot: PodIdentitySnapshot): RunSummary {
  return withFamilyCalls(summary, snapshot.regions);
}

/**
 * Regions where every association is known (see `isPodIdentityRegionComplete`): a region outside it must not count
 * towards an association's or a cluster's findings being gone.
 */
export function completePodIdentityRegions(snapshot: PodIdentitySnapshot): Set<string> {
  return new Set(snapshot.regions.filter(isPodIdentityRegionComplete).map((region) => region.region));
}
