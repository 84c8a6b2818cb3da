import { randomUUID } from 'node:crypto';
import { countUncheckedAtDeadline } from '../core/deadline';
import { evaluateEksConnector } from '../core/eks-connector/evaluate-eks-connector';
import { completeEksConnectorRegions, withEksConnectorCalls } from '../core/eks-connector/run-summary';
import type { EksConnectorSnapshot } from '../core/eks-connector/types';
import { mergeCheckerFindings } from '../core/checks/merge-checker-findings';
import { METRIC_CHECK_IDS, planMetricsRead } from '../core/checks/metrics-cadence';
import { evaluatePodIdentity } from '../core/pod-identity/evaluate-pod-identity';
import { completePodIdentityRegions, withPodIdentityCalls } from '../core/pod-identity/run-summary';
import type { PodIdentitySnapshot } from '../core/pod-identity/types';
import { evaluateCredentials } from '../core/evaluate-credentials';
import type { Finding } from '../core/finding';
import type { InventorySnapshot } from '../core/inventory';
import { summarizeRun, type RunSummary } from '../core/run-summary';
import type { CheckerSettings } from '../core/settings';
import type { RegionClients } from '../adapters/clients';
import { RunDeadline } from '../adapters/deadline';
import type { EksConnectorClients } from '../adapters/eks-connector-clients';
import type { EksConnectorGatherInput } from '../adapters/gather-eks-connector';
import type { PodIdentityGatherInput } from '../adapters/gather-pod-identity';
import { gatherInventory } from '../adapters/gather-inventory';
import type { PublishReport, RunInfo } from '../core/publishing';
import type { LifecycleReport } from './lifecycle-stage';
import type { RunSink } from './run-sink';

export interface CredentialCheckInput {
  readonly accountId: string;
  readonly settings: CheckerSettings;
  /** Used when `settings.regions` is empty: the region the code runs in. */
  readonly defaultRegion: string;
  /**
   * When gathering must stop (read on `dependencies.now`). No AWS call starts after it: regions, credentials'
   * lookups and metric batches not started are reported as ERROR findings naming the call and
   * `DeadlineExceeded`, never as PASS, and counted in `uncheckedAtDeadline`. Calls in flight finish, each
   * bounded by the per-call timeouts (connection 3 s + request 10 s per attempt, up to 5 attempts). Set it
   * before the Lambda timeout with room for one such call plus evaluation and publishing, e.g.
   * `new Date(Date.now() + context.getRemainingTimeInMillis() - reserveMs)` with reserveMs of at least
   * 30_000 (60_000 leaves room for a slow call retried to its limit). Absent: no deadline (the CLI).
   */
  readonly deadline?: Date;
  /**
   * Whether the TMC credential checks run (`tmc-health check --checks eks-connector` leaves them out). Off, nothing
   * of the TMC inventory is read and the run holds the EKS families' findings alone. Default true.
   */
  readonly tmc?: boolean;
  /**
   * When the schedule had this run due (Scheduler's `scheduled-time`): the metrics cadence decides by it.
   * Absent (the CLI, a run invoked by hand): by the run's start, with a minute of slack.
   */
  readonly scheduledTime?: Date;
}

