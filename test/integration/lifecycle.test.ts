/**
 * The finding lifecycle end to end (issue 5): the credential-check handler, run three times in-process against
 * moto (DynamoDB ledger, EventBridge, SNS, SQS) over an account that changes between runs, must deliver exactly
 * OPENED, nothing, RESOLVED to a rule's queue, the matching digests to a topic subscription, and a run summary
 * event (the heartbeat) every run. The IRSA handler, with CloudTrail served by the local LookupEvents stub (moto
 * has no LookupEvents), resolves its denial groups by absence from complete scans.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EnableRuleCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { LifecycleFinding } from '../../lambdas/core/lifecycle/types';
import type { RunSummaryDetail } from '../../lambdas/core/lifecycle/run-event';
import {
  drainEvents,
  drainNotifications,
  lambdaContext,
  publishingSinks,
  seedTmcCredential,
  TEST_REGION,
  uniqueName,
  type Sinks,
  type TestClients,
} from './support';
import { useMotoFile } from './support/moto-hooks';
import { quietPowertools, withFreshHandler } from '../fixtures/load-handler';
import { type CloudTrailStub } from './support/cloudtrail-stub';
import { IRSA_RULE_PATTERN, runIrsaHandler } from './support/irsa-runner';
import {
  createWatermarkTable,
  IRSA_REGIONS,
  seedIrsaScenario,
  seedScenarioEvents,
} from './support/irsa-seed';
import { createLedgerTable, ledgerItem } from './support/ledger';

jest.setTimeout(120_000);

type HandlerModule = typeof import('../../lambdas/handlers/credential-check');

const FINDINGS_BUS = 'tmc-health-findings'; // a custom bus: see credential-check.test.ts on moto's default bus
const TRANSITIONS_PATTERN = { source: ['tmc-health'], 'detail-type': ['TMC Health Finding'] };

let clients: TestClients;
let dynamo: DynamoDBClient;
let stub: CloudTrailStub;

useMotoFile({ cloudTrailStub: {} }, (moto) => ({ clients, dynamo, stub } = moto));

/** A second rule on the findings bus, for the run summary events. */
async function runSummaryQueue(): Promise<string> {
  const queue = await clients.sqs.send(new CreateQueueCommand({ QueueName: 'tmc-health-run-summaries' }));
  const attributes = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl!, AttributeNames: ['QueueArn'] }),
  );
  await clients.events.send(
    new PutRuleCommand({
      Name: 'tmc-health-runs',
      EventBusName: FINDINGS_BUS,
      EventPattern: JSON.stringify({ source: ['tmc-health'], 'detail-type': ['TMC Health Check Run'] }),
      State: 'ENABLED',
    }),
  );
  await clients.events.send(
    new PutTargetsCommand({
      Rule: 'tmc-health-runs',
      EventBusName: FINDINGS_BUS,
      Targets: [{ Id: 'runs', Arn: attributes.Attributes!.QueueArn! }],
    }),
  );
  return queue.QueueUrl!;
}

async function runHandler(sinks: Sinks, ledgerTable: string): Promise<void> {
  const variables: Record<string, string> = {
    TMC_HEALTH_REGIONS: TEST_REGION,
    TMC_HEALTH_EVENT_BUS: sinks.eventBusName,
    TMC_HEALTH_TOPIC_ARN: sinks.topicArn,
    TMC_HEALTH_LEDGER_TABLE: ledgerTable,
    ...quietPowertools(),
  };
  await withFreshHandler(
    variables,
    (): Promise<HandlerModule> => import('../../lambdas/handlers/credential-check'),
    (handlerModule) => handlerModule.handler({}, lambdaContext()),
  );
}

