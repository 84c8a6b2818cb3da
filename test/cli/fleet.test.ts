import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeRuleCommand,
  EventBridgeClient,
  ListRuleNamesByTargetCommand,
  ListTargetsByRuleCommand,
} from '@aws-sdk/client-eventbridge';
import { IAMClient, ListOpenIDConnectProvidersCommand } from '@aws-sdk/client-iam';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { SSMClient, DescribeParametersCommand } from '@aws-sdk/client-ssm';
import {
  AssumeRoleCommand,
  GetCallerIdentityCommand,
  STSClient,
  type AssumeRoleCommandInput,
} from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { Finding } from '../../lambdas/core/finding';
import { EXIT } from '../../lambdas/cli/exit-codes';
import { accountNotCheckedFinding } from '../../lambdas/cli/fleet';
import type { FleetJsonReport } from '../../lambdas/cli/render-json';
import { createAwsRunFleetCheck, FLEET_CONCURRENCY } from '../../lambdas/cli/run-fleet';
import { stripAnsi, visibleWidth } from '../../lambdas/cli/style';
import { TMC_CREDENTIAL_TAG_KEY } from '../../lambdas/core/inventory';
import { answerEveryQuery } from '../fixtures/metrics';
import { FakeStream, harness } from './support';

/**
 * `tmc-health check --accounts` end to end in-process: the real createAwsRunFleetCheck, the real adapters, with
 * aws-sdk-client-mock answering. The mocks tell the accounts apart by the credentials the calling client signs
 * with: STS hands each account's role keys named after the account (ASIA<account id>).
 */

const REGION = 'us-west-2';
const CALLER = '999988887777';
const CALLER_ARN = `arn:aws:sts::${CALLER}:assumed-role/AWSReservedSSO_Ops/me`;
const HEALTHY = '111122223333';
const FAILING = '444455556666';
const DENIED = '777788889999';

const sts = mockClient(STSClient);
const tagging = mockClient(ResourceGroupsTaggingAPIClient);
const lambda = mockClient(LambdaClient);
const cloudwatch = mockClient(CloudWatchClient);
const events = mockClient(EventBridgeClient);
const ssm = mockClient(SSMClient);
const cloudtrail = mockClient(CloudTrailClient);
const iam = mockClient(IAMClient);
const allMocks = [sts, tagging, lambda, cloudwatch, events, ssm, cloudtrail, iam];

const accountOfRole = (roleArn: string) => /^arn:aws:iam::(\d{12}):role\//.exec(roleArn)![1]!;
/** The account whose role keys the calling client holds. */
async function callingAccount(getClient: () => { config: unknown }): Promise<string> {
  const config = getClient().config as { credentials: () => Promise<{ accessKeyId: string }> };
  return (await config.credentials()).accessKeyId.replace(/^ASIA/, '');
}

const fnArn = (account: string, name: string) => `arn:aws:lambda:${REGION}:${account}:function:${name}`;
const ruleArn = (account: string, name: string) => `arn:aws:events:${REGION}:${account}:rule/${name}`;
const credentialOf = (account: string) => `tmc-${account.slice(0, 4)}`;

