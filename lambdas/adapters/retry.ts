/**
 * Exponential backoff with full jitter, shared by the publishers. The SDK clients already retry each call a few
 * times; this outer loop exists for what the SDK cannot see: PutEvents entries that fail inside a successful
 * response, and throttling that outlasts the SDK's own short budget.
 */

export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface BackoffPolicy {
  /** Total attempts, the first one included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** Worst case about 1.4 s of sleeping in total: small next to the checker Lambda's timeout. */
export const DEFAULT_BACKOFF: BackoffPolicy = { maxAttempts: 4, baseDelayMs: 200, maxDelayMs: 5_000 };

/** Injection points, so tests run without real waiting and with predictable delays. */
export interface RetryOptions extends Partial<BackoffPolicy> {
  readonly sleep?: Sleep;
  /** Returns a number in [0, 1); defaults to Math.random. */
  readonly random?: () => number;
}

export interface ResolvedRetry extends BackoffPolicy {
  readonly sleep: Sleep;
  readonly random: () => number;
}

export function resolveRetry(options: RetryOptions = {}): ResolvedRetry {
  const maxAttempts = options.maxAttempts ?? DEFAULT_BACKOFF.maxAttempts;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new RangeError(`maxAttempts must be a positive integer, got ${maxAttempts}`);
  }
  return {
    maxAttempts,
    baseDelayMs: options.baseDelayMs ?? DEFAULT_BACKOFF.baseDelayMs,
    maxDelayMs: options.maxDelayMs ?? DEFAULT_BACKOFF.maxDelayMs,
    sleep: options.sleep ?? realSleep,
    random: options.random ?? Math.random,
  };
}

/**
 * Delay before retry number `retry` (1 for the first retry). Full jitter spreads retries from concurrent
 * checker runs in many accounts that hit the same central bus at the same moment.
 */
export function backoffDelayMs(retry: number, policy: ResolvedRetry): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(policy.random() * ceiling);
}

/** The SDK error name (`ThrottlingException`, ...), or the constructor name for anything else. */
export function errorName(error: unknown): string {
  if (error instanceof Error) return error.name;
  if (typeof error === 'object' && error !== null && 'name' in error && typeof error.name === 'string') {
    return error.name;
  }
  return 'UnknownError';
}

const TRANSIENT_ERROR_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'KMSThrottlingException',
  'InternalFailure',
  'InternalException',
  'InternalError',
  'InternalErrorException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** Throttling, server-side and timeout errors: worth another try. Access or validation errors are not. */
export function isTransientError(error: unknown): boolean {
  if (TRANSIENT_ERROR_NAMES.has(errorName(error))) return true;
  if (typeof error !== 'object' || error === null) return false;
  // SDK v3 marks errors it classified as retryable, and exposes the HTTP status for unmodelled ones.
  if ('$retryable' in error && error.$retryable) return true;
  const metadata =
    '$metadata' in error ? (error.$metadata as { httpStatusCode?: unknown } | undefined) : undefined;
  const status = metadata?.httpStatusCode;
  return typeof status === 'number' && (status === 429 || status >= 500);
}

export class RetriesExhaustedError extends Error {
  constructor(
    readonly attempts: number,
    readonly lastError: unknown,
  ) {
    super(`Gave up after ${attempts} attempt(s): ${errorName(lastError)}: ${messageOf(lastError)}`, {
      cause: lastError,
    });
    this.name = 'RetriesExhaustedError';
  }
}

/**
 * Runs `operation` until it succeeds, retrying errors `shouldRetry` accepts. A non-retryable error is rethrown
 * as is; running out of attempts throws RetriesExhaustedError carrying the last error.
 */
export async function retryWithBackoff<T>(
  operation: (attempt: number) => Promise<T>,
  shouldRetry: (error: unknown) => boolean,
  options: RetryOptions = {},
): Promise<T> {
  const policy = resolveRetry(options);
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (!shouldRetry(error)) throw error;
      if (attempt >= policy.maxAttempts) throw new RetriesExhaustedError(attempt, error);
      await policy.sleep(backoffDelayMs(attempt, policy));
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
