import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { EXIT } from '../../lambdas/cli/exit-codes';
import { correctionLines, IRSA_TABLE_MIN_WIDTH } from '../../lambdas/cli/render-irsa';
import { renderTable } from '../../lambdas/cli/render-table';
import { createStyle, visibleWidth } from '../../lambdas/cli/style';
import { createProgress } from '../../lambdas/cli/progress';
import type { Finding } from '../../lambdas/core/finding';
import {
  combinedOutcome,
  FakeStream,
  harness,
  irsaRun,
  linesTooWide,
  outcomeOf,
  SCENARIOS,
  trustPolicyBlocks,
} from './support';

const schema = JSON.parse(readFileSync(join(__dirname, '..', '..', 'docs', 'finding-schema.json'), 'utf8'));
const validateFinding = new Ajv2020({ allErrors: true, strict: false, validateFormats: false }).compile(
  schema,
);

const IRSA_HEADER = /^ROLE\s+SERVICE ACCOUNT\s+CAUSE\s+COUNT\s+LAST SEEN\s+STATUS$/;
const problemsOf = (findings: readonly Finding[]) => findings.filter((f) => f.status !== 'PASS');

describe('tmc-health check --checks', () => {
  test('default: both families, IRSA regions left to the run (home, us-east-1, OIDC providers), its own 60-minute lookback, no watermark', async () => {
    const cli = harness({ env: { TMC_HEALTH_IRSA_WATERMARK_TABLE: 'the-lambdas-table' } });
    expect(await cli.run('check')).toBe(EXIT.OK);
    const [request] = cli.requests;
    expect(request!.families).toEqual(['tmc', 'irsa', 'eks-connector', 'pod-identity']);
    expect(request!.settings.regions).toEqual(['us-west-2']);
    // None configured: the run plans them from the home region and the account's OIDC providers.
    expect(request!.irsaSettings).toMatchObject({
      regions: [],
      lookbackMinutes: 60,
      eventBusName: 'default',
    });
    // The Lambda's watermark table is never read or advanced by the CLI.
    expect(request!.irsaSettings!.watermarkTableName).toBeUndefined();
  });

  test('--checks tmc: no IRSA settings at all', async () => {
    const cli = harness();
    await cli.run('check', '--checks', 'tmc');
    expect(cli.requests[0]!.families).toEqual(['tmc']);
    expect(cli.requests[0]!.irsaSettings).toBeUndefined();
  });

  test('--checks irsa: --region is used exactly, --since is the lookback, bus and topic are shared', async () => {
    const cli = harness();
    const code = await cli.run(
      'check',
      '--checks',
      'IRSA',
      '--region',
      'eu-west-1',
      '--since',
      '6h',
      '--publish',
      '--event-bus',
      'ops',
      '--topic-arn',
      'arn:aws:sns:eu-west-1:111122223333:alerts',
    );
    expect(code).toBe(EXIT.OK);
    const request = cli.requests[0]!;
    expect(request.families).toEqual(['irsa']);
    expect(request.publish).toBe(true);
    expect(request.settings.metricsWindowMinutes).toBe(360);
    expect(request.irsaSettings).toMatchObject({
      regions: ['eu-west-1'],
      lookbackMinutes: 360,
      eventBusName: 'ops',
      topicArn: 'arn:aws:sns:eu-west-1:111122223333:alerts',
    });
  });

  test('--checks irsa,tmc,irsa: each family once, in the order given', async () => {
    const cli = harness();
    await cli.run('check', '--checks', 'irsa,tmc', '--checks', 'irsa');
    expect(cli.requests[0]!.families).toEqual(['irsa', 'tmc']);
  });

  test('TMC_HEALTH_IRSA_* variables give IRSA defaults; a bad one is a usage error naming it', async () => {
    const configured = harness({
      env: { TMC_HEALTH_IRSA_REGIONS: 'ap-south-1', TMC_HEALTH_IRSA_LOOKBACK_MINUTES: '120' },
    });
    await configured.run('check');
    expect(configured.requests[0]!.irsaSettings).toMatchObject({
      regions: ['ap-south-1'],
      lookbackMinutes: 120,
    });
    const bad = harness({ env: { TMC_HEALTH_IRSA_MAX_PAGES_PER_REGION: 'many' } });
    expect(await bad.run('check')).toBe(EXIT.USAGE);
    expect(bad.stderr.text).toMatch(/TMC_HEALTH_IRSA_MAX_PAGES_PER_REGION/);
    // Not consulted when IRSA does not run.
    expect(await bad.run('check', '--checks', 'tmc')).toBe(EXIT.OK);
  });

  test('--help documents the families, the default, what --since means for IRSA and its permissions', async () => {
    const cli = harness({ env: { COLUMNS: '200' } });
    await cli.run('check', '--help');
    const help = cli.stdout.text.replace(/\s+/g, ' ');
    expect(help).toContain(
      'tmc (TMC credentials), irsa (denied AssumeRoleWithWebIdentity calls in CloudTrail), eks-connector (EKS Connector clusters), pod-identity (EKS Pod Identity associations) (default: all of them, as the default stack runs)',
    );
    expect(help).toContain('the IRSA CloudTrail lookback (default: 60m)');
    expect(help).toContain('cloudtrail:LookupEvents, iam:GetRole, iam:ListOpenIDConnectProviders');
  });

  test('progress names each IRSA region on a terminal', () => {
    const stderr = new FakeStream(true);
    const progress = createProgress(stderr, true);
    progress.update({ kind: 'irsa-region', region: 'us-east-1', index: 2, total: 2 });
    progress.stop();
    expect(stderr.text).toContain('IRSA: reading CloudTrail in us-east-1 (region 2 of 2)');
  });
});

