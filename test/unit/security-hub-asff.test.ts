import {
  FINDING_SCHEMA_VERSION,
  SEVERITIES,
  type Finding,
  type ResourceType,
} from '../../lambdas/core/finding';
import type { LifecycleFinding, Transition } from '../../lambdas/core/lifecycle/types';
import {
  ASFF_FINDING_TYPE,
  ASFF_LIMITS,
  ASFF_PRODUCT_NAME,
  ASFF_RESOURCE_TYPES,
  asffIdOf,
  defaultProductArn,
  exportStateOf,
  partitionOfRegion,
  toAsff,
  truncateUtf8,
  type AsffContext,
} from '../../lambdas/core/security-hub/asff';

const ACCOUNT = '123456789012';
const NOW = new Date('2024-05-01T12:30:00.000Z');
const context: AsffContext = { accountId: ACCOUNT, region: 'eu-west-1', now: NOW };

function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    schemaVersion: FINDING_SCHEMA_VERSION,
    findingId: '0123456789abcdef0123456789abcdef',
    checkId: 'tmc.event-rule.disabled',
    status: 'FAIL',
    severity: 'HIGH',
    title: 'Event rule disabled',
    message: 'The rule of credential prod-eks is DISABLED.',
    accountId: ACCOUNT,
    region: 'eu-west-1',
    resource: {
      type: 'AWS::Events::Rule',
      arn: `arn:aws:events:eu-west-1:${ACCOUNT}:rule/tmc-rule`,
      name: 'tmc-rule',
    },
    tmc: { credentialName: 'prod-eks', component: 'event-rule' },
    evidence: { state: 'DISABLED' },
    remediation: {
      text: '1. Enable the rule.',
      whoCanFix: 'AWS account administrator',
      runbookUrl: 'https://wiki.example.com/tmc-health#tmc-event-rule-disabled',
    },
    observedAt: '2024-05-01T12:00:00.000Z',
    ...overrides,
  };
}

function transition(kind: Transition, overrides: Partial<LifecycleFinding> = {}): LifecycleFinding {
  const resolved = kind === 'RESOLVED';
  return {
    ...finding(
      resolved
        ? { status: 'PASS', severity: 'INFORMATIONAL', title: 'Event rule enabled', message: 'ok' }
        : {},
    ),
    state: resolved ? 'RESOLVED' : kind === 'OPENED' ? 'NEW' : 'ONGOING',
    transition: kind,
    firstObservedAt: '2024-04-30T08:00:00.000Z',
    lastObservedAt: '2024-05-01T12:00:00.000Z',
    occurrenceCount: 7,
    sequence: 3,
    idempotencyKey: '0123456789abcdef0123456789abcdef#3',
    ...overrides,
  };
}

describe('which findings are exported', () => {
  it.each<[string, Finding | LifecycleFinding, 'ACTIVE' | 'RESOLVED' | undefined]>([
    ['a FAIL (stateless)', finding(), 'ACTIVE'],
    ['a PASS (stateless): never its own finding', finding({ status: 'PASS' }), undefined],
    ['an ERROR (stateless): says nothing about the resource', finding({ status: 'ERROR' }), undefined],
    ['OPENED FAIL', transition('OPENED'), 'ACTIVE'],
    ['ESCALATED FAIL', transition('ESCALATED', { severity: 'CRITICAL' }), 'ACTIVE'],
    ['REMINDER FAIL', transition('REMINDER'), 'ACTIVE'],
    ['OPENED ERROR: not exported', transition('OPENED', { status: 'ERROR' }), undefined],
    ['RESOLVED (its status is PASS)', transition('RESOLVED'), 'RESOLVED'],
  ])('%s', (_name, input, expected) => {
    expect(exportStateOf(input)).toBe(expected);
    expect(toAsff(input, context) === undefined).toBe(expected === undefined);
  });
});

