/**
 * Organizations mode end to end on moto (issue 13, docs/organizations.md): two member accounts run the real
 * credential-check handler in member mode (TMC_HEALTH_HUB_EVENT_BUS = the hub bus ARN); their run reports reach the
 * real fleet-intake handler of the hub, as one SQS batch of the hub's report queue, which keeps one ledger (scoped
 * per member account), the heartbeats, finding events on the hub bus and ONE SNS digest per batch naming each
 * change's account; the real fleet-watch handler then flags the member that went silent and resolves it once that
 * member reports again.
 *
 * Accounts. moto's multi-account support is real here: requests signed with credentials from STS AssumeRole on
 * `arn:aws:iam::<account>:role/<name>` are served from that account's backends (checked with GetCallerIdentity
 * below). The hub is moto's default account (the `testing` keys); each member's credential is seeded, checked and
 * reported with that member's assumed-role credentials, so its Lambda functions, rule, parameter and metrics live in
 * its own account, and the `account` of its PutEvents is set by moto from the signature, not by this test. The
 * handlers' own account id comes from `context.invokedFunctionArn`, as in Lambda.
 *
 * What moto 5.2.5 lacks, and the one relay this test does (pinned by the first test below):
 *  - Cross-account PutEvents to a bus ARN. moto keeps only the name of the ARN in EventBusName and looks it up in
 *    the CALLER's account: a member's PutEvents to `arn:aws:events:<region>:<hub>:event-bus/tmc-health-fleet` is
 *    ResourceNotFoundException ("Event bus tmc-health-fleet does not exist"), and would land on the member's own bus
 *    if it had one of that name. In AWS it reaches the hub bus, allowed by the bus's resource policy
 *    (aws:PrincipalOrgID), which the infra tests check in the synthesized hub template.
 *  - An event-bus target in another account (the bus-to-bus forwarding a relay might use) does deliver to the hub
 *    bus, but moto re-puts the event there as the hub's own: `account` becomes the hub's and `time` is lost, so the
 *    intake would rightly reject every report ("names account X but was sent from account <hub>").
 *  - The default SQS delivery shape has no `account` field; EventBridge's reserved input template
 *    `<aws.events.event.json>` (the whole event) brings it back unchanged.
 *  So each member account gets a stand-in for the hub bus: a bus of the hub bus's name (where moto lands the
 *  member's PutEvents), with the hub's rule (source tmc-health, detail-type "TMC Health Run Report") targeting an SQS
 *  queue in that account. The test drains those queues and hands the events, as EventBridge puts them on the hub's
 *  report queue (each message body one envelope with the moto-set `account`, `detail-type`, `detail`), to the
 *  fleet-intake handler as one SQS batch, as the queue's event source mapping would (hubIntake=queue), or each
 *  event alone, as the rule's Lambda target would (hubIntake=direct): that hand-over is the relay.
 *  - A Lambda target of a rule: moto runs a function only from a deployment package, in Docker, never this
 *    process's handler, and the hub bus never receives the members' reports anyway (above). So the direct path is
 *    the same relay with the event itself as the invocation; the rule's target, its retry policy and dead-letter
 *    queue, and the function's permission for the rule are checked in the synthesized hub template instead.
 *  Everything the hub writes (ledger, heartbeats, finding events on the hub bus, digests) is in the hub account.
 *
 * Time. The fleet watch reads the wall clock (no injectable `now` in the handler) and the threshold is whole
 * minutes (at least 1), so instead of waiting, the in-process Date is moved 10 minutes ahead (timers stay real)
 * for everything after the first reports, with TMC_HEALTH_MEMBER_SILENT_AFTER_MINUTES = 5: the member that does
 * not report again is then 10 minutes silent. Nothing in DynamoDB is edited by hand.
 */
