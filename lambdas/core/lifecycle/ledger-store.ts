import type { LedgerEntry, PlannedTransition } from './types';

/**
 * The findings ledger as the lifecycle stage sees it (lambdas/app/lifecycle-stage.ts); DynamoLedgerStore
 * (lambdas/adapters/lifecycle/ledger-store.ts) implements it on DynamoDB, the tests' MemoryLedger in memory.
 */

/** A conditional write either landed or lost to a concurrent run (whose view then stands). */
export type WriteResult = 'saved' | 'conflict';

export interface LedgerStore {
  /**
   * Entries for `findingIds` and every still-open entry, by finding id: exactly the ledger input planTransitions
   * needs. Ids without an item are simply absent from the map.
   */
  load(findingIds: readonly string[]): Promise<Map<string, LedgerEntry>>;
  /** Writes a published transition's next entry, conditional on the entry it was planned from. */
  commit(planned: PlannedTransition): Promise<WriteResult>;
  /** Writes a quiet update (no transition), conditional on the sequence being unchanged since it was read. */
  saveQuiet(entry: LedgerEntry, expectedSequence: number): Promise<WriteResult>;
}
