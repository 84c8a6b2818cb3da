import { realSleep, type Sleep } from '../retry';

/** Time source and waiting, injectable so tests run the limiter on a fake clock without real delays. */
export interface LimiterClock {
  readonly now: () => number;
  readonly sleep: Sleep;
}

export const realClock: LimiterClock = { now: () => Date.now(), sleep: realSleep };

export interface RateLimiterOptions {
  /** Sustained requests per second. LookupEvents allows 2 per second per account and region. */
  readonly ratePerSecond?: number;
  /**
   * Burst size. 1 keeps requests evenly spaced: with a larger bucket a burst plus the refill could put more than
   * `ratePerSecond` requests into one sliding second, which is how the service counts.
   */
  readonly capacity?: number;
  /** Added to every wait: timers and millisecond clocks round, and the service must never see us early. */
  readonly marginMs?: number;
  readonly clock?: LimiterClock;
}

export const LOOKUP_EVENTS_PER_SECOND = 2;

/**
 * Token bucket shared by everything that calls one rate-limited API in one region. Callers are served in order:
 * `acquire` resolves when the caller may send its request.
 */
export class TokenBucket {
  private readonly ratePerSecond: number;
  private readonly capacity: number;
  private readonly marginMs: number;
  private readonly clock: LimiterClock;
  private tokens: number;
  private refilledAt: number;
  private tail: Promise<void> = Promise.resolve();

  constructor(options: RateLimiterOptions = {}) {
    this.ratePerSecond = options.ratePerSecond ?? LOOKUP_EVENTS_PER_SECOND;
    this.capacity = options.capacity ?? 1;
    this.marginMs = options.marginMs ?? 25;
    this.clock = options.clock ?? realClock;
    if (!(this.ratePerSecond > 0) || !(this.capacity >= 1)) {
      throw new RangeError('ratePerSecond must be > 0 and capacity >= 1');
    }
    this.tokens = this.capacity;
    this.refilledAt = this.clock.now();
  }

  acquire(): Promise<void> {
    const turn = this.tail.then(() => this.take());
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  private async take(): Promise<void> {
    for (;;) {
      this.refill();
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      const waitMs = Math.ceil(((1 - this.tokens) * 1000) / this.ratePerSecond) + this.marginMs;
      await this.clock.sleep(waitMs);
    }
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.refilledAt);
    this.tokens = Math.min(this.capacity, this.tokens + (elapsed * this.ratePerSecond) / 1000);
    this.refilledAt = now;
  }
}