export interface CredentialCheckDependencies {
  readonly clientsFor: (region: string) => RegionClients;
  /**
   * Required when `settings.eksConnectorEnabled` or `settings.podIdentityEnabled`: the EKS and IAM clients per
   * region, which both families read with.
   */
  readonly eksConnectorClientsFor?: (region: string) => EksConnectorClients;
  /**
   * Required when `settings.eksConnectorEnabled`: the EKS Connector check's reads, gatherEksConnector
   * (lambdas/adapters/gather-eks-connector.ts). Passed in rather than imported so the CLI loads it, and the EKS
   * and IAM clients it imports, only when the check is on (about 30 ms of its start-up otherwise).
   */
  readonly gatherEksConnector?: (input: EksConnectorGatherInput) => Promise<EksConnectorSnapshot>;
  /**
   * Required when `settings.podIdentityEnabled`: the EKS Pod Identity check's reads, gatherPodIdentity
   * (lambdas/adapters/gather-pod-identity.ts), passed in for the same reason as gatherEksConnector.
   */
  readonly gatherPodIdentity?: (input: PodIdentityGatherInput) => Promise<PodIdentitySnapshot>;
  /**
   * Where the run goes (lambdas/app/run-sink.ts): the hub (member mode), the lifecycle, or a stateless publish.
   * Absent for a dry run (the CLI without --publish).
   */
  readonly sink?: RunSink;
  /** AWS calls made so far this run, for the run summary event. */
  readonly apiCalls?: () => number;
  readonly now?: () => Date;
  /**
   * Told what the run found when `sink` threw (its findings may not all be delivered), just before the error is
   * rethrown as it was: the Lambda logs that run's problems and summary, then fails (observeRun).
   */
  readonly onDeliveryFailed?: (found: CredentialCheckResult) => void;
}

export interface CredentialCheckResult {
  readonly run: RunInfo;
  readonly snapshot: InventorySnapshot;
  /** The EKS Connector reads, when `settings.eksConnectorEnabled`. */
  readonly eksConnector?: EksConnectorSnapshot;
  /** The EKS Pod Identity reads, when `settings.podIdentityEnabled`. */
  readonly podIdentity?: PodIdentitySnapshot;
  readonly findings: readonly Finding[];
  readonly summary: RunSummary;
  readonly publishReport?: PublishReport;
  readonly lifecycle?: LifecycleReport;
  /** ERROR findings the deadline caused (checks, and checker.error per call not made); 0 without a cut. */
  readonly uncheckedAtDeadline: number;
}

function eksClientsOf(dependencies: CredentialCheckDependencies) {
  if (dependencies.eksConnectorClientsFor === undefined) {
    throw new Error(
      'eksConnectorEnabled or podIdentityEnabled: the run needs eksConnectorClientsFor (the EKS and IAM clients)',
    );
  }
  return dependencies.eksConnectorClientsFor;
}

function eksConnectorOf(dependencies: CredentialCheckDependencies) {
  const clientsFor = eksClientsOf(dependencies);
  if (dependencies.gatherEksConnector === undefined) {
    throw new Error('eksConnectorEnabled: the run needs gatherEksConnector (the EKS Connector reads)');
  }
  return { clientsFor, gather: dependencies.gatherEksConnector };
}

function podIdentityOf(dependencies: CredentialCheckDependencies) {
  const clientsFor = eksClientsOf(dependencies);
  if (dependencies.gatherPodIdentity === undefined) {
    throw new Error('podIdentityEnabled: the run needs gatherPodIdentity (the EKS Pod Identity reads)');
  }
  return { clientsFor, gather: dependencies.gatherPodIdentity };
}

export function regionsToCheck(settings: Pick<CheckerSettings, 'regions'>, defaultRegion: string): string[] {
  return settings.regions.length > 0 ? [...settings.regions] : [defaultRegion];
}

/**
 * One run of the credential check: gather (AWS), evaluate (pure), publish (AWS). Shared by the Lambda and the
 * CLI so both report exactly the same findings. Gathering never throws for an AWS error; publishing throws a
 * PublishError when a finding could not be delivered, so the caller fails loudly (after `onDeliveryFailed`).
 */