describe('the ASFF of a finding', () => {
  it('a stateless FAIL: active, failed, new, in the default product of the account and region', () => {
    expect(toAsff(finding(), context)).toEqual({
      SchemaVersion: '2018-10-08',
      Id: 'tmc-health/tmc.event-rule.disabled/0123456789abcdef0123456789abcdef',
      ProductArn: `arn:aws:securityhub:eu-west-1:${ACCOUNT}:product/${ACCOUNT}/default`,
      ProductName: ASFF_PRODUCT_NAME,
      GeneratorId: 'tmc.event-rule.disabled',
      AwsAccountId: ACCOUNT,
      Types: [ASFF_FINDING_TYPE],
      // No ledger: when the problem began is unknown, so it is dated when it was observed.
      CreatedAt: '2024-05-01T12:00:00.000Z',
      UpdatedAt: NOW.toISOString(),
      LastObservedAt: '2024-05-01T12:00:00.000Z',
      Severity: { Label: 'HIGH', Original: 'HIGH' },
      FindingProviderFields: { Severity: { Label: 'HIGH', Original: 'HIGH' }, Types: [ASFF_FINDING_TYPE] },
      Title: 'Event rule disabled',
      Description: 'The rule of credential prod-eks is DISABLED.',
      Remediation: {
        Recommendation: {
          Text: '1. Enable the rule.',
          Url: 'https://wiki.example.com/tmc-health#tmc-event-rule-disabled',
        },
      },
      ProductFields: {
        'tmc-health/findingId': '0123456789abcdef0123456789abcdef',
        'tmc-health/checkId': 'tmc.event-rule.disabled',
        'tmc-health/status': 'FAIL',
        'tmc-health/resourceType': 'AWS::Events::Rule',
        'tmc-health/resourceName': 'tmc-rule',
        'tmc-health/region': 'eu-west-1',
        'tmc-health/runbook': 'https://wiki.example.com/tmc-health#tmc-event-rule-disabled',
        'tmc-health/whoCanFix': 'AWS account administrator',
        'tmc-health/credentialName': 'prod-eks',
        'tmc-health/component': 'event-rule',
      },
      Resources: [
        {
          Type: 'Other',
          Id: `arn:aws:events:eu-west-1:${ACCOUNT}:rule/tmc-rule`,
          Partition: 'aws',
          Region: 'eu-west-1',
          Details: { Other: { ResourceType: 'AWS::Events::Rule', Name: 'tmc-rule' } },
        },
      ],
      Compliance: { Status: 'FAILED' },
      Workflow: { Status: 'NEW' },
      RecordState: 'ACTIVE',
    });
  });

  it('OPENED, then RESOLVED: the same Id, archived, passed, resolved; dates from the lifecycle', () => {
    const opened = toAsff(transition('OPENED'), context)!;
    const resolved = toAsff(transition('RESOLVED'), { ...context, now: new Date('2024-05-02T00:00:00Z') })!;
    expect(resolved.Id).toBe(opened.Id);
    expect(opened).toMatchObject({
      CreatedAt: '2024-04-30T08:00:00.000Z',
      FirstObservedAt: '2024-04-30T08:00:00.000Z',
      LastObservedAt: '2024-05-01T12:00:00.000Z',
      Compliance: { Status: 'FAILED' },
      Workflow: { Status: 'NEW' },
      RecordState: 'ACTIVE',
      ProductFields: expect.objectContaining({
        'tmc-health/transition': 'OPENED',
        'tmc-health/occurrenceCount': '7',
        'tmc-health/idempotencyKey': '0123456789abcdef0123456789abcdef#3',
      }),
    });
    expect(resolved).toMatchObject({
      CreatedAt: '2024-04-30T08:00:00.000Z',
      UpdatedAt: '2024-05-02T00:00:00.000Z',
      Severity: { Label: 'INFORMATIONAL' },
      Compliance: { Status: 'PASSED' },
      Workflow: { Status: 'RESOLVED' },
      RecordState: 'ARCHIVED',
      ProductFields: expect.objectContaining({
        'tmc-health/transition': 'RESOLVED',
        'tmc-health/status': 'PASS',
      }),
    });
  });

  it('the same finding gives the same Id every run, and different findings different Ids', () => {
    const later = { ...context, now: new Date('2025-01-01T00:00:00Z') };
    expect(toAsff(finding({ observedAt: '2024-12-31T00:00:00Z' }), later)!.Id).toBe(
      toAsff(finding(), context)!.Id,
    );
    expect(asffIdOf(finding({ findingId: 'ffff' }))).not.toBe(asffIdOf(finding()));
  });

  it.each(SEVERITIES)('severity %s is the ASFF label of the same name', (severity) => {
    const asff = toAsff(finding({ severity }), context)!;
    expect(asff.Severity).toEqual({ Label: severity, Original: severity });
    expect(asff.FindingProviderFields.Severity.Label).toBe(severity);
  });

  it.each<[string, ResourceType, string | undefined, string, string]>([
    [
      'a Lambda function',
      'AWS::Lambda::Function',
      `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:tmc-data-sync`,
      'AwsLambdaFunction',
      `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:tmc-data-sync`,
    ],
    [
      'an IAM role',
      'AWS::IAM::Role',
      `arn:aws:iam::${ACCOUNT}:role/pod-role`,
      'AwsIamRole',
      `arn:aws:iam::${ACCOUNT}:role/pod-role`,
    ],
    [
      'an EventBridge rule: no ASFF type',
      'AWS::Events::Rule',
      `arn:aws:events:eu-west-1:${ACCOUNT}:rule/r`,
      'Other',
      `arn:aws:events:eu-west-1:${ACCOUNT}:rule/r`,
    ],
    [
      'an SSM parameter: no ASFF type',
      'AWS::SSM::Parameter',
      `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/tmc/token`,
      'Other',
      `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/tmc/token`,
    ],
    [
      'a missing Lambda: no ARN',
      'AWS::Lambda::Function',
      undefined,
      'Other',
      'AWS::Lambda::Function/the-name',
    ],
    ['a TMC credential', 'TMC::Credential', undefined, 'Other', 'TMC::Credential/the-name'],
  ])('resource: %s', (_name, type, arn, asffType, id) => {
    const [resource] = toAsff(
      finding({ resource: { type, name: 'the-name', ...(arn ? { arn } : {}) } }),
      context,
    )!.Resources;
    expect(resource).toMatchObject({ Type: asffType, Id: id, Partition: 'aws' });
    expect(resource!.Details === undefined).toBe(asffType !== 'Other');
  });

  it('every resource type has an ASFF type', () => {
    for (const value of Object.values(ASFF_RESOURCE_TYPES)) expect(value).toMatch(/^(Aws[A-Za-z]+|Other)$/);
  });

  it('a global finding (IAM) has no resource region; partitions follow the ARN, else the region', () => {
    const iam = toAsff(
      finding({
        region: 'global',
        resource: { type: 'AWS::IAM::Role', arn: `arn:aws-cn:iam::${ACCOUNT}:role/r`, name: 'r' },
      }),
      context,
    )!;
    expect(iam.Resources[0]).toEqual({
      Type: 'AwsIamRole',
      Id: `arn:aws-cn:iam::${ACCOUNT}:role/r`,
      Partition: 'aws-cn',
    });
    expect(iam.ProductArn).toMatch(/^arn:aws:securityhub:eu-west-1:/);
  });

  it.each([
    ['eu-west-1', 'aws'],
    ['cn-north-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
  ])('region %s is in partition %s', (region, partition) => {
    expect(partitionOfRegion(region)).toBe(partition);
    expect(defaultProductArn(region, ACCOUNT)).toBe(
      `arn:${partition}:securityhub:${region}:${ACCOUNT}:product/${ACCOUNT}/default`,
    );
  });

  it('IRSA: first and last seen from the denials; the service account in ProductFields', () => {
    const asff = toAsff(
      finding({
        checkId: 'irsa.assume-role.denied',
        tmc: undefined,
        resource: { type: 'AWS::IAM::Role', arn: `arn:aws:iam::${ACCOUNT}:role/pod`, name: 'pod' },
        irsa: {
          serviceAccount: 'system:serviceaccount:apps:web',
          namespace: 'apps',
          oidcProvider: `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/X`,
          errorCode: 'AccessDenied',
          count: 12,
          firstSeen: '2024-05-01T11:00:00Z',
          lastSeen: '2024-05-01T11:55:00Z',
          sampleEventIds: ['e1'],
        },
      }),
      context,
    )!;
    expect(asff).toMatchObject({
      CreatedAt: '2024-05-01T11:00:00.000Z',
      FirstObservedAt: '2024-05-01T11:00:00.000Z',
      LastObservedAt: '2024-05-01T11:55:00.000Z',
      ProductFields: expect.objectContaining({
        'tmc-health/serviceAccount': 'system:serviceaccount:apps:web',
        'tmc-health/errorCode': 'AccessDenied',
        'tmc-health/deniedCalls': '12',
      }),
    });
    expect(asff.ProductFields['tmc-health/credentialName']).toBeUndefined();
  });

  it('never dated after UpdatedAt (a clock ahead of this one), and bad dates fall back to now', () => {
    const ahead = toAsff(transition('OPENED', { firstObservedAt: '2024-05-01T13:00:00Z' }), context)!;
    expect(ahead.CreatedAt).toBe(NOW.toISOString());
    expect(ahead.FirstObservedAt).toBe(NOW.toISOString());
    const bad = toAsff(finding({ observedAt: 'not a date' }), context)!;
    expect(bad.CreatedAt).toBe(NOW.toISOString());
    expect(bad.LastObservedAt).toBe(NOW.toISOString());
  });

  it('a relative runbook link (the default) is no Url, but stays in ProductFields', () => {
    const asff = toAsff(
      finding({ remediation: { text: 't', whoCanFix: 'w', runbookUrl: 'docs/checks.md#x' } }),
      context,
    )!;
    expect(asff.Remediation.Recommendation).toEqual({ Text: 't' });
    expect(asff.ProductFields['tmc-health/runbook']).toBe('docs/checks.md#x');
  });

  it('a suppressed finding is exported and marked', () => {
    const asff = toAsff(
      transition('OPENED', {
        suppression: { state: 'SUPPRESSED', reason: 'rotation moved to vault', expires: '2030-01-31' },
      }),
      context,
    )!;
    expect(asff.RecordState).toBe('ACTIVE');
    expect(asff.ProductFields['tmc-health/suppression']).toBe('rotation moved to vault (until 2030-01-31)');
  });
});

describe('size limits', () => {
  const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
  const long = (word: string, count: number) => Array.from({ length: count }, () => word).join(' ');

  it.each<[string, keyof Finding | 'remediation', number, (f: Finding) => string]>([
    ['Title', 'title', ASFF_LIMITS.title, (f) => toAsff(f, context)!.Title],
    ['Description', 'message', ASFF_LIMITS.description, (f) => toAsff(f, context)!.Description],
    [
      'Remediation text',
      'remediation',
      ASFF_LIMITS.recommendationText,
      (f) => toAsff(f, context)!.Remediation.Recommendation.Text,
    ],
  ])('%s is cut within its limit (field %s) at a word, with "..."', (_name, field, limit, read) => {
    const text = long('lambda', 400);
    const input =
      field === 'remediation'
        ? finding({ remediation: { text, whoCanFix: 'w', runbookUrl: 'docs/checks.md#x' } })
        : finding({ [field]: text });
    const out = read(input);
    expect(bytes(out)).toBeLessThanOrEqual(limit);
    expect(bytes(out)).toBeGreaterThan(limit - 12);
    expect(out).toMatch(/ lambda\.\.\.$/);
    expect(text.startsWith(out.slice(0, -3))).toBe(true);
  });

  it.each<[string, string, number, string]>([
    ['fits exactly: unchanged', 'a'.repeat(20), 20, 'a'.repeat(20)],
    ['one over, no space: cut mid-word', 'a'.repeat(21), 20, `${'a'.repeat(17)}...`],
    ['at the last space when near the cut', `${'a'.repeat(15)} bbbbbbbb`, 20, `${'a'.repeat(15)}...`],
    ['trailing punctuation dropped', `${'a'.repeat(16)}, bbbbbbbbbb`, 20, `${'a'.repeat(16)}...`],
    // "é" is 2 bytes: 9 of them (18 bytes) do not fit beside "..." in 20; 8 do (16 + 3).
    ['never inside a character', 'é'.repeat(20), 20, `${'é'.repeat(8)}...`],
    ['never inside an emoji (4 bytes)', '🙂'.repeat(10), 20, `${'🙂'.repeat(4)}...`],
  ])('truncateUtf8: %s', (_name, text, limit, expected) => {
    const out = truncateUtf8(text, limit);
    expect(out).toBe(expected);
    expect(bytes(out)).toBeLessThanOrEqual(limit);
  });

  it('long ProductFields values are cut to 2048 bytes; empty ones left out', () => {
    const asff = toAsff(
      finding({
        resource: { type: 'AWS::Events::Rule', name: 'x'.repeat(5000) },
        tmc: { credentialName: '' },
      }),
      context,
    )!;
    expect(bytes(asff.ProductFields['tmc-health/resourceName']!)).toBeLessThanOrEqual(2048);
    expect(asff.ProductFields['tmc-health/credentialName']).toBeUndefined();
    expect(bytes(asff.Resources[0]!.Details!.Other.Name!)).toBeLessThanOrEqual(1024);
  });

  it('empty title and message still give the required non-empty Title and Description', () => {
    const asff = toAsff(finding({ title: ' ', message: '' }), context)!;
    expect(asff.Title).toBe('tmc.event-rule.disabled');
    expect(asff.Description).toBe('tmc.event-rule.disabled');
  });
});