function answerAsEachAccount(options: { deny?: readonly string[]; disabledRuleIn?: string } = {}): void {
  sts.on(GetCallerIdentityCommand).resolves({ Account: CALLER, Arn: CALLER_ARN, UserId: 'AROA:me' });
  sts.on(AssumeRoleCommand).callsFake((input: AssumeRoleCommandInput) => {
    const account = accountOfRole(input.RoleArn!);
    if (options.deny?.includes(account)) {
      throw Object.assign(
        new Error(
          `User: ${CALLER_ARN} is not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`,
        ),
        { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } },
      );
    }
    return {
      Credentials: {
        AccessKeyId: `ASIA${account}`,
        SecretAccessKey: 'secret',
        SessionToken: 'token',
        Expiration: new Date(Date.now() + 3_600_000),
      },
    };
  });
  tagging.on(GetResourcesCommand).callsFake(async (_input, getClient) => {
    const account = await callingAccount(getClient);
    const credential = credentialOf(account);
    const tag = [{ Key: TMC_CREDENTIAL_TAG_KEY, Value: credential }];
    return {
      ResourceTagMappingList: [
        { ResourceARN: fnArn(account, `${credential}-data-sync`), Tags: tag },
        { ResourceARN: fnArn(account, `${credential}-resource-retriever`), Tags: tag },
        { ResourceARN: ruleArn(account, `${credential}-sync-schedule`), Tags: tag },
        {
          ResourceARN: `arn:aws:ssm:${REGION}:${account}:parameter/tmc/${credential}/token`,
          Tags: tag,
        },
      ],
    };
  });
  lambda.on(GetFunctionConfigurationCommand).callsFake((input: { FunctionName: string }) => ({
    FunctionArn: input.FunctionName,
    State: 'Active',
    LastUpdateStatus: 'Successful',
  }));
  cloudwatch
    .on(GetMetricDataCommand)
    .callsFake(answerEveryQuery((id) => (id.endsWith('_invocations') ? [6] : [0])));
  events.on(DescribeRuleCommand).callsFake(async (input: { Name: string }, getClient) => {
    const account = await callingAccount(getClient);
    return {
      Name: input.Name,
      Arn: ruleArn(account, input.Name),
      State: account === options.disabledRuleIn ? 'DISABLED' : 'ENABLED',
      ScheduleExpression: 'rate(5 minutes)',
    };
  });
  events.on(ListTargetsByRuleCommand).callsFake(async (input: { Rule: string }, getClient) => {
    const account = await callingAccount(getClient);
    return {
      Targets: [{ Id: 'sync', Arn: fnArn(account, input.Rule.replace('-sync-schedule', '-data-sync')) }],
    };
  });
  events.on(ListRuleNamesByTargetCommand).resolves({ RuleNames: [] });
  ssm.on(DescribeParametersCommand).callsFake((input: { ParameterFilters: { Values: string[] }[] }) => ({
    Parameters: input.ParameterFilters[0]!.Values.map((Name) => ({
      Name,
      Type: 'SecureString',
      Version: 3,
      LastModifiedDate: new Date(Date.now() - 86_400_000),
    })),
  }));
  cloudtrail.on(LookupEventsCommand).resolves({ Events: [] });
  iam.on(ListOpenIDConnectProvidersCommand).resolves({ OpenIDConnectProviderList: [] });
}

beforeEach(() => {
  for (const mock of allMocks) mock.reset();
});

const fleetHarness = (stdout = new FakeStream()) =>
  harness({ stdout, runFleetCheck: createAwsRunFleetCheck({ maxAttempts: 1 }) });

const byAccount = (findings: readonly Finding[]) => {
  const grouped = new Map<string, Finding[]>();
  for (const finding of findings)
    grouped.set(finding.accountId, [...(grouped.get(finding.accountId) ?? []), finding]);
  return grouped;
};