export async function runCredentialCheck(
  input: CredentialCheckInput,
  dependencies: CredentialCheckDependencies,
): Promise<CredentialCheckResult> {
  const now = dependencies.now ?? (() => new Date());
  const startedAt = now();
  const regions = regionsToCheck(input.settings, input.defaultRegion);
  const run: RunInfo = {
    runId: randomUUID(),
    accountId: input.accountId,
    regions,
    startedAt: startedAt.toISOString(),
  };
  const deadline = new RunDeadline(input.deadline, now);
  const eksConnectorReads = input.settings.eksConnectorEnabled ? eksConnectorOf(dependencies) : undefined;
  const podIdentityReads = input.settings.podIdentityEnabled ? podIdentityOf(dependencies) : undefined;
  // The EKS Connector's registered clusters and the EKS Pod Identity associations are read alongside the TMC
  // inventory, in the same regions.
  const tmc = input.tmc ?? true;
  // Once per metricsIntervalMinutes slot (every run without it, as in the CLI): the costly GetMetricData reads.
  const metrics = planMetricsRead(
    input.scheduledTime ? { at: input.scheduledTime, scheduled: true } : { at: startedAt, scheduled: false },
    input.settings,
  );
  const [snapshot, eksConnector, podIdentity] = await Promise.all([
    tmc
      ? gatherInventory({
          accountId: input.accountId,
          regions,
          settings: input.settings,
          now: startedAt,
          clientsFor: dependencies.clientsFor,
          metrics,
          deadline,
        })
      : // Nothing read: no region of it counts as covered (below), so nothing is resolved for being absent.
        { accountId: input.accountId, observedAt: startedAt.toISOString(), regions: [] },
    eksConnectorReads
      ? eksConnectorReads.gather({
          accountId: input.accountId,
          regions,
          now: startedAt,
          clientsFor: eksConnectorReads.clientsFor,
          deadline,
        })
      : undefined,
    podIdentityReads
      ? podIdentityReads.gather({
          accountId: input.accountId,
          regions,
          now: startedAt,
          clientsFor: podIdentityReads.clientsFor,
          deadline,
        })
      : undefined,
  ]);
  // Both EKS families report eks:ListClusters and iam:GetRole of a region: one checker.error finding each.
  const findings = mergeCheckerFindings([
    ...(tmc ? evaluateCredentials(snapshot, input.settings) : []),
    ...(eksConnector ? evaluateEksConnector(eksConnector, input.settings) : []),
    ...(podIdentity ? evaluatePodIdentity(podIdentity, input.settings) : []),
  ]);
  const uncheckedAtDeadline = countUncheckedAtDeadline(findings);
  const withEks = eksConnector
    ? withEksConnectorCalls(summarizeRun(snapshot, findings), eksConnector)
    : summarizeRun(snapshot, findings);
  const withPods = podIdentity ? withPodIdentityCalls(withEks, podIdentity) : withEks;
  const summary: RunSummary =
    tmc && !metrics.read ? { ...withPods, metricsNextReadAfter: metrics.nextReadAfter } : withPods;
  const eksComplete = eksConnector ? completeEksConnectorRegions(eksConnector) : undefined;
  const podComplete = podIdentity ? completePodIdentityRegions(podIdentity) : undefined;
  const eks = { ...(eksConnector ? { eksConnector } : {}), ...(podIdentity ? { podIdentity } : {}) };
  const runInput = () => ({
    family: 'credentials' as const,
    run,
    findings,
    // Absence counts only where discovery worked: a region that could not be searched proves nothing. With the
    // EKS Connector check, that includes its cluster listing and every DescribeCluster of the region; with Pod
    // Identity, its cluster listing and every cluster's association listing.
    coveredRegions: snapshot.regions
      .filter(
        (region) =>
          region.discovery.ok &&
          (eksComplete?.has(region.region) ?? true) &&
          (podComplete?.has(region.region) ?? true),
      )
      .map((region) => region.region),
    // Not this run's turn to read the metrics: their checks were not looked at, so their open findings stand.
    ...(tmc && !metrics.read ? { unreadChecks: [...METRIC_CHECK_IDS] } : {}),
    failedOperations: summary.failedOperations,
    apiCalls: dependencies.apiCalls?.() ?? 0,
  });
  const found: CredentialCheckResult = { run, snapshot, ...eks, findings, summary, uncheckedAtDeadline };
  if (!dependencies.sink) return found;
  try {
    return { ...found, ...(await dependencies.sink.deliver(runInput())) };
  } catch (error) {
    dependencies.onDeliveryFailed?.(found);
    throw error;
  }
}
