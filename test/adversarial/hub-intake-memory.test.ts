/**
 * Attack: any principal of an organization account puts a run report on the hub bus whose `findings` is a
 * decompression bomb: a few dozen KB of gzip that inflate to 32 MiB of tiny JSON objects (`[{},{},...]`), or to
 * just under the decode limit of them. Parsed, 32 MiB of `{}` is millions of objects, hundreds of MB of heap in a
 * 256 MB function: the invocation dies and SQS redelivers the whole batch, every report in it, again and again.
 *
 * Through the intake handler, as the report queue delivers a batch: each bomb must be rejected alone (an ERROR
 * finding for its sender, never retried), the hub's heap must grow by at most 64 MB over the whole batch, and the
 * honest members' reports in the same batch must be processed.
 *
 * Heap growth is measured as V8 reports it: the peak of used heap over the call (before every GC during it, and at
 * its end, via v8.GCProfiler) minus the used heap after a full GC before it.
 */
import { setFlagsFromString, GCProfiler, getHeapStatistics } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { gzipSync } from 'node:zlib';
import { MEMBER_A, MEMBER_B, memberFinding, reportDetails, reportEvent } from '../fixtures/fleet';
import { useIntakeHandler } from './hub-intake-harness';

const MB = 1024 * 1024;
const { deliverBatch, findingEvents, openIn } = useIntakeHandler();
const ATTACKER = '333333333333';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A report of the attacker's account whose findings inflate to `objects` empty objects. */
function bomb(objects: number, runId: string) {
  const json = `[${'{},'.repeat(objects - 1)}{}]`;
  const [honest] = reportDetails({
    accountId: ATTACKER,
    runId,
    findings: [memberFinding(ATTACKER, 'x', 'FAIL')],
  });
  return {
    detail: { ...honest!, findingCount: 1, findings: gzipSync(Buffer.from(json)).toString('base64') },
    inflatedBytes: json.length,
  };
}

const honest = (accountId: string, name: string) =>
  reportEvent(
    reportDetails({
      accountId,
      runId: `${accountId}-run`,
      findings: [memberFinding(accountId, name, 'FAIL')],
    })[0],
  );

/** Peak used heap during `run` minus the used heap after a full GC just before it. */
async function heapGrowth<T>(run: () => Promise<T>): Promise<{ result: T; growth: number }> {
  gc();
  const baseline = getHeapStatistics().used_heap_size;
  const profiler = new GCProfiler();
  profiler.start();
  const result = await run();
  const atEnd = getHeapStatistics().used_heap_size;
  const { statistics } = profiler.stop();
  const peak = Math.max(atEnd, ...statistics.map((gcRun) => gcRun.beforeGC.heapStatistics.usedHeapSize));
  return { result, growth: peak - baseline };
}

describe('a decompression bomb in a batch of run reports', () => {
  it('is rejected alone with at most 64 MB of heap growth; the honest reports in the batch are processed', async () => {
    const big = bomb(11_000_000, 'bomb-32mib');
    const nearLimit = bomb(1_300_000, 'bomb-near-limit');
    // The attack as described: a few dozen KB of gzip, 32 MiB inflated; and one just under the decode limit.
    expect(big.detail.findings.length).toBeLessThan(100_000);
    expect(big.inflatedBytes).toBeGreaterThan(31 * MB);
    expect(nearLimit.inflatedBytes).toBeLessThan(4 * MB);
    const batch = [
      honest(MEMBER_A, 'a'),
      reportEvent(big.detail),
      reportEvent(nearLimit.detail),
      honest(MEMBER_B, 'b'),
    ];

    const { result, growth } = await heapGrowth(() => deliverBatch(batch));

    expect(growth).toBeLessThanOrEqual(64 * MB);
    // Never retried: the bombs would fail the same way on every delivery.
    expect(result).toEqual({ batchItemFailures: [] });
    // Each bomb is one ERROR finding for its sender.
    const rejections = findingEvents().filter(
      (f) => f.checkId === 'checker.error' && f.accountId === ATTACKER,
    );
    expect(rejections).toHaveLength(2);
    expect(rejections.map((f) => f.status)).toEqual(['ERROR', 'ERROR']);
    // The honest members' findings opened in their own ledgers.
    expect([openIn(MEMBER_A), openIn(MEMBER_B), openIn(ATTACKER)]).toEqual([1, 1, 0]);
  });
});
