import { CLOCK_SKEW_TOLERANCE_MS } from './run-report-types';
import type { MemberHeartbeat } from './heartbeat';

/**
 * `tmc-health fleet`: the hub's record of each member account, one row per account, from the heartbeat table
 * (when each family last reported) and the findings ledger (what is open now). Pure: the reads come in.
 *
 * Silent follows the fleet watch (evaluate-fleet.ts): a family whose last report is more than
 * `silentAfterMinutes` old; a last report dated more than the clock-skew tolerance ahead is `unknown`, never
 * fresh. Unknown is never healthy: an account whose open findings could not be read has no counts, and the
 * reason instead.
 */

export interface OpenCounts {
  readonly failing: number;
  readonly erroring: number;
}

/** The open findings of one account, or why they could not be read (the call named). */
export type AccountOpenFindings =
  | { readonly ok: true; readonly counts: OpenCounts }
  | { readonly ok: false; readonly operation: string; readonly error: string };

export type Silence = 'no' | 'yes' | 'unknown';

export interface FleetViewRow {
  readonly accountId: string;
  /** The latest report of any family (ISO-8601), as the member dated it. */
  readonly lastReportAt: string;
  /** Each family that ever reported, with its last report and whether it went silent. */
  readonly families: readonly {
    readonly family: string;
    readonly lastReportAt: string;
    readonly silent: Silence;
  }[];
  /** `yes` when any family is silent, `unknown` when any is dated ahead and none is silent. */
  readonly silent: Silence;
  readonly open: AccountOpenFindings;
}

export function silenceOf(lastReportAt: string, now: Date, silentAfterMinutes: number): Silence {
  const at = Date.parse(lastReportAt);
  if (Number.isNaN(at) || at - now.getTime() > CLOCK_SKEW_TOLERANCE_MS) return 'unknown';
  return now.getTime() - at > silentAfterMinutes * 60_000 ? 'yes' : 'no';
}

/** One row per account, ordered by account id; a family reported twice keeps its later report. */
export function fleetView(
  heartbeats: readonly MemberHeartbeat[],
  openFindings: ReadonlyMap<string, AccountOpenFindings>,
  now: Date,
  silentAfterMinutes: number,
): FleetViewRow[] {
  if (!(Number.isFinite(silentAfterMinutes) && silentAfterMinutes > 0)) {
    throw new RangeError(`silentAfterMinutes must be a positive number, got ${silentAfterMinutes}`);
  }
  const byAccount = new Map<string, Map<string, MemberHeartbeat>>();
  for (const heartbeat of heartbeats) {
    const families = byAccount.get(heartbeat.accountId) ?? new Map<string, MemberHeartbeat>();
    const known = families.get(heartbeat.family);
    if (known === undefined || Date.parse(heartbeat.lastReportAt) > Date.parse(known.lastReportAt)) {
      families.set(heartbeat.family, heartbeat);
    }
    byAccount.set(heartbeat.accountId, families);
  }
  return [...byAccount.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([accountId, families]) => {
      const rows = [...families.values()]
        .sort((a, b) => a.family.localeCompare(b.family))
        .map((heartbeat) => ({
          family: heartbeat.family,
          lastReportAt: heartbeat.lastReportAt,
          silent: silenceOf(heartbeat.lastReportAt, now, silentAfterMinutes),
        }));
      const silent: Silence = rows.some((row) => row.silent === 'yes')
        ? 'yes'
        : rows.some((row) => row.silent === 'unknown')
          ? 'unknown'
          : 'no';
      const lastReportAt = rows
        .map((row) => row.lastReportAt)
        .sort((a, b) => Date.parse(b) - Date.parse(a))[0]!;
      return {
        accountId,
        lastReportAt,
        families: rows,
        silent,
        open: openFindings.get(accountId) ?? {
          ok: false,
          operation: 'dynamodb:Query',
          error: 'the ledger was not read for this account',
        },
      };
    });
}
