import { DEADLINE_ERROR_NAME } from '../core/deadline';

/** Thrown (and recorded as the call's failure) instead of starting a call after the run deadline. */
export class DeadlineError extends Error {
  constructor(what: string, deadline: Date) {
    super(`${what} was not started: the run deadline (${deadline.toISOString()}) had passed`);
    this.name = DEADLINE_ERROR_NAME;
  }
}

/**
 * The run's deadline, read on the run's clock. Gathering asks `passed()` before starting each AWS call (a new
 * region, a credential's lookups, a CloudTrail page, a role); calls already in flight finish, bounded by the
 * clients' per-call timeouts. Without a deadline nothing is ever cut.
 */
export class RunDeadline {
  constructor(
    readonly at: Date | undefined,
    private readonly now: () => Date = () => new Date(),
  ) {}

  passed(): boolean {
    return this.at !== undefined && this.now().getTime() >= this.at.getTime();
  }

  /** Throws a DeadlineError naming `what` when the deadline has passed. */
  check(what: string): void {
    if (this.at !== undefined && this.passed()) throw new DeadlineError(what, this.at);
  }
}

export const NO_DEADLINE = new RunDeadline(undefined);