describe('tmc-health check --accounts', () => {
  test('two accounts read through their roles: each one its own findings, the same checks as for one account', async () => {
    answerAsEachAccount({ disabledRuleIn: FAILING });
    const cli = fleetHarness();
    const code = await cli.run('check', '--checks', 'tmc', '--accounts', `${HEALTHY},${FAILING}`, '--json');
    expect(cli.stderr.text).toBe('');
    expect(code).toBe(EXIT.FAIL);

    expect(sts).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 1);
    expect(sts.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input)).toEqual(
      expect.arrayContaining([
        {
          RoleArn: `arn:aws:iam::${HEALTHY}:role/TmcHealthReadOnly`,
          RoleSessionName: 'tmc-health-cli',
          DurationSeconds: 3600,
        },
        {
          RoleArn: `arn:aws:iam::${FAILING}:role/TmcHealthReadOnly`,
          RoleSessionName: 'tmc-health-cli',
          DurationSeconds: 3600,
        },
      ]),
    );

    const report = JSON.parse(cli.stdout.text) as FleetJsonReport;
    const grouped = byAccount(report.findings);
    expect([...grouped.keys()]).toEqual([HEALTHY, FAILING]);
    // Every finding of an account is about that account's resources.
    for (const [account, findings] of grouped) {
      for (const finding of findings) {
        if (finding.resource.arn) expect(finding.resource.arn).toContain(`:${account}:`);
        if (finding.tmc) expect(finding.tmc.credentialName).toBe(credentialOf(account));
      }
    }
    expect(grouped.get(HEALTHY)!.filter((f) => f.status !== 'PASS')).toEqual([]);
    expect(
      grouped
        .get(FAILING)!
        .filter((f) => f.status !== 'PASS')
        .map((f) => f.checkId),
    ).toEqual(['tmc.event-rule.disabled']);

    expect(report.summary).toMatchObject({
      roleName: 'TmcHealthReadOnly',
      caller: { account: CALLER, arn: CALLER_ARN },
      findings: report.findings.length,
      notChecked: [],
      byStatus: { FAIL: 1, ERROR: 0, PASS: report.findings.length - 1 },
    });
    expect(report.summary.accounts.map((a) => [a.accountId, a.checked, a.summary.byStatus.FAIL])).toEqual([
      [HEALTHY, true, 0],
      [FAILING, true, 1],
    ]);
    expect(report.summary.accounts[0]!.summary).toMatchObject({
      accountId: HEALTHY,
      regions: [REGION],
      credentials: 1,
    });
  });

  test('an account whose role cannot be assumed is an ERROR finding; the other accounts are still checked', async () => {
    answerAsEachAccount({ deny: [DENIED] });
    const cli = fleetHarness();
    const code = await cli.run('check', '--checks', 'tmc', '--accounts', HEALTHY, DENIED, '--json');
    expect(code).toBe(EXIT.ERROR);
    const report = JSON.parse(cli.stdout.text) as FleetJsonReport;
    const grouped = byAccount(report.findings);
    expect(grouped.get(HEALTHY)!.length).toBeGreaterThan(5);
    expect(grouped.get(HEALTHY)!.every((f) => f.status === 'PASS')).toBe(true);

    const roleArn = `arn:aws:iam::${DENIED}:role/TmcHealthReadOnly`;
    expect(grouped.get(DENIED)).toEqual([
      expect.objectContaining({
        checkId: 'checker.error',
        status: 'ERROR',
        severity: 'HIGH',
        accountId: DENIED,
        region: REGION,
        resource: { type: 'AWS::IAM::Role', arn: roleArn, name: 'TmcHealthReadOnly' },
        evidence: expect.objectContaining({
          operation: 'sts:AssumeRole',
          roleArn,
          errorName: 'AccessDenied',
          caller: CALLER_ARN,
          externalId: false,
        }),
      }),
    ]);
    const [error] = grouped.get(DENIED)!;
    expect(error!.message).toContain(`could not assume ${roleArn} in account ${DENIED}`);
    expect(error!.message).toContain('AccessDenied: User: ');
    expect(error!.remediation.text).toContain('deploy the read-only role');
    expect(error!.remediation.text).toContain('trust policy');
    expect(error!.remediation.text).toContain(CALLER_ARN);
    expect(report.summary.notChecked).toEqual([DENIED]);
    expect(report.summary.accounts[1]).toMatchObject({
      accountId: DENIED,
      checked: false,
      failure: { stage: 'assume', errorName: 'AccessDenied' },
    });
    // Nothing was read with the caller's own credentials in place of the refused role.
    for (const call of tagging.commandCalls(GetResourcesCommand)) {
      const config = call.thisValue as unknown as {
        config: { credentials: () => Promise<{ accessKeyId: string }> };
      };
      expect((await config.config.credentials()).accessKeyId).toBe(`ASIA${HEALTHY}`);
    }
  });

  test('the table: a section per account, the ERROR row and its remediation, counts per account', async () => {
    answerAsEachAccount({ deny: [DENIED], disabledRuleIn: FAILING });
    const stdout = new FakeStream(false, 100);
    const cli = fleetHarness(stdout);
    const code = await cli.run(
      'check',
      '--checks',
      'tmc',
      '--accounts',
      HEALTHY,
      FAILING,
      DENIED,
      '--no-color',
      '--failing',
    );
    expect(code).toBe(EXIT.FAIL);
    const out = cli.stdout.text;
    const lines = out.split('\n');
    for (const line of lines) expect(visibleWidth(line)).toBeLessThanOrEqual(100);
    const heading = (account: string) => lines.findIndex((line) => line.startsWith(`== Account ${account}`));
    expect(heading(HEALTHY)).toBeGreaterThanOrEqual(0);
    expect(heading(FAILING)).toBeGreaterThan(heading(HEALTHY));
    expect(heading(DENIED)).toBeGreaterThan(heading(FAILING));
    expect(lines[heading(HEALTHY)]).toBe(
      `== Account ${HEALTHY}: via arn:aws:iam::${HEALTHY}:role/TmcHealthReadOnly`,
    );
    expect(lines[heading(DENIED)]).toBe(
      `== Account ${DENIED}: role not assumed (sts:AssumeRole AccessDenied)`,
    );

    const section = (account: string, next?: string) =>
      lines.slice(
        heading(account),
        next ? heading(next) : lines.findIndex((l) => l.startsWith('Accounts (')),
      );
    expect(section(FAILING, DENIED).join('\n')).toMatch(/event-rule\s+tmc\.event-rule\.disabled\s+FAIL/);
    const denied = section(DENIED).join('\n');
    expect(denied).toMatch(/checker\s+checker\.error\s+ERROR\s+HIGH\s+operation=sts:AssumeRole/);
    expect(denied).toContain('deploy the read-only role there');
    expect(denied).toContain(
      `Summary: 0 FAIL, 1 ERROR, 0 PASS. Account ${DENIED} not checked (sts:AssumeRole AccessDenied).`,
    );
    // --failing: the healthy account says so in one line, and its summary that nothing passed is listed.
    const healthy = section(HEALTHY, FAILING).join('\n');
    expect(healthy).toContain('\nNo FAIL or ERROR.\n');
    expect(healthy.replace(/\s+/g, ' ')).toMatch(
      new RegExp(
        `Summary: 0 FAIL, 0 ERROR, \\d+ PASS \\(not listed: --failing\\)\\. .*account ${HEALTHY}\\.`,
      ),
    );

    const tail = lines.slice(lines.findIndex((line) => line.startsWith('Accounts (role TmcHealthReadOnly)')));
    expect(tail[1]).toMatch(new RegExp(`^  ${HEALTHY}  0 FAIL  0 ERROR  \\d+ PASS  healthy$`));
    expect(tail[2]).toMatch(new RegExp(`^  ${FAILING}  1 FAIL  0 ERROR  \\d+ PASS$`));
    expect(tail[3]).toMatch(
      new RegExp(`^  ${DENIED}  0 FAIL  1 ERROR  +0 PASS  not checked: sts:AssumeRole AccessDenied$`),
    );
    expect(tail[4]).toMatch(/^Fleet: 1 FAIL, 1 ERROR, \d+ PASS across 3 accounts, 1 not checked\.$/);
    expect(stripAnsi(out)).toBe(out);
  });

  test('in colour every line still fits; progress on a terminal stderr counts the accounts', async () => {
    answerAsEachAccount({ deny: [DENIED], disabledRuleIn: FAILING });
    const stdout = new FakeStream(true, 80);
    const stderr = new FakeStream(true);
    const cli = harness({
      stdout,
      stderr,
      env: { FORCE_COLOR: '1' },
      runFleetCheck: createAwsRunFleetCheck({ maxAttempts: 1 }),
    });
    await cli.run('check', '--checks', 'tmc', '--accounts', HEALTHY, FAILING, DENIED);
    expect(stripAnsi(cli.stdout.text)).not.toBe(cli.stdout.text);
    for (const line of cli.stdout.text.split('\n')) expect(visibleWidth(line)).toBeLessThanOrEqual(80);
    expect(cli.stderr.text).toContain('Accounts: 0 of 3 done; checking 111122223333');
    expect(cli.stderr.text).toContain('Accounts: 3 of 3 done');
  });

  test('IRSA runs in each account too, with that account role (CloudTrail and IAM)', async () => {
    answerAsEachAccount();
    const cli = fleetHarness();
    // The EKS Connector family (a default) is left out: these fakes serve no EKS.
    const code = await cli.run('check', '--accounts', HEALTHY, FAILING, '--checks', 'tmc,irsa', '--json');
    expect(code).toBe(EXIT.OK);
    const signers = await Promise.all(
      cloudtrail.commandCalls(LookupEventsCommand).map(async (call) => {
        const client = call.thisValue as unknown as {
          config: { credentials: () => Promise<{ accessKeyId: string }> };
        };
        return (await client.config.credentials()).accessKeyId;
      }),
    );
    expect(new Set(signers)).toEqual(new Set([`ASIA${HEALTHY}`, `ASIA${FAILING}`]));
    const report = JSON.parse(cli.stdout.text) as FleetJsonReport;
    expect(report.summary.accounts.every((account) => account.summary.irsa !== undefined)).toBe(true);
  });

  test('--role-name, --external-id and --role-session-name reach AssumeRole', async () => {
    answerAsEachAccount();
    const cli = fleetHarness();
    await cli.run(
      'check',
      '--checks',
      'tmc',
      '--accounts',
      HEALTHY,
      '--role-name',
      'audit/TmcReader',
      '--external-id',
      'fleet-7f3a',
      '--role-session-name',
      'ci-nightly',
      '--json',
    );
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: `arn:aws:iam::${HEALTHY}:role/audit/TmcReader`,
      ExternalId: 'fleet-7f3a',
      RoleSessionName: 'ci-nightly',
    });
  });

  test('the partition of the role ARN follows the region', async () => {
    answerAsEachAccount();
    const cli = fleetHarness();
    await cli.run('check', '--checks', 'tmc', '--accounts', HEALTHY, '--region', 'cn-north-1', '--json');
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: `arn:aws-cn:iam::${HEALTHY}:role/TmcHealthReadOnly`,
    });
  });

  test(`at most ${FLEET_CONCURRENCY} accounts at a time`, async () => {
    answerAsEachAccount();
    let inFlight = 0;
    let most = 0;
    sts.on(AssumeRoleCommand).callsFake(async (input: AssumeRoleCommandInput) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 15));
      inFlight -= 1;
      return {
        Credentials: {
          AccessKeyId: `ASIA${accountOfRole(input.RoleArn!)}`,
          SecretAccessKey: 's',
          SessionToken: 't',
          Expiration: new Date(Date.now() + 3_600_000),
        },
      };
    });
    const accounts = Array.from({ length: 9 }, (_, index) => `10000000000${index}`);
    const cli = fleetHarness();
    expect(await cli.run('check', '--checks', 'tmc', '--accounts', accounts.join(','), '--json')).toBe(
      EXIT.OK,
    );
    expect(most).toBe(FLEET_CONCURRENCY);
    const report = JSON.parse(cli.stdout.text) as FleetJsonReport;
    expect(report.summary.accounts.map((account) => account.accountId)).toEqual(accounts);
  });

  test('no usable credentials of your own: a usage error before any account', async () => {
    sts.on(GetCallerIdentityCommand).rejects(
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      }),
    );
    const cli = fleetHarness();
    expect(await cli.run('check', '--accounts', HEALTHY, '--json')).toBe(EXIT.USAGE);
    expect(cli.stdout.text).toBe('');
    expect(cli.stderr.text).toContain('no usable AWS credentials');
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 0);
  });
});

