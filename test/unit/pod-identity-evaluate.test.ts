/**
 * The EKS Pod Identity checks' pure evaluation, table-driven from answers shaped like the SDK's (a
 * DescribePodIdentityAssociation `association`, a GetRole trust policy, a DescribeAddon `addon`): one association,
 * role or add-on per row, the status each check must report, and what the evidence must say.
 */
import { evaluatePodIdentity } from '../../lambdas/core/pod-identity/evaluate-pod-identity';
import {
  completePodIdentityRegions,
  withPodIdentityCalls,
} from '../../lambdas/core/pod-identity/run-summary';
import { POD_IDENTITY_TRUST_POLICY } from '../../lambdas/core/pod-identity/documented-trust';
import type {
  AgentAddon,
  AssociationDetails,
  PodIdentityAssociation,
  PodIdentityCluster,
  PodIdentityRegion,
  PodIdentitySnapshot,
} from '../../lambdas/core/pod-identity/types';
import type { Finding, Status } from '../../lambdas/core/finding';
import type { ApiFailure, Observed } from '../../lambdas/core/inventory';
import type { PolicyDocument, PolicyStatement, RoleTrust } from '../../lambdas/core/irsa/types';
import type { RunSummary } from '../../lambdas/core/run-summary';

const ACCOUNT = '111122223333';
const OTHER_ACCOUNT = '444455556666';
const REGION = 'us-west-2';
const NOW = '2026-03-10T12:00:00.000Z';
const CLUSTER = 'prod';
const CLUSTER_ARN = `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/${CLUSTER}`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/s3-reader`;
const TARGET = `arn:aws:iam::${ACCOUNT}:role/data-target`;
const NAMESPACE = 'payments';
const SERVICE_ACCOUNT = 'ledger';
const EXTERNAL_ID = 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111';
const SETTINGS = { runbookBaseUrl: 'docs/checks.md' };

const PODS_STATEMENT: PolicyStatement = {
  Sid: 'AllowEksAuthToAssumeRoleForPodIdentity',
  Effect: 'Allow',
  Principal: { Service: 'pods.eks.amazonaws.com' },
  Action: ['sts:AssumeRole', 'sts:TagSession'],
};
const policy = (...statements: PolicyStatement[]): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: statements,
});
const withCondition = (
  condition: NonNullable<PolicyStatement['Condition']>,
  statement: PolicyStatement = PODS_STATEMENT,
): PolicyStatement => ({ ...statement, Condition: condition });

const role = (roleArn: string, trustPolicy?: PolicyDocument): Observed<RoleTrust> => ({
  ok: true,
  value: trustPolicy === undefined ? { roleArn, exists: false } : { roleArn, exists: true, trustPolicy },
});

function association(
  details: Partial<AssociationDetails> | ApiFailure = {},
  overrides: Partial<PodIdentityAssociation> = {},
): PodIdentityAssociation {
  const id = overrides.associationId ?? 'a-0123456789abcdefg';
  return {
    associationId: id,
    associationArn: `arn:aws:eks:${REGION}:${ACCOUNT}:podidentityassociation/${CLUSTER}/${id}`,
    namespace: NAMESPACE,
    serviceAccount: SERVICE_ACCOUNT,
    details:
      'errorName' in details
        ? { ok: false, failure: details }
        : { ok: true, value: { roleArn: ROLE, disableSessionTags: false, ...details } },
    ...overrides,
  };
}

const ACTIVE_AGENT: Observed<AgentAddon> = {
  ok: true,
  value: {
    installed: true,
    status: 'ACTIVE',
    version: 'v1.3.4-eksbuild.1',
    arn: `arn:aws:eks:${REGION}:${ACCOUNT}:addon/${CLUSTER}/eks-pod-identity-agent/12c7`,
    issues: [],
    issueCount: 0,
  },
};

function cluster(
  associations: readonly PodIdentityAssociation[],
  /** `null`: the add-on was not read. */
  agent: Observed<AgentAddon> | null = ACTIVE_AGENT,
  overrides: Partial<PodIdentityCluster> = {},
): PodIdentityCluster {
  return {
    name: CLUSTER,
    arn: CLUSTER_ARN,
    listing: { ok: true, value: { associationCount: associations.length } },
    associations,
    ...(agent === null ? {} : { agent }),
    ...overrides,
  };
}

function region(clusters: readonly PodIdentityCluster[], overrides: Partial<PodIdentityRegion> = {}) {
  return {
    region: REGION,
    listing: { ok: true, value: { clusterCount: clusters.length } },
    clusters,
    failures: [],
    succeededOperations: ['eks:ListClusters', 'eks:ListPodIdentityAssociations'],
    skipped: [],
    ...overrides,
  } satisfies PodIdentityRegion;
}

function snapshot(
  regions: readonly PodIdentityRegion[],
  roles: Record<string, Observed<RoleTrust>> = { [ROLE]: role(ROLE, policy(PODS_STATEMENT)) },
): PodIdentitySnapshot {
  return { accountId: ACCOUNT, observedAt: NOW, regions, roles };
}

const failure = (service: string, operation: string, resourceArn?: string): ApiFailure => ({
  service,
  operation,
  region: REGION,
  errorName: 'AccessDeniedException',
  message: `User is not authorized to perform: ${service}:${operation}`,
  ...(resourceArn ? { resourceArn } : {}),
});

const run = (snap: PodIdentitySnapshot) => evaluatePodIdentity(snap, SETTINGS);
const only = (findings: readonly Finding[], checkId: string): Finding => {
  const matching = findings.filter((finding) => finding.checkId === checkId);
  expect(matching).toHaveLength(1);
  return matching[0]!;
};
const roleFindingOf = (trust: PolicyDocument, details: Partial<AssociationDetails> = {}) =>
  only(
    run(snapshot([region([cluster([association(details)])])], { [ROLE]: role(ROLE, trust) })),
    'pod-identity.role-invalid',
  );

describe("pod-identity.role-invalid: the association's role trust policy", () => {
  const OTHER_CLUSTER_ARN = `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/staging`;
  it.each<[string, PolicyDocument, Partial<AssociationDetails>, Status, string | null]>([
    ['the documented trust policy', POD_IDENTITY_TRUST_POLICY, {}, 'PASS', null],
    ['the documented statement with a Sid', policy(PODS_STATEMENT), {}, 'PASS', null],
    [
      'a single statement object, Service as a list, sts:* as the action',
      {
        Version: '2012-10-17',
        Statement: { Effect: 'Allow', Principal: { Service: ['pods.eks.amazonaws.com'] }, Action: 'sts:*' },
      },
      {},
      'PASS',
      null,
    ],
    ['Principal "*"', policy({ ...PODS_STATEMENT, Principal: '*' }), {}, 'PASS', null],
    [
      'an IRSA trust policy reused (Federated, AssumeRoleWithWebIdentity)',
      policy({
        Effect: 'Allow',
        Principal: {
          Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.${REGION}.amazonaws.com/id/EX`,
        },
        Action: 'sts:AssumeRoleWithWebIdentity',
      }),
      {},
      'FAIL',
      'not-trusted',
    ],
    [
      'an EC2 trust policy',
      policy({ ...PODS_STATEMENT, Principal: { Service: 'ec2.amazonaws.com' } }),
      {},
      'FAIL',
      'not-trusted',
    ],
    [
      'sts:AssumeRole without sts:TagSession',
      policy({ ...PODS_STATEMENT, Action: 'sts:AssumeRole' }),
      {},
      'FAIL',
      'tag-session-not-allowed',
    ],
    [
      'an unconditional Deny of the service',
      policy(PODS_STATEMENT, { ...PODS_STATEMENT, Sid: 'NoPods', Effect: 'Deny', Action: 'sts:TagSession' }),
      {},
      'FAIL',
      'explicit-deny',
    ],
    [
      'a Deny for any other account (does not apply to this one)',
      policy(
        PODS_STATEMENT,
        withCondition(
          { StringNotEquals: { 'aws:SourceAccount': ACCOUNT } },
          { ...PODS_STATEMENT, Sid: 'OnlyThisAccount', Effect: 'Deny' },
        ),
      ),
      {},
      'PASS',
      null,
    ],
    [
      'aws:SourceAccount of this account',
      policy(withCondition({ StringEquals: { 'aws:SourceAccount': ACCOUNT } })),
      {},
      'PASS',
      null,
    ],
    [
      'aws:SourceAccount of another account',
      policy(withCondition({ StringEquals: { 'aws:SourceAccount': OTHER_ACCOUNT } })),
      {},
      'FAIL',
      'condition-mismatch',
    ],
    [
      'ArnEquals aws:SourceArn the cluster',
      policy(withCondition({ ArnEquals: { 'aws:SourceArn': CLUSTER_ARN } })),
      {},
      'PASS',
      null,
    ],
    [
      'ArnLike aws:SourceArn any cluster of the account',
      policy(withCondition({ ArnLike: { 'aws:SourceArn': `arn:aws:eks:*:${ACCOUNT}:cluster/*` } })),
      {},
      'PASS',
      null,
    ],
    [
      'ArnEquals aws:SourceArn another cluster',
      policy(withCondition({ ArnEquals: { 'aws:SourceArn': OTHER_CLUSTER_ARN } })),
      {},
      'FAIL',
      'condition-mismatch',
    ],
    [
      'the namespace and service account session tags of the association',
      policy(
        withCondition({
          StringEquals: {
            'aws:RequestTag/kubernetes-namespace': NAMESPACE,
            'aws:RequestTag/kubernetes-service-account': SERVICE_ACCOUNT,
            'aws:RequestTag/eks-cluster-name': CLUSTER,
          },
        }),
      ),
      {},
      'PASS',
      null,
    ],
    [
      'the namespace tag of another namespace',
      policy(withCondition({ StringEquals: { 'aws:RequestTag/kubernetes-namespace': 'billing' } })),
      {},
      'FAIL',
      'condition-mismatch',
    ],
    [
      'a session-tag condition, session tags disabled on the association',
      policy(withCondition({ StringEquals: { 'aws:RequestTag/kubernetes-namespace': NAMESPACE } })),
      { disableSessionTags: true },
      'FAIL',
      'condition-mismatch',
    ],
    [
      'aws:TagKeys limited to the six EKS tags',
      policy(
        withCondition({
          'ForAllValues:StringEquals': {
            'aws:TagKeys': [
              'eks-cluster-arn',
              'eks-cluster-name',
              'kubernetes-namespace',
              'kubernetes-service-account',
              'kubernetes-pod-name',
              'kubernetes-pod-uid',
            ],
          },
        }),
      ),
      {},
      'PASS',
      null,
    ],
    [
      "a pod's name, unknown before a pod asks",
      policy(withCondition({ StringLike: { 'aws:RequestTag/kubernetes-pod-name': 'ledger-*' } })),
      {},
      'ERROR',
      'conditions-not-evaluated',
    ],
    [
      'aws:PrincipalTag on the first hop',
      policy(withCondition({ StringEquals: { 'aws:PrincipalTag/team': 'payments' } })),
      {},
      'ERROR',
      'conditions-not-evaluated',
    ],
    [
      'an operator the checker does not evaluate',
      policy(withCondition({ DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } })),
      {},
      'ERROR',
      'conditions-not-evaluated',
    ],
    [
      'a known mismatch outweighs an unknown key',
      policy(
        withCondition({
          StringEquals: { 'aws:SourceAccount': OTHER_ACCOUNT },
          StringLike: { 'aws:RequestTag/kubernetes-pod-name': 'ledger-*' },
        }),
      ),
      {},
      'FAIL',
      'condition-mismatch',
    ],
  ])('%s: %s', (_name, trust, details, status, cause) => {
    const found = roleFindingOf(trust, details);
    expect([found.status, found.evidence.cause]).toEqual([status, cause]);
    expect(found.resource).toEqual({ type: 'AWS::IAM::Role', arn: ROLE, name: 's3-reader' });
    expect(found.evidence).toMatchObject({
      clusterName: CLUSTER,
      namespace: NAMESPACE,
      serviceAccount: SERVICE_ACCOUNT,
      roleArn: ROLE,
    });
  });

  it('a condition mismatch names the condition, what the policy wants and what EKS sends', () => {
    const found = roleFindingOf(
      policy(withCondition({ StringEquals: { 'aws:RequestTag/kubernetes-namespace': 'billing' } })),
    );
    expect(found.evidence.conditionMismatches).toEqual([
      'AllowEksAuthToAssumeRoleForPodIdentity: StringEquals aws:RequestTag/kubernetes-namespace: the policy wants ["billing"], EKS sends ["payments"]',
    ]);
    expect(found.evidence.expectedTrustPolicy).toBe(JSON.stringify(POD_IDENTITY_TRUST_POLICY));
    expect(found.message).toMatch(/conditions exclude this association/);
  });

  it('an undecidable condition names the key and is never PASS', () => {
    const found = roleFindingOf(
      policy(withCondition({ StringLike: { 'aws:RequestTag/kubernetes-pod-name': 'ledger-*' } })),
    );
    expect(found.evidence.unevaluatedConditions).toEqual(['aws:RequestTag/kubernetes-pod-name']);
    expect(found.severity).toBe('HIGH');
  });

  it('a deleted role is FAIL role-missing, its resource without an ARN', () => {
    const findings = run(snapshot([region([cluster([association()])])], { [ROLE]: role(ROLE) }));
    const found = only(findings, 'pod-identity.role-invalid');
    expect([found.status, found.evidence.cause]).toEqual(['FAIL', 'role-missing']);
    expect(found.resource).toEqual({ type: 'AWS::IAM::Role', name: 's3-reader' });
  });

  it.each<[string, Partial<PodIdentityRegion>, Record<string, Observed<RoleTrust>>]>([
    ['GetRole denied in the region', { failures: [failure('iam', 'GetRole', ROLE)] }, {}],
    [
      'GetRole denied (the run-wide observation)',
      {},
      { [ROLE]: { ok: false, failure: failure('iam', 'GetRole', ROLE) } },
    ],
    ['the role was never read (the deadline)', {}, {}],
  ])('%s: ERROR naming the call', (_name, overrides, roles) => {
    const found = only(
      run(snapshot([region([cluster([association()])], overrides)], roles)),
      'pod-identity.role-invalid',
    );
    expect(found.status).toBe('ERROR');
    expect(String(found.evidence.error)).toMatch(/iam:GetRole|not read/);
  });

  it('a role of another account is not verified: ERROR', () => {
    const foreign = `arn:aws:iam::${OTHER_ACCOUNT}:role/s3-reader`;
    const found = only(
      run(snapshot([region([cluster([association({ roleArn: foreign })])])])),
      'pod-identity.role-invalid',
    );
    expect([found.status, found.evidence.cause]).toEqual(['ERROR', 'other-account']);
  });

  it('an association that could not be described: both checks ERROR about the association', () => {
    const denied = failure('eks', 'DescribePodIdentityAssociation');
    const findings = run(snapshot([region([cluster([association(denied)])])]));
    for (const checkId of ['pod-identity.role-invalid', 'pod-identity.target-role-invalid']) {
      const found = only(findings, checkId);
      expect(found.status).toBe('ERROR');
      expect(found.resource.type).toBe('AWS::EKS::PodIdentityAssociation');
      expect(found.evidence.error).toMatch(/eks:DescribePodIdentityAssociation failed/);
    }
  });

  it('an association without a readable roleArn: ERROR', () => {
    const findings = run(
      snapshot([
        region([
          cluster([{ ...association(), details: { ok: true, value: { disableSessionTags: false } } }]),
        ]),
      ]),
    );
    expect(only(findings, 'pod-identity.role-invalid').status).toBe('ERROR');
  });
});

