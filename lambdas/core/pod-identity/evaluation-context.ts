import type { FindingScope } from '../finding-factory';
import type { PodIdentityRegion, PodIdentitySnapshot } from './types';

/** What each pod-identity finding of one region is built from. */
export interface EvaluationContext {
  readonly scope: FindingScope;
  readonly snapshot: PodIdentitySnapshot;
  readonly region: PodIdentityRegion;
}
