import { randomUUID } from 'node:crypto';
import { SEVERITIES, type Finding, type Severity } from '../core/finding';
import type { ApiFailure } from '../core/inventory';
import { countUncheckedAtDeadline, DEADLINE_ERROR_NAME } from '../core/deadline';
import { evaluateIrsa } from '../core/irsa/evaluate-irsa';
import { describeRegionReasons, type IrsaRegionPlan, type IrsaRegionReason } from '../core/irsa/scan-regions';
import type { IrsaSettings } from '../core/irsa/settings';
import type { IrsaSnapshot, TimeRange } from '../core/irsa/types';
import {
  commitWatermarks,
  endScanLeases,
  gatherIrsa,
  type IrsaClients,
  type RegionScanReport,
} from '../adapters/irsa/gather-irsa';
import type { SaveResult } from '../adapters/irsa/watermark-store';
import { RunDeadline } from '../adapters/deadline';
import type { PublishReport, RunInfo } from '../core/publishing';
import type { LifecycleReport } from './lifecycle-stage';
import type { RunSink } from './run-sink';

export interface IrsaCheckInput {
  readonly accountId: string;
  readonly settings: IrsaSettings;
  /**
   * The region the code runs in. With `settings.regions` empty the run reads it, us-east-1 (the global STS
   * endpoint) and every region the account's EKS OIDC providers name; otherwise exactly `settings.regions`.
   */
  readonly defaultRegion: string;
  /**
   * When gathering must stop (read on `dependencies.now`). No region scan, CloudTrail page (or retry) or IAM
   * read starts after it: a cut scan keeps its unread range in the watermark gaps (read first next run), a
   * region not started keeps its stored watermark, and each cut is an ERROR finding naming the call and
   * `DeadlineExceeded` (denials already read are still reported), counted in `uncheckedAtDeadline` and shown
   * per region as `cutByDeadline`. Calls in flight finish, bounded by the per-call timeouts; publishing and the
   * watermark commit come after. Set it with room for one call plus publishing, e.g.
   * `new Date(Date.now() + context.getRemainingTimeInMillis() - reserveMs)` with reserveMs of at least
   * 30_000. Absent: no deadline (the CLI).
   */
  readonly deadline?: Date;
  /**
   * With IRSA real time on (`clients.claimStore`): when this run has certainly ended (the Lambda timeout, plus a
   * margin). Each region's scan leases its window until then, so real-time invocations leave its denials to it
   * (docs/irsa-realtime.md). Default: 15 minutes after the start, three times the function's timeout.
   */
  readonly leaseUntil?: Date;
}

/** How long a scan's lease lasts when the caller does not say when the run ends. */
export const DEFAULT_LEASE_MS = 15 * 60_000;

export interface IrsaCheckDependencies {
  readonly clients: IrsaClients;
  /**
   * Where the run goes (lambdas/app/run-sink.ts): the hub (member mode), the lifecycle, or a stateless publish;
   * watermarks are committed only once it succeeded. Absent for a dry run (the CLI without --publish): then no
   * watermark is committed either.
   */
  readonly sink?: RunSink;
  /** AWS calls made so far this run, for the run summary event. */
  readonly apiCalls?: () => number;
  readonly now?: () => Date;
  /** Told which regions will be read, before any is (the CLI's progress). */
  readonly onRegionPlan?: (plan: readonly IrsaRegionPlan[]) => void;
  /**
   * Told what the run found when `sink` threw (its findings may not all be delivered), after the fallback
   * watermarks are saved and just before the error is rethrown as it was: the Lambda logs that run's problems and
   * summary, then fails (observeRun).
   */
  readonly onDeliveryFailed?: (found: IrsaCheckResult) => void;
}

export type WatermarkCommit = SaveResult['status'] | 'not-committed';

export interface IrsaRegionSummary {
  readonly region: string;
  /** Why this region was read: configured, where the checker runs, the global STS endpoint, EKS OIDC providers. */
  readonly reasons: readonly IrsaRegionReason[];
  /** The same in words, e.g. `the checker runs here, EKS OIDC provider`. */
  readonly why: string;
  /** From the watermark (or lookback) to now, gaps included. */
  readonly planned: TimeRange;
  /** What was actually read; narrower than `planned` when the page budget ran out. */
  readonly covered?: TimeRange;
  readonly pages: number;
  readonly eventsScanned: number;
  readonly denials: number;
  readonly duplicatesDropped: number;
  readonly skippedRecords: number;
  readonly complete: boolean;
  /** The run deadline cut this region's scan or kept it from starting. */
  readonly cutByDeadline: boolean;
  /**
   * `continues next run`: the unread ranges in `pendingGaps` are saved and read first next time. `incomplete`:
   * the same, but nothing is saved (a dry run or no watermark table, e.g. the CLI), so nothing resumes.
   */
  readonly progress: 'complete' | 'continues next run' | 'incomplete' | 'failed';
  readonly pendingGaps: readonly TimeRange[];
  readonly watermark: WatermarkCommit;
}

