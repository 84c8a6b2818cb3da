/**
 * Attack: member account A (its checker role, or whoever holds it) puts run reports on the hub bus that aim at
 * member B. A finding id is a hash of check id, account, region and resource, so A can compute B's ids: A sends a
 * PASS finding carrying the id of B's open finding, and the hub RESOLVED B's finding in B's ledger; A sends a FAIL
 * finding carrying the id B's next failure will have, and when B's real failure came the entry was already open,
 * so it was never announced. And a report dated 2099 became the member's heartbeat: every genuine report after it
 * was "stale" and left out of the ledger.
 *
 * Through the intake handler, as the report queue delivers the events: A cannot change anything of B's in the
 * ledger, nothing the hub announces carries B's ids from A's report, A's forged report is rejected (an ERROR
 * finding on the hub bus), and B's genuine reports are processed whatever was sent before them.
 */
import type { Finding } from '../../lambdas/core/finding';
import { codec, MEMBER_A, MEMBER_B, memberFinding, reportDetails, reportEvent } from '../fixtures/fleet';
import { useIntakeHandler } from './hub-intake-harness';

const { deliverBatch, findingEvents, ledger, openIn, putHeartbeat } = useIntakeHandler();

const BASE = Date.parse('2026-05-01T11:50:00.000Z');
const at = (minutes: number) => new Date(BASE + minutes * 60_000).toISOString();

/** A member's honest report, sent from its own account. */
function honest(accountId: string, findings: Finding[], runId: string, finishedAt: string) {
  const [detail] = reportDetails({ accountId, runId, findings, finishedAt });
  return reportEvent(detail, { id: `${runId}-event` });
}

/**
 * A report sent from `sender` whose findings are exactly `findings` as given: the attacker writes the detail
 * itself, so every field of every finding is whatever it likes (resource key included).
 */
function forged(sender: string, findings: readonly object[], detail: Record<string, unknown> = {}) {
  const [shape] = reportDetails({
    accountId: sender,
    runId: `${sender}-forged`,
    findings: findings.map((_, i) => memberFinding(sender, `filler-${i}`, 'PASS')),
    finishedAt: at(10),
  });
  return reportEvent(
    { ...shape, findings: codec.encode(JSON.stringify(findings)), ...detail },
    { account: sender, id: `${sender}-forged-event` },
  );
}

const entriesOf = (findingId: string) => ledger().filter((item) => item.finding.findingId === findingId);
const rejectionsOf = (accountId: string) =>
  findingEvents().filter(
    (event) =>
      event.checkId === 'checker.error' &&
      event.title === `Run report from account ${accountId} rejected by the hub`,
  );

