/**
 * End-to-end: the built `tmc-health` command (node bin/tmc-health.js) running the IRSA check as a child process,
 * against moto (STS, IAM roles and OIDC providers, Lambda/SSM/EventBridge for the TMC family) and the CloudTrail
 * LookupEvents stub (support/cloudtrail-stub.ts, reached through AWS_ENDPOINT_URL_CLOUDTRAIL), configured only
 * through the standard AWS environment, as in cli.test.ts.
 *
 * The IAM names of the IRSA scenario are fixed, so every test starts from an empty moto and an empty stub.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import type { CliSummary } from '../../lambdas/cli/summary';
import type { Finding } from '../../lambdas/core/finding';
import {
  destroyClients,
  MOTO_ACCOUNT_ID,
  resetMoto,
  seedTmcCredential,
  TEST_REGION,
  testClients,
  uniqueName,
  type TestClients,
} from './support';
import { startCloudTrailStub, type CloudTrailStub } from './support/cloudtrail-stub';
import { correctedPolicyOf } from './support/irsa-runner';
import {
  CLUSTER_ISSUER,
  CLUSTER_PROVIDER_ARN,
  GLOBAL_STS_REGION,
  OPS_STATEMENT,
  PAIR_SPECS,
  roleArn,
  seedIrsaScenario,
  seedScenarioEvents,
  seedTokyoCluster,
  TOKYO_CLUSTER,
  type IrsaScenario,
} from './support/irsa-seed';
import { isolatedCliEnv, runCliProcess } from './support/cli-process';

jest.setTimeout(180_000);

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'tmc-health.js');
const MINUTE = 60_000;
const schema = JSON.parse(readFileSync(join(ROOT, 'docs', 'finding-schema.json'), 'utf8'));
const validateFinding = new Ajv2020({ allErrors: true, strict: false, validateFormats: false }).compile(
  schema,
);
/** The AWS guide's example: `serverless/aws-sdk` denied by a trust policy that allows `aws-sdk-v2`. */
const SUB_TYPO = PAIR_SPECS.find((spec) => spec.cause === 'sub-mismatch')!;

let clients: TestClients;
let stub: CloudTrailStub;
let home: string;

beforeAll(async () => {
  // Always rebuild: a stale dist/ from an older checkout must not be what gets tested.
  execFileSync('npm', ['run', '--silent', 'build:cli'], { cwd: ROOT, stdio: 'pipe' });
  clients = testClients();
  stub = await startCloudTrailStub();
  home = mkdtempSync(join(tmpdir(), 'tmc-health-cli-irsa-'));
});
afterAll(async () => {
  destroyClients(clients);
  await stub.close();
  rmSync(home, { recursive: true, force: true });
});
beforeEach(async () => {
  await resetMoto();
  stub.clear();
});

/** The broken role seeded in moto (and a correct one), its denied calls in the stub over the last 40 minutes. */
async function seedBrokenRole(): Promise<IrsaScenario> {
  const now = Date.now();
  const scenario = await seedIrsaScenario(
    clients,
    { from: new Date(now - 40 * MINUTE), to: new Date(now - 2 * MINUTE) },
    [SUB_TYPO],
  );
  seedScenarioEvents(stub, scenario);
  return scenario;
}

const cliEnv = () => isolatedCliEnv(home, { AWS_ENDPOINT_URL_CLOUDTRAIL: stub.endpoint });

const runCli = (args: readonly string[]) => runCliProcess(BIN, args, cliEnv());

const problems = (findings: readonly Finding[]) => findings.filter((finding) => finding.status !== 'PASS');

