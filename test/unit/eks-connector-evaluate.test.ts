/**
 * The EKS Connector checks' pure evaluation (issue 14), table-driven: one registered cluster (or role) per row, the
 * status each of the four checks must report, and what the evidence must say.
 */
import { evaluateEksConnector } from '../../lambdas/core/eks-connector/evaluate-eks-connector';
import {
  withEksConnectorCalls,
  completeEksConnectorRegions,
} from '../../lambdas/core/eks-connector/run-summary';
import { evaluateConnectorTrust } from '../../lambdas/core/eks-connector/trust';
import type {
  EksConnectorRegion,
  EksConnectorSnapshot,
  RegisteredCluster,
} from '../../lambdas/core/eks-connector/types';
import type { Finding, Status } from '../../lambdas/core/finding';
import type { ApiFailure, Observed } from '../../lambdas/core/inventory';
import type { PolicyDocument, PolicyStatement, RoleTrust } from '../../lambdas/core/irsa/types';
import type { RunSummary } from '../../lambdas/core/run-summary';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const NOW = new Date('2026-03-10T12:00:00.000Z');
const minutesAgo = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000).toISOString();
const minutesAhead = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000).toISOString();
const ROLE = `arn:aws:iam::${ACCOUNT}:role/eks-connector-agent`;
const SETTINGS = { eksConnectorPendingGraceMinutes: 30, runbookBaseUrl: 'docs/checks.md' };

const SSM_STATEMENT: PolicyStatement = {
  Sid: 'SSMAccess',
  Effect: 'Allow',
  Principal: { Service: ['ssm.amazonaws.com'] },
  Action: 'sts:AssumeRole',
};
const SSM_TRUST: PolicyDocument = { Version: '2012-10-17', Statement: [SSM_STATEMENT] };

function cluster(name: string, overrides: Partial<RegisteredCluster> = {}): RegisteredCluster {
  return {
    name,
    arn: `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/${name}`,
    status: 'ACTIVE',
    createdAt: minutesAgo(5 * 24 * 60),
    connectorConfig: {
      activationId: '00000000-0000-0000-0000-000000000000',
      activationExpiry: minutesAgo(2 * 24 * 60),
      provider: 'OTHER',
      roleArn: ROLE,
    },
    ...overrides,
  };
}

/** `expiry: null` leaves the activation expiry out (as a malformed answer would). */
function pending(name: string, ageMinutes: number, expiry: string | null = minutesAhead(60)) {
  const config = { ...cluster(name).connectorConfig };
  delete config.activationExpiry;
  return cluster(name, {
    status: 'PENDING',
    createdAt: minutesAgo(ageMinutes),
    connectorConfig: expiry === null ? config : { ...config, activationExpiry: expiry },
  });
}

function region(clusters: readonly RegisteredCluster[], overrides: Partial<EksConnectorRegion> = {}) {
  return {
    region: REGION,
    listing: { ok: true, value: { clusterCount: clusters.length } },
    clusters,
    eksClusterCount: 0,
    undescribed: [],
    failures: [],
    succeededOperations: ['eks:DescribeCluster', 'eks:ListClusters', 'iam:GetRole'],
    skipped: [],
    ...overrides,
  } satisfies EksConnectorRegion;
}

const trusted = (trustPolicy: PolicyDocument = SSM_TRUST): Observed<RoleTrust> => ({
  ok: true,
  value: { roleArn: ROLE, exists: true, trustPolicy },
});

function snapshot(
  regions: readonly EksConnectorRegion[],
  roles: Record<string, Observed<RoleTrust>> = { [ROLE]: trusted() },
): EksConnectorSnapshot {
  return { accountId: ACCOUNT, observedAt: NOW.toISOString(), regions, roles };
}

const CHECKS = [
  'eks.connector.pending',
  'eks.connector.activation-expired',
  'eks.connector.failed',
  'eks.connector.role-invalid',
] as const;

function statuses(findings: readonly Finding[], clusterName: string): Record<string, Status> {
  return Object.fromEntries(
    findings
      .filter((finding) => finding.evidence.clusterName === clusterName)
      .map((finding) => [finding.checkId, finding.status]),
  );
}

