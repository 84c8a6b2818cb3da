/**
 * Attack: a member account (or any principal of the organization that can put a run report on the hub bus) sends
 * findings whose text is very long: a credentialName of 200,000 characters, long titles, messages, resource names
 * and run id; or, each field of an ordinary length, 1,500 findings with distinct 200-character credential names.
 * The hub combines the batch's changes into ONE SNS digest: its `credentialName` attribute alone passed SNS's 256 KB
 * limit (message, subject and attributes together), SNS refused it, and every report of the batch failed, on every
 * redelivery, so the honest members' changes were never announced nor committed.
 *
 * Through the intake handler, as the report queue delivers the batch: every Publish SNS receives must be within
 * 256 KB, nothing may be redelivered, and the honest members' reports must be processed and announced.
 */
import { MEMBER_A, MEMBER_B, memberFinding, reportDetails, reportEvent } from '../fixtures/fleet';
import { buildFinding } from '../../lambdas/core/finding-factory';
import { SNS_LIMIT_BYTES, useIntakeHandler } from './hub-intake-harness';

const { deliverBatch, openIn, publishes } = useIntakeHandler();
const LOUD = '333333333333';
const MANY = '444444444444';
const long = (what: string, chars: number) => `${what}-`.padEnd(chars, 'W');

/** A credential finding of `accountId` with every free-text field as given. */
function poisonedFinding(accountId: string, name: string, credentialName: string, chars: number) {
  const arn = `arn:aws:lambda:us-west-2:${accountId}:function:${name}`;
  return buildFinding(
    {
      accountId,
      region: 'us-west-2',
      observedAt: '2026-05-01T11:50:00.000Z',
      runbookBaseUrl: 'docs/checks.md',
    },
    {
      checkId: 'tmc.lambda.errors',
      status: 'FAIL',
      title: long(`title ${name}`, chars),
      message: long(`message ${name}`, chars),
      resource: { type: 'AWS::Lambda::Function', arn: long(arn, chars), name: long(name, chars) },
      resourceKey: arn,
      tmc: { credentialName, component: 'data-sync' },
      evidence: { errors: 3, note: long('evidence', chars) },
    },
  );
}

const report = (
  accountId: string,
  findings: ReturnType<typeof memberFinding>[],
  runId = `${accountId}-run`,
) => {
  const details = reportDetails({ accountId, runId, findings });
  expect(details).toHaveLength(1);
  return reportEvent(details[0]);
};

describe('a poisoned digest: members with very long or very many names in a batch with honest members', () => {
  it('every SNS Publish is within 256 KB, nothing is redelivered, and the honest members are processed', async () => {
    const loud = report(
      LOUD,
      [poisonedFinding(LOUD, 'loud', long('credential', 200_000), 5_000)],
      long('run', 20_000),
    );
    const many = report(
      MANY,
      Array.from({ length: 1_500 }, (_, i) =>
        poisonedFinding(MANY, `fn-${i}`, long(`credential-${i}`, 200), 200),
      ),
    );
    const batch = [
      report(MEMBER_A, [memberFinding(MEMBER_A, 'a', 'FAIL')]),
      loud,
      many,
      report(MEMBER_B, [memberFinding(MEMBER_B, 'b', 'FAIL')]),
    ];

    const result = await deliverBatch(batch);

    expect(publishes.length).toBeGreaterThan(0);
    for (const { bytes } of publishes) expect(bytes).toBeLessThanOrEqual(SNS_LIMIT_BYTES);
    expect(result).toEqual({ batchItemFailures: [] });
    // The honest members' findings opened in their ledgers and are announced in a digest that was accepted.
    expect([openIn(MEMBER_A), openIn(MEMBER_B)]).toEqual([1, 1]);
    const announced = publishes.flatMap(
      ({ input }) => JSON.parse(input.MessageAttributes!.accountId!.StringValue!) as string[],
    );
    expect(announced).toEqual(expect.arrayContaining([MEMBER_A, MEMBER_B]));
    const emails = publishes
      .map(({ input }) => (JSON.parse(input.Message!) as { email: string }).email)
      .join('\n');
    expect(emails).toContain(MEMBER_A);
    expect(emails).toContain(MEMBER_B);
  });
});
