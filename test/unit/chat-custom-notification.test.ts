/**
 * The chat formatter (lambdas/core/chat/custom-notification.ts): one custom notification per change, in the
 * thread of its finding, every one valid against the documented format; a storm is one message; nothing to send
 * sends nothing; the problem's text is the catalogue's, never the finding's.
 */
import { CATALOGUE } from '../../lambdas/core/catalogue';
import { CHECK_DESCRIPTIONS } from '../../lambdas/core/check-descriptions';
import {
  formatChatMessages,
  MAX_MESSAGES_PER_RUN,
  threadIdOf,
  type ChatMessage,
} from '../../lambdas/core/chat/custom-notification';
import type { Transition } from '../../lambdas/core/lifecycle/types';
import { ACCOUNT, changed, customNotificationErrors, RUNBOOK } from '../fixtures/chat';

const only = (messages: readonly ChatMessage[]): ChatMessage => {
  expect(messages).toHaveLength(1);
  return messages[0] as ChatMessage;
};

describe.each<[Transition, string, RegExp]>([
  [
    'OPENED',
    '[New HIGH] tmc.lambda.not-invoked',
    /^\*New FAIL finding, first observed 2026-12-06T10:00:00\.000Z\.\*/,
  ],
  [
    'ESCALATED',
    '[Escalated HIGH] tmc.lambda.not-invoked',
    /^\*Escalated to HIGH; open since .*, seen 12 times\.\*/,
  ],
  [
    'REMINDER',
    '[Still open HIGH] tmc.lambda.not-invoked',
    /^\*Still open since 2026-12-06T10:00:00\.000Z, seen 12 times/,
  ],
  ['RESOLVED', '[RESOLVED] tmc.lambda.not-invoked', /^\*Resolved: it passes again .* No action needed\.\*/],
])('%s', (transition, titleStart, firstLine) => {
  const message = only(
    formatChatMessages([changed(transition)], { runbookBaseUrl: RUNBOOK, runAccountId: ACCOUNT }),
  );
  const { content, metadata } = message.notification;

  test('is a valid custom notification', () => {
    expect(customNotificationErrors(message.notification)).toEqual([]);
    expect(message.notification).toMatchObject({ version: '1.0', source: 'custom' });
    expect(content.textType).toBe('client-markdown');
  });

  test('the title names severity, check, credential and region', () => {
    expect(content.title).toBe(`${titleStart}: credential \`prod-eks\` in \`eu-west-1\``);
    expect(metadata.eventType).toBe(transition);
    expect(content.keywords.slice(0, 3)).toEqual([transition, 'HIGH', 'tmc.lambda.not-invoked']);
  });

  test('the description says where it stands, from the catalogue, with the runbook under our base', () => {
    expect(content.description).toMatch(firstLine);
    expect(content.description).toContain(`${RUNBOOK}#`);
    expect(content.description).not.toContain('member-written');
    expect(content.description).not.toContain('evil.example');
    if (transition === 'RESOLVED') {
      expect(content.description).not.toContain('What it means');
      expect(content.nextSteps).toEqual([]);
    } else {
      expect(content.description).toContain(
        `*What it means:* ${CHECK_DESCRIPTIONS['tmc.lambda.not-invoked'].meaning}`,
      );
      expect(content.description).toContain(
        `*Who can fix it:* ${CATALOGUE['tmc.lambda.not-invoked'].whoCanFix}`,
      );
      expect(content.nextSteps).toContain('All the steps: `tmc-health explain tmc.lambda.not-invoked`');
      expect(content.nextSteps.at(-1)).toMatch(new RegExp(`^Runbook: ${RUNBOOK}#`));
    }
  });

  test("it replies in its finding's thread", () => {
    expect(metadata.threadId).toBe(threadIdOf(ACCOUNT, 'a'.repeat(32)));
  });
});

test('one finding opened, reminded and resolved: three messages, one thread, distinct ids', () => {
  const messages = (['OPENED', 'REMINDER', 'RESOLVED'] as const).flatMap((transition, index) =>
    formatChatMessages(
      [changed(transition, { sequence: index + 1, idempotencyKey: `${'a'.repeat(32)}#${index + 1}` })],
      {
        runbookBaseUrl: RUNBOOK,
        runAccountId: ACCOUNT,
      },
    ),
  );
  expect(new Set(messages.map((message) => message.notification.metadata.threadId)).size).toBe(1);
  expect(new Set(messages.map((message) => message.notification.id)).size).toBe(3);
});

test.each([
  ['another finding', ACCOUNT, 'b'.repeat(32)],
  ['the same finding id in another account', '444455556666', 'a'.repeat(32)],
])('%s has another thread', (_name, account, findingId) => {
  expect(threadIdOf(account, findingId)).not.toBe(threadIdOf(ACCOUNT, 'a'.repeat(32)));
  expect(threadIdOf(account, findingId)).toMatch(/^tmc-health-[0-9a-f]{40}$/);
});

