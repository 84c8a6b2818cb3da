/**
 * An endpoint that answers, but not in the service's protocol (an emulator's HTML 404 page for an API it lacks,
 * JSON cut short by a proxy): every call the checkers make must fail as one readable line, `UnexpectedResponse`,
 * naming the service, the operation and the endpoint, never the parser's text ("SyntaxError: Unexpected token
 * '<'", "Deserialization error: to see the raw response...").
 */
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeRuleCommand } from '@aws-sdk/client-eventbridge';
import { GetRoleCommand } from '@aws-sdk/client-iam';
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { DescribeParametersCommand } from '@aws-sdk/client-ssm';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runCredentialCheck } from '../../../lambdas/app/credential-check';
import { runIrsaCheck } from '../../../lambdas/app/irsa-check';
import { createRegionClients } from '../../../lambdas/adapters/clients';
import { createIrsaClients } from '../../../lambdas/adapters/irsa/clients';
import { UNEXPECTED_ANSWER } from '../../../lambdas/adapters/unexpected-answer';
import type { Finding } from '../../../lambdas/core/finding';
import { irsaSettingsSchema } from '../../../lambdas/core/irsa/settings';
import { checkerSettingsSchema } from '../../../lambdas/core/settings';
import { useEnv } from '../../fixtures/env';

type Answer = { readonly status: number; readonly type: string; readonly body: string };
const ANSWERS: Record<string, Answer> = {
  'an HTML 404 page': {
    status: 404,
    type: 'text/html; charset=utf-8',
    body: '<!doctype html>\n<html><head><title>404 Not Found</title></head><body>Not Found</body></html>',
  },
  'JSON cut short': {
    status: 200,
    type: 'application/x-amz-json-1.1',
    body: '{"ResourceTagMappingList": [{"Reso',
  },
};

let server: Server;
let endpoint: string;
let answer: Answer;

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(answer.status, { 'content-type': answer.type });
      response.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
useEnv(() => ({
  AWS_ENDPOINT_URL: endpoint,
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'secret',
  AWS_PROFILE: undefined,
}));
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const OPTIONS = { maxAttempts: 1 };

function expectReadableErrors(findings: readonly Finding[], operations: readonly string[]): void {
  const errors = findings.filter(
    (finding) => finding.checkId === 'checker.error' && finding.status === 'ERROR',
  );
  expect(errors.map((finding) => finding.resource.name).sort()).toEqual([...operations].sort());
  for (const finding of errors) {
    const [service, operation] = finding.resource.name.split(':') as [string, string];
    expect(finding.evidence.errorNames).toEqual([UNEXPECTED_ANSWER]);
    const message = String(finding.evidence.message);
    expect(message).toContain(endpoint);
    expect(message).toContain(operation);
    expect(message.toLowerCase()).toContain(service === 'tagging' ? 'resourcegroupstagging' : service);
    for (const text of [finding.message, message]) {
      expect(text).not.toMatch(/[\r\n]/);
      expect(text).not.toMatch(/SyntaxError|Deserialization error|\$response/);
    }
  }
  expect(
    findings.filter((finding) => finding.status === 'PASS' && finding.checkId !== 'checker.error'),
  ).toEqual([]);
}

describe.each(Object.keys(ANSWERS))('an endpoint answering with %s', (kind) => {
  beforeEach(() => {
    answer = ANSWERS[kind]!;
  });

  it('credential check: discovery is one readable ERROR naming the service and endpoint', async () => {
    const result = await runCredentialCheck(
      {
        accountId: '111122223333',
        settings: checkerSettingsSchema.parse({ regions: ['eu-west-1'], credentialNames: ['alpha'] }),
        defaultRegion: 'eu-west-1',
      },
      { clientsFor: (region) => createRegionClients(region, OPTIONS) },
    );
    expectReadableErrors(result.findings, ['tagging:GetResources']);
  });

  it('IRSA check: CloudTrail is one readable ERROR naming the service and endpoint', async () => {
    const result = await runIrsaCheck(
      {
        accountId: '111122223333',
        settings: irsaSettingsSchema.parse({ regions: ['us-west-2'], lookbackMinutes: 60 }),
        defaultRegion: 'us-west-2',
      },
      { clients: createIrsaClients({ watermarkTableName: undefined }, 'us-west-2', OPTIONS) },
    );
    expectReadableErrors(result.findings, ['cloudtrail:LookupEvents']);
  });
});

/** One read per client the checkers build, across the protocols they speak (JSON, REST-JSON, query/XML). */
const READS: Record<string, () => Promise<unknown>> = {
  'Lambda GetFunctionConfiguration (REST-JSON)': () =>
    createRegionClients('eu-west-1', OPTIONS).lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: 'alpha-data-sync' }),
    ),
  'CloudWatch GetMetricData': () =>
    createRegionClients('eu-west-1', OPTIONS).cloudwatch.send(
      new GetMetricDataCommand({ MetricDataQueries: [], StartTime: new Date(0), EndTime: new Date() }),
    ),
  'EventBridge DescribeRule (JSON)': () =>
    createRegionClients('eu-west-1', OPTIONS).events.send(new DescribeRuleCommand({ Name: 'rule' })),
  'SSM DescribeParameters (JSON)': () =>
    createRegionClients('eu-west-1', OPTIONS).ssm.send(new DescribeParametersCommand({})),
  'IAM GetRole (query/XML)': () =>
    createIrsaClients({ watermarkTableName: undefined }, 'us-west-2', OPTIONS).iam.send(
      new GetRoleCommand({ RoleName: 'role' }),
    ),
};

describe.each(Object.keys(ANSWERS))('every checker client, answered with %s', (kind) => {
  beforeEach(() => {
    answer = ANSWERS[kind]!;
  });

  it.each(Object.keys(READS))('%s fails as one readable UnexpectedResponse line', async (read) => {
    const error = await READS[read]!().then(
      () => undefined,
      (failure: unknown) => failure as Error,
    );
    expect(error?.name).toBe(UNEXPECTED_ANSWER);
    expect(error?.message).toContain(endpoint);
    expect(error?.message).not.toMatch(/[\r\n]|SyntaxError|Deserialization error/);
  });
});

/**
 * moto labels some JSON answers text/html (EventBridge ListRuleNamesByTarget, Lambda GetFunctionConfiguration): the
 * label alone must not make a good answer an UnexpectedResponse. Only a body that is an HTML page is one.
 */
describe('a JSON answer labelled text/html (as moto sends some)', () => {
  beforeEach(() => {
    answer = {
      status: 200,
      type: 'text/html; charset=utf-8',
      body: JSON.stringify({
        FunctionName: 'alpha-data-sync',
        State: 'Active',
        Name: 'rule',
        Parameters: [],
        MetricDataResults: [],
      }),
    };
  });

  it.each(Object.keys(READS).filter((read) => !read.includes('XML')))(
    '%s is read as the answer',
    async (read) => {
      await expect(READS[read]!()).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } });
    },
  );

  it('Lambda GetFunctionConfiguration returns the fields of the body', async () => {
    await expect(READS['Lambda GetFunctionConfiguration (REST-JSON)']!()).resolves.toMatchObject({
      FunctionName: 'alpha-data-sync',
      State: 'Active',
    });
  });
});
