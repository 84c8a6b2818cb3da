/**
 * Bounded pagination for the list APIs the checker calls. A misbehaving endpoint (or an emulator bug) that keeps
 * returning a next token must not keep a run busy until the Lambda times out, or grow memory until it crashes:
 * a token seen twice, or more pages than any real TMC account needs, fails the call like any other API error, so
 * the checks that depend on it report ERROR.
 */

/** Far above what a TMC account needs (a few resources per credential), far below a Lambda timeout's worth. */
export const MAX_PAGES_PER_CALL = 100;

/** The endpoint returned the same next token again: following it would loop forever. */
export class PaginationLoopError extends Error {
  constructor(operation: string, pages: number) {
    super(`${operation} returned the same next token twice (after ${pages} page(s)); stopped following it`);
    this.name = 'PaginationLoop';
  }
}

/** The endpoint kept returning next tokens beyond the page bound. */
export class PaginationLimitError extends Error {
  constructor(operation: string, maxPages: number) {
    super(`${operation} still returned a next token after ${maxPages} pages; stopped following it`);
    this.name = 'PaginationLimitExceeded';
  }
}

/** A response that lacks what the API always returns: it cannot be taken as "nothing there". */
export class MalformedResponseError extends Error {
  constructor(operation: string, detail: string) {
    super(`${operation} returned a malformed response: ${detail}`);
    this.name = 'MalformedResponse';
  }
}

/**
 * Fetches pages until one has no next token (`undefined` or empty), handing each page to `onPage`. Throws
 * PaginationLoopError / PaginationLimitError instead of following a token forever.
 */
export async function forEachPage<P>(
  operation: string,
  fetchPage: (token: string | undefined) => Promise<P>,
  nextTokenOf: (page: P) => string | undefined,
  onPage: (page: P) => void,
  maxPages = MAX_PAGES_PER_CALL,
): Promise<void> {
  const seen = new Set<string>();
  let token: string | undefined;
  for (let pages = 1; ; pages++) {
    const page = await fetchPage(token);
    onPage(page);
    const next = nextTokenOf(page);
    if (next === undefined || next === '') return;
    if (seen.has(next)) throw new PaginationLoopError(operation, pages);
    if (pages >= maxPages) throw new PaginationLimitError(operation, maxPages);
    seen.add(next);
    token = next;
  }
}

/** The page's list field, which the API always returns (empty when there is nothing): absent is malformed. */
export function requiredList<T>(
  operation: string,
  field: string,
  list: readonly T[] | undefined,
): readonly T[] {
  if (!isList(list)) throw new MalformedResponseError(operation, `no ${field} list`);
  return list;
}

function isList<T>(list: readonly T[] | undefined): list is readonly T[] {
  return Array.isArray(list);
}