const of = (findings: readonly Finding[], checkId: string, clusterName: string) =>
  findings.find((finding) => finding.checkId === checkId && finding.evidence.clusterName === clusterName)!;

describe('cluster status', () => {
  it.each<[string, RegisteredCluster, [Status, Status, Status, Status]]>([
    ['ACTIVE', cluster('active'), ['PASS', 'PASS', 'PASS', 'PASS']],
    [
      'PENDING, registered 5 minutes ago (within the grace)',
      pending('young', 5),
      ['PASS', 'PASS', 'PASS', 'PASS'],
    ],
    ['PENDING, exactly at the grace', pending('edge', 30), ['PASS', 'PASS', 'PASS', 'PASS']],
    ['PENDING for 31 minutes', pending('stuck', 31), ['FAIL', 'PASS', 'PASS', 'PASS']],
    [
      'PENDING, activation expired',
      pending('expired', 4 * 24 * 60, minutesAgo(24 * 60)),
      ['PASS', 'FAIL', 'PASS', 'PASS'],
    ],
    [
      'PENDING, activation expired and within the grace',
      pending('clock', 1, minutesAgo(1)),
      ['PASS', 'FAIL', 'PASS', 'PASS'],
    ],
    [
      'PENDING without an activation expiry',
      pending('no-expiry', 60, null),
      ['FAIL', 'ERROR', 'PASS', 'PASS'],
    ],
    [
      'PENDING without createdAt',
      cluster('no-created', {
        status: 'PENDING',
        createdAt: undefined,
        connectorConfig: { ...cluster('x').connectorConfig, activationExpiry: minutesAhead(60) },
      }),
      ['ERROR', 'PASS', 'PASS', 'PASS'],
    ],
    ['FAILED', cluster('failed', { status: 'FAILED' }), ['PASS', 'PASS', 'FAIL', 'PASS']],
    ['DELETING', cluster('deleting', { status: 'DELETING' }), ['PASS', 'PASS', 'PASS', 'PASS']],
  ])('%s', (_name, registered, expected) => {
    const findings = evaluateEksConnector(snapshot([region([registered])]), SETTINGS);
    expect(statuses(findings, registered.name)).toEqual(
      Object.fromEntries(CHECKS.map((id, i) => [id, expected[i]])),
    );
  });

  it('a PENDING cluster within the grace says so in the evidence', () => {
    const findings = evaluateEksConnector(snapshot([region([pending('young', 12)])]), SETTINGS);
    const finding = of(findings, 'eks.connector.pending', 'young');
    expect(finding.evidence).toMatchObject({
      pendingMinutes: 12,
      graceMinutes: 30,
      withinGracePeriod: true,
      minutesUntilExpiry: 60,
      status: 'PENDING',
    });
    expect(finding.message).toMatch(/within the 30-minute grace period \(eksConnectorPendingGraceMinutes\)/);
    expect(finding.remediation.text).toBe('No action needed.');
  });

  it('the grace is configurable', () => {
    const cluster = pending('slow', 45);
    expect(
      statuses(evaluateEksConnector(snapshot([region([cluster])]), SETTINGS), 'slow')[
        'eks.connector.pending'
      ],
    ).toBe('FAIL');
    const relaxed = { ...SETTINGS, eksConnectorPendingGraceMinutes: 60 };
    const finding = of(
      evaluateEksConnector(snapshot([region([cluster])]), relaxed),
      'eks.connector.pending',
      'slow',
    );
    expect([finding.status, finding.evidence.graceMinutes, finding.evidence.withinGracePeriod]).toEqual([
      'PASS',
      60,
      true,
    ]);
  });

  it('a stuck cluster: FAIL at the catalogue severity, with the steps and the cluster as resource', () => {
    const findings = evaluateEksConnector(snapshot([region([pending('stuck', 95)])]), SETTINGS);
    const finding = of(findings, 'eks.connector.pending', 'stuck');
    expect(finding).toMatchObject({
      severity: 'MEDIUM',
      accountId: ACCOUNT,
      region: REGION,
      resource: {
        type: 'AWS::EKS::Cluster',
        arn: `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/stuck`,
        name: 'stuck',
      },
      evidence: { pendingMinutes: 95, withinGracePeriod: false },
    });
    expect(finding.remediation.text).toMatch(/kubectl get pods -n eks-connector/);
    expect(finding.remediation.runbookUrl).toBe('docs/checks.md#eks-connector-pending');
  });

  it('an expired activation: deregister and register again, and how long ago it expired', () => {
    const findings = evaluateEksConnector(
      snapshot([region([pending('expired', 4 * 24 * 60, minutesAgo(90))])]),
      SETTINGS,
    );
    const finding = of(findings, 'eks.connector.activation-expired', 'expired');
    expect(finding).toMatchObject({
      status: 'FAIL',
      severity: 'HIGH',
      evidence: { expiredMinutesAgo: 90, activationExpired: true },
    });
    expect(finding.remediation.text).toMatch(/aws eks deregister-cluster --name <cluster>/);
    expect(finding.remediation.text).toMatch(
      /aws eks register-cluster --name <cluster> --connector-config roleArn=<roleArn>,provider=OTHER/,
    );
    expect(finding.remediation.text).toMatch(/eksctl register cluster --name <cluster> --provider OTHER/);
    // The pending check hands over to it rather than reporting the same cluster twice.
    expect(of(findings, 'eks.connector.pending', 'expired').evidence.supersededBy).toBe(
      'eks.connector.activation-expired',
    );
  });

  it('a FAILED cluster says whether its activation expired', () => {
    const findings = evaluateEksConnector(
      snapshot([
        region([
          cluster('failed', { status: 'FAILED' }),
          cluster('failed-young', {
            status: 'FAILED',
            connectorConfig: { ...cluster('x').connectorConfig, activationExpiry: minutesAhead(10) },
          }),
        ]),
      ]),
      SETTINGS,
    );
    expect(of(findings, 'eks.connector.failed', 'failed').evidence.activationExpired).toBe(true);
    expect(of(findings, 'eks.connector.failed', 'failed').message).toMatch(
      /deregister the cluster and register it again/,
    );
    expect(of(findings, 'eks.connector.failed', 'failed-young').evidence.activationExpired).toBe(false);
  });

  it('finding ids are stable per check and cluster, whatever the status', () => {
    const before = evaluateEksConnector(snapshot([region([pending('c', 40)])]), SETTINGS);
    const after = evaluateEksConnector(snapshot([region([cluster('c')])]), SETTINGS);
    expect(after.map((finding) => finding.findingId)).toEqual(before.map((finding) => finding.findingId));
    expect(new Set(before.map((finding) => finding.findingId)).size).toBe(before.length);
  });
});

