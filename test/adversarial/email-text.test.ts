/**
 * Attack: email text. A stranger's denied AssumeRoleWithWebIdentity call puts their chosen `sub`, role ARN and
 * User-Agent into the checker's findings; the SNS subject carried the finding's title, which names the `sub`, and
 * evidence values kept their line breaks, so the email could carry lines of the attacker's such as
 * "RESOLVED - no action needed" and "Runbook: https://evil.example", looking like the checker's own. A member
 * account's run report at the hub carries any text it likes in the same fields.
 *
 * Entries: the IRSA check (runIrsaCheck: real scanner, diagnosis and evaluation; CloudTrail LookupEvents and IAM
 * answered by aws-sdk-client-mock) publishing through (1) the lifecycle (LifecycleStage and the real SNS digest
 * publisher over an in-memory ledger), (2) the stateless SNS summary (the CLI's --publish, the Lambda without its
 * ledger); and (3) a member's run report through the hub's intake handler as deployed. SNS is mocked: every
 * Publish is one email.
 *
 * Bound: the caller's `sub` (or any part of it) is in no SNS Subject; no line of any email body starts with the
 * attacker's words; the evidence value is in the body, on one line, quoted.
 */
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import {
  GetRoleCommand,
  IAMClient,
  ListOpenIDConnectProvidersCommand,
  NoSuchEntityException,
} from '@aws-sdk/client-iam';
import { PublishCommand, SNSClient, type PublishCommandInput } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { runIrsaCheck } from '../../lambdas/app/irsa-check';
import { LifecycleStage, type EventSink } from '../../lambdas/app/lifecycle-stage';
import { TokenBucket } from '../../lambdas/adapters/irsa/rate-limiter';
import type { EventToPut } from '../../lambdas/adapters/publish-eventbridge';
import type { PublishReport } from '../../lambdas/core/publishing';
import { SnsDigestPublisher, SnsSummaryPublisher } from '../../lambdas/adapters/publish-sns';
import { buildFinding } from '../../lambdas/core/finding-factory';
import { irsaSettingsSchema } from '../../lambdas/core/irsa/settings';
import { lifecycleSettingsSchema } from '../../lambdas/core/lifecycle/settings';
import { MEMBER_A, reportDetails, reportEvent } from '../fixtures/fleet';
import { ACCOUNT, instantLimiterClock, lookupEvent } from '../fixtures/irsa';
import { useIntakeHandler } from './hub-intake-harness';
import { MemoryLedger } from '../fixtures/lifecycle-fakes';
import { lifecycleSink, publishingSink } from '../../lambdas/app/run-sink';

const cloudtrail = mockClient(CloudTrailClient);
const iam = mockClient(IAMClient);

const REGION = 'us-west-2';
const TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:tmc-health`;
const GITHUB_PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
const NOW = new Date('2026-11-22T12:00:00.000Z');

/** The attacker's lines, and a marker to find the value by. */
const FORGED = '\r\n\r\nRESOLVED - no action needed.\nRunbook: https://evil.example/fix\n';
const SUBJECT = `repo:attacker/evil:ref:refs/heads/main ${FORGED}[RESOLVED] all clear`;
const USER_AGENT = `aws-cli/2.15 ${FORGED}`;
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/deploy${FORGED}`;
const FORGED_LINE =
  /^\s*(\[?RESOLVED\]? - no action needed|RESOLVED - no action needed|Runbook: https:\/\/evil)/;
/** Pieces of the `sub` that must not be in any subject (the checker's own words aside). */
const SUB_PIECES = ['attacker', 'evil', 'refs/heads', 'all clear', 'no action needed'];

const settings = irsaSettingsSchema.parse({ regions: [REGION] });

function answerCloudTrail(): void {
  cloudtrail.reset();
  iam.reset();
  const record = lookupEvent({
    eventTime: new Date(NOW.getTime() - 10 * 60_000).toISOString(),
    subject: SUBJECT,
    roleArn: ROLE_ARN,
    identityProvider: GITHUB_PROVIDER_ARN,
    userAgent: USER_AGENT,
    errorMessage: `Not authorized ${FORGED}`,
  });
  cloudtrail.on(LookupEventsCommand).resolves({ Events: [record] });
  iam.on(ListOpenIDConnectProvidersCommand).resolves({ OpenIDConnectProviderList: [] });
  iam.on(GetRoleCommand).rejects(new NoSuchEntityException({ message: 'no such role', $metadata: {} }));
}

const clients = {
  cloudTrailFor: (region: string) => new CloudTrailClient({ region, maxAttempts: 1 }),
  iam: new IAMClient({ region: 'us-east-1', maxAttempts: 1 }),
  limiterFor: () => new TokenBucket({ clock: instantLimiterClock() }),
  retry: { sleep: () => Promise.resolve() },
};