export interface IrsaRunSummary {
  readonly accountId: string;
  readonly regions: readonly IrsaRegionSummary[];
  readonly findings: number;
  /** Denial groups reported as problems: one per (region, role, subject, provider, error code). */
  readonly denialGroups: number;
  readonly problemsBySeverity: Readonly<Record<Severity, number>>;
  readonly eventsScanned: number;
  readonly incompleteScans: number;
  readonly skippedRecords: number;
  /** `region service:Operation` names that failed. */
  readonly failedOperations: readonly string[];
  /** Whether the run deadline cut any region's scan or IAM read. */
  readonly deadlineReached: boolean;
}

export interface IrsaCheckResult {
  readonly run: RunInfo;
  readonly snapshot: IrsaSnapshot;
  readonly findings: readonly Finding[];
  readonly summary: IrsaRunSummary;
  readonly publishReport?: PublishReport;
  readonly lifecycle?: LifecycleReport;
  readonly watermarkCommits: readonly SaveResult[];
  /** ERROR findings the deadline caused (scans cut, IAM reads not made); 0 without a cut. */
  readonly uncheckedAtDeadline: number;
}

/**
 * One run of the IRSA check: gather (CloudTrail from the watermarks, then IAM), evaluate (pure), publish, and only
 * then commit the watermarks. A publish failure throws before the commit, so the next run reads the same events
 * again: findings are re-sent rather than lost.
 */
export async function runIrsaCheck(
  input: IrsaCheckInput,
  dependencies: IrsaCheckDependencies,
): Promise<IrsaCheckResult> {
  const now = dependencies.now ?? (() => new Date());
  const startedAt = now();
  const publishing = dependencies.sink;
  const gathered = await gatherIrsa({
    accountId: input.accountId,
    defaultRegion: input.defaultRegion,
    ...(dependencies.onRegionPlan ? { onRegionPlan: dependencies.onRegionPlan } : {}),
    settings: input.settings,
    now: startedAt,
    clients: dependencies.clients,
    deadline: new RunDeadline(input.deadline, now),
    // Only a run that saves its watermarks leases its windows.
    ...(publishing && dependencies.clients.claimStore
      ? { leaseUntil: input.leaseUntil ?? new Date(startedAt.getTime() + DEFAULT_LEASE_MS) }
      : {}),
  });
  const run: RunInfo = {
    runId: randomUUID(),
    accountId: input.accountId,
    regions: gathered.regionPlan.map((plan) => plan.region),
    startedAt: startedAt.toISOString(),
  };
  const findings = evaluateIrsa(gathered.snapshot, input.settings);
  let publishReport: PublishReport | undefined;
  let lifecycle: LifecycleReport | undefined;
  let watermarkCommits: SaveResult[] = [];
  const runInput = () => ({
    family: 'irsa' as const,
    run,
    findings,
    // A denial group is gone only where the scan read everything since the watermark.
    coveredRegions: gathered.snapshot.scans.flatMap((scan) =>
      scan.ok && scan.value.complete ? [scan.value.region] : [],
    ),
    failedOperations: failedOperationNames(gathered.snapshot),
    apiCalls: dependencies.apiCalls?.() ?? 0,
  });
  if (publishing) {
    try {
      ({ publishReport, lifecycle } = await publishing.deliver(runInput()));
    } catch (error) {
      await commitWatermarks(
        dependencies.clients.watermarkStore,
        gathered.watermarksToSave.flatMap((item) =>
          item.ifPublishFails ? [{ ...item, watermark: item.ifPublishFails }] : [],
        ),
      );
      // Those watermarks leave the claims out: they stay claimed for the next scan.
      await endScanLeases(dependencies.clients.claimStore, gathered.leases, []);
      dependencies.onDeliveryFailed?.({
        run,
        snapshot: gathered.snapshot,
        findings,
        summary: summarizeIrsaRun(
          gathered.snapshot,
          gathered.regionReports,
          gathered.regionPlan,
          findings,
          [],
          dependencies.clients.watermarkStore !== undefined,
        ),
        watermarkCommits: [],
        uncheckedAtDeadline: countUncheckedAtDeadline(findings),
      });
      throw error;
    }
    watermarkCommits = await commitWatermarks(dependencies.clients.watermarkStore, gathered.watermarksToSave);
    await endScanLeases(dependencies.clients.claimStore, gathered.leases, watermarkCommits);
  }
  const resumable = publishing !== undefined && dependencies.clients.watermarkStore !== undefined;
  const summary = summarizeIrsaRun(
    gathered.snapshot,
    gathered.regionReports,
    gathered.regionPlan,
    findings,
    watermarkCommits,
    resumable,
  );
  return {
    run,
    snapshot: gathered.snapshot,
    findings,
    summary,
    ...(publishReport ? { publishReport } : {}),
    ...(lifecycle ? { lifecycle } : {}),
    watermarkCommits,
    uncheckedAtDeadline: countUncheckedAtDeadline(findings),
  };
}