describe('pod-identity.target-role-invalid: role chaining', () => {
  const TARGET_TRUST = policy({
    Sid: 'FromPodIdentityRole',
    Effect: 'Allow',
    Principal: { AWS: ROLE },
    Action: ['sts:AssumeRole', 'sts:TagSession'],
    Condition: { StringEquals: { 'sts:ExternalId': EXTERNAL_ID } },
  });
  const targetOf = (
    trust: PolicyDocument | undefined,
    details: Partial<AssociationDetails> = { targetRoleArn: TARGET, externalId: EXTERNAL_ID },
  ) =>
    only(
      run(
        snapshot([region([cluster([association(details)])])], {
          [ROLE]: role(ROLE, policy(PODS_STATEMENT)),
          [TARGET]: role(TARGET, trust),
        }),
      ),
      'pod-identity.target-role-invalid',
    );

  it.each<
    [string, PolicyDocument | undefined, Partial<AssociationDetails> | undefined, Status, string | null]
  >([
    ["the association's role with its external id", TARGET_TRUST, undefined, 'PASS', null],
    [
      "the association role's account",
      policy({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
        Action: ['sts:AssumeRole', 'sts:TagSession'],
      }),
      undefined,
      'PASS',
      null,
    ],
    [
      'aws:PrincipalTag/kubernetes-namespace of the association',
      policy(
        withCondition(
          { StringEquals: { 'aws:PrincipalTag/kubernetes-namespace': NAMESPACE } },
          {
            ...PODS_STATEMENT,
            Principal: { AWS: ROLE },
          },
        ),
      ),
      undefined,
      'PASS',
      null,
    ],
    [
      'aws:PrincipalTag, session tags disabled',
      policy(
        withCondition(
          { StringEquals: { 'aws:PrincipalTag/kubernetes-namespace': NAMESPACE } },
          {
            ...PODS_STATEMENT,
            Principal: { AWS: ROLE },
          },
        ),
      ),
      { targetRoleArn: TARGET, disableSessionTags: true },
      'FAIL',
      'condition-mismatch',
    ],
    ['the target role was deleted', undefined, undefined, 'FAIL', 'target-missing'],
    [
      "another association's external id",
      policy({
        ...(TARGET_TRUST.Statement as PolicyStatement[])[0]!,
        Condition: { StringEquals: { 'sts:ExternalId': 'another-association-id' } },
      }),
      undefined,
      'FAIL',
      'condition-mismatch',
    ],
    [
      'another role as principal',
      policy({ ...PODS_STATEMENT, Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/other` } }),
      undefined,
      'FAIL',
      'not-trusted',
    ],
    [
      "the association role's old unique id (the role was recreated)",
      policy({ ...PODS_STATEMENT, Principal: { AWS: 'AROAEXAMPLEUNIQUEID01' } }),
      undefined,
      'FAIL',
      'not-trusted',
    ],
    [
      'sts:AssumeRole only',
      policy({ ...PODS_STATEMENT, Principal: { AWS: ROLE }, Action: 'sts:AssumeRole' }),
      undefined,
      'FAIL',
      'tag-session-not-allowed',
    ],
  ])('%s: %s', (_name, trust, details, status, cause) => {
    const found = details === undefined ? targetOf(trust) : targetOf(trust, details);
    expect([found.status, found.evidence.cause]).toEqual([status, cause]);
    expect(found.resource.name).toBe('data-target');
  });

  it('no target role: PASS about the association', () => {
    const found = only(
      run(snapshot([region([cluster([association()])])])),
      'pod-identity.target-role-invalid',
    );
    expect(found.status).toBe('PASS');
    expect(found.resource.type).toBe('AWS::EKS::PodIdentityAssociation');
  });

  it('a target in another account is reported as not verified, never PASS', () => {
    const foreign = `arn:aws:iam::${OTHER_ACCOUNT}:role/data-target`;
    const found = targetOf(undefined, { targetRoleArn: foreign, externalId: EXTERNAL_ID });
    expect([found.status, found.evidence.cause]).toEqual(['ERROR', 'other-account']);
    expect(found.resource.arn).toBe(foreign);
    expect(found.message).toMatch(/not verified/);
  });

  it('a target the answer named but not as a role ARN: ERROR, not "no target role"', () => {
    const found = targetOf(undefined, { targetRoleUnreadable: true });
    expect(found.status).toBe('ERROR');
  });
});

describe('pod-identity.agent-*: the eks-pod-identity-agent add-on', () => {
  const agentOf = (agent: Observed<AgentAddon> | null, associations = [association()]) => {
    const findings = run(snapshot([region([cluster(associations, agent)])]));
    return findings.filter((finding) => finding.checkId.startsWith('pod-identity.agent-'));
  };
  const statuses = (findings: readonly Finding[]) =>
    Object.fromEntries(findings.map((finding) => [finding.checkId, `${finding.status} ${finding.severity}`]));
  const addon = (status: string, issues: { code: string; message: string }[] = []): Observed<AgentAddon> => ({
    ok: true,
    value: {
      installed: true,
      status,
      issues: issues.map((issue) => ({ ...issue, resourceIds: [] })),
      issueCount: issues.length,
    },
  });
  const missing = (autoMode: Observed<boolean>): Observed<AgentAddon> => ({
    ok: true,
    value: { installed: false, autoMode },
  });

  it.each<[string, Observed<AgentAddon> | null, Record<string, string>]>([
    [
      'ACTIVE',
      ACTIVE_AGENT,
      {
        'pod-identity.agent-not-installed': 'PASS INFORMATIONAL',
        'pod-identity.agent-unhealthy': 'PASS INFORMATIONAL',
      },
    ],
    [
      'not installed (ResourceNotFoundException), not Auto Mode',
      missing({ ok: true, value: false }),
      {
        'pod-identity.agent-not-installed': 'FAIL HIGH',
        'pod-identity.agent-unhealthy': 'PASS INFORMATIONAL',
      },
    ],
    [
      'no add-on on an EKS Auto Mode cluster',
      missing({ ok: true, value: true }),
      {
        'pod-identity.agent-not-installed': 'PASS INFORMATIONAL',
        'pod-identity.agent-unhealthy': 'PASS INFORMATIONAL',
      },
    ],
    [
      'no add-on, DescribeCluster denied',
      missing({ ok: false, failure: failure('eks', 'DescribeCluster', CLUSTER_ARN) }),
      {
        'pod-identity.agent-not-installed': 'ERROR HIGH',
        'pod-identity.agent-unhealthy': 'PASS INFORMATIONAL',
      },
    ],
    [
      'DEGRADED',
      addon('DEGRADED', [
        {
          code: 'InsufficientNumberOfReplicas',
          message: "The add-on is unhealthy because it doesn't have the desired number of replicas.",
        },
      ]),
      {
        'pod-identity.agent-not-installed': 'PASS INFORMATIONAL',
        'pod-identity.agent-unhealthy': 'FAIL HIGH',
      },
    ],
    [
      'CREATE_FAILED',
      addon('CREATE_FAILED', [
        { code: 'ConfigurationConflict', message: 'Conflicts found when trying to apply.' },
      ]),
      {
        'pod-identity.agent-not-installed': 'PASS INFORMATIONAL',
        'pod-identity.agent-unhealthy': 'FAIL HIGH',
      },
    ],
    [
      'UPDATING: in progress, LOW',
      addon('UPDATING'),
      {
        'pod-identity.agent-not-installed': 'PASS INFORMATIONAL',
        'pod-identity.agent-unhealthy': 'FAIL LOW',
      },
    ],
    [
      'DescribeAddon denied',
      { ok: false, failure: failure('eks', 'DescribeAddon', CLUSTER_ARN) },
      { 'pod-identity.agent-not-installed': 'ERROR HIGH', 'pod-identity.agent-unhealthy': 'ERROR HIGH' },
    ],
    [
      'the add-on was not read',
      null,
      { 'pod-identity.agent-not-installed': 'ERROR HIGH', 'pod-identity.agent-unhealthy': 'ERROR HIGH' },
    ],
  ])('%s', (_name, agent, expected) => {
    expect(statuses(agentOf(agent))).toEqual(expected);
  });

  it("the health issues are in the evidence and the message, and the finding's resource is the cluster", () => {
    const [, unhealthy] = agentOf(
      addon('DEGRADED', [{ code: 'InsufficientNumberOfReplicas', message: 'not enough replicas' }]),
    );
    expect(unhealthy!.evidence).toMatchObject({
      addonStatus: 'DEGRADED',
      healthIssues: ['InsufficientNumberOfReplicas: not enough replicas'],
      healthIssueCount: 1,
      associationCount: 1,
    });
    expect(unhealthy!.message).toContain('InsufficientNumberOfReplicas: not enough replicas');
    expect(unhealthy!.resource).toEqual({ type: 'AWS::EKS::Cluster', arn: CLUSTER_ARN, name: CLUSTER });
  });

  it('a cluster without associations needs no agent: no agent finding', () => {
    expect(agentOf(null, [])).toEqual([]);
  });
});

describe('the region', () => {
  it('a cluster whose associations could not be listed has no finding, and the region is not covered', () => {
    const listingFailure = failure('eks', 'ListPodIdentityAssociations', CLUSTER_ARN);
    const unlisted = cluster([], null, { listing: { ok: false, failure: listingFailure } });
    const snap = snapshot([region([unlisted], { failures: [listingFailure] })]);
    const findings = run(snap);
    expect(findings.filter((finding) => finding.checkId !== 'checker.error')).toEqual([]);
    expect(
      findings
        .filter((finding) => finding.checkId === 'checker.error')
        .map((f) => [f.resource.name, f.status]),
    ).toEqual([
      ['eks:ListPodIdentityAssociations', 'ERROR'],
      ['eks:ListClusters', 'PASS'],
    ]);
    expect(completePodIdentityRegions(snap).size).toBe(0);
    expect(completePodIdentityRegions(snapshot([region([cluster([association()])])]))).toEqual(
      new Set([REGION]),
    );
  });

  it('a failed ListClusters leaves only its checker.error', () => {
    const denied = failure('eks', 'ListClusters');
    const findings = run(
      snapshot([
        region([], { listing: { ok: false, failure: denied }, failures: [denied], succeededOperations: [] }),
      ]),
    );
    expect(findings.map((finding) => [finding.checkId, finding.status])).toEqual([
      ['checker.error', 'ERROR'],
    ]);
  });

  it('findings are ordered and keyed by association: two associations, two of each', () => {
    const second = association({}, { associationId: 'a-second', namespace: 'aaa' });
    const findings = run(snapshot([region([cluster([association(), second])])]));
    const roles = findings.filter((finding) => finding.checkId === 'pod-identity.role-invalid');
    expect(roles.map((finding) => finding.evidence.namespace)).toEqual(['aaa', NAMESPACE]);
    expect(new Set(findings.map((finding) => finding.findingId)).size).toBe(findings.length);
  });

  it('the run summary counts the skipped records and failed operations', () => {
    const base: RunSummary = {
      accountId: ACCOUNT,
      regions: [REGION],
      credentials: 0,
      findings: 0,
      byStatus: { FAIL: 0, ERROR: 0, PASS: 0 },
      problemsBySeverity: { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, INFORMATIONAL: 0 },
      skippedRecords: 1,
      failedOperations: [],
    };
    const summary = withPodIdentityCalls(
      base,
      snapshot([
        region([], {
          failures: [failure('iam', 'GetRole', ROLE), failure('iam', 'GetRole', TARGET)],
          skipped: [{ source: 'eks:ListPodIdentityAssociations', reason: 'namespace is malformed' }],
        }),
      ]),
    );
    expect(summary.skippedRecords).toBe(2);
    expect(summary.failedOperations).toEqual([`${REGION} iam:GetRole`]);
  });
});

describe('evidence stays small whatever the trust policy holds', () => {
  it('a condition with hundreds of long values: at most 5 shown, each line at most 1,024 characters', () => {
    const values = Array.from({ length: 300 }, (_, i) => `${'n'.repeat(2_000)}${i}`);
    const found = roleFindingOf(
      policy(withCondition({ StringEquals: { 'aws:RequestTag/kubernetes-namespace': values } })),
    );
    expect(found.evidence.cause).toBe('condition-mismatch');
    const lines = found.evidence.conditionMismatches as readonly string[];
    expect(lines).toHaveLength(1);
    expect(lines[0]!.length).toBeLessThanOrEqual(1_024);
    expect(lines[0]).toContain('295 more');
    expect(found.message.length).toBeLessThan(4_096);
  });
});