describe('the finding of an account not checked', () => {
  const base = {
    accountId: DENIED,
    region: 'eu-west-1',
    roleArn: `arn:aws:iam::${DENIED}:role/TmcHealthReadOnly`,
    caller: { account: CALLER, arn: CALLER_ARN },
    externalIdGiven: true,
    observedAt: '2026-11-22T12:00:00.000Z',
    runbookBaseUrl: 'docs/checks.md',
  };

  test('STS region disabled: the likely cause first, the external id named in the trust-policy step', () => {
    const finding = accountNotCheckedFinding({
      ...base,
      failure: {
        stage: 'assume',
        errorName: 'RegionDisabledException',
        message: 'STS is not activated in this region for account:999988887777.',
      },
    });
    const [first, ...steps] = finding.remediation.text.split('\n');
    expect(first).toMatch(/^STS is not activated in eu-west-1 for your account/);
    expect(steps).toHaveLength(4);
    expect(steps[1]).toContain('same sts:ExternalId condition value you passed with --external-id');
    expect(finding.evidence).toMatchObject({ externalId: true, errorName: 'RegionDisabledException' });
    expect(finding.remediation.runbookUrl).toBe('docs/checks.md#checker-error');
  });

  test('a run that failed after the role was assumed keeps the catalogue remediation', () => {
    const finding = accountNotCheckedFinding({
      ...base,
      failure: { stage: 'check', errorName: 'TypeError', message: 'boom' },
    });
    expect(finding).toMatchObject({
      checkId: 'checker.error',
      status: 'ERROR',
      title: `The check of account ${DENIED} failed`,
      evidence: { operation: 'check', errorName: 'TypeError' },
    });
    expect(finding.remediation.text).toMatch(/^1\. `AccessDenied\*`/);
    // Stable and distinct ids: the same account and role give the same id run after run.
    expect(finding.findingId).toBe(
      accountNotCheckedFinding({ ...base, failure: { stage: 'check', errorName: 'X', message: 'y' } })
        .findingId,
    );
  });
});

