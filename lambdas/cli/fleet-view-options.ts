/**
 * `tmc-health fleet`: the flags naming the hub's two tables and where they are. Every problem is reported at once.
 */
import { validateRegions } from './check-options';
import type { FleetViewRequest } from './run-fleet-view';
import { Problems } from './usage-problems';

/** Three of the fleet watch's default 15-minute schedule periods: what `memberSilentAfterMinutes` defaults to. */
export const DEFAULT_SILENT_AFTER_MINUTES = 45;
/** The fleet watch's own limit (core/fleet/hub-settings.ts, not imported: its zod schema stays out of the CLI). */
export const MAX_SILENT_AFTER_MINUTES = 43_200;

export interface FleetViewFlags {
  readonly heartbeatTable?: string;
  readonly ledgerTable?: string;
  readonly region?: string;
  readonly silentAfter?: string;
}

// DynamoDB: 3 to 255 of letters, digits, underscore, hyphen and dot.
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
export const TABLE_NAME_FORMAT = '3 to 255 letters, digits and _.-';

export function fleetViewRequestFromFlags(
  flags: FleetViewFlags,
  env: Readonly<Record<string, string | undefined>>,
): FleetViewRequest {
  const problems = new Problems();
  for (const [flag, value, output] of [
    ['--heartbeat-table', flags.heartbeatTable, 'HeartbeatTableName'],
    ['--ledger-table', flags.ledgerTable, 'FindingsLedgerTableName'],
  ] as const) {
    if (value === undefined || value.trim() === '') {
      problems.add(`${flag}: give the hub's table name (the hub stack's ${output} output)`);
    } else if (!TABLE_NAME.test(value)) {
      problems.add(`${flag}: '${value}' is not a DynamoDB table name (${TABLE_NAME_FORMAT})`);
    }
  }
  const region = flags.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (region === undefined || region === '') {
    problems.add("--region: give the hub's region (e.g. --region eu-west-1) or set AWS_REGION");
  } else {
    problems.attempt(() => validateRegions(flags.region !== undefined ? '--region' : 'AWS_REGION', [region]));
  }
  const silentAfterText = flags.silentAfter ?? String(DEFAULT_SILENT_AFTER_MINUTES);
  const silentAfterMinutes = Number(silentAfterText);
  if (
    !/^\d{1,6}$/.test(silentAfterText) ||
    silentAfterMinutes < 1 ||
    silentAfterMinutes > MAX_SILENT_AFTER_MINUTES
  ) {
    problems.add(
      `--silent-after: '${silentAfterText}' must be whole minutes from 1 to ${MAX_SILENT_AFTER_MINUTES} (as the hub's memberSilentAfterMinutes)`,
    );
  }
  problems.throwIfAny();
  return {
    heartbeatTable: flags.heartbeatTable!,
    ledgerTable: flags.ledgerTable!,
    region: region!,
    silentAfterMinutes,
  };
}