describe('connector role', () => {
  const roleFinding = (roles: Record<string, Observed<RoleTrust>>, registered = cluster('c')) =>
    of(
      evaluateEksConnector(snapshot([region([registered])], roles), SETTINGS),
      'eks.connector.role-invalid',
      'c',
    );

  it.each<[string, PolicyDocument, Status, string | null]>([
    ['the documented trust policy', SSM_TRUST, 'PASS', null],
    [
      'a single statement object and a plain principal string',
      {
        Statement: {
          Effect: 'Allow',
          Principal: { Service: 'ssm.amazonaws.com' },
          Action: ['sts:AssumeRole', 'sts:TagSession'],
        },
      },
      'PASS',
      null,
    ],
    [
      'a wildcard action',
      { Statement: [{ Effect: 'Allow', Principal: { Service: 'ssm.amazonaws.com' }, Action: 'sts:*' }] },
      'PASS',
      null,
    ],
    [
      'a conditional Allow (aws:SourceAccount)',
      {
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'ssm.amazonaws.com' },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
          },
        ],
      },
      'PASS',
      null,
    ],
    [
      'another service only',
      {
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      },
      'FAIL',
      'ssm-not-trusted',
    ],
    [
      'the right service, another action',
      {
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'ssm.amazonaws.com' },
            Action: 'sts:AssumeRoleWithWebIdentity',
          },
        ],
      },
      'FAIL',
      'ssm-not-trusted',
    ],
    [
      'a Deny of ssm',
      {
        Statement: [
          SSM_STATEMENT,
          {
            Sid: 'NoSsm',
            Effect: 'Deny',
            Principal: { Service: 'ssm.amazonaws.com' },
            Action: 'sts:AssumeRole',
          },
        ],
      },
      'FAIL',
      'ssm-denied',
    ],
    [
      'a conditional Deny (not counted)',
      {
        Statement: [
          SSM_STATEMENT,
          {
            Effect: 'Deny',
            Principal: '*',
            Action: 'sts:AssumeRole',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      },
      'PASS',
      null,
    ],
  ])('%s: %s', (_name, trustPolicy, status, cause) => {
    const finding = roleFinding({ [ROLE]: trusted(trustPolicy) });
    expect([finding.status, finding.evidence.cause]).toEqual([status, cause]);
    expect(finding.resource).toEqual({ type: 'AWS::IAM::Role', arn: ROLE, name: 'eks-connector-agent' });
    expect(finding.evidence.trustPolicy).toBe(JSON.stringify(trustPolicy));
    if (status === 'FAIL') {
      expect(finding.evidence.expectedTrustPolicy).toMatch(/"Service":\["ssm.amazonaws.com"\]/);
      expect(finding.remediation.text).toMatch(/aws iam update-assume-role-policy --role-name <role>/);
    }
  });

  it('a deleted role is FAIL role-missing, its resource without an ARN', () => {
    const finding = roleFinding({ [ROLE]: { ok: true, value: { roleArn: ROLE, exists: false } } });
    expect(finding).toMatchObject({
      status: 'FAIL',
      severity: 'HIGH',
      resource: { type: 'AWS::IAM::Role', name: 'eks-connector-agent' },
      evidence: { cause: 'role-missing', clusterName: 'c', roleArn: ROLE },
    });
    expect(finding.resource.arn).toBeUndefined();
  });

  const denied: ApiFailure = {
    service: 'iam',
    operation: 'GetRole',
    region: 'global',
    errorName: 'AccessDenied',
    message: 'not authorized to perform iam:GetRole',
    resourceArn: ROLE,
  };

  it('an unreadable role is ERROR naming the call', () => {
    const finding = roleFinding({ [ROLE]: { ok: false, failure: denied } });
    expect(finding.status).toBe('ERROR');
    expect(finding.evidence.error).toMatch(/iam:GetRole failed in global with AccessDenied/);
  });

  it("the region's own record of the read wins (the deadline cut it here, another region read it)", () => {
    const cut: ApiFailure = {
      ...denied,
      region: REGION,
      errorName: 'DeadlineExceeded',
      message: 'not started',
    };
    const findings = evaluateEksConnector(
      snapshot([region([cluster('c')], { failures: [cut] })], { [ROLE]: trusted() }),
      SETTINGS,
    );
    const finding = of(findings, 'eks.connector.role-invalid', 'c');
    expect(finding.status).toBe('ERROR');
    expect(finding.evidence.error).toMatch(/with DeadlineExceeded:/);
  });

  it('a role never read and a configuration without a role are ERROR, never PASS', () => {
    expect(roleFinding({}).status).toBe('ERROR');
    const noRole = cluster('c', { connectorConfig: { activationId: 'x', provider: 'OTHER' } });
    const finding = roleFinding({}, noRole);
    expect([finding.status, finding.resource.type, finding.evidence.reason]).toEqual([
      'ERROR',
      'AWS::EKS::Cluster',
      'connectorConfig.roleArn missing',
    ]);
  });

  it('evaluateConnectorTrust lists the deciding and the conditional statements', () => {
    expect(
      evaluateConnectorTrust({
        Statement: [
          {
            Sid: 'A',
            Effect: 'Allow',
            Principal: { Service: 'ssm.amazonaws.com' },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
          },
          { Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' },
          { Effect: 'Allow', NotPrincipal: { Service: 'ssm.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
    ).toEqual({ trust: 'trusted', allowing: ['A', '#2'], denying: [], conditional: ['A'] });
  });
});

describe('reads that failed', () => {
  const listingFailure: ApiFailure = {
    service: 'eks',
    operation: 'ListClusters',
    region: REGION,
    errorName: 'AccessDeniedException',
    message: 'not authorized to perform eks:ListClusters',
  };

  it('a failed listing reports nothing but the call, and the region is not complete', () => {
    const failed = region([], {
      listing: { ok: false, failure: listingFailure },
      failures: [listingFailure],
      succeededOperations: [],
    });
    const findings = evaluateEksConnector(snapshot([failed]), SETTINGS);
    expect(findings.map((finding) => [finding.checkId, finding.status, finding.resource.name])).toEqual([
      ['checker.error', 'ERROR', 'eks:ListClusters'],
    ]);
    expect(findings[0]!.message).toMatch(/AccessDeniedException/);
    expect([...completeEksConnectorRegions(snapshot([failed]))]).toEqual([]);
  });

  it('a failed DescribeCluster leaves the region incomplete, and voids no other cluster', () => {
    const arn = `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/other`;
    const failure: ApiFailure = { ...listingFailure, operation: 'DescribeCluster', resourceArn: arn };
    const partial = region([cluster('c')], {
      undescribed: [{ name: 'other', arn, failure }],
      failures: [failure],
    });
    const findings = evaluateEksConnector(snapshot([partial]), SETTINGS);
    expect(statuses(findings, 'c')).toEqual(Object.fromEntries(CHECKS.map((id) => [id, 'PASS'])));
    expect(findings.find((finding) => finding.resource.name === 'eks:DescribeCluster')?.status).toBe('ERROR');
    expect([...completeEksConnectorRegions(snapshot([partial]))]).toEqual([]);
    expect([...completeEksConnectorRegions(snapshot([region([cluster('c')])]))]).toEqual([REGION]);
  });

  it("a failed GetRole of a cluster's role voids that role's PASS in the region (no PASS without proof)", () => {
    const failure: ApiFailure = {
      ...listingFailure,
      service: 'iam',
      operation: 'GetRole',
      resourceArn: ROLE,
    };
    const findings = evaluateEksConnector(
      snapshot([region([cluster('c')], { failures: [failure] })]),
      SETTINGS,
    );
    expect(statuses(findings, 'c')).toMatchObject({
      'eks.connector.role-invalid': 'ERROR',
      'eks.connector.failed': 'PASS',
    });
  });

  it('checker.error PASS for each call that only succeeded', () => {
    const findings = evaluateEksConnector(snapshot([region([cluster('c')])]), SETTINGS);
    expect(
      findings
        .filter((finding) => finding.checkId === 'checker.error')
        .map((finding) => `${finding.resource.name} ${finding.status}`),
    ).toEqual(['eks:DescribeCluster PASS', 'eks:ListClusters PASS', 'iam:GetRole PASS']);
  });

  it('refuses a grace that is not a positive number, and a snapshot without a time', () => {
    expect(() =>
      evaluateEksConnector(snapshot([]), { ...SETTINGS, eksConnectorPendingGraceMinutes: 0 }),
    ).toThrow(RangeError);
    expect(() => evaluateEksConnector({ ...snapshot([]), observedAt: 'soon' }, SETTINGS)).toThrow(RangeError);
  });
});

describe('run summary', () => {
  it('adds the failed operations and skipped records, each once', () => {
    const failure: ApiFailure = {
      service: 'eks',
      operation: 'DescribeCluster',
      region: REGION,
      errorName: 'ThrottlingException',
      message: 'Rate exceeded',
    };
    const summary = {
      failedOperations: ['eu-west-1 lambda:GetFunctionConfiguration'],
      skippedRecords: 1,
    } as unknown as RunSummary;
    const eks = snapshot([
      region([], {
        failures: [failure, failure],
        skipped: [{ source: 'eks:ListClusters', reason: 'cluster listed twice' }],
      }),
    ]);
    expect(withEksConnectorCalls(summary, eks)).toMatchObject({
      failedOperations: ['eu-west-1 lambda:GetFunctionConfiguration', 'eu-west-1 eks:DescribeCluster'],
      skippedRecords: 2,
    });
  });
});
