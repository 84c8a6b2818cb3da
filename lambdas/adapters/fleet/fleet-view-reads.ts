import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AccountOpenFindings } from '../../core/fleet/fleet-view';
import type { MemberHeartbeat } from '../../core/fleet/heartbeat';
import { REPORTED_FAMILIES } from '../../core/fleet/run-report-limits';
import { errorMessage, errorName } from '../aws-error';
import { DynamoLedgerStore, ledgerOperationOf } from '../lifecycle/ledger-store';
import { DynamoHeartbeatStore, heartbeatOperationOf } from './heartbeat-store';

/**
 * The reads of `tmc-health fleet`, read-only: the heartbeat table's Scan (paginated, bounded by the store's page
 * limit) and, per member account and family, the ledger's open findings (Query on its open index, then
 * BatchGetItem), through the same stores the hub writes with. At most `concurrency` accounts at once.
 */

export type HeartbeatRead =
  | { readonly ok: true; readonly heartbeats: readonly MemberHeartbeat[]; readonly unreadable: number }
  | { readonly ok: false; readonly operation: string; readonly error: string };

export async function readHeartbeats(client: DynamoDBClient, tableName: string): Promise<HeartbeatRead> {
  try {
    const listing = await new DynamoHeartbeatStore(client, tableName).listAll();
    return { ok: true, heartbeats: listing.heartbeats, unreadable: listing.unreadable.length };
  } catch (error) {
    return {
      ok: false,
      operation: heartbeatOperationOf(error) ?? 'dynamodb:Scan',
      error: `${errorName(error)}: ${errorMessage(error)}`,
    };
  }
}

/** The open FAIL and ERROR findings of one member account, over both families. */
export async function readOpenFindings(
  client: DynamoDBClient,
  tableName: string,
  accountId: string,
): Promise<AccountOpenFindings> {
  let failing = 0;
  let erroring = 0;
  for (const family of REPORTED_FAMILIES) {
    try {
      const entries = await new DynamoLedgerStore(client, tableName, family, {
        accountScope: accountId,
      }).load([]);
      for (const entry of entries.values()) {
        if (!entry.open) continue;
        if (entry.status === 'FAIL') failing += 1;
        else if (entry.status === 'ERROR') erroring += 1;
      }
    } catch (error) {
      return {
        ok: false,
        operation: ledgerOperationOf(error) ?? 'dynamodb:Query',
        error: `${errorName(error)}: ${errorMessage(error)}`,
      };
    }
  }
  return { ok: true, counts: { failing, erroring } };
}

/** Member account ids are 12 digits; a heartbeat item naming anything else is not read further. */
const ACCOUNT_ID = /^\d{12}$/;

export async function readOpenFindingsOfAccounts(
  client: DynamoDBClient,
  tableName: string,
  accountIds: readonly string[],
  concurrency = 4,
): Promise<Map<string, AccountOpenFindings>> {
  const ids = [...new Set(accountIds)];
  const results = new Map<string, AccountOpenFindings>();
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next]!;
      next += 1;
      results.set(
        id,
        ACCOUNT_ID.test(id)
          ? await readOpenFindings(client, tableName, id)
          : { ok: false, operation: 'dynamodb:Query', error: 'not a 12-digit account id: not read' },
      );
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, ids.length)) }, worker));
  return results;
}