test.each<[string, Parameters<typeof formatChatMessages>]>([
  ['no transition', [[], { runbookBaseUrl: RUNBOOK }]],
  [
    'only suppressed ones',
    [[changed('OPENED')], { runbookBaseUrl: RUNBOOK, suppressedIds: new Set(['a'.repeat(32)]) }],
  ],
])('%s: nothing to send', (_name, args) => {
  expect(formatChatMessages(...args)).toEqual([]);
});

test('an IRSA finding names its role; a fix from the role’s own policy is offered, but not at the hub', () => {
  const irsa = changed('OPENED', {
    checkId: 'irsa.assume-role.denied',
    tmc: undefined,
    resource: { type: 'AWS::IAM::Role', name: 'AccessEC2role' },
    correction: {
      roleName: 'AccessEC2role',
      roleArn: 'arn:aws:iam::111122223333:role/AccessEC2role',
      trustPolicy: { Version: '2012-10-17', Statement: [] },
      changes: [],
      placeholders: [],
      note: '',
    },
  });
  const single = only(formatChatMessages([irsa], { runbookBaseUrl: RUNBOOK, runAccountId: ACCOUNT }));
  expect(single.notification.content.title).toContain('role `AccessEC2role`');
  expect(single.notification.content.nextSteps).toContain(
    'Write the corrected trust policy and its command: `tmc-health check --fix-dir ./fixes`',
  );
  const hub = only(
    formatChatMessages([irsa], {
      runbookBaseUrl: RUNBOOK,
      runAccountId: '999988887777',
      namesAccounts: true,
    }),
  );
  expect(hub.notification.content.nextSteps.join('\n')).not.toContain('--fix-dir');
});

test('the hub names the account in every message and keyword', () => {
  const message = only(
    formatChatMessages([changed('OPENED')], {
      runbookBaseUrl: RUNBOOK,
      runAccountId: '999988887777',
      namesAccounts: true,
    }),
  );
  expect(message.notification.content.title).toContain(`account ${ACCOUNT} credential`);
  expect(message.notification.content.keywords).toContain(ACCOUNT);
  expect(customNotificationErrors(message.notification)).toEqual([]);
});

test('a storm is one message listing its openings; other changes still reply in their threads', () => {
  const opened = Array.from({ length: 40 }, (_, index) =>
    changed('OPENED', {
      findingId: index.toString(16).padStart(32, '0'),
      idempotencyKey: `${index}#1`,
      tmc: { credentialName: `cred-${index}` },
    }),
  );
  const resolved = changed('RESOLVED', { findingId: 'f'.repeat(32), idempotencyKey: `${'f'.repeat(32)}#3` });
  const storm = {
    reason: '40 findings opened in one run (threshold 10)',
    openedCount: 40,
    spreadingChecks: { 'tmc.lambda.not-invoked': ['cred-0'] },
  };
  const messages = formatChatMessages([...opened, resolved], {
    runbookBaseUrl: RUNBOOK,
    runAccountId: ACCOUNT,
    storm,
  });
  expect(messages).toHaveLength(2);
  const [incident, reply] = messages as [ChatMessage, ChatMessage];
  expect(incident.notification.content.title).toBe('[INCIDENT HIGH] 40 findings opened at once');
  expect(incident.notification.metadata.eventType).toBe('INCIDENT');
  expect(
    incident.notification.content.description.match(/^• HIGH tmc\.lambda\.not-invoked: credential `cred-/gm),
  ).toHaveLength(25);
  expect(incident.notification.content.description).toContain('... and 15 more');
  expect(reply.notification.metadata.threadId).toBe(threadIdOf(ACCOUNT, 'f'.repeat(32)));
  for (const message of messages) expect(customNotificationErrors(message.notification)).toEqual([]);
});

test(`more than ${MAX_MESSAGES_PER_RUN} changes: the rest in one summary message, most severe sent first`, () => {
  const changes = Array.from({ length: 30 }, (_, index) =>
    changed('REMINDER', {
      findingId: index.toString(16).padStart(32, '0'),
      idempotencyKey: `${index}#2`,
      severity: index === 29 ? 'CRITICAL' : 'MEDIUM',
    }),
  );
  const messages = formatChatMessages(changes, { runbookBaseUrl: RUNBOOK, runAccountId: ACCOUNT });
  expect(messages).toHaveLength(MAX_MESSAGES_PER_RUN);
  expect(messages[0]?.notification.content.title).toMatch(/^\[Still open CRITICAL\]/);
  expect(messages.at(-1)?.notification.content.title).toBe('11 more changes in this run: 11 still open');
  for (const message of messages) expect(customNotificationErrors(message.notification)).toEqual([]);
});

test('the same change formats to the same message (a re-sent transition is de-duplicated downstream)', () => {
  const first = formatChatMessages([changed('OPENED')], { runbookBaseUrl: RUNBOOK });
  const again = formatChatMessages([changed('OPENED')], { runbookBaseUrl: RUNBOOK });
  expect(again).toEqual(first);
  expect(first[0]?.deduplicationKey).toBe(`chat#${'a'.repeat(32)}#1`);
});