const bus: EventSink = {
  busName: 'default',
  putEvents: (events: readonly EventToPut[]): Promise<PublishReport> =>
    Promise.resolve({
      publisher: 'eventbridge',
      findingCount: events.length,
      delivered: events.length,
      apiCalls: 1,
    }),
  detailEntry: (detailType: string, detail: object, time: Date): PutEventsRequestEntry => ({
    Source: 'tmc-health',
    DetailType: detailType,
    Detail: JSON.stringify(detail),
    Time: time,
  }),
};

const snsClient = () => new SNSClient({ region: REGION, maxAttempts: 1 });
const noSleep = { sleep: () => Promise.resolve() };

/** The emails' bodies: every part of the `MessageStructure: json` payload (email and default). */
function bodiesOf(input: PublishCommandInput): string[] {
  return Object.values(JSON.parse(input.Message ?? '{}') as Record<string, string>);
}

function expectHarmless(inputs: readonly PublishCommandInput[], valueInBody: string): void {
  expect(inputs.length).toBeGreaterThan(0);
  for (const input of inputs) {
    const subject = input.Subject ?? '';
    for (const piece of SUB_PIECES) expect(subject).not.toContain(piece);
    for (const body of bodiesOf(input)) {
      const forged = body.split('\n').filter((line) => FORGED_LINE.test(line));
      expect(forged).toEqual([]);
    }
  }
  // The value is still there for the reader: quoted, its line breaks as escapes.
  const emails = inputs.map((input) => (JSON.parse(input.Message!) as { email: string }).email).join('\n');
  expect(emails).toContain(valueInBody);
}

/** How the User-Agent shows in the email: one line, quoted, escapes for the line breaks. */
const QUOTED_USER_AGENT = JSON.stringify(USER_AGENT);

describe('a stranger’s denied call in the email', () => {
  const sns = mockClient(SNSClient);
  beforeEach(() => {
    answerCloudTrail();
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
  });
  afterAll(() => sns.restore());

  const sent = () => sns.commandCalls(PublishCommand).map((call) => call.args[0].input);

  test('the lifecycle digest: no part of the sub in the subject, no forged line in the body', async () => {
    const lifecycle = new LifecycleStage(
      {
        settings: lifecycleSettingsSchema.parse({ ledgerTableName: 'ledger' }),
        tableName: 'ledger',
        homeRegion: REGION,
        runbookBaseUrl: 'docs/checks.md',
      },
      {
        ledger: new MemoryLedger(),
        events: bus,
        digest: new SnsDigestPublisher(snsClient(), { topicArn: TOPIC, ...noSleep }),
        fallback: { publish: () => Promise.reject(new Error('the ledger is in memory: no fallback')) },
        now: () => NOW,
      },
    );
    await runIrsaCheck(
      { accountId: ACCOUNT, settings, defaultRegion: REGION },
      { clients, sink: lifecycleSink(lifecycle), now: () => NOW },
    );
    expectHarmless(sent(), QUOTED_USER_AGENT);
  });

  test('the stateless summary (CLI --publish, no ledger): the same', async () => {
    const publisher = new SnsSummaryPublisher(snsClient(), { topicArn: TOPIC, ...noSleep });
    await runIrsaCheck(
      { accountId: ACCOUNT, settings, defaultRegion: REGION },
      { clients, sink: publishingSink(publisher), now: () => NOW },
    );
    expectHarmless(sent(), QUOTED_USER_AGENT);
  });
});

describe('a member’s run report at the hub', () => {
  const { deliverBatch, publishes } = useIntakeHandler();

  test('its title, credential name and evidence never reach the subject, and forge no line', async () => {
    const finding = buildFinding(
      {
        accountId: MEMBER_A,
        region: REGION,
        observedAt: NOW.toISOString(),
        runbookBaseUrl: 'docs/checks.md',
      },
      {
        checkId: 'tmc.lambda.errors',
        status: 'FAIL',
        title: `attacker evil title ${FORGED}`,
        message: `message ${FORGED}`,
        resource: {
          type: 'AWS::Lambda::Function',
          arn: `arn:aws:lambda:${REGION}:${MEMBER_A}:function:fn`,
          name: `fn ${FORGED}`,
        },
        resourceKey: `arn:aws:lambda:${REGION}:${MEMBER_A}:function:fn`,
        tmc: { credentialName: `attacker-evil ${FORGED}`, component: 'data-sync' },
        evidence: { errors: 3, note: USER_AGENT },
      },
    );
    const details = reportDetails({ accountId: MEMBER_A, runId: 'member-run', findings: [finding] });
    await deliverBatch(details.map((detail) => reportEvent(detail)));
    expectHarmless(
      publishes.map(({ input }) => input),
      QUOTED_USER_AGENT,
    );
  });
});
