import type { FleetViewRow } from '../core/fleet/fleet-view';
import { cleanLine } from '../core/untrusted-text';

/**
 * `tmc-health fleet` for people and for machines. Every value from the tables (member-written: account ids,
 * dates, error text) is cleaned and bounded before it reaches the terminal or the JSON document.
 */

/** A read of the hub's tables that failed: the whole view is unknown, said so, never an empty fleet. */
export interface FleetViewFailure {
  readonly operation: string;
  readonly tableName: string;
  readonly error: string;
}

/** Heartbeat items the Scan returned but that could not be parsed: whose they are is unknown. */
export interface UnreadableHeartbeats {
  readonly tableName: string;
  readonly items: number;
}

export type FleetViewOutcome =
  | {
      readonly ok: true;
      readonly rows: readonly FleetViewRow[];
      readonly silentAfterMinutes: number;
      /** Present when some items were malformed: an account may be missing from `rows`. */
      readonly unreadable?: UnreadableHeartbeats;
    }
  | { readonly ok: false; readonly failure: FleetViewFailure };

const MAX_TEXT = 200;
const clean = (text: string) => cleanLine(text).slice(0, MAX_TEXT);

const HEADER = ['ACCOUNT', 'LAST REPORT', 'FAILING', 'ERRORING', 'SILENT'] as const;

function cells(row: FleetViewRow): string[] {
  return [
    clean(row.accountId),
    clean(row.lastReportAt),
    row.open.ok ? String(row.open.counts.failing) : '?',
    row.open.ok ? String(row.open.counts.erroring) : '?',
    row.silent === 'yes'
      ? `yes (${row.families
          .filter((family) => family.silent === 'yes')
          .map((family) => clean(family.family))
          .join(', ')})`
      : row.silent,
  ];
}

export function renderFleetView(outcome: FleetViewOutcome): string {
  if (!outcome.ok) {
    const { failure } = outcome;
    return `ERROR ${clean(failure.operation)} on ${clean(failure.tableName)} failed: ${clean(failure.error)}. The fleet's state is unknown.\n`;
  }
  const unreadableLine = outcome.unreadable
    ? [
        `ERROR ${outcome.unreadable.items} item(s) of heartbeat table ${clean(outcome.unreadable.tableName)} could not be read (malformed) and are left out: an account may be missing.`,
      ]
    : [];
  if (outcome.rows.length === 0) {
    return unreadableLine.length > 0
      ? `${unreadableLine.join('\n')}\n`
      : 'No member account has reported to this hub yet.\n';
  }
  const table = [[...HEADER], ...outcome.rows.map(cells)];
  const widths = HEADER.map((_, column) => Math.max(...table.map((line) => line[column]!.length)));
  const lines = table.map((line) =>
    line
      .map((cell, column) =>
        column >= 2 && column <= 3 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!),
      )
      .join('  ')
      .trimEnd(),
  );
  for (const row of outcome.rows) {
    if (!row.open.ok) {
      lines.push(
        `ERROR ${clean(row.open.operation)} for account ${clean(row.accountId)}: ${clean(row.open.error)}`,
      );
    }
  }
  lines.push(...unreadableLine);
  const silent = outcome.rows.filter((row) => row.silent === 'yes').length;
  lines.push(
    `${outcome.rows.length} account${outcome.rows.length === 1 ? '' : 's'}, ${silent} silent (no report for over ${outcome.silentAfterMinutes} minutes).`,
  );
  return `${lines.join('\n')}\n`;
}

export function renderFleetViewJson(outcome: FleetViewOutcome): string {
  if (!outcome.ok) {
    const { failure } = outcome;
    return `${JSON.stringify({ error: { operation: clean(failure.operation), tableName: clean(failure.tableName), message: clean(failure.error) } }, null, 2)}\n`;
  }
  const accounts = outcome.rows.map((row) => ({
    accountId: clean(row.accountId),
    lastReportAt: clean(row.lastReportAt),
    families: row.families.map((family) => ({
      family: clean(family.family),
      lastReportAt: clean(family.lastReportAt),
      silent: family.silent,
    })),
    silent: row.silent,
    ...(row.open.ok
      ? { failing: row.open.counts.failing, erroring: row.open.counts.erroring }
      : { error: { operation: clean(row.open.operation), message: clean(row.open.error) } }),
  }));
  const unreadable = outcome.unreadable
    ? {
        unreadableHeartbeats: {
          tableName: clean(outcome.unreadable.tableName),
          items: outcome.unreadable.items,
        },
      }
    : {};
  return `${JSON.stringify({ silentAfterMinutes: outcome.silentAfterMinutes, accounts, ...unreadable }, null, 2)}\n`;
}

/** Exit code: 3 when anything could not be read, 1 when an account is silent or has a FAIL open, else 0. */
export function fleetViewExitCode(outcome: FleetViewOutcome): 0 | 1 | 3 {
  if (
    !outcome.ok ||
    outcome.unreadable !== undefined ||
    outcome.rows.some((row) => !row.open.ok || row.silent === 'unknown')
  )
    return 3;
  return outcome.rows.some((row) => row.silent === 'yes' || (row.open.ok && row.open.counts.failing > 0))
    ? 1
    : 0;
}
