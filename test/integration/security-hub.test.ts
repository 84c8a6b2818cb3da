/**
 * The Security Hub export end to end: the credential-check handler, run in-process against moto, puts its finding
 * events on the findings bus; a rule with the exporter's own pattern (lib/constructs/security-hub-exporter.ts)
 * hands them to a queue, and each event, as EventBridge delivered it, is the exporter handler's invocation. The
 * FAIL is imported into moto's Security Hub, and the resolution updates that same finding (one finding, same Id)
 * instead of adding a second one.
 *
 * What moto 5.2.5 lacks, and where it is checked instead:
 * - GetFindings ignores `Filters` (moto returns every finding of the account and region): the test filters by
 *   ProductArn and Id itself.
 * - BatchImportFindings stores a finding as sent and merges an update field by field: it does not enforce that AWS
 *   takes `Workflow` only when it creates a finding (on AWS the resolved finding keeps the Workflow.Status it was
 *   created with, or the one a Security Hub user set; RecordState ARCHIVED and Compliance PASSED are what resolve
 *   it there). The Workflow.Status RESOLVED read back below is therefore only what the checker sent; that the
 *   checker relies on RecordState and Compliance, not Workflow, is checked against a stub
 *   (test/unit/security-hub-asff.test.ts, test/adapters/lifecycle-security-hub.test.ts).
 * - No validation of ASFF lengths, ProductArn, AwsAccountId, the 100-finding limit, nor FailedFindings other than
 *   an empty Resources list, nor throttling: those are stub tests (test/adapters/publish-security-hub.test.ts).
 * - Its SQS rule target delivers the event without the envelope's `account` (its rule pattern did match on it):
 *   the test puts back the account AWS delivers before invoking the exporter.
 * - It does not require Security Hub to be enabled for BatchImportFindings (AWS answers InvalidAccessException):
 *   enabled here anyway, as on AWS.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EnableRuleCommand } from '@aws-sdk/client-eventbridge';
import {
  EnableSecurityHubCommand,
  GetFindingsCommand,
  SecurityHubClient,
  type AwsSecurityFinding,
} from '@aws-sdk/client-securityhub';
import {
  lambdaContext,
  MOTO_ACCOUNT_ID,
  publishingSinks,
  seedTmcCredential,
  TEST_REGION,
  uniqueName,
  type Sinks,
  type TestClients,
} from './support';
import { motoClient, useMotoFile } from './support/moto-hooks';
import { loadIsolated, quietPowertools, withFreshHandler } from '../fixtures/load-handler';
import { withEnv } from '../fixtures/env';
import { securityHubExportEventPattern } from '../../lib/constructs/security-hub-exporter';
import { drainEvents } from './support/sinks';
import { createLedgerTable } from './support/ledger';

jest.setTimeout(120_000);

type HandlerModule = typeof import('../../lambdas/handlers/credential-check');
type ExporterModule = typeof import('../../lambdas/handlers/security-hub-export');

const FINDINGS_BUS = 'tmc-health-findings'; // a custom bus: see credential-check.test.ts on moto's default bus
const PRODUCT_ARN = `arn:aws:securityhub:${TEST_REGION}:${MOTO_ACCOUNT_ID}:product/${MOTO_ACCOUNT_ID}/default`;

let clients: TestClients;
let dynamo: DynamoDBClient;
let securityHub: SecurityHubClient;

useMotoFile({}, (moto) => ({ clients, dynamo } = moto));
beforeAll(() => {
  securityHub = motoClient(SecurityHubClient);
});
afterAll(() => securityHub.destroy());
beforeEach(async () => {
  await securityHub.send(new EnableSecurityHubCommand({ EnableDefaultStandards: false }));
});

async function runHandler(sinks: Sinks, env: Record<string, string>): Promise<void> {
  const variables: Record<string, string> = {
    TMC_HEALTH_REGIONS: TEST_REGION,
    TMC_HEALTH_EVENT_BUS: sinks.eventBusName,
    TMC_HEALTH_TOPIC_ARN: sinks.topicArn,
    ...quietPowertools(),
    ...env,
  };
  await withFreshHandler(
    variables,
    (): Promise<HandlerModule> => import('../../lambdas/handlers/credential-check'),
    (handlerModule) => handlerModule.handler({}, lambdaContext()),
  );
  await exportEvents(sinks);
}

/** The events the exporter's rule matched, each one invocation of the exporter handler; how many were imported. */
async function exportEvents(sinks: Sinks): Promise<number> {
  const delivered = await drainEvents(clients, sinks.ruleQueueUrl);
  return withFreshHandler(
    { ...quietPowertools() },
    (): Promise<ExporterModule> => import('../../lambdas/handlers/security-hub-export'),
    async (exporter) => {
      let imported = 0;
      for (const event_ of delivered) {
        // moto's SQS target drops the envelope's `account` (the rule matched on it): put back what AWS delivers.
        const event = { account: MOTO_ACCOUNT_ID, ...event_ };
        const report = await exporter.handler(
          event as unknown as Parameters<ExporterModule['handler']>[0],
          lambdaContext('tmc-health-security-hub-export'),
        );
        expect({ skipped: report.skipped, examples: report.skippedExamples }).toEqual({
          skipped: { 'not-a-finding-event': 0, 'foreign-account': 0, malformed: 0 },
          examples: [],
        });
        imported += report.publishReport?.delivered ?? 0;
      }
      return imported;
    },
  );
}