describe('finding lifecycle against moto', () => {
  test('three runs over a changing account: OPENED, nothing, RESOLVED, with matching digests and a heartbeat each run', async () => {
    const table = uniqueName('ledger');
    await createLedgerTable(dynamo, table);
    const sinks = await publishingSinks(clients, {
      eventBusName: FINDINGS_BUS,
      eventPattern: TRANSITIONS_PATTERN,
    });
    const runsQueue = await runSummaryQueue();
    const credential = await seedTmcCredential(clients, uniqueName('cred'), { ruleState: 'DISABLED' });

    // Run 1: the credential's rule is disabled.
    await runHandler(sinks, table);
    const opened = await drainEvents<LifecycleFinding>(clients, sinks.ruleQueueUrl);
    expect(
      opened.map((event) => [event.detail.checkId, event.detail.transition, event.detail.state]),
    ).toEqual([['tmc.event-rule.disabled', 'OPENED', 'NEW']]);
    const openedFinding = opened[0]!.detail;
    expect(openedFinding).toMatchObject({
      status: 'FAIL',
      sequence: 1,
      occurrenceCount: 1,
      idempotencyKey: `${openedFinding.findingId}#1`,
      tmc: { credentialName: credential.name },
    });
    const firstDigests = await drainNotifications(clients, sinks.topicAllQueueUrl);
    expect(firstDigests).toHaveLength(1);
    expect(firstDigests[0]!.Subject).toMatch(/1 new/);
    expect(firstDigests[0]!.MessageAttributes?.transition?.Value).toBe('["OPENED"]');
    // SQS subscribers get the message's `default` variant: the short text.
    expect(firstDigests[0]!.Message).toMatch(new RegExp(credential.name));
    const openItem = await ledgerItem(dynamo, table, openedFinding.findingId);
    expect(openItem?.openMarker).toEqual({ S: 'OPEN#credentials' });
    expect(openItem?.sequence).toEqual({ N: '1' });

    // Run 2: nothing changed: no finding event, no mail, one more occurrence in the ledger.
    await runHandler(sinks, table);
    expect(await drainEvents(clients, sinks.ruleQueueUrl)).toEqual([]);
    expect(await drainNotifications(clients, sinks.topicAllQueueUrl)).toEqual([]);
    expect((await ledgerItem(dynamo, table, openedFinding.findingId))?.occurrenceCount).toEqual({ N: '2' });

    // Run 3: someone re-enabled the rule.
    await clients.events.send(new EnableRuleCommand({ Name: credential.ruleName }));
    await runHandler(sinks, table);
    const resolved = await drainEvents<LifecycleFinding>(clients, sinks.ruleQueueUrl);
    expect(
      resolved.map((event) => [event.detail.findingId, event.detail.transition, event.detail.status]),
    ).toEqual([[openedFinding.findingId, 'RESOLVED', 'PASS']]);
    expect(resolved[0]!.detail.idempotencyKey).toBe(`${openedFinding.findingId}#2`);
    const lastDigests = await drainNotifications(clients, sinks.topicAllQueueUrl);
    expect(lastDigests).toHaveLength(1);
    expect(lastDigests[0]!.Subject).toMatch(/1 resolved/);
    const resolvedItem = await ledgerItem(dynamo, table, openedFinding.findingId);
    expect(resolvedItem?.openMarker).toBeUndefined();
    expect(Number(resolvedItem?.expiresAt?.N)).toBeGreaterThan(Date.now() / 1000);

    const runs = await drainEvents<RunSummaryDetail>(clients, runsQueue);
    expect(
      runs.map((event) => [event.detail.check, event.detail.heartbeat, event.detail.transitions]),
    ).toEqual([
      ['credentials', true, { OPENED: 1, ESCALATED: 0, RESOLVED: 0, REMINDER: 0 }],
      ['credentials', true, { OPENED: 0, ESCALATED: 0, RESOLVED: 0, REMINDER: 0 }],
      ['credentials', true, { OPENED: 0, ESCALATED: 0, RESOLVED: 1, REMINDER: 0 }],
    ]);
    expect(runs.every((event) => event.detail.apiCalls > 0)).toBe(true);
  });

  test('IRSA: denial groups open once, stay quiet while no new denial arrives, and resolve after goneAfterRuns covered runs', async () => {
    const table = uniqueName('ledger');
    await createLedgerTable(dynamo, table);
    const watermarks = uniqueName('watermarks');
    await createWatermarkTable(dynamo, watermarks);
    const sinks = await publishingSinks(clients, {
      prefix: uniqueName('irsa'),
      eventBusName: FINDINGS_BUS,
      eventPattern: IRSA_RULE_PATTERN,
    });
    const now = Date.now();
    const scenario = await seedIrsaScenario(clients, {
      from: new Date(now - 40 * 60_000),
      to: new Date(now - 2 * 60_000),
    });
    seedScenarioEvents(stub, scenario);
    const run = () =>
      runIrsaHandler({
        stub,
        sinks,
        regions: IRSA_REGIONS,
        watermarkTable: watermarks,
        env: { TMC_HEALTH_LEDGER_TABLE: table, TMC_HEALTH_GONE_AFTER_RUNS: '2' },
      });
    const transitions = async () =>
      (await drainEvents<LifecycleFinding>(clients, sinks.ruleQueueUrl)).map((event) => event.detail);

    await run();
    const opened = await transitions();
    expect(opened).toHaveLength(scenario.broken.length);
    expect(new Set(opened.map((finding) => finding.transition))).toEqual(new Set(['OPENED']));
    expect(await drainNotifications(clients, sinks.topicAllQueueUrl)).toHaveLength(1);

    // No new denial: the scan is complete, the groups are absent once (not yet gone): nothing is published.
    await run();
    expect(await transitions()).toEqual([]);
    expect(await drainNotifications(clients, sinks.topicAllQueueUrl)).toEqual([]);

    await run();
    const resolved = await transitions();
    expect(resolved.map((finding) => [finding.findingId, finding.transition, finding.status]).sort()).toEqual(
      opened.map((finding) => [finding.findingId, 'RESOLVED', 'PASS']).sort(),
    );
    const [digest] = await drainNotifications(clients, sinks.topicAllQueueUrl);
    expect(digest!.Subject).toMatch(new RegExp(`${scenario.broken.length} resolved`));
  });
});
