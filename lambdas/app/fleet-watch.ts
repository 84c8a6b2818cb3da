import { randomUUID } from 'node:crypto';
import type { Finding } from '../core/finding';
import { checkerFindings } from '../core/checks/checker-findings';
import { evaluateFleet } from '../core/fleet/evaluate-fleet';
import type { HubWatchSettings } from '../core/fleet/hub-settings';
import { GLOBAL_REGION, type ApiFailure } from '../core/inventory';
import { toApiFailure } from '../adapters/aws-error';
import type { HeartbeatStore } from '../adapters/fleet/heartbeat-store';
import type { RunInfo } from '../core/publishing';
import type { LifecycleReport, LifecycleStage } from './lifecycle-stage';

/**
 * The fleet watch (docs/organizations.md): on a schedule in the hub, list every member's heartbeat, turn
 * silence into `fleet.member.silent` findings (pure, lambdas/core/fleet/evaluate-fleet.ts), and run them through
 * the lifecycle as the `fleet` family with the ledger scoped to the hub's own account, so a silent member is
 * announced once, reminded, and resolved when it reports again.
 *
 * The heartbeat Scan is the read every verdict rests on (CHECK_READS): when it fails there are no member findings
 * this run, a `checker.error` ERROR names `dynamodb:Scan`, and nothing is covered, so no open finding resolves for
 * being absent. When it succeeds the `global` pseudo-region the findings live in is covered: a member whose
 * heartbeat was deleted (it left the organization) resolves as gone after `goneAfterRuns` runs.
 */

export const HEARTBEAT_SCAN = 'dynamodb:Scan';

export interface FleetWatchInput {
  readonly hubAccountId: string;
  /** The function's region: the heartbeat table's, where a failed Scan is reported. */
  readonly homeRegion: string;
  readonly settings: Pick<HubWatchSettings, 'fleetTableName' | 'memberSilentAfterMinutes' | 'runbookBaseUrl'>;
}

export interface FleetWatchDependencies {
  readonly heartbeats: HeartbeatStore;
  /** Absent for a dry run (tests, the fault-injection suite): findings only, nothing published. */
  readonly lifecycle?: Pick<LifecycleStage, 'run'>;
  /** AWS calls made so far this run, for the run summary event. */
  readonly apiCalls?: () => number;
  readonly now?: () => Date;
}

/** What the watch saw, before publishing. */
export interface FleetObservation {
  readonly findings: readonly Finding[];
  /** `[global]` when the heartbeats were listed completely, else none. */
  readonly coveredRegions: readonly string[];
  /** `region service:Operation`. */
  readonly failedOperations: readonly string[];
  /** One line per heartbeat item that could not be read (each is also an ERROR finding). */
  readonly problems: readonly string[];
  readonly members: number;
  readonly silent: number;
  readonly failure?: ApiFailure;
}

export interface FleetWatchSummary {
  readonly hubAccountId: string;
  /** Heartbeats read (member account and family pairs). */
  readonly members: number;
  readonly silent: number;
  readonly unreadable: number;
  readonly findings: number;
  readonly failedOperations: readonly string[];
}

export interface FleetWatchResult {
  readonly run: RunInfo;
  readonly findings: readonly Finding[];
  readonly observation: FleetObservation;
  readonly lifecycle?: LifecycleReport;
  readonly summary: FleetWatchSummary;
}

/** Lists the heartbeats and evaluates them; never throws for an AWS error (it becomes the Scan's ERROR). */
export async function observeFleet(
  input: FleetWatchInput,
  heartbeats: HeartbeatStore,
  now: Date,
): Promise<FleetObservation> {
  const scope = {
    accountId: input.hubAccountId,
    region: input.homeRegion,
    observedAt: now.toISOString(),
    runbookBaseUrl: input.settings.runbookBaseUrl,
  };
  const [service = 'dynamodb', operation = 'Scan'] = HEARTBEAT_SCAN.split(':');
  try {
    const listing = await heartbeats.listAll();
    const members = evaluateFleet(
      listing.heartbeats,
      now,
      input.settings.memberSilentAfterMinutes,
      input.hubAccountId,
      { unreadable: listing.unreadable, runbookBaseUrl: input.settings.runbookBaseUrl },
    );
    return {
      findings: [
        ...members,
        ...checkerFindings(scope, {
          region: input.homeRegion,
          failures: [],
          succeededOperations: [HEARTBEAT_SCAN],
        }),
      ],
      coveredRegions: [GLOBAL_REGION],
      failedOperations: [],
      problems: listing.problems,
      members: listing.heartbeats.length,
      silent: members.filter((finding) => finding.status === 'FAIL').length,
    };
  } catch (error) {
    const failure = toApiFailure(error, {
      service,
      operation,
      region: input.homeRegion,
      resourceArn: input.settings.fleetTableName,
    });
    return {
      findings: checkerFindings(scope, {
        region: input.homeRegion,
        failures: [failure],
        succeededOperations: [],
      }),
      coveredRegions: [],
      failedOperations: [`${input.homeRegion} ${HEARTBEAT_SCAN}`],
      problems: [],
      members: 0,
      silent: 0,
      failure,
    };
  }
}

/** One run of the fleet watch: observe, then publish through the lifecycle (family `fleet`). */
export async function runFleetWatch(
  input: FleetWatchInput,
  dependencies: FleetWatchDependencies,
): Promise<FleetWatchResult> {
  const now = dependencies.now ?? (() => new Date());
  const startedAt = now();
  const run: RunInfo = {
    runId: randomUUID(),
    accountId: input.hubAccountId,
    regions: [input.homeRegion],
    startedAt: startedAt.toISOString(),
  };
  const observation = await observeFleet(input, dependencies.heartbeats, startedAt);
  const lifecycle = dependencies.lifecycle
    ? await dependencies.lifecycle.run({
        family: 'fleet',
        run,
        findings: observation.findings,
        coveredRegions: observation.coveredRegions,
        failedOperations: observation.failedOperations,
        apiCalls: dependencies.apiCalls?.() ?? 0,
      })
    : undefined;
  return {
    run,
    findings: observation.findings,
    observation,
    ...(lifecycle ? { lifecycle } : {}),
    summary: {
      hubAccountId: input.hubAccountId,
      members: observation.members,
      silent: observation.silent,
      unreadable: observation.problems.length,
      findings: observation.findings.length,
      failedOperations: observation.failedOperations,
    },
  };
}
