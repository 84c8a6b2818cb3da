import { Readable } from 'node:stream';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { scanRegion } from '../../lambdas/adapters/irsa/cloudtrail-scanner';
import { TokenBucket, type LimiterClock } from '../../lambdas/adapters/irsa/rate-limiter';
import { planScan } from '../../lambdas/core/irsa/watermark';

/**
 * These tests run the real SDK middleware stack (aws-sdk-client-mock would replace `send` and skip it), with a
 * fake HTTP handler standing in for CloudTrail, to prove every HTTP attempt (the SDK's retries included) waits
 * for the LookupEvents rate limiter.
 */
class FakeClock implements LimiterClock {
  time = 0;
  now = (): number => this.time;
  sleep = (ms: number): Promise<void> => {
    this.time += ms;
    return Promise.resolve();
  };
}

const NOW = new Date('2025-03-01T12:00:00.000Z');
const SETTINGS = { lookbackMinutes: 60, overlapMinutes: 15 };

interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

function fakeCloudTrail(replies: (attempt: number) => Reply, clock: FakeClock) {
  const sentAt: number[] = [];
  const handler = {
    handle: (): Promise<{
      response: { statusCode: number; headers: Record<string, string>; body: Readable };
    }> => {
      sentAt.push(clock.now());
      const reply = replies(sentAt.length);
      return Promise.resolve({
        response: {
          statusCode: reply.status,
          headers: { 'content-type': 'application/x-amz-json-1.1' },
          body: Readable.from([Buffer.from(JSON.stringify(reply.body))]),
        },
      });
    },
  };
  const client = new CloudTrailClient({
    region: 'us-west-2',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    requestHandler: handler,
    maxAttempts: 3,
    retryMode: 'standard',
  });
  return { client, sentAt };
}

const page = (n: number) => ({ status: 200, body: { Events: [], NextToken: `t${n}` } });
const throttled = { status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } };

function maxInAnySecond(times: readonly number[]): number {
  return Math.max(...times.map((start) => times.filter((t) => t >= start && t < start + 1000).length));
}

describe('LookupEvents rate limiting on every HTTP attempt', () => {
  it('never sends more than 2 requests in any second over 20 pages, and not much slower', async () => {
    const clock = new FakeClock();
    const { client, sentAt } = fakeCloudTrail((n) => page(n), clock);
    await scanRegion(client, 'us-west-2', planScan(undefined, NOW, SETTINGS), {
      maxPages: 20,
      limiter: new TokenBucket({ clock }),
      retry: { sleep: clock.sleep, random: () => 0.5 },
    });
    expect(sentAt).toHaveLength(20);
    expect(maxInAnySecond(sentAt)).toBeLessThanOrEqual(2);
    expect(sentAt.at(-1)! - sentAt[0]!).toBeLessThan(11_000);
  });

  it("spaces the SDK's own retries of a throttled request too", async () => {
    const clock = new FakeClock();
    // Attempts 1 and 2 are throttled, the SDK retries by itself, attempt 3 succeeds; then 3 more pages.
    const { client, sentAt } = fakeCloudTrail((n) => (n <= 2 ? throttled : page(n)), clock);
    const scan = await scanRegion(client, 'us-west-2', planScan(undefined, NOW, SETTINGS), {
      maxPages: 4,
      limiter: new TokenBucket({ clock }),
      retry: { sleep: clock.sleep, random: () => 0.5 },
    });
    expect(scan.failure).toBeUndefined();
    expect(sentAt).toHaveLength(6);
    // Each HTTP attempt waited for a token: consecutive attempts are at least 500 ms apart on the limiter's clock.
    for (let i = 1; i < sentAt.length; i += 1)
      expect(sentAt[i]! - sentAt[i - 1]!).toBeGreaterThanOrEqual(500);
  });
});
