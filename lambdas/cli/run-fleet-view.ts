import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { clientConfig } from '../adapters/client-config';
import { readHeartbeats, readOpenFindingsOfAccounts } from '../adapters/fleet/fleet-view-reads';
import { fleetView } from '../core/fleet/fleet-view';
import type { FleetViewOutcome } from './render-fleet-view';

/** `tmc-health fleet`'s validated request. */
export interface FleetViewRequest {
  readonly heartbeatTable: string;
  readonly ledgerTable: string;
  readonly region: string;
  readonly silentAfterMinutes: number;
}

export type RunFleetView = (request: FleetViewRequest) => Promise<FleetViewOutcome>;

/**
 * The real RunFleetView: the heartbeats first (a failed Scan is the whole answer, never an empty fleet), then
 * each reporting account's open findings. Loaded by `fleet` alone (a dynamic import), so no other command loads
 * the DynamoDB client.
 */
export function createAwsRunFleetView(
  options: { readonly maxAttempts?: number; readonly now?: () => Date } = {},
): RunFleetView {
  return async (request) => {
    const client = new DynamoDBClient(clientConfig(request.region, { maxAttempts: options.maxAttempts }));
    try {
      const heartbeats = await readHeartbeats(client, request.heartbeatTable);
      if (!heartbeats.ok) {
        return {
          ok: false,
          failure: {
            operation: heartbeats.operation,
            tableName: request.heartbeatTable,
            error: heartbeats.error,
          },
        };
      }
      const open = await readOpenFindingsOfAccounts(
        client,
        request.ledgerTable,
        heartbeats.heartbeats.map((heartbeat) => heartbeat.accountId),
      );
      const now = (options.now ?? (() => new Date()))();
      return {
        ok: true,
        rows: fleetView(heartbeats.heartbeats, open, now, request.silentAfterMinutes),
        silentAfterMinutes: request.silentAfterMinutes,
        // A malformed item is an account whose state is unknown, maybe missing from the rows: never healthy.
        ...(heartbeats.unreadable > 0
          ? { unreadable: { tableName: request.heartbeatTable, items: heartbeats.unreadable } }
          : {}),
      };
    } finally {
      client.destroy();
    }
  };
}