describe('tmc-health check --checks irsa against moto and the CloudTrail stub', () => {
  test('cli-irsa: a broken trust policy exits 1 with the sub-mismatch finding in --json', async () => {
    await seedBrokenRole();
    const run = await runCli(['check', '--checks', 'irsa', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const document = JSON.parse(run.stdout) as { findings: Finding[]; summary: CliSummary };
    expect(Object.keys(document).sort()).toEqual(['findings', 'summary']);
    for (const finding of document.findings) {
      expect(validateFinding(finding) ? [] : validateFinding.errors).toEqual([]);
      expect(finding.accountId).toBe(MOTO_ACCOUNT_ID);
    }

    const [finding, ...others] = problems(document.findings);
    expect(others).toEqual([]);
    expect(finding).toMatchObject({
      checkId: 'irsa.assume-role.denied',
      status: 'FAIL',
      severity: 'HIGH',
      region: TEST_REGION,
      resource: { type: 'AWS::IAM::Role', arn: roleArn(SUB_TYPO.roleName), name: SUB_TYPO.roleName },
      irsa: {
        serviceAccount: 'system:serviceaccount:serverless:aws-sdk',
        namespace: 'serverless',
        oidcProvider: CLUSTER_PROVIDER_ARN,
        errorCode: 'AccessDenied',
        count: SUB_TYPO.count,
      },
      evidence: { cause: 'sub-mismatch' },
    });
    expect(finding!.message).toContain('allows system:serviceaccount:serverless:aws-sdk-v2');
    // The role's whole trust policy as an object: its other statement untouched, a placeholder added to the sub.
    expect(correctedPolicyOf(finding!)).toEqual({
      Version: '2012-10-17',
      Statement: [
        OPS_STATEMENT,
        {
          Effect: 'Allow',
          Principal: { Federated: CLUSTER_PROVIDER_ARN },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: {
              [`${CLUSTER_ISSUER}:sub`]: [
                'system:serviceaccount:serverless:aws-sdk-v2',
                'system:serviceaccount:<namespace>:<serviceaccount>',
              ],
              [`${CLUSTER_ISSUER}:aud`]: 'sts.amazonaws.com',
            },
          },
        },
      ],
    });
    expect(finding!.evidence).not.toHaveProperty('correctedStatement');

    // No credential check ran; the IRSA run scanned AWS_REGION, us-east-1 and the scenario's second cluster's
    // region (its OIDC provider is in eu-west-1) to the end, with no watermark.
    expect(document.summary).toMatchObject({
      accountId: MOTO_ACCOUNT_ID,
      credentials: 0,
      regions: [],
      findings: document.findings.length,
      byStatus: { FAIL: 1, ERROR: 0 },
      irsa: { denialGroups: 1, incompleteScans: 0, failedOperations: [] },
    });
    expect(document.summary.irsa!.regions.map((region) => region.region)).toEqual([
      TEST_REGION,
      GLOBAL_STS_REGION,
      'eu-west-1',
    ]);
    for (const region of document.summary.irsa!.regions) {
      expect(region).toMatchObject({ complete: true, watermark: 'not-committed' });
    }
    const stats = stub.stats();
    expect(stats.unknownOperations).toBe(0);
    for (const region of [TEST_REGION, GLOBAL_STS_REGION]) {
      expect(stats.maxAcceptedPerWindow[region]).toBeLessThanOrEqual(2);
    }
  });

  test("cli-irsa --fix-dir: the written file is a policy document with the role's other statements intact", async () => {
    await seedBrokenRole();
    const dir = mkdtempSync(join(tmpdir(), 'cli-irsa-fix-'));
    try {
      const run = await runCli(['check', '--checks', 'irsa', '--fix-dir', dir]);
      expect(run.code).toBe(1);
      const file = join(dir, `${SUB_TYPO.roleName}.json`);
      const document = JSON.parse(readFileSync(file, 'utf8')) as { Version: string; Statement: unknown[] };
      expect(document.Version).toBe('2012-10-17');
      expect(document.Statement).toHaveLength(2);
      expect(document.Statement[0]).toEqual(OPS_STATEMENT);
      expect(JSON.stringify(document)).not.toContain('"system:serviceaccount:serverless:aws-sdk"');
      expect(run.stdout).toContain(
        `aws iam update-assume-role-policy --role-name ${SUB_TYPO.roleName} --policy-document file://${file}`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("cli-irsa: the human output has the IRSA table and the role's corrected trust policy, the rest within 100 columns", async () => {
    await seedBrokenRole();
    const run = await runCli(['check', '--checks', 'irsa', '--region', TEST_REGION]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('');
    const out = run.stdout;
    expect(out).toContain(`IRSA  ${TEST_REGION}`);
    expect(out).not.toContain(`IRSA  ${GLOBAL_STS_REGION}`); // --region is used exactly
    expect(out).toMatch(/^ROLE\s+SERVICE ACCOUNT\s+CAUSE\s+COUNT\s+LAST SEEN\s+STATUS$/m);
    expect(out).toMatch(/^AccessEC2role\s+serverless\/aws-sdk\s+sub-mismatch\s+7\s+\S+ \S+Z\s+FAIL HIGH$/m);
    // The IRSA check's own reads: one line under Passed, never a checker.error PASS row.
    expect(out).toMatch(/^ {2}IRSA scan +\d+ checks passed: all \d+ AWS reads succeeded$/m);
    expect(out).not.toMatch(/checker\.error\s+PASS/);
    // The role's whole trust policy, once, introduced with the placeholders to fill in.
    expect(out.replace(/\s+/g, ' ')).toContain(
      'Trust policy of role AccessEC2role (fill in <namespace>, <serviceaccount>):',
    );
    const lines = out.split('\n');
    const start = lines.indexOf('     {');
    const end = lines.indexOf('     }', start);
    expect(start).toBeGreaterThan(0);
    // Never wrapped: the printed block is the finding's document, whatever the width.
    const document = JSON.parse(lines.slice(start, end + 1).join('\n')) as { Statement: unknown[] };
    expect(document.Statement[0]).toEqual(OPS_STATEMENT);
    expect(lines.slice(start, end + 1).join('\n')).not.toContain(
      '"system:serviceaccount:serverless:aws-sdk"',
    );
    // Every other line within 100 columns.
    for (const line of [...lines.slice(0, start), ...lines.slice(end + 1)])
      expect(line.length).toBeLessThanOrEqual(100);
  });

  test('cli-irsa: by default both families run; the summary keeps the credential part and adds irsa', async () => {
    await seedBrokenRole();
    const name = uniqueName('cli-both');
    await seedTmcCredential(clients, name);
    const run = await runCli(['check', '--credential', name, '--json']);
    expect(run.code).toBe(1);
    const document = JSON.parse(run.stdout) as { findings: Finding[]; summary: CliSummary };
    expect(problems(document.findings).map((finding) => finding.checkId)).toEqual([
      'irsa.assume-role.denied',
    ]);
    expect(document.findings.some((finding) => finding.tmc?.credentialName === name)).toBe(true);
    expect(document.summary).toMatchObject({
      credentials: 1,
      regions: [TEST_REGION],
      findings: document.findings.length,
      byStatus: { FAIL: 1, ERROR: 0 },
      irsa: { denialGroups: 1 },
    });
  });

  test("cli-irsa: with no --region, a denial in the region of a cluster's OIDC provider is found, and the output says why each region was read", async () => {
    const clusterRegion = TOKYO_CLUSTER.region;
    await seedTokyoCluster(clients, stub, 2);
    const json = await runCli(['check', '--checks', 'irsa', '--json']);
    expect(json.code).toBe(1);
    const document = JSON.parse(json.stdout) as { findings: Finding[]; summary: CliSummary };
    expect(problems(document.findings)).toEqual([
      expect.objectContaining({
        region: clusterRegion,
        evidence: expect.objectContaining({ cause: 'sub-mismatch' }),
      }),
    ]);
    expect(document.summary.irsa!.regions.map((region) => [region.region, region.why])).toEqual([
      [TEST_REGION, 'the checker runs here'],
      [GLOBAL_STS_REGION, 'global STS endpoint'],
      [clusterRegion, 'EKS OIDC provider'],
    ]);
    const human = await runCli(['check', '--checks', 'irsa', '--no-color']);
    expect(human.code).toBe(1);
    expect(human.stdout).toContain(`IRSA  ${clusterRegion}`);
    expect(human.stdout.replace(/\s+/g, ' ')).toContain('Read for: EKS OIDC provider.');
  });
});
