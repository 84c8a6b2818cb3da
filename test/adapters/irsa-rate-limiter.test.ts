import { TokenBucket, type LimiterClock } from '../../lambdas/adapters/irsa/rate-limiter';

class FakeClock implements LimiterClock {
  time = 1_000_000;
  now = (): number => this.time;
  sleep = (ms: number): Promise<void> => {
    this.time += ms;
    return Promise.resolve();
  };
}

/** The most requests any sliding one-second window [t, t + 1000) contains. */
function busiestSecond(times: readonly number[]): number {
  return Math.max(0, ...times.map((start) => times.filter((t) => t >= start && t < start + 1000).length));
}

describe('TokenBucket', () => {
  it('lets the first request through at once and spaces the next ones at the rate', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ clock, marginMs: 0 });
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      await bucket.acquire();
      times.push(clock.now() - 1_000_000);
    }
    expect(times).toEqual([0, 500, 1000, 1500, 2000]);
  });

  it('serves concurrent callers in order without ever exceeding 2 per sliding second', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ clock });
    const times: number[] = [];
    await Promise.all(
      Array.from({ length: 12 }, async (_, index) => {
        await bucket.acquire();
        times.push(clock.now());
        return index;
      }),
    );
    expect(times).toHaveLength(12);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(busiestSecond(times)).toBe(2);
  });

  it('a larger burst capacity would break the per-second limit: why the default is 1', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ clock, capacity: 2, marginMs: 0 });
    const times: number[] = [];
    for (let i = 0; i < 4; i++) {
      await bucket.acquire();
      times.push(clock.now());
    }
    expect(busiestSecond(times)).toBeGreaterThan(2);
  });

  it('refills while idle, but not beyond its capacity', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ clock, marginMs: 0 });
    await bucket.acquire();
    clock.time += 10_000;
    const before = clock.now();
    await bucket.acquire();
    expect(clock.now()).toBe(before);
    await bucket.acquire();
    expect(clock.now()).toBe(before + 500);
  });

  it('rejects nonsense rates', () => {
    expect(() => new TokenBucket({ ratePerSecond: 0 })).toThrow(RangeError);
    expect(() => new TokenBucket({ capacity: 0.5 })).toThrow(RangeError);
  });
});
