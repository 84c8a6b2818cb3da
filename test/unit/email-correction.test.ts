import { FINDING_SCHEMA_VERSION, type Finding, type IrsaCorrection } from '../../lambdas/core/finding';
import { formatTransitionDigest } from '../../lambdas/core/lifecycle/digest';
import type { LifecycleFinding } from '../../lambdas/core/lifecycle/types';
import { formatRunNotification } from '../../lambdas/core/notification';
import type { RunInfo } from '../../lambdas/core/publishing';

const run: RunInfo = {
  runId: 'run-0042',
  accountId: '123456789012',
  regions: ['us-west-2'],
  startedAt: '2026-12-07T10:00:00.000Z',
};

const ISSUER = 'oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';
const OTHER_STATEMENT = {
  Sid: 'Ops',
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::123456789012:role/ops' },
  Action: 'sts:AssumeRole',
};

function correction(overrides: Partial<IrsaCorrection> = {}): IrsaCorrection {
  return {
    roleName: 'AccessEC2role',
    roleArn: 'arn:aws:iam::123456789012:role/AccessEC2role',
    trustPolicy: {
      Version: '2012-10-17',
      Statement: [
        OTHER_STATEMENT,
        {
          Effect: 'Allow',
          Principal: { Federated: `arn:aws:iam::123456789012:oidc-provider/${ISSUER}` },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: {
              [`${ISSUER}:sub`]: [
                'system:serviceaccount:web:frontend',
                'system:serviceaccount:<namespace>:<serviceaccount>',
              ],
              [`${ISSUER}:aud`]: 'sts.amazonaws.com',
            },
          },
        },
      ],
    },
    changes: ['StringEquals sub: add system:serviceaccount:<namespace>:<serviceaccount>'],
    placeholders: ['<namespace>', '<serviceaccount>'],
    note: 'The whole trust policy of role AccessEC2role.',
    ...overrides,
  };
}

function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    schemaVersion: FINDING_SCHEMA_VERSION,
    findingId: '0123456789abcdef0123456789abcdef',
    checkId: 'irsa.assume-role.denied',
    status: 'FAIL',
    severity: 'HIGH',
    title: 'IRSA: AccessEC2role denied to web/frontend (sub-mismatch)',
    message: 'STS denied AssumeRoleWithWebIdentity 7 times.',
    accountId: run.accountId,
    region: 'us-west-2',
    resource: {
      type: 'AWS::IAM::Role',
      arn: 'arn:aws:iam::123456789012:role/AccessEC2role',
      name: 'AccessEC2role',
    },
    correction: correction(),
    evidence: { cause: 'sub-mismatch' },
    remediation: {
      text: 'Correct the role trust policy.',
      whoCanFix: 'The role owner',
      runbookUrl: 'https://runbooks.example.com/checks.md#irsa',
    },
    observedAt: '2026-12-07T10:00:05.000Z',
    ...overrides,
  };
}

function lifecycle(base: Finding): LifecycleFinding {
  return {
    ...base,
    state: 'NEW',
    transition: 'OPENED',
    firstObservedAt: base.observedAt,
    lastObservedAt: base.observedAt,
    occurrenceCount: 1,
    sequence: 1,
    idempotencyKey: `${base.findingId}#1`,
  };
}

/** The pretty-printed JSON documents in an email body: from a line ending in `{` at some indent to its `}`. */
function documentsIn(body: string): unknown[] {
  const lines = body.split('\n');
  const documents: unknown[] = [];
  for (let index = 0; index < lines.length; index += 1) {
    const open = /^( +)\{$/.exec(lines[index]!);
    if (!open) continue;
    const close = lines.indexOf(`${open[1]!}}`, index);
    if (close < 0) continue;
    documents.push(JSON.parse(lines.slice(index, close + 1).join('\n')));
    index = close;
  }
  return documents;
}

describe('the email shows an IRSA correction whole, or says where it is', () => {
  it('a run notification: the whole trust policy, parseable as written, and the command to apply it', () => {
    const body = formatRunNotification([finding()], run)!.body;
    expect(documentsIn(body)).toEqual([correction().trustPolicy]);
    expect(body).toContain(
      'aws iam update-assume-role-policy --role-name AccessEC2role --policy-document file://AccessEC2role.json',
    );
    expect(body).toContain(
      'Save the document below as AccessEC2role.json, fill in <namespace>, <serviceaccount>, check it',
    );
    expect(body).toContain('- StringEquals sub: add system:serviceaccount:<namespace>:<serviceaccount>');
  });

  it("a single account's digest: the document in the change's section", () => {
    const digest = formatTransitionDigest([lifecycle(finding())], run)!;
    expect(documentsIn(digest.body)).toEqual([correction().trustPolicy]);
  });

  it("a hub's digest: nothing of the correction a member account wrote but the role, and how to compute it", () => {
    const member = finding({ accountId: '210987654321' });
    const digest = formatTransitionDigest([lifecycle(member)], run, { namesAccounts: true })!;
    expect(documentsIn(digest.body)).toEqual([]);
    expect(digest.body).not.toContain('update-assume-role-policy --role-name');
    // The changes and the note are the member's words.
    expect(digest.body).not.toContain('StringEquals sub: add');
    expect(digest.body).not.toContain(correction().note);
    expect(digest.body).toContain('Corrected trust policy of role AccessEC2role:');
    expect(digest.body).toContain('`tmc-health check --fix-dir <dir>`,');
    expect(digest.body).toContain('run in account 210987654321');
  });

  it('a section that would pass the cap: the document left out whole, never cut into invalid JSON', () => {
    const changes = Array.from({ length: 40 }, (_, index) => `change ${index}: ${'y'.repeat(200)}`);
    const long = 'z'.repeat(1_500);
    const remediation = {
      text: long,
      whoCanFix: 'The role owner',
      runbookUrl: 'https://runbooks.example.com/x',
    };
    const big = finding({ message: long, remediation, correction: correction({ changes }) });
    const digest = formatTransitionDigest([lifecycle(big)], run)!;
    // Without the document the section fits whole; with it, it would have been cut.
    expect(digest.body).not.toContain('[cut here');
    expect(documentsIn(digest.body)).toEqual([]);
    expect(digest.body).toContain('correction.trustPolicy');
    expect(digest.body).toContain('... 30 more (see the EventBridge event)');
  });

  it('no document at all: the note says why', () => {
    const withheld = correction({
      trustPolicy: undefined,
      note: 'No document: it would pass 2,048 characters.',
    });
    const body = formatRunNotification([finding({ correction: withheld })], run)!.body;
    expect(documentsIn(body)).toEqual([]);
    expect(body).toContain('No document: it would pass 2,048 characters.');
  });

  it("cleans bidi and control characters in the role's own policy before display", () => {
    const hostile = correction();
    const statement = { ...OTHER_STATEMENT, Sid: 'Ops\u202e\u0007\u009b31m' };
    const policy = { ...hostile.trustPolicy!, Statement: [statement, hostile.trustPolicy!.Statement[1]!] };
    const body = formatRunNotification(
      [finding({ correction: { ...hostile, trustPolicy: policy } })],
      run,
    )!.body;
    for (const raw of ['\u202e', '\u0007', '\u009b']) expect(body.includes(raw)).toBe(false);
  });
});
