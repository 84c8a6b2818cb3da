/**
 * Attack: one member (or whoever can put a run report on the hub bus in its name) sends a report with a run id of
 * 150,000 characters, or dated 2099. The intake recorded the run id in the member's heartbeat, and the fleet watch
 * wrote it into that member's `fleet.member.silent` finding (message and evidence): one PutEvents entry over
 * EventBridge's 256 KB, EntryTooLarge, so the watch's publish failed on every run and no member's fleet finding
 * was ever committed. A report dated 2099 became the member's heartbeat for good: clock skew, whatever it sent
 * after.
 *
 * Through the intake handler (the queue's batch) and then the fleet watch handler, on the same tables: the watch
 * commits every other member's finding, every PutEvents entry stays under 256 KB, and a poisoned heartbeat that
 * is already stored (an older intake wrote it) is one ERROR of its own.
 */
import type { Finding } from '../../lambdas/core/finding';
import {
  HUB_ACCOUNT,
  MEMBER_A,
  MEMBER_B,
  memberFinding,
  reportDetails,
  reportEvent,
} from '../fixtures/fleet';
import { ENTRY_LIMIT_BYTES, useIntakeHandler } from './hub-intake-harness';

const { deliverBatch, entrySizes, ledger, putHeartbeat, runWatch } = useIntakeHandler();
const LONG_RUN_ID = '333333333333';
const FUTURE = '444444444444';
const STORED_POISON = '555555555555';

function report(accountId: string, runId: string, finishedAt: string, findings: Finding[] = []) {
  const [detail] = reportDetails({
    accountId,
    runId,
    finishedAt,
    findings: [...findings, memberFinding(accountId, 'fn', 'PASS')],
  });
  return reportEvent(detail, { id: `${accountId}-${runId.slice(0, 20)}` });
}

/** The fleet watch's committed findings (family fleet, in the hub's own ledger), by member account. */
const fleetFindings = () =>
  new Map(
    ledger()
      .filter(
        (item) => item.key.startsWith(`${HUB_ACCOUNT}#`) && item.finding.checkId === 'fleet.member.silent',
      )
      .map((item) => [item.finding.accountId, item] as const),
  );

describe('a poisoned heartbeat: a member with a huge run id or a report dated 2099', () => {
  it("the fleet watch still commits every other member's finding, each PutEvents entry under 256 KB", async () => {
    // Months ago by the hub's clock: every member is silent, so each has a FAIL to open and commit.
    const intake = await deliverBatch([
      report(MEMBER_A, 'a-1', '2026-05-01T11:50:00.000Z'),
      report(LONG_RUN_ID, 'r'.repeat(150_000), '2026-05-01T11:50:00.000Z'),
      report(FUTURE, 'f-1', '2099-01-01T00:00:00.000Z'),
      report(MEMBER_B, 'b-1', '2026-05-01T11:51:00.000Z'),
    ]);
    expect(intake).toEqual({ batchItemFailures: [] });
    // The member whose 2099 report came first reports again, genuinely: that is its heartbeat.
    await deliverBatch([report(FUTURE, 'f-2', '2026-05-01T11:52:00.000Z')]);
    // And a heartbeat an older intake stored, before reports were capped: a huge run id and regions list.
    putHeartbeat({
      accountId: { S: STORED_POISON },
      family: { S: 'credentials' },
      lastReportAt: { S: '2026-05-01T11:50:00.000Z' },
      lastReportEpochMs: { N: String(Date.parse('2026-05-01T11:50:00.000Z')) },
      runId: { S: 'p'.repeat(150_000) },
      regions: { L: Array.from({ length: 5_000 }, (_, i) => ({ S: `region-${i}-${'x'.repeat(20)}` })) },
      failing: { N: '0' },
      errored: { N: '0' },
      findingCount: { N: '1' },
      parts: { N: '1' },
      partsSeen: { NS: ['1'] },
      updatedAt: { S: '2026-05-01T11:50:01.000Z' },
    });
    entrySizes.length = 0;

    await expect(runWatch()).resolves.toMatchObject({ members: expect.any(Number) as unknown });

    expect(entrySizes.length).toBeGreaterThan(0);
    expect(Math.max(...entrySizes)).toBeLessThan(ENTRY_LIMIT_BYTES);
    const committed = fleetFindings();
    // The honest members' silence is committed (opened in the hub's ledger), as is the member that reported again.
    for (const account of [MEMBER_A, MEMBER_B, FUTURE]) {
      expect(committed.get(account)).toMatchObject({
        openMarker: `OPEN#${HUB_ACCOUNT}#fleet`,
        finding: { status: 'FAIL', evidence: { clockSkew: false } },
      });
    }
    // The stored poison is one ERROR of its own, small; the huge run id was never taken in.
    expect(committed.get(STORED_POISON)?.finding).toMatchObject({
      status: 'ERROR',
      evidence: { reason: expect.stringMatching(/^runId is 150000 characters, over the/) as unknown },
    });
    expect(JSON.stringify(committed.get(STORED_POISON)).length).toBeLessThan(8_192);
    expect(committed.has(LONG_RUN_ID)).toBe(false);
  });
});