describe('IRSA findings in the output', () => {
  test('exit codes: an IRSA FAIL is 1; an IRSA ERROR alone is 3', async () => {
    const failing = harness({ outcome: combinedOutcome(SCENARIOS.healthy(), irsaRun()) });
    expect(await failing.run('check')).toBe(EXIT.FAIL);
    const erroring = irsaRun({ lookupFails: true });
    const onlyErrors = {
      ...erroring,
      findings: erroring.findings.filter((f) => f.checkId !== 'irsa.assume-role.denied'),
    };
    const cli = harness({ outcome: combinedOutcome(SCENARIOS.healthy(), onlyErrors) });
    expect(await cli.run('check', '--json')).toBe(EXIT.ERROR);
  });

  test('--json: every family in findings, schema-valid; summary keeps its shape, counts all, adds irsa', async () => {
    const irsa = irsaRun();
    const credentialFindings = SCENARIOS.failing();
    const outcome = combinedOutcome(credentialFindings, irsa);
    const cli = harness({ outcome, env: { FORCE_COLOR: '1' } });
    expect(await cli.run('check', '--json')).toBe(EXIT.FAIL);
    const document = JSON.parse(cli.stdout.text);
    expect(Object.keys(document).sort()).toEqual(['findings', 'summary']);
    expect(document.findings).toEqual(JSON.parse(JSON.stringify(outcome.findings)));
    for (const finding of document.findings) {
      expect(validateFinding(finding) ? [] : validateFinding.errors).toEqual([]);
    }
    const credentialSummary = outcomeOf(credentialFindings).summary;
    expect(Object.keys(document.summary).sort()).toEqual([...Object.keys(credentialSummary), 'irsa'].sort());
    expect(document.summary).toMatchObject({
      accountId: credentialSummary.accountId,
      regions: credentialSummary.regions,
      credentials: credentialSummary.credentials,
      findings: outcome.findings.length,
      byStatus: {
        FAIL: outcome.findings.filter((f) => f.status === 'FAIL').length,
        ERROR: 0,
        PASS: outcome.findings.filter((f) => f.status === 'PASS').length,
      },
    });
    expect(document.summary.irsa).toEqual(JSON.parse(JSON.stringify(irsa.summary)));
    expect(document.summary.irsa).toMatchObject({ denialGroups: 3, incompleteScans: 0 });
    expect(cli.stdout.text).not.toContain('\u001b');
  });

  test('--checks tmc output has no irsa key (unchanged for existing consumers)', async () => {
    const cli = harness({ findings: SCENARIOS.healthy() });
    await cli.run('check', '--checks', 'tmc', '--json');
    expect(JSON.parse(cli.stdout.text).summary.irsa).toBeUndefined();
  });

  test('human: credential tables, then an IRSA table per region, then each problem with its corrected statement', () => {
    const outcome = combinedOutcome(SCENARIOS.failing(), irsaRun());
    const out = renderTable(outcome.findings, outcome.summary, {
      width: 120,
      style: createStyle(false),
      ...(outcome.irsa ? { irsa: outcome.irsa } : {}),
    });
    const lines = out.split('\n');
    expect(lines).toContain('Credential prod-eks  us-west-2');
    expect(lines).toContain('IRSA  us-west-2');
    expect(lines).toContain('IRSA  us-east-1');
    expect(lines.filter((line) => IRSA_HEADER.test(line))).toHaveLength(2);
    expect(out).toMatch(
      /^AccessEC2role\s+serverless\/aws-sdk\s+sub-mismatch\s+7\s+11-22 11:16Z\s+FAIL\s+HIGH$/m,
    );
    expect(out).toMatch(
      /^irsa-ops-cleaner\s+ops\/cleaner\s+role-not-found\s+2\s+11-22 11:42Z\s+FAIL\s+HIGH$/m,
    );
    expect(out).toMatch(/^irsa-batch-jobs\s+batch\/runner\s+wildcard-under-string-equals\s+1\s/m);
    expect(out).toContain(
      'CloudTrail 2026-11-22 11:00Z to 12:00Z, 19 AssumeRoleWithWebIdentity events read, 9 denied.',
    );
    // The AccessEC2role row comes before the cleaner's (more calls), and the credential table before IRSA's.
    expect(out.indexOf('AccessEC2role')).toBeLessThan(out.indexOf('irsa-ops-cleaner'));
    expect(out.indexOf('Credential prod-eks')).toBeLessThan(out.indexOf('IRSA  us-west-2'));
    expect(out.indexOf('IRSA  us-east-1')).toBeLessThan(out.indexOf('Problems and remediation (4)'));
    // The IRSA check's own reads all succeeded: one line under Passed, with the credential's.
    expect(out).toMatch(/^ {2}IRSA scan +4 checks passed: all 4 AWS reads succeeded$/m);
    expect(out).not.toMatch(/checker\.error\s+PASS/);

    // Problems: the credential's first, then each IRSA pair with its role's whole trust policy, pretty-printed.
    expect(out).toContain(
      '2. FAIL HIGH irsa.assume-role.denied (us-west-2 / AccessEC2role / serverless/aws-sdk)',
    );
    expect(out.replace(/\s+/g, ' ')).toContain(
      'The whole trust policy of role AccessEC2role: 0 statements as the role has them, and the changes listed. A template: fill in the <placeholders> from your own cluster, never from the denied call',
    );
    expect(out).toContain('   Trust policy of role AccessEC2role (fill in <namespace>, <serviceaccount>):');
    expect(out).toContain('         "Action": "sts:AssumeRoleWithWebIdentity",');
    // The long key and its values on their lines, whole, however wide: the document is never wrapped.
    expect(out).toContain(
      '               "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub": [\n                 "system:serviceaccount:serverless:aws-sdk-v2",\n                 "system:serviceaccount:<namespace>:<serviceaccount>"\n               ],',
    );
    // Once per role: two documents (the deleted role has none to correct), and the caller's subject in neither.
    const { blocks } = trustPolicyBlocks(out);
    expect(blocks).toHaveLength(2);
    expect(blocks.join('\n')).not.toContain('"system:serviceaccount:serverless:aws-sdk"');
    expect(out.match(/^ {3}Trust policy of role /gm)).toHaveLength(2);
    expect(out).toContain('Remediation: as for irsa.assume-role.denied above.');
    expect(out.replace(/\s+/g, ' ')).toContain(
      `Summary: 4 FAIL, 0 ERROR, ${outcome.findings.length - 4} PASS (folded into 3 lines above). 1 credential in us-west-2; IRSA: 3 denied role/service account pairs in us-west-2, us-east-1; account 111122223333.`,
    );
    for (const line of trustPolicyBlocks(out).rest.split('\n'))
      expect(visibleWidth(line)).toBeLessThanOrEqual(120);
  });

  test.each([200, 130, 100, IRSA_TABLE_MIN_WIDTH, IRSA_TABLE_MIN_WIDTH - 1, 60, 40])(
    "at %i columns every line fits but the trust policies, which are the findings' documents, unbroken",
    (width) => {
      const outcome = combinedOutcome(SCENARIOS.failing(), irsaRun());
      const out = renderTable(outcome.findings, outcome.summary, {
        width,
        style: createStyle(true),
        irsa: outcome.irsa!,
      });
      const { blocks, rest } = trustPolicyBlocks(out);
      expect(linesTooWide(rest, width)).toEqual([]);
      const plain = rest.split('\n');
      const headers = plain.filter((line) => IRSA_HEADER.test(line)).length;
      // A table only where every role, service account and cause fits whole in its column (84 and 94 columns
      // here): below, each denial is stacked, each name on a line of its own.
      const tables = width >= 100;
      expect(headers).toBe(tables ? 2 : 0);
      if (!tables) {
        expect(plain).toContain('FAIL HIGH AccessEC2role');
        expect(plain).toContain('    service account: serverless/aws-sdk');
      }
      const documents = outcome.irsa!.findings.flatMap((f) =>
        f.correction ? [f.correction.trustPolicy] : [],
      );
      const sorted = (values: readonly unknown[]) => values.map((value) => JSON.stringify(value)).sort();
      expect(sorted(blocks.map((block): unknown => JSON.parse(block)))).toEqual(sorted(documents));
    },
  );

  test('two findings of one role: the document once, "as above" after; without a correction, why none', () => {
    const finding = irsaRun().findings.find((f) => f.resource.name === 'AccessEC2role')!;
    const shown = new Set<string>();
    const first = correctionLines(finding, 100, '   ', shown);
    expect(first.filter((line) => line === '     {')).toHaveLength(1);
    expect(correctionLines(finding, 100, '   ', shown)).toEqual([
      '   Corrected trust policy of role AccessEC2role: as above.',
    ]);
    const withheld = {
      ...finding,
      correction: undefined,
      evidence: { ...finding.evidence, correctionWithheld: 'No corrected trust policy: why.' },
    };
    expect(correctionLines(withheld, 160, '   ', new Set())).toEqual(['   No corrected trust policy: why.']);
  });

  test('a failed CloudTrail read: ERROR row among the problems, no empty-region claim, exit 3 without FAIL', () => {
    const irsa = irsaRun({ lookupFails: true });
    const outcome = combinedOutcome(undefined, irsa);
    const out = renderTable(outcome.findings, outcome.summary, {
      width: 100,
      style: createStyle(false),
      irsa,
    });
    expect(out).toContain(
      'IRSA  us-east-1\nCloudTrail could not be read: see the problems below. Read for: global STS endpoint.\n\n',
    );
    expect(out).toContain('IRSA reads failed: us-east-1 cloudtrail:LookupEvents (see the problems below).');
    expect(out).toMatch(/ERROR HIGH checker\.error \(us-east-1\)/);
    expect(out).not.toContain('Credential ');
    expect(out).not.toContain('No findings');
    // --checks irsa: the summary has no credential part.
    expect(out.replace(/\s+/g, ' ')).toMatch(
      /Summary: 2 FAIL, 1 ERROR, 3 PASS \(folded into 1 line above\)\. IRSA: 2 denied role\/service account pairs in us-west-2, us-east-1; account 111122223333\./,
    );
    expect(
      problemsOf(outcome.findings)
        .map((f) => f.status)
        .sort(),
    ).toEqual(['ERROR', 'FAIL', 'FAIL']);
  });

  test('an incomplete scan says so and how to fix it', () => {
    const irsa = irsaRun({ incomplete: true });
    const out = renderTable(irsa.findings, combinedOutcome(undefined, irsa).summary, {
      width: 100,
      style: createStyle(false),
      irsa,
    });
    expect(out.replace(/\s+/g, ' ')).toContain(
      'Incomplete: the page budget (50 pages) ran out before 2026-11-22 11:00Z; shorten --since or raise TMC_HEALTH_IRSA_MAX_PAGES_PER_REGION.',
    );
  });
});
