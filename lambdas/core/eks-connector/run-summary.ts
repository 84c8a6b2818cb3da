import { withFamilyCalls, type RunSummary } from '../run-summary';
import { isRegionComplete, type EksConnectorSnapshot } from './types';

/**
 * The credential check's run summary with the EKS Connector reads added: their skipped records and their failed
 * operations (`<region> service:Operation`, as summarizeRun lists the inventory's), each once.
 */
export function withEksConnectorCalls(summary: RunSummary, snapshot: EksConnectorSnapshot): RunSummary {
  return withFamilyCalls(summary, snapshot.regions);
}

/**
 * Regions where every registered cluster is known (see `isRegionComplete`): a region outside it must not count
 * towards a registered cluster's findings being gone.
 */
export function completeEksConnectorRegions(snapshot: EksConnectorSnapshot): Set<string> {
  return new Set(snapshot.regions.filter(isRegionComplete).map((region) => region.region));
}