import {
  GetItemCommand,
  QueryCommand,
  ScanCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import {
  CreateEventBusCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { Context, EventBridgeEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DynamoHeartbeatStore } from '../../lambdas/adapters/fleet/heartbeat-store';
import { observeFleet } from '../../lambdas/app/fleet-watch';
import type { Finding } from '../../lambdas/core/finding';
import type { LifecycleFinding } from '../../lambdas/core/lifecycle/types';
import type { RunSummary } from '../../lambdas/core/run-summary';
import {
  destroyClients,
  drain,
  drainEvents,
  drainNotifications,
  lambdaContext,
  MOTO_ACCOUNT_ID,
  motoEndpoint,
  publishingSinks,
  seedTmcCredential,
  TEST_REGION,
  testClients,
  uniqueName,
  type SeededCredential,
  type Sinks,
  type SnsEnvelope,
  type TestClients,
} from './support';
import { useMotoFile } from './support/moto-hooks';
import { withClockAhead } from '../fixtures/clock';
import { quietPowertools, withFreshHandler } from '../fixtures/load-handler';
import { createLedgerTable } from './support/ledger';
import { createHeartbeatTable as createHeartbeatTableIn } from './support/heartbeat-table';

jest.setTimeout(120_000);

type CredentialCheckModule = typeof import('../../lambdas/handlers/credential-check');
type IntakeModule = typeof import('../../lambdas/handlers/fleet-intake');
type WatchModule = typeof import('../../lambdas/handlers/fleet-watch');
type Envelope = EventBridgeEvent<string, Record<string, unknown>> & Record<string, unknown>;

const HUB = MOTO_ACCOUNT_ID;
/** Reports a broken credential (its token parameter is missing) and keeps reporting. */
const BROKEN = '111122223333';
/** Healthy, reports once, goes silent, reports again. */
const QUIET = '444455556666';
const HUB_BUS = 'tmc-health-fleet'; // FLEET_BUS_NAME of lib/constructs/fleet-bus.ts
const HUB_BUS_ARN = `arn:aws:events:${TEST_REGION}:${HUB}:event-bus/${HUB_BUS}`;
/** The hub stack's intake rule (lib/constructs/fleet-bus.ts). */
const RUN_REPORT_PATTERN = { source: ['tmc-health'], 'detail-type': ['TMC Health Run Report'] };
const TRANSITIONS_PATTERN = { source: ['tmc-health'], 'detail-type': ['TMC Health Finding'] };
/** EventBridge's reserved variable for the whole event: brings back the `account` moto's SQS delivery leaves out. */
const WHOLE_EVENT = { InputPathsMap: {}, InputTemplate: '<aws.events.event.json>' };
const SILENT_AFTER_MINUTES = 5;
const CLOCK_AHEAD_MS = 10 * 60_000;

let hubClients: TestClients;
let dynamo: DynamoDBClient;

useMotoFile({}, (moto) => ({ clients: hubClients, dynamo } = moto));

// ------------------------------------------------------------------------------------------------ accounts

interface MemberCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

interface Member {
  readonly accountId: string;
  readonly credentials: MemberCredentials;
  readonly clients: TestClients;
  /** The stand-in for the hub bus's intake rule, in the member account (see the header). */
  readonly relayQueueUrl: string;
}

function clientsWith(credentials: MemberCredentials): TestClients {
  return testClients(motoEndpoint(), credentials);
}

/** The member's credentials: AssumeRole from the hub into the member account (moto maps them to that account). */
async function assumeMember(accountId: string): Promise<MemberCredentials> {
  const sts = new STSClient({
    endpoint: motoEndpoint(),
    region: TEST_REGION,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  try {
    // moto does not require the role to exist; in AWS this is the StackSet execution role's account.
    const assumed = await sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${accountId}:role/tmc-health-fleet-test`,
        RoleSessionName: 'fleet-integration',
      }),
    );
    const c = assumed.Credentials!;
    return {
      accessKeyId: c.AccessKeyId!,
      secretAccessKey: c.SecretAccessKey!,
      sessionToken: c.SessionToken!,
    };
  } finally {
    sts.destroy();
  }
}

async function callerAccount(credentials?: MemberCredentials): Promise<string | undefined> {
  const sts = new STSClient({
    endpoint: motoEndpoint(),
    region: TEST_REGION,
    credentials: credentials ?? { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  try {
    return (await sts.send(new GetCallerIdentityCommand({}))).Account;
  } finally {
    sts.destroy();
  }
}

async function queue(clients: TestClients, name: string): Promise<{ url: string; arn: string }> {
  const created = await clients.sqs.send(new CreateQueueCommand({ QueueName: name }));
  const attributes = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: created.QueueUrl!, AttributeNames: ['QueueArn'] }),
  );
  return { url: created.QueueUrl!, arn: attributes.Attributes!.QueueArn! };
}

/** A bus named `bus` in the clients' account whose run-report rule delivers whole events to a new queue. */
async function runReportRule(clients: TestClients, bus: string, queueName: string): Promise<string> {
  const target = await queue(clients, queueName);
  await clients.events.send(
    new PutRuleCommand({
      Name: 'tmc-health-fleet-intake',
      EventBusName: bus,
      EventPattern: JSON.stringify(RUN_REPORT_PATTERN),
      State: 'ENABLED',
    }),
  );
  await clients.events.send(
    new PutTargetsCommand({
      Rule: 'tmc-health-fleet-intake',
      EventBusName: bus,
      Targets: [{ Id: 'intake', Arn: target.arn, InputTransformer: WHOLE_EVENT }],
    }),
  );
  return target.url;
}

async function member(accountId: string): Promise<Member> {
  const credentials = await assumeMember(accountId);
  expect(await callerAccount(credentials)).toBe(accountId);
  const clients = clientsWith(credentials);
  await clients.events.send(new CreateEventBusCommand({ Name: HUB_BUS }));
  const relayQueueUrl = await runReportRule(clients, HUB_BUS, 'hub-bus-stand-in');
  return { accountId, credentials, clients, relayQueueUrl };
}

// ------------------------------------------------------------------------------------------------ the hub

interface Hub {
  readonly sinks: Sinks;
  /** The deployed shape: the hub bus's run-report rule and its queue (moto never delivers members' reports here). */
  readonly reportQueueUrl: string;
  readonly ledgerTable: string;
  readonly heartbeatTable: string;
}

const createHeartbeatTable = (name: string) => createHeartbeatTableIn(dynamo, name);

async function createHub(): Promise<Hub> {
  // The hub bus (created by publishingSinks), its rule for finding events, the topic and a queue subscribed to it.
  const sinks = await publishingSinks(hubClients, {
    prefix: 'tmc-health-hub',
    eventBusName: HUB_BUS,
    eventPattern: TRANSITIONS_PATTERN,
  });
  const reportQueueUrl = await runReportRule(hubClients, HUB_BUS, 'tmc-health-hub-run-reports');
  const ledgerTable = uniqueName('hub-ledger');
  await createLedgerTable(dynamo, ledgerTable);
  const heartbeatTable = uniqueName('hub-heartbeats');
  await createHeartbeatTable(heartbeatTable);
  return { sinks, reportQueueUrl, ledgerTable, heartbeatTable };
}

// ------------------------------------------------------------------------------------------------ handlers

function contextIn(accountId: string, functionName: string): Context {
  return {
    ...lambdaContext(functionName),
    invokedFunctionArn: `arn:aws:lambda:${TEST_REGION}:${accountId}:function:${functionName}`,
  };
}

/** One scheduled run of the member's credential checker, signed as the member, reporting to the hub bus ARN. */
async function runMember(m: Member): Promise<RunSummary> {
  return withFreshHandler(
    {
      AWS_ACCESS_KEY_ID: m.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: m.credentials.secretAccessKey,
      AWS_SESSION_TOKEN: m.credentials.sessionToken,
      TMC_HEALTH_REGIONS: TEST_REGION,
      TMC_HEALTH_HUB_EVENT_BUS: HUB_BUS_ARN,
      ...quietPowertools(),
    },
    (): Promise<CredentialCheckModule> => import('../../lambdas/handlers/credential-check'),
    (module) => module.handler({}, contextIn(m.accountId, 'tmc-health-credential-check')),
  );
}

/** What EventBridge would deliver to the intake for the member's reports (the relay: see the header). */
async function reportsOf(m: Member): Promise<Envelope[]> {
  const events = (await drain(m.clients, m.relayQueueUrl)).map(
    (message) => JSON.parse(message.Body!) as Envelope,
  );
  for (const event of events) {
    // Set by moto from the signature of the member's PutEvents: the intake trusts nothing else.
    expect(event).toMatchObject({
      account: m.accountId,
      source: 'tmc-health',
      'detail-type': 'TMC Health Run Report',
      region: TEST_REGION,
      detail: { accountId: m.accountId, family: 'credentials', encoding: 'gzip+base64' },
    });
  }
  return events;
}

function hubEnvironment(hub: Hub): Record<string, string> {
  return {
    TMC_HEALTH_FLEET_TABLE: hub.heartbeatTable,
    TMC_HEALTH_EVENT_BUS: HUB_BUS,
    TMC_HEALTH_TOPIC_ARN: hub.sinks.topicArn,
    TMC_HEALTH_LEDGER_TABLE: hub.ledgerTable,
    // One covering run of a member's family without a finding resolves it as gone: if the ledger were not scoped
    // per account, the healthy member's reports would resolve the broken member's open finding at once.
    TMC_HEALTH_GONE_AFTER_RUNS: '1',
    TMC_HEALTH_MEMBER_SILENT_AFTER_MINUTES: String(SILENT_AFTER_MINUTES),
    ...quietPowertools(),
  };
}

/** The reports as one batch of the hub's report queue (what the event source mapping hands the intake). */
function reportBatch(events: readonly Envelope[]): SQSEvent {
  return {
    Records: events.map((event, index) => ({
      messageId: `report-${index + 1}`,
      receiptHandle: `receipt-${index + 1}`,
      body: JSON.stringify(event),
      attributes: {} as SQSEvent['Records'][number]['attributes'],
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:${TEST_REGION}:${HUB}:tmc-health-hub-run-reports`,
      awsRegion: TEST_REGION,
    })),
  };
}

async function runIntake(hub: Hub, ...events: Envelope[]): Promise<SQSBatchResponse | undefined> {
  return withFreshHandler(
    hubEnvironment(hub),
    (): Promise<IntakeModule> => import('../../lambdas/handlers/fleet-intake'),
    (module) => module.handler(reportBatch(events), contextIn(HUB, 'tmc-health-fleet-intake')),
  );
}

/** hubIntake=direct: the bus rule invokes the intake with each report event itself (the relay: see the header). */
async function runIntakeDirect(hub: Hub, event: Envelope): Promise<SQSBatchResponse | undefined> {
  return withFreshHandler(
    hubEnvironment(hub),
    (): Promise<IntakeModule> => import('../../lambdas/handlers/fleet-intake'),
    (module) => module.handler(event, contextIn(HUB, 'tmc-health-fleet-intake')),
  );
}

async function runWatch(hub: Hub) {
  return withFreshHandler(
    hubEnvironment(hub),
    (): Promise<WatchModule> => import('../../lambdas/handlers/fleet-watch'),
    (module) => module.handler({}, contextIn(HUB, 'tmc-health-fleet-watch')),
  );
}

/** What the hub published since the last call: finding events on the hub bus and SNS digests. */
async function published(hub: Hub): Promise<{ findings: LifecycleFinding[]; digests: SnsEnvelope[] }> {
  return {
    findings: (await drainEvents<LifecycleFinding>(hubClients, hub.sinks.ruleQueueUrl)).map((e) => e.detail),
    digests: await drainNotifications(hubClients, hub.sinks.topicAllQueueUrl),
  };
}

const digestAccounts = (digest: SnsEnvelope): string[] =>
  JSON.parse(digest.MessageAttributes?.accountId?.Value ?? '[]') as string[];

// ------------------------------------------------------------------------------------------------ ledger

/** The ledger's open entries under one open marker (the sparse GSI the lifecycle queries), as their findings. */
async function openFindings(hub: Hub, marker: string): Promise<Finding[]> {
  const keys = await dynamo.send(
    new QueryCommand({
      TableName: hub.ledgerTable,
      IndexName: 'open-index',
      KeyConditionExpression: 'openMarker = :marker',
      ExpressionAttributeValues: { ':marker': { S: marker } },
    }),
  );
  const findings: Finding[] = [];
  for (const key of keys.Items ?? []) {
    const item = await ledgerItem(hub, key.findingId!.S!);
    findings.push(JSON.parse(item!.finding!.S!) as Finding);
  }
  return findings;
}

/** A member's entry: the hub's keys bind the account in, `<accountId>#<findingId>`. */
function ledgerEntry(hub: Hub, accountId: string, findingId: string) {
  return ledgerItem(hub, `${accountId}#${findingId}`);
}

async function ledgerItem(hub: Hub, key: string): Promise<Record<string, AttributeValue> | undefined> {
  const output = await dynamo.send(
    new GetItemCommand({
      TableName: hub.ledgerTable,
      Key: { findingId: { S: key } },
      ConsistentRead: true,
    }),
  );
  return output.Item;
}

async function allLedgerFindings(hub: Hub): Promise<Finding[]> {
  const scan = await dynamo.send(new ScanCommand({ TableName: hub.ledgerTable, ConsistentRead: true }));
  return (scan.Items ?? []).map((item) => JSON.parse(item.finding!.S!) as Finding);
}

async function heartbeat(hub: Hub, accountId: string) {
  const output = await dynamo.send(
    new GetItemCommand({
      TableName: hub.heartbeatTable,
      Key: { accountId: { S: accountId }, family: { S: 'credentials' } },
      ConsistentRead: true,
    }),
  );
  return output.Item;
}

/** The Date of this process moved ahead (timers, hrtime and ticks stay real), for the rest of `body`. */

// ------------------------------------------------------------------------------------------------ tests

describe('Organizations hub and two members on moto', () => {
  test('moto: a member PutEvents to the hub bus ARN never reaches the hub (why this test relays)', async () => {
    // If this starts failing, moto delivers cross-account PutEvents: drop the stand-in buses and read the hub's
    // run-report queue instead.
    const hub = await createHub();
    const credentials = await assumeMember(BROKEN);
    const clients = clientsWith(credentials);
    const entry = {
      EventBusName: HUB_BUS_ARN,
      Source: 'tmc-health',
      DetailType: 'TMC Health Run Report',
      Detail: JSON.stringify({ probe: true }),
    };
    try {
      // No bus of that name in the member account: moto looks for the ARN's name there, not in the hub.
      await expect(clients.events.send(new PutEventsCommand({ Entries: [entry] }))).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
      });
      expect(await drain(hubClients, hub.reportQueueUrl)).toEqual([]);

      // Bus-to-bus forwarding from the member does reach the hub bus, but as the hub's own event.
      await clients.events.send(new CreateEventBusCommand({ Name: HUB_BUS }));
      await clients.events.send(
        new PutRuleCommand({
          Name: 'forward',
          EventBusName: HUB_BUS,
          EventPattern: JSON.stringify(RUN_REPORT_PATTERN),
        }),
      );
      await clients.events.send(
        new PutTargetsCommand({
          Rule: 'forward',
          EventBusName: HUB_BUS,
          Targets: [{ Id: 'hub', Arn: HUB_BUS_ARN }],
        }),
      );
      const put = await clients.events.send(new PutEventsCommand({ Entries: [entry] }));
      expect(put.FailedEntryCount).toBe(0);
      const forwarded = (await drain(hubClients, hub.reportQueueUrl)).map(
        (message) => JSON.parse(message.Body!) as Envelope,
      );
      expect(forwarded).toHaveLength(1);
      expect(forwarded[0]).toMatchObject({ account: HUB, detail: { probe: true } }); // AWS keeps the sender's
    } finally {
      destroyClients(clients);
    }
  });

  test('two members into one hub: one ledger scoped per account, digests naming the account, a silent member flagged and resolved', async () => {
    expect(await callerAccount()).toBe(HUB);
    const hub = await createHub();
    const broken = await member(BROKEN);
    const healthy = await member(QUIET);
    try {
      const brokenCredential: SeededCredential = await seedTmcCredential(
        broken.clients,
        uniqueName('cred-a'),
        {
          omitParameter: true,
        },
      );
      const healthyCredential = await seedTmcCredential(healthy.clients, uniqueName('cred-b'));

      // ---- Both members run (real time T0). Each checks only its own account.
      const brokenRun = await runMember(broken);
      expect(brokenRun).toMatchObject({ accountId: BROKEN, credentials: 1, regions: [TEST_REGION] });
      expect(brokenRun.byStatus.FAIL).toBeGreaterThan(0);
      const healthyRun = await runMember(healthy);
      expect(healthyRun).toMatchObject({ accountId: QUIET, credentials: 1 });
      expect(healthyRun.byStatus).toMatchObject({ FAIL: 0, ERROR: 0 });
      expect(healthyRun.byStatus.PASS).toBeGreaterThan(0);

      const [brokenReport, ...moreBroken] = await reportsOf(broken);
      const [healthyReport, ...moreHealthy] = await reportsOf(healthy);
      expect([moreBroken, moreHealthy]).toEqual([[], []]); // one report per run (small runs are not split)

      // ---- The hub takes both in as one batch: one digest for the batch, naming the accounts that changed. The
      // healthy member's first report changes nothing (the hub notifies changes only), so only the broken one.
      expect(await runIntake(hub, brokenReport!, healthyReport!)).toEqual({ batchItemFailures: [] });
      const afterBroken = await published(hub);
      expect(afterBroken.findings.map((f) => [f.accountId, f.checkId, f.transition, f.status])).toEqual([
        [BROKEN, 'tmc.token.missing', 'OPENED', 'FAIL'],
      ]);
      expect(afterBroken.findings[0]!.tmc?.credentialName).toBe(brokenCredential.name);
      expect(afterBroken.digests).toHaveLength(1);
      const openedDigest = afterBroken.digests[0]!;
      const everyDigest: SnsEnvelope[] = [openedDigest];
      expect(digestAccounts(openedDigest)).toEqual([BROKEN]);
      expect(openedDigest.Subject).toContain(`TMC health ${BROKEN}:`);
      expect(openedDigest.Subject).toMatch(/1 new/);
      expect(openedDigest.Message).toContain(`account ${BROKEN}`);
      expect(openedDigest.Message).toContain(brokenCredential.name);
      expect(openedDigest.MessageAttributes?.transition?.Value).toBe('["OPENED"]');
      expect(openedDigest.Message).not.toContain(healthyCredential.name);

      // The ledger: the broken member's entry is open under its own scope; the healthy member has nothing open and,
      // all PASS, nothing stored (the ledger keeps problems and their resolutions, not PASS).
      const brokenOpen = await openFindings(hub, `OPEN#${BROKEN}#credentials`);
      expect(brokenOpen.map((f) => [f.accountId, f.checkId, f.tmc?.credentialName])).toEqual([
        [BROKEN, 'tmc.token.missing', brokenCredential.name],
      ]);
      expect(await openFindings(hub, `OPEN#${QUIET}#credentials`)).toEqual([]);
      expect(await openFindings(hub, 'OPEN#credentials')).toEqual([]); // the single-account marker is unused
      expect((await allLedgerFindings(hub)).map((f) => f.accountId)).toEqual([BROKEN]);
      const brokenFindingId = brokenOpen[0]!.findingId;

      // Heartbeats: one per member and family, from the reports.
      const brokenBeat = await heartbeat(hub, BROKEN);
      expect(brokenBeat?.runId?.S).toBe((brokenReport!.detail as { runId: string }).runId);
      expect(Number(brokenBeat?.failing?.N)).toBeGreaterThan(0);
      const healthyBeat = await heartbeat(hub, QUIET);
      expect(healthyBeat?.failing?.N).toBe('0');
      const silentSince = healthyBeat!.lastReportAt!.S!;

      await withClockAhead(CLOCK_AHEAD_MS, async () => {
        // ---- 10 minutes later: only the broken member reports; nothing changed for it.
        await runMember(broken);
        const [again] = await reportsOf(broken);
        expect(await runIntake(hub, again!)).toEqual({ batchItemFailures: [] });
        expect(await published(hub)).toEqual({ findings: [], digests: [] });
        expect((await ledgerEntry(hub, BROKEN, brokenFindingId))?.occurrenceCount).toEqual({ N: '2' });

        // ---- The fleet watch: the healthy member has been silent for 10 minutes (threshold 5).
        expect(await runWatch(hub)).toMatchObject({
          hubAccountId: HUB,
          members: 2,
          silent: 1,
          unreadable: 0,
        });
        const silent = await published(hub);
        expect(
          silent.findings.map((f) => [f.accountId, f.checkId, f.transition, f.status, f.severity]),
        ).toEqual([[QUIET, 'fleet.member.silent', 'OPENED', 'FAIL', 'HIGH']]);
        expect(silent.findings[0]).toMatchObject({
          resource: { type: 'AWS::Organizations::Account', name: `${QUIET}/credentials` },
          evidence: {
            memberAccountId: QUIET,
            lastReportAt: silentSince,
            silentAfterMinutes: SILENT_AFTER_MINUTES,
          },
        });
        expect(silent.digests).toHaveLength(1);
        const silentDigest = silent.digests[0]!;
        everyDigest.push(silentDigest);
        expect(digestAccounts(silentDigest)).toEqual([QUIET]);
        expect(silentDigest.Subject).toContain(`TMC health ${QUIET}:`);
        expect(silentDigest.Message).toContain(`account ${QUIET}`);

        // The broken member, which kept reporting, PASSes the same check: what the watch saw, read again through
        // the same heartbeat store and evaluation (the handler publishes transitions only, and PASS is none).
        const observation = await observeFleet(
          {
            hubAccountId: HUB,
            homeRegion: TEST_REGION,
            settings: {
              fleetTableName: hub.heartbeatTable,
              memberSilentAfterMinutes: SILENT_AFTER_MINUTES,
              runbookBaseUrl: 'https://example.invalid/checks',
            },
          },
          new DynamoHeartbeatStore(dynamo, hub.heartbeatTable),
          new Date(),
        );
        expect(
          observation.findings
            .filter((f) => f.checkId === 'fleet.member.silent')
            .map((f) => [f.accountId, f.status]),
        ).toEqual([
          [BROKEN, 'PASS'],
          [QUIET, 'FAIL'],
        ]);

        // The silent member's entry is the hub's own (family fleet, scoped to the hub account) about the member.
        expect(
          (await openFindings(hub, `OPEN#${HUB}#fleet`)).map((f) => [f.accountId, f.checkId, f.status]),
        ).toEqual([[QUIET, 'fleet.member.silent', 'FAIL']]);
        expect([...new Set((await allLedgerFindings(hub)).map((f) => f.accountId))].sort()).toEqual([
          BROKEN,
          QUIET,
        ]);

        // ---- The silent member reports again: its heartbeat moves, its credentials change nothing.
        await runMember(healthy);
        const [back] = await reportsOf(healthy);
        expect(await runIntake(hub, back!)).toEqual({ batchItemFailures: [] });
        expect(await published(hub)).toEqual({ findings: [], digests: [] });
        expect(Date.parse((await heartbeat(hub, QUIET))!.lastReportAt!.S!)).toBeGreaterThan(
          Date.parse(silentSince),
        );

        // ---- The next watch run resolves it, in one digest naming that member.
        expect(await runWatch(hub)).toMatchObject({ members: 2, silent: 0 });
        const resolved = await published(hub);
        expect(resolved.findings.map((f) => [f.accountId, f.checkId, f.transition, f.status])).toEqual([
          [QUIET, 'fleet.member.silent', 'RESOLVED', 'PASS'],
        ]);
        expect(resolved.digests).toHaveLength(1);
        everyDigest.push(resolved.digests[0]!);
        expect(digestAccounts(resolved.digests[0]!)).toEqual([QUIET]);
        expect(resolved.digests[0]!.Subject).toMatch(/1 resolved/);
        expect(await openFindings(hub, `OPEN#${HUB}#fleet`)).toEqual([]);
      });

      // Scoping held throughout: the healthy member's covering reports (gone after 1 run) never touched the broken
      // member's open entry, which was seen again by its own reports only.
      expect((await openFindings(hub, `OPEN#${BROKEN}#credentials`)).map((f) => f.findingId)).toEqual([
        brokenFindingId,
      ]);
      expect(await openFindings(hub, `OPEN#${QUIET}#credentials`)).toEqual([]);
      // Nothing ever went to the hub bus's own run-report queue (moto: see the first test).
      expect(await drain(hubClients, hub.reportQueueUrl)).toEqual([]);

      // A digest names the accounts that changed in its batch (or watch run): here one at a time, since only one
      // member changed each time; the next test has both change in one batch.
      expect(everyDigest.map(digestAccounts)).toEqual([[BROKEN], [QUIET], [QUIET]]);
      // The healthy member's credential, all PASS, is in no digest.
      expect(everyDigest.filter((d) => d.Message.includes(healthyCredential.name))).toEqual([]);
    } finally {
      destroyClients(broken.clients);
      destroyClients(healthy.clients);
    }
  });
  test('two members reporting changes around the same time: one SQS batch, ONE digest naming both accounts', async () => {
    const hub = await createHub();
    const first = await member(BROKEN);
    const second = await member(QUIET);
    try {
      const firstCredential = await seedTmcCredential(first.clients, uniqueName('cred-a'), {
        omitParameter: true,
      });
      const secondCredential = await seedTmcCredential(second.clients, uniqueName('cred-b'), {
        omitParameter: true,
      });
      await runMember(first);
      await runMember(second);
      const reports = [...(await reportsOf(first)), ...(await reportsOf(second))];
      expect(reports.map((report) => report.account)).toEqual([BROKEN, QUIET]);

      // The event source mapping hands both reports (gathered within its batching window) to one invocation.
      expect(await runIntake(hub, ...reports)).toEqual({ batchItemFailures: [] });

      const { findings, digests } = await published(hub);
      // Every transition is still its own finding event on the hub bus, each under its member's account.
      expect(findings.map((f) => [f.accountId, f.checkId, f.transition]).sort()).toEqual([
        [BROKEN, 'tmc.token.missing', 'OPENED'],
        [QUIET, 'tmc.token.missing', 'OPENED'],
      ]);
      // One digest for the batch: both accounts in the attribute, the subject, the header and the changes.
      expect(digests).toHaveLength(1);
      const [digest] = digests as [SnsEnvelope];
      expect(digestAccounts(digest)).toEqual([BROKEN, QUIET].sort());
      expect(digest.Subject).toContain('TMC health, 2 accounts: 2 new');
      expect(digest.Message).toContain(`account ${BROKEN}`);
      expect(digest.Message).toContain(`account ${QUIET}`);
      expect(digest.Message).toContain(firstCredential.name);
      expect(digest.Message).toContain(secondCredential.name);

      // Each member's ledger part holds its own open finding; both heartbeats recorded.
      expect((await openFindings(hub, `OPEN#${BROKEN}#credentials`)).map((f) => f.accountId)).toEqual([
        BROKEN,
      ]);
      expect((await openFindings(hub, `OPEN#${QUIET}#credentials`)).map((f) => f.accountId)).toEqual([QUIET]);
      expect((await heartbeat(hub, BROKEN))?.failing?.N).toBe('1');
      expect((await heartbeat(hub, QUIET))?.failing?.N).toBe('1');

      // The same batch delivered again (SQS is at least once): nothing new, no second digest.
      expect(await runIntake(hub, ...reports)).toEqual({ batchItemFailures: [] });
      expect(await published(hub)).toEqual({ findings: [], digests: [] });
    } finally {
      destroyClients(first.clients);
      destroyClients(second.clients);
    }
  });

  test('hubIntake=direct: each report handed to the intake as its own event, one digest per report naming its account', async () => {
    const hub = await createHub();
    const first = await member(BROKEN);
    const second = await member(QUIET);
    try {
      await seedTmcCredential(first.clients, uniqueName('cred-a'), { omitParameter: true });
      await seedTmcCredential(second.clients, uniqueName('cred-b'), { omitParameter: true });
      await runMember(first);
      await runMember(second);
      const reports = [...(await reportsOf(first)), ...(await reportsOf(second))];
      expect(reports.map((report) => report.account)).toEqual([BROKEN, QUIET]);

      // The rule invokes the intake with each event (asynchronously): no reply, no batch to combine the digests.
      for (const report of reports) expect(await runIntakeDirect(hub, report)).toBeUndefined();

      const { findings, digests } = await published(hub);
      expect(findings.map((f) => [f.accountId, f.checkId, f.transition]).sort()).toEqual([
        [BROKEN, 'tmc.token.missing', 'OPENED'],
        [QUIET, 'tmc.token.missing', 'OPENED'],
      ]);
      expect(digests.map(digestAccounts)).toEqual([[BROKEN], [QUIET]]);
      expect((await openFindings(hub, `OPEN#${BROKEN}#credentials`)).map((f) => f.accountId)).toEqual([
        BROKEN,
      ]);
      expect((await openFindings(hub, `OPEN#${QUIET}#credentials`)).map((f) => f.accountId)).toEqual([QUIET]);
      expect((await heartbeat(hub, QUIET))?.failing?.N).toBe('1');

      // Lambda's asynchronous invocations are at least once too: the same event again sends nothing new.
      expect(await runIntakeDirect(hub, reports[0]!)).toBeUndefined();
      expect(await published(hub)).toEqual({ findings: [], digests: [] });
      // Nothing ever went to the hub bus's own run-report queue (moto: see the first test).
      expect(await drain(hubClients, hub.reportQueueUrl)).toEqual([]);
    } finally {
      destroyClients(first.clients);
      destroyClients(second.clients);
    }
  });
});
