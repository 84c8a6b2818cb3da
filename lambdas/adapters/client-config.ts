import type { AwsCredentialIdentityProvider, MiddlewareStack } from '@smithy/types';

/**
 * How every AWS SDK client of the checker is configured, and counted, in one place that imports no client: a
 * module that builds one client (a publisher, a store) imports this rather than lambdas/adapters/clients.ts,
 * whose region clients (Lambda, SSM, CloudWatch, tagging, EventBridge) would otherwise come along into every
 * bundle that reaches it.
 */

export interface ClientOptions {
  /** Attempts per call including the first; adaptive retry also rate-limits the client after throttles. */
  readonly maxAttempts?: number;
  /** Time allowed to open the TCP (and TLS) connection, per attempt. */
  readonly connectionTimeoutMs?: number;
  /** Time allowed for one attempt to get its response, per attempt. */
  readonly requestTimeoutMs?: number;
  /**
   * Signs with these instead of the SDK's default chain (the CLI's `--accounts` passes an assumed role's).
   * @default - the default credential chain (environment, profile, SSO, container, instance)
   */
  readonly credentials?: AwsCredentialIdentityProvider;
}

export const DEFAULT_MAX_ATTEMPTS = 5;
/** A TCP/TLS handshake to an AWS endpoint takes milliseconds; 3 s means the network path is broken. */
export const DEFAULT_CONNECTION_TIMEOUT_MS = 3_000;
/** The read APIs used here answer in well under a second; 10 s per attempt means the endpoint hangs. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/**
 * The Node HTTP handler's options, in the plain-object form every SDK v3 client accepts as `requestHandler`
 * (@smithy/node-http-handler is not a direct dependency). `throwOnRequestTimeout` matters: without it the
 * handler only logs a warning when `requestTimeout` passes and keeps waiting, so a hung endpoint would hang
 * the run. A timed-out attempt fails with `TimeoutError`, which the SDK retries like any transient error;
 * the worst case per call is therefore about `maxAttempts` x (connection + request timeout) plus backoff.
 */
export function requestHandlerOptions(options: ClientOptions = {}) {
  return {
    connectionTimeout: options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
    requestTimeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    throwOnRequestTimeout: true,
  } as const;
}

/** The configuration shared by every checker client: region, adaptive retry, bounded attempts, timeouts. */
export function clientConfig(region: string, options: ClientOptions = {}) {
  return {
    region,
    retryMode: 'adaptive',
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    requestHandler: requestHandlerOptions(options),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  } as const;
}

/** Counts API commands sent (retries of one command are not counted again), keyed `Client:Operation`. */
export class RequestCounter {
  private static created = 0;
  /** Names this counter's middleware: the same counter attached twice replaces itself; others stack. */
  readonly middlewareName = `tmcHealthRequestCounter#${++RequestCounter.created}`;
  readonly byOperation = new Map<string, number>();

  record(key: string): void {
    this.byOperation.set(key, (this.byOperation.get(key) ?? 0) + 1);
  }

  get total(): number {
    let total = 0;
    for (const count of this.byOperation.values()) total += count;
    return total;
  }
}

/**
 * Lets the handlers report, and tests prove, what a run costs in API calls. Attaching the same counter again is a
 * no-op (the middleware replaces itself); a second counter counts alongside the first.
 */
export function attachRequestCounter<I extends object, O extends object>(
  client: { readonly middlewareStack: MiddlewareStack<I, O> },
  counter: RequestCounter,
): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const service = (context.clientName ?? 'UnknownClient').replace(/Client$/, '');
      const operation = (context.commandName ?? 'UnknownCommand').replace(/Command$/, '');
      counter.record(`${service}:${operation}`);
      return next(args);
    },
    { step: 'initialize', name: counter.middlewareName, override: true },
  );
}
