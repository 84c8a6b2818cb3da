/**
 * The findings ledger table's names that both sides must agree on: the stack creates the table and its index
 * (lib/constructs/findings-ledger.ts), the store queries it (adapters/lifecycle/ledger-store.ts).
 */

/** The sparse global secondary index of open findings (items with the open marker). */
export const OPEN_INDEX = 'open-index';