/**
 * A run whose watermark could not be saved (dynamodb:PutItem failed). Its findings were published, but the next
 * run reads the same range again, and a save that keeps failing would keep every later run on that range: so the
 * invocation fails for it (the Lambda errors and dead-letter queue alarms see it), and the next run reports it as
 * the ERROR finding naming dynamodb:PutItem (the store marks the unchanged item, DynamoWatermarkStore).
 */
export class WatermarkSaveError extends Error {
  override readonly name = 'WatermarkSaveError';

  constructor(readonly failures: readonly ApiFailure[]) {
    super(
      `dynamodb:PutItem failed: the IRSA watermark of ${failures
        .map((failure) => `${failure.region} (${failure.errorName}: ${failure.message.slice(0, 200)})`)
        .join(', ')} was not saved; the next run reads the same range again`,
    );
  }
}

/** The run's result if every watermark it had to commit was saved (or lost to a newer run), else throws. */
export function requireWatermarksSaved(result: IrsaCheckResult): IrsaCheckResult {
  const failures = result.watermarkCommits.flatMap((commit) =>
    commit.status === 'failed' ? [commit.failure] : [],
  );
  if (failures.length > 0) throw new WatermarkSaveError(failures);
  return result;
}

export function summarizeIrsaRun(
  snapshot: IrsaSnapshot,
  reports: readonly RegionScanReport[],
  /** Why each region was read, in the reports' order. */
  plan: readonly IrsaRegionPlan[],
  findings: readonly Finding[],
  commits: readonly SaveResult[],
  /** Whether unread ranges are saved for the next run (a watermark table and a publishing run). */
  resumable: boolean,
): IrsaRunSummary {
  const problemsBySeverity = Object.fromEntries(SEVERITIES.map((severity) => [severity, 0])) as Record<
    Severity,
    number
  >;
  for (const finding of findings) if (finding.status !== 'PASS') problemsBySeverity[finding.severity] += 1;

  const regions = reports.map((report, index): IrsaRegionSummary => {
    const observed = snapshot.scans[index];
    const scan = observed?.ok ? observed.value : undefined;
    const commit = commits.find((item) => item.region === report.region);
    const complete = scan?.complete ?? false;
    const why = plan.find((item) => item.region === report.region) ?? { region: report.region, reasons: [] };
    return {
      region: report.region,
      reasons: why.reasons,
      why: describeRegionReasons(why),
      planned: {
        from: report.planned[0]?.from ?? snapshot.observedAt,
        to: report.planned[report.planned.length - 1]?.to ?? snapshot.observedAt,
      },
      ...(scan ? { covered: { from: scan.from, to: scan.to } } : {}),
      pages: scan?.pages ?? 0,
      eventsScanned: scan?.eventsScanned ?? 0,
      denials: scan?.denials.length ?? 0,
      duplicatesDropped: scan?.duplicatesDropped ?? 0,
      skippedRecords: scan?.skipped.length ?? 0,
      complete,
      cutByDeadline: report.cutByDeadline ?? false,
      progress:
        scan === undefined
          ? 'failed'
          : complete
            ? 'complete'
            : resumable
              ? 'continues next run'
              : 'incomplete',
      pendingGaps: report.pendingGaps,
      watermark: commit?.status ?? 'not-committed',
    };
  });
  return {
    accountId: snapshot.accountId,
    regions,
    findings: findings.length,
    denialGroups: findings.filter(
      (finding) => finding.checkId === 'irsa.assume-role.denied' && finding.status !== 'PASS',
    ).length,
    problemsBySeverity,
    eventsScanned: regions.reduce((sum, region) => sum + region.eventsScanned, 0),
    incompleteScans: regions.filter((region) => !region.complete).length,
    skippedRecords: regions.reduce((sum, region) => sum + region.skippedRecords, 0),
    deadlineReached:
      regions.some((region) => region.cutByDeadline) ||
      snapshot.failures.some((failure) => failure.errorName === DEADLINE_ERROR_NAME),
    failedOperations: failedOperationNames(snapshot),
  };
}

/** `region service:Operation` for each call that failed, once each. */
function failedOperationNames(snapshot: IrsaSnapshot): string[] {
  return [
    ...new Set(
      snapshot.failures.map((failure) => `${failure.region} ${failure.service}:${failure.operation}`),
    ),
  ];
}