describe('tmc-health check --accounts: usage errors (exit 2, nothing run)', () => {
  test.each([
    [['--accounts', '12345'], "--accounts: '12345' is not an AWS account id (12 digits"],
    [['--accounts', '111122223333,abc'], "--accounts: 'abc' is not an AWS account id"],
    [['--accounts', '1111222233334'], "--accounts: '1111222233334' is not an AWS account id"],
    [['--accounts', ','], '--accounts: give at least one 12-digit AWS account id'],
    [['--accounts', '--region', REGION], '--accounts: give the account ids right after the flag'],
    [['--accounts', HEALTHY, '--role-name', ''], '--role-name: give the name of the read-only role'],
    [['--accounts', HEALTHY, '--role-name', 'bad name'], "--role-name: 'bad name' is not an IAM role name"],
    [['--accounts', HEALTHY, '--external-id', 'x'], '--external-id: must be 2 to 1224'],
    [['--accounts', HEALTHY, '--role-session-name', 'a b'], "--role-session-name: 'a b' must be"],
    [['--role-name', 'TmcHealthReadOnly'], '--role-name only applies with --accounts'],
    [['--external-id', 'abc'], '--external-id only applies with --accounts'],
    [['--accounts', HEALTHY, '--publish'], '--publish: not with --accounts'],
  ])('%j', async (args, message) => {
    const cli = harness();
    expect(await cli.run('check', ...args)).toBe(EXIT.USAGE);
    expect(cli.stderr.text).toContain(`tmc-health: error: ${message}`);
    expect(cli.fleetRequests).toEqual([]);
    expect(cli.requests).toEqual([]);
  });

  test('--role-name without a value is a commander usage error', async () => {
    const cli = harness();
    expect(await cli.run('check', '--accounts', HEALTHY, '--role-name')).toBe(EXIT.USAGE);
    expect(cli.stderr.text).toContain("option '--role-name <name>' argument missing");
  });

  test('ids comma or space separated, repeated flags, duplicates once; defaults for role and session', async () => {
    const cli = harness({ runFleetCheck: () => Promise.reject(new Error('stop here')) });
    await cli.run(
      'check',
      '--accounts',
      `${HEALTHY},${FAILING}`,
      `${DENIED} ${HEALTHY}`,
      '--accounts',
      FAILING,
      '--region',
      REGION,
    );
    expect(cli.fleetRequests).toHaveLength(1);
    expect(cli.fleetRequests[0]!.target).toEqual({
      accountIds: [HEALTHY, FAILING, DENIED],
      roleName: 'TmcHealthReadOnly',
      sessionName: 'tmc-health-cli',
    });
  });

  test('--help documents the flags', async () => {
    const cli = harness();
    expect(await cli.run('check', '--help')).toBe(EXIT.OK);
    for (const flag of [
      '--accounts <ids...>',
      '--role-name <name>',
      '--external-id <id>',
      '--role-session-name <name>',
    ]) {
      expect(cli.stdout.text).toContain(flag);
    }
    expect(cli.stdout.text).toContain('default: TmcHealthReadOnly');
  });
});
