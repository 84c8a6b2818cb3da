import type { ApiFailure, Observed } from '../core/inventory';
import { NOT_FOUND, toApiFailure } from './aws-error';
import { NO_DEADLINE, type RunDeadline } from './deadline';

interface CallOptions {
  readonly resourceArn?: string;
  /** For a batched call: the resources it is about, so its failure voids only their checks. */
  readonly resourceArns?: readonly string[];
}

/**
 * Runs one logical AWS call (a paginated call counts as one) for a region and records the outcome, so every
 * adapter reports failures and successes the same way and nothing thrown by the SDK escapes the gatherer.
 */
export class CallLog {
  private readonly failureList: ApiFailure[] = [];
  private readonly succeeded = new Set<string>();

  constructor(
    readonly region: string,
    /** Calls asked for after it passed are not started: each is recorded as a DeadlineExceeded failure. */
    private readonly deadline: RunDeadline = NO_DEADLINE,
  ) {}

  get failures(): readonly ApiFailure[] {
    return this.failureList;
  }

  get succeededOperations(): readonly string[] {
    return [...this.succeeded].sort();
  }

  recordFailure(failure: ApiFailure): void {
    this.failureList.push(failure);
  }

  /** A log for calls made alongside others in this region (same deadline), merged back with `append`. */
  branch(): CallLog {
    return new CallLog(this.region, this.deadline);
  }

  /**
   * Adds the branches' records, in the order given: reads run at once still list their failures in a fixed order
   * (and so their checker.error findings and the run's failed operations), whichever answered first.
   */
  append(...branches: readonly CallLog[]): void {
    for (const branch of branches) {
      this.failureList.push(...branch.failureList);
      for (const operation of branch.succeeded) this.succeeded.add(operation);
    }
  }

  async run<T>(
    service: string,
    operation: string,
    call: () => Promise<T>,
    options: CallOptions = {},
  ): Promise<Observed<T>> {
    try {
      this.deadline.check(
        `${service}:${operation}${options.resourceArn ? ` of ${options.resourceArn}` : ''}`,
      );
      const value = await call();
      this.succeeded.add(`${service}:${operation}`);
      return { ok: true, value };
    } catch (error) {
      const failure = toApiFailure(error, { service, operation, region: this.region, ...options });
      this.recordFailure(failure);
      return { ok: false, failure };
    }
  }

  /**
   * Like `run`, but ResourceNotFoundException yields `undefined` instead of a failure: the tagging API can list
   * resources that were deleted moments (or days) ago, and "gone" is an observation, not an error. The call
   * still counts as succeeded because the service answered it.
   */
  async runFindable<T>(
    service: string,
    operation: string,
    call: () => Promise<T>,
    options: CallOptions = {},
  ): Promise<Observed<T | undefined>> {
    return this.run<T | undefined>(
      service,
      operation,
      async () => {
        try {
          return await call();
        } catch (error) {
          if (error instanceof Error && error.name === NOT_FOUND) return undefined;
          throw error;
        }
      },
      options,
    );
  }
}
