/** bench/results.json: what one `npm run bench` measured, with the machine it ran on. */
import type { BundleResult } from './bundles';
import type { CostEstimate, CostInput } from './cost-model';
import type { HubCostInput, OrganizationCost } from './organization-cost';
import type { CliWallTimeResult, IrsaScanResult, RequestCountResult } from './types';

export interface BenchResults {
  readonly measuredAt: string;
  readonly machine: {
    readonly node: string;
    readonly platform: string;
    readonly cpus: number;
    readonly cpuModel: string;
    readonly memoryGb: number;
    readonly esbuild: string;
  };
  /** Parts that ran (`--only` can skip some; the cost needs all of them). */
  readonly parts: readonly string[];
  readonly requestCounts?: RequestCountResult;
  readonly cliWallTime?: CliWallTimeResult;
  readonly irsaScan?: IrsaScanResult;
  readonly bundles?: BundleResult;
  readonly costInput?: CostInput;
  readonly cost?: CostEstimate;
  /** A member account of an organization (docs/organizations.md), from the same measurements. */
  readonly memberCostInput?: CostInput;
  readonly memberCost?: CostEstimate;
  /** The hub's part (modelled per run report) and organizations of 1 to 1,000 member accounts. */
  readonly hubCostInput?: HubCostInput;
  readonly organizationCost?: OrganizationCost;
}