/** The findings bus with a rule of the exporter's pattern (this account's finding events) into a queue. */
const exporterSinks = (): Promise<Sinks> =>
  publishingSinks(clients, {
    eventBusName: FINDINGS_BUS,
    eventPattern: securityHubExportEventPattern(MOTO_ACCOUNT_ID),
  });

/** Our findings in moto's Security Hub (filtered here: moto ignores GetFindings' Filters). */
async function exported(): Promise<AwsSecurityFinding[]> {
  const findings: AwsSecurityFinding[] = [];
  let token: string | undefined;
  do {
    const page = await securityHub.send(new GetFindingsCommand({ MaxResults: 100, NextToken: token }));
    findings.push(...(page.Findings ?? []));
    token = page.NextToken || undefined;
  } while (token);
  return findings.filter((finding) => finding.ProductArn === PRODUCT_ARN);
}

const summary = (finding: AwsSecurityFinding) => ({
  Id: finding.Id,
  GeneratorId: finding.GeneratorId,
  RecordState: finding.RecordState,
  Compliance: finding.Compliance?.Status,
  Workflow: finding.Workflow?.Status,
});

describe('Security Hub export against moto', () => {
  test('with the ledger: the FAIL is imported once, the resolution archives the same finding', async () => {
    const table = uniqueName('ledger');
    await createLedgerTable(dynamo, table);
    const sinks = await exporterSinks();
    const credential = await seedTmcCredential(clients, uniqueName('cred'), { ruleState: 'DISABLED' });
    const env = { TMC_HEALTH_LEDGER_TABLE: table };

    await runHandler(sinks, env);
    const opened = await exported();
    expect(opened.map(summary)).toEqual([
      {
        Id: expect.stringMatching(/^tmc-health\/tmc\.event-rule\.disabled\/[0-9a-f]{32}$/),
        GeneratorId: 'tmc.event-rule.disabled',
        RecordState: 'ACTIVE',
        Compliance: 'FAILED',
        Workflow: 'NEW',
      },
    ]);
    expect(opened[0]).toMatchObject({
      SchemaVersion: '2018-10-08',
      AwsAccountId: MOTO_ACCOUNT_ID,
      ProductName: 'TMC Health Checker',
      Severity: { Label: expect.stringMatching(/^(CRITICAL|HIGH|MEDIUM|LOW)$/) },
      Types: ['Software and Configuration Checks/AWS Security Best Practices'],
      Resources: [{ Type: 'Other', Id: expect.stringContaining(`:rule/${credential.ruleName}`) }],
      ProductFields: expect.objectContaining({ 'tmc-health/credentialName': credential.name }),
    });
    const createdAt = opened[0]!.CreatedAt;

    // Nothing changed: no transition, so nothing imported (the finding is as it was).
    await runHandler(sinks, env);
    expect((await exported()).map(summary)).toEqual(opened.map(summary));
    expect((await exported())[0]!.UpdatedAt).toBe(opened[0]!.UpdatedAt);

    await clients.events.send(new EnableRuleCommand({ Name: credential.ruleName }));
    await runHandler(sinks, env);
    const resolved = await exported();
    // One finding, the same Id: updated, not duplicated.
    expect(resolved.map(summary)).toEqual([
      // Workflow: what the checker sent (moto keeps it; AWS keeps the creation's, see the header).
      { ...summary(opened[0]!), RecordState: 'ARCHIVED', Compliance: 'PASSED', Workflow: 'RESOLVED' },
    ]);
    expect(resolved[0]!.CreatedAt).toBe(createdAt);
    expect(resolved[0]!.Severity?.Label).toBe('INFORMATIONAL');
  });

  test('without the ledger: every run imports the FAIL again, still one finding (BatchImportFindings upserts by Id)', async () => {
    const sinks = await exporterSinks();
    await seedTmcCredential(clients, uniqueName('cred'), { ruleState: 'DISABLED' });

    await runHandler(sinks, {});
    const first = await exported();
    expect(first.map(summary)).toEqual([
      expect.objectContaining({ GeneratorId: 'tmc.event-rule.disabled', RecordState: 'ACTIVE' }),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await runHandler(sinks, {});
    const second = await exported();
    expect(second.map(summary)).toEqual(first.map(summary));
    expect(Date.parse(second[0]!.UpdatedAt!)).toBeGreaterThan(Date.parse(first[0]!.UpdatedAt!));
  });

  test('an event of another account, or whose detail is no finding, is skipped and counted; nothing imported', async () => {
    const exporter = await withEnv(quietPowertools(), () =>
      loadIsolated((): Promise<ExporterModule> => import('../../lambdas/handlers/security-hub-export')),
    );
    const envelope = {
      version: '0',
      id: 'e-1',
      'detail-type': 'TMC Health Finding',
      source: 'tmc-health',
      account: MOTO_ACCOUNT_ID,
      time: new Date().toISOString(),
      region: TEST_REGION,
      resources: [],
    };
    const invoke = (event: object) =>
      exporter.handler(
        event as Parameters<ExporterModule['handler']>[0],
        lambdaContext('tmc-health-security-hub-export'),
      );
    const malformed = await invoke({ ...envelope, detail: { status: 'FAIL' } });
    expect(malformed).toMatchObject({ exported: 0, skipped: { malformed: 1 } });
    const foreign = await invoke({ ...envelope, account: '210987654321', detail: {} });
    expect(foreign).toMatchObject({ exported: 0, skipped: { 'foreign-account': 1 } });
    expect(await exported()).toEqual([]);
  });
});
