/**
 * The two checker handlers in member mode (issue 13): with TMC_HEALTH_HUB_EVENT_BUS set they send run reports to
 * that bus and nothing else, even when a ledger table and a topic are configured too. The handlers are loaded once,
 * after the environment is set, so their module scope wires against the fault fakes' mocked clients.
 */
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  PutEventsCommand,
  type PutEventsCommandInput,
  type PutEventsCommandOutput,
} from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { gzipBase64Codec } from '../../lambdas/adapters/fleet/report-codec';
import { HUB_EVENT_BUS_VARIABLE } from '../../lambdas/core/fleet/member-settings';
import { parseRunReportDetail } from '../../lambdas/core/fleet/run-report-parse';
import { RUN_REPORT_DETAIL_TYPE, type RunReport } from '../../lambdas/core/fleet/run-report-types';
import * as credentialAccount from './faults/credential-account';
import * as irsaAccount from './faults/irsa-account';
import { useEnv } from '../fixtures/env';

const HUB_BUS = 'arn:aws:events:eu-central-1:999988887777:event-bus/tmc-health-fleet';
const ENV = {
  AWS_REGION: 'us-east-1',
  [HUB_EVENT_BUS_VARIABLE]: HUB_BUS,
  TMC_HEALTH_REGIONS: credentialAccount.REGIONS.join(','),
  TMC_HEALTH_CREDENTIAL_NAMES: credentialAccount.CREDENTIALS.join(','),
  TMC_HEALTH_IRSA_REGIONS: [irsaAccount.FAULT_REGION, irsaAccount.OK_REGION].join(','),
  TMC_HEALTH_IRSA_WATERMARK_TABLE: 'wm',
  // Set as a single-mode stack would: member mode must ignore them.
  TMC_HEALTH_LEDGER_TABLE: 'ledger',
  TMC_HEALTH_TOPIC_ARN: 'arn:aws:sns:us-east-1:111122223333:tmc-health',
  TMC_HEALTH_EVENT_BUS: 'tmc-health',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
};

const context = {
  functionName: 'tmc-health-member',
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:us-east-1:${credentialAccount.ACCOUNT}:function:tmc-health-member`,
  memoryLimitInMB: '512',
  awsRequestId: 'request-1',
  getRemainingTimeInMillis: () => 900_000,
} as unknown as Context;

const eventBridge = credentialAccount.mocks.events;
const dynamodb = irsaAccount.COMMAND.PutItem[0];
const sns = mockClient(SNSClient);
let handlers: {
  credentials: typeof import('../../lambdas/handlers/credential-check');
  irsa: typeof import('../../lambdas/handlers/irsa-check');
};

function acceptAll(request: PutEventsCommandInput): PutEventsCommandOutput {
  return {
    $metadata: {},
    FailedEntryCount: 0,
    Entries: (request.Entries ?? []).map((_, i) => ({ EventId: `event-${i}` })),
  };
}

function putEntries() {
  return eventBridge.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []);
}

function reports(): RunReport[] {
  return putEntries().map((entry) => {
    const parsed = parseRunReportDetail(JSON.parse(entry.Detail ?? 'null'), gzipBase64Codec());
    if (!parsed.ok) throw new Error(parsed.problem);
    return parsed.report;
  });
}

useEnv(ENV);
beforeAll(async () => {
  handlers = {
    credentials: await import('../../lambdas/handlers/credential-check'),
    irsa: await import('../../lambdas/handlers/irsa-check'),
  };
});

beforeEach(() => sns.reset());

it('the credential-check handler sends one run report to the hub bus, and no finding, ledger or mail', async () => {
  credentialAccount.installAccount();
  eventBridge.on(PutEventsCommand).callsFake(acceptAll);
  irsaAccount.install();
  await handlers.credentials.handler({}, context);

  expect(putEntries()).toEqual([
    expect.objectContaining({ EventBusName: HUB_BUS, DetailType: RUN_REPORT_DETAIL_TYPE }),
  ]);
  const [report] = reports();
  expect(report).toMatchObject({
    family: 'credentials',
    accountId: credentialAccount.ACCOUNT,
    coveredRegions: [...credentialAccount.REGIONS],
    part: 1,
    parts: 1,
  });
  expect(report!.findings.length).toBeGreaterThan(10);
  // PASS included (the fixture's tokens are old by the wall clock the handler runs on: those FAIL).
  expect(report!.findings.filter((f) => f.status === 'PASS').length).toBeGreaterThan(10);
  expect(dynamodb.calls()).toHaveLength(0);
  expect(sns.calls()).toHaveLength(0);
});

it('the IRSA handler sends its run report to the hub bus and still keeps its watermarks', async () => {
  credentialAccount.installAccount();
  eventBridge.on(PutEventsCommand).callsFake(acceptAll);
  irsaAccount.install();
  await handlers.irsa.handler({}, context);

  const [report] = reports();
  expect(reports()).toHaveLength(1);
  expect(putEntries()[0]).toMatchObject({ EventBusName: HUB_BUS });
  expect(report).toMatchObject({
    family: 'irsa',
    coveredRegions: [irsaAccount.FAULT_REGION, irsaAccount.OK_REGION],
  });
  expect(report!.findings.filter((f) => f.checkId === 'irsa.assume-role.denied')).toHaveLength(2);
  // DynamoDB only for the watermark table: no ledger.
  const tables = dynamodb.calls().map((call) => (call.args[0].input as { TableName?: string }).TableName);
  expect(new Set(tables)).toEqual(new Set(['wm']));
  expect(dynamodb).toHaveReceivedCommand(GetItemCommand);
  expect(dynamodb).toHaveReceivedCommand(PutItemCommand);
  expect(sns.calls()).toHaveLength(0);
});

it('the credential-check handler fails the run when the hub bus refuses the report', async () => {
  credentialAccount.installAccount();
  eventBridge.on(PutEventsCommand).resolves({
    FailedEntryCount: 1,
    Entries: [{ ErrorCode: 'AccessDeniedException', ErrorMessage: 'not in the organization' }],
  });
  irsaAccount.install();
  await expect(handlers.credentials.handler({}, context)).rejects.toMatchObject({
    name: 'PublishError',
    publisher: 'run-report',
  });
});
