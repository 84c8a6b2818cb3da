/**
 * Attack: with hubIntake=direct the fleet intake takes whatever it is invoked with, an SQS batch or one EventBridge
 * event, and so the shape itself becomes input. Someone able to invoke the function (a hub principal with
 * lambda:InvokeFunction; the rule only ever sends run reports) or a member shaping its report hands it: an
 * invocation of neither shape, or both at once, hoping one path skips the other's checks; a batch of more records
 * than any event source mapping sends, to exhaust the function before a record is refused; one event whose detail
 * is megabytes; an event without its id, its sending account, its source; an event whose report names another
 * member than the account it came from.
 *
 * Through the intake handler as deployed (direct events, and queue batches for the shapes in between): an invocation
 * of no known shape is refused whole (IntakeShapeError, the invocation fails, so the errors alarm and then the
 * failure queue show it) before any record is read, and nothing is written or published; a direct event goes
 * through exactly the checks a queue message does: malformed, oversized, unsigned by an account, or naming another
 * account, it is rejected alone (one ERROR finding for its sender, never retried) and no ledger or heartbeat moves.
 */
import { IntakeShapeError, MAX_INTAKE_RECORDS } from '../../lambdas/app/fleet-intake-invocation';
import { codec, MEMBER_A, MEMBER_B, memberFinding, reportDetails, reportEvent } from '../fixtures/fleet';
import { useIntakeHandler } from './hub-intake-harness';
import { sqsRecord } from '../fixtures/sqs-record';

const { deliverEvent, findingEvents, ledger, publishes } = useIntakeHandler();

const honestEvent = (accountId: string, id = `${accountId}-event`) =>
  reportEvent(
    reportDetails({
      accountId,
      runId: `${accountId}-run`,
      findings: [memberFinding(accountId, 'a', 'FAIL')],
    })[0],
    { id },
  );

const rejections = () => findingEvents().filter((event) => event.checkId === 'checker.error');

/** Nothing reached the ledger, the bus or the topic. */
function expectUntouched(): void {
  expect(ledger()).toEqual([]);
  expect(findingEvents()).toEqual([]);
  expect(publishes).toEqual([]);
}

describe('hostile invocation shapes at the hub intake', () => {
  it.each<[string, unknown]>([
    ['nothing', undefined],
    ['null', null],
    ['a string', JSON.stringify(honestEvent(MEMBER_A))],
    ['an array of events', [honestEvent(MEMBER_A)]],
    ['an object of neither shape', { source: 'tmc-health', detail: honestEvent(MEMBER_A).detail }],
    ['both shapes at once', { ...honestEvent(MEMBER_A), Records: [] }],
    [
      'Records that is an object',
      { Records: { 0: sqsRecord('m-1', JSON.stringify(honestEvent(MEMBER_A))) } },
    ],
    [
      'a batch with one record of another source',
      {
        Records: [
          sqsRecord('m-1', JSON.stringify(honestEvent(MEMBER_A))),
          { ...sqsRecord('m-2', '{}'), eventSource: 'aws:kinesis' },
        ],
      },
    ],
  ])('%s: refused whole, the invocation fails, nothing read or written', async (_name, event) => {
    await expect(deliverEvent(event)).rejects.toBeInstanceOf(IntakeShapeError);
    expectUntouched();
  });

  it('a batch of more records than any event source mapping sends: refused before a record is read', async () => {
    const body = JSON.stringify(honestEvent(MEMBER_A));
    const records = Array.from({ length: MAX_INTAKE_RECORDS + 1 }, (_, i) => sqsRecord(`m-${i}`, body));
    await expect(deliverEvent({ Records: records })).rejects.toThrow(/more than an event source mapping/);
    expectUntouched();
  });

  it('one direct event with a 6 MB detail: rejected alone (an ERROR for its sender), not retried', async () => {
    const [shape] = reportDetails({ accountId: MEMBER_A, runId: 'huge', findings: [] });
    const event = reportEvent({ ...shape!, findings: 'A'.repeat(6 * 1024 * 1024) }, { id: 'huge-event' });
    await expect(deliverEvent(event)).resolves.toBeUndefined();
    expect(rejections().map((finding) => finding.accountId)).toEqual([MEMBER_A]);
    expect(ledger()).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, string | undefined]>([
    ['no sending account', { account: undefined }, undefined],
    ['another source', { source: 'not-tmc-health' }, MEMBER_A],
    ['no detail-type value', { 'detail-type': null }, MEMBER_A],
    ['no detail', { detail: undefined }, MEMBER_A],
  ])(
    'a direct event with %s: rejected (one ERROR finding), no ledger entry, no throw',
    async (_n, fields, who) => {
      const event = { ...honestEvent(MEMBER_A), ...fields };
      await expect(deliverEvent(event)).resolves.toBeUndefined();
      const [rejection, ...more] = rejections();
      expect(more).toEqual([]);
      expect(rejection).toBeDefined();
      if (who !== undefined)
        expect(rejection!.title).toBe(`Run report from account ${who} rejected by the hub`);
      expect(ledger()).toEqual([]);
    },
  );

  it("a direct event from A whose report names B: rejected, nothing of B's touched (the sender check holds)", async () => {
    const [detail] = reportDetails({
      accountId: MEMBER_B,
      runId: 'forged',
      findings: [memberFinding(MEMBER_B, 'a', 'PASS')],
    });
    const event = reportEvent(
      { ...detail!, findings: codec.encode(JSON.stringify([])) },
      { account: MEMBER_A },
    );
    await expect(deliverEvent(event)).resolves.toBeUndefined();
    expect(rejections().map((finding) => finding.accountId)).toEqual([MEMBER_A]);
    expect(ledger()).toEqual([]);
  });

  it('a direct event without an id (or with a hostile one): the id only names it in the log; checked as any report', async () => {
    await expect(deliverEvent({ ...honestEvent(MEMBER_A), id: undefined })).resolves.toBeUndefined();
    await expect(
      deliverEvent({ ...honestEvent(MEMBER_B), id: `\u001b[2J${'x'.repeat(100_000)}` }),
    ).resolves.toBeUndefined();
    expect(rejections()).toEqual([]);
    expect(
      ledger()
        .map((item) => item.openMarker)
        .sort(),
    ).toEqual([`OPEN#${MEMBER_A}#credentials`, `OPEN#${MEMBER_B}#credentials`]);
  });

  it('an honest direct event next to them still opens its finding: the shape check refuses only shapes', async () => {
    await expect(deliverEvent(honestEvent(MEMBER_A))).resolves.toBeUndefined();
    expect(ledger().map((item) => item.openMarker)).toEqual([`OPEN#${MEMBER_A}#credentials`]);
  });
});