describe("cross-member tampering: member A's reports aimed at member B's ledger", () => {
  it("A cannot resolve B's open finding by sending a PASS under its id", async () => {
    const bOpen = memberFinding(MEMBER_B, 'shared', 'FAIL');
    await deliverBatch([honest(MEMBER_B, [bOpen], 'b-1', at(0))]);
    const before = entriesOf(bOpen.findingId);
    expect(before).toHaveLength(1);
    expect(openIn(MEMBER_B)).toBe(1);

    const pass = memberFinding(MEMBER_A, 'shared', 'PASS');
    const result = await deliverBatch([
      // B's id on A's own finding, with A's resource key, with B's resource key, with none.
      forged(MEMBER_A, [{ ...pass, findingId: bOpen.findingId, resourceKey: pass.resource.arn }]),
      forged(MEMBER_A, [{ ...pass, findingId: bOpen.findingId, resourceKey: bOpen.resource.arn }]),
      forged(MEMBER_A, [{ ...pass, findingId: bOpen.findingId }]),
      // B's finding itself, as B's: the account of the finding is not the sender's.
      forged(MEMBER_A, [{ ...bOpen, status: 'PASS', resourceKey: bOpen.resource.arn }]),
      // The whole report in B's name, sent from A.
      forged(MEMBER_A, [{ ...bOpen, status: 'PASS', resourceKey: bOpen.resource.arn }], {
        accountId: MEMBER_B,
      }),
    ]);

    expect(result).toEqual({ batchItemFailures: [] });
    // B's entry is exactly as it was: open, same sequence; nothing else holds B's id.
    expect(entriesOf(bOpen.findingId)).toEqual(before);
    expect(openIn(MEMBER_B)).toBe(1);
    expect(
      findingEvents().filter((e) => e.findingId === bOpen.findingId && e.transition === 'RESOLVED'),
    ).toEqual([]);
    // Each forged report is rejected and reported as such on the hub bus (RunReportRejected counts them).
    expect(rejectionsOf(MEMBER_A)).toHaveLength(5);

    // B's own next run still resolves it.
    await deliverBatch([honest(MEMBER_B, [memberFinding(MEMBER_B, 'shared', 'PASS')], 'b-2', at(20))]);
    expect(openIn(MEMBER_B)).toBe(0);
    expect(
      findingEvents()
        .filter((e) => e.findingId === bOpen.findingId)
        .map((e) => `${e.accountId} ${e.transition}`),
    ).toEqual([`${MEMBER_B} OPENED`, `${MEMBER_B} RESOLVED`]);
  });

  it("A cannot pre-create B's future finding id, so B's real failure is announced", async () => {
    const bLater = memberFinding(MEMBER_B, 'later', 'FAIL');
    const fail = memberFinding(MEMBER_A, 'later', 'FAIL');
    await deliverBatch([
      forged(MEMBER_A, [{ ...fail, findingId: bLater.findingId, resourceKey: fail.resource.arn }]),
    ]);
    // Nothing holds B's id, and the hub announced nothing under it.
    expect(entriesOf(bLater.findingId)).toEqual([]);
    expect(findingEvents().filter((e) => e.findingId === bLater.findingId)).toEqual([]);
    expect(rejectionsOf(MEMBER_A)).toHaveLength(1);

    await deliverBatch([honest(MEMBER_B, [bLater], 'b-1', at(0))]);
    expect(
      findingEvents()
        .filter((e) => e.findingId === bLater.findingId)
        .map((e) => `${e.accountId} ${e.transition}`),
    ).toEqual([`${MEMBER_B} OPENED`]);
    expect(entriesOf(bLater.findingId).map((e) => e.openMarker)).toEqual([`OPEN#${MEMBER_B}#credentials`]);
  });

  it("a report dated 2099 cannot make the member's genuine reports stale", async () => {
    const future = '2099-01-01T00:00:00.000Z';
    const result = await deliverBatch([
      // From A in B's name, and from B's own account (a principal there, or a checker with a broken clock).
      reportEvent(reportDetails({ accountId: MEMBER_B, runId: 'x-1', findings: [], finishedAt: future })[0], {
        account: MEMBER_A,
        id: 'from-a',
      }),
      honest(MEMBER_B, [memberFinding(MEMBER_B, 'old', 'PASS')], 'x-2', future),
    ]);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(rejectionsOf(MEMBER_B).length + rejectionsOf(MEMBER_A).length).toBe(2);

    // B's genuine report, dated now-ish (well before 2099), is processed: its failure opens and is announced.
    const genuine = memberFinding(MEMBER_B, 'genuine', 'FAIL');
    await deliverBatch([honest(MEMBER_B, [genuine], 'b-1', at(5))]);
    expect(
      findingEvents()
        .filter((e) => e.findingId === genuine.findingId)
        .map((e) => e.transition),
    ).toEqual(['OPENED']);

    // A heartbeat dated 2099 already stored (before reports were bounded by the hub's clock) holds nothing back.
    putHeartbeat({
      accountId: { S: MEMBER_A },
      family: { S: 'credentials' },
      lastReportAt: { S: future },
      lastReportEpochMs: { N: String(Date.parse(future)) },
      runId: { S: 'poisoned' },
      regions: { L: [{ S: 'us-west-2' }] },
      failing: { N: '0' },
      errored: { N: '0' },
      findingCount: { N: '0' },
      parts: { N: '1' },
      partsSeen: { NS: ['1'] },
      updatedAt: { S: at(0) },
    });
    const aFails = memberFinding(MEMBER_A, 'genuine', 'FAIL');
    await deliverBatch([honest(MEMBER_A, [aFails], 'a-1', at(6))]);
    expect(
      findingEvents()
        .filter((e) => e.findingId === aFails.findingId)
        .map((e) => e.transition),
    ).toEqual(['OPENED']);
  });
});
