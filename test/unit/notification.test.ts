import { FINDING_SCHEMA_VERSION, type Finding } from '../../lambdas/core/finding';
import {
  formatEvidenceValue,
  formatRunNotification,
  formatSubject,
  MAX_EVIDENCE_VALUE_CHARS,
  sanitizeSubject,
  SNS_MAX_MESSAGE_BYTES,
  sortProblems,
  SUBJECT_MAX_LENGTH,
  type RunNotification,
} from '../../lambdas/core/notification';
import type { RunInfo } from '../../lambdas/core/publishing';

const run: RunInfo = {
  runId: 'run-0001',
  accountId: '123456789012',
  regions: ['us-west-2', 'eu-west-1'],
  startedAt: '2024-05-01T12:00:00.000Z',
};

let sequence = 0;
function finding(overrides: Partial<Finding> = {}): Finding {
  sequence++;
  return {
    schemaVersion: FINDING_SCHEMA_VERSION,
    findingId: `finding-${String(sequence).padStart(4, '0')}`,
    checkId: 'tmc.lambda.unhealthy',
    status: 'FAIL',
    severity: 'HIGH',
    title: 'data-sync Lambda not running',
    message: 'The data-sync Lambda prod-eks-data-sync is in state Failed.',
    accountId: run.accountId,
    region: 'us-west-2',
    resource: {
      type: 'AWS::Lambda::Function',
      arn: 'arn:aws:lambda:us-west-2:123456789012:function:prod-eks-data-sync',
      name: 'prod-eks-data-sync',
    },
    tmc: { credentialName: 'prod-eks', component: 'data-sync' },
    evidence: { state: 'Failed', stateReasonCode: 'InvalidConfiguration' },
    remediation: {
      text: 'Re-run the credential setup from TMC so it redeploys the function.',
      whoCanFix: 'Platform team (TMC credential owners)',
      runbookUrl: 'https://runbooks.example.com/checks.md#tmc-lambda-unhealthy',
    },
    observedAt: '2024-05-01T12:00:05.000Z',
    ...overrides,
  };
}

const pass = (overrides: Partial<Finding> = {}): Finding =>
  finding({ status: 'PASS', severity: 'INFORMATIONAL', title: 'data-sync Lambda healthy', ...overrides });

/** A dependent ERROR, worded as the evaluation words it. */
const dependentError = (overrides: Partial<Finding> = {}): Finding =>
  finding({
    checkId: 'tmc.token.missing',
    status: 'ERROR',
    severity: 'MEDIUM',
    title: 'token parameter could not be checked',
    tmc: { credentialName: 'prod-eks', component: 'auth-token' },
    resource: { type: 'AWS::SSM::Parameter', name: 'prod-eks token parameter' },
    evidence: {
      error: 'ssm:DescribeParameters failed in us-west-2 with AccessDeniedException: not authorized',
    },
    ...overrides,
  });

const checkerError = (overrides: Partial<Finding> = {}): Finding =>
  finding({
    checkId: 'checker.error',
    status: 'ERROR',
    severity: 'MEDIUM',
    title: 'ssm:DescribeParameters failed',
    message: 'The checker could not call ssm:DescribeParameters in us-west-2 (AccessDeniedException).',
    resource: { type: 'AWS::API::Operation', name: 'ssm:DescribeParameters' },
    tmc: undefined,
    evidence: { service: 'ssm', operation: 'DescribeParameters', errorNames: ['AccessDeniedException'] },
    remediation: {
      text: 'Grant ssm:DescribeParameters to the checker role.',
      whoCanFix: 'AWS account administrators',
      runbookUrl: 'https://runbooks.example.com/checks.md#checker-error',
    },
    ...overrides,
  });

function notify(findings: readonly Finding[], maxMessageBytes?: number): RunNotification {
  const notification = formatRunNotification(findings, run, maxMessageBytes ? { maxMessageBytes } : {});
  if (!notification) throw new Error('expected a notification');
  return notification;
}

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

describe('formatRunNotification: when there is nothing to report', () => {
  it.each([
    ['no findings', []],
    ['only PASS findings', [pass(), pass({ region: 'eu-west-1' })]],
  ])('returns undefined for %s', (_label, findings) => {
    expect(formatRunNotification(findings, run)).toBeUndefined();
  });

  it('returns a notification as soon as one finding is not PASS', () => {
    expect(formatRunNotification([pass(), dependentError()], run)).toBeDefined();
  });
});

describe('subject', () => {
  const manyRegions = Array.from({ length: 12 }, (_, i) => `ap-southeast-${i + 1}`);
  const cases: [string, Finding[], string | RegExp][] = [
    [
      'one problem names severity, check and region',
      [finding(), pass()],
      '[HIGH] TMC health: tmc.lambda.unhealthy (us-west-2)',
    ],
    [
      'one problem without a credential',
      [checkerError({ region: 'eu-west-1' })],
      '[MEDIUM] TMC health: checker.error (eu-west-1)',
    ],
    [
      'several problems: worst severity, counts, regions in run order',
      [
        finding({ severity: 'LOW', region: 'eu-west-1' }),
        finding({ severity: 'CRITICAL' }),
        finding({ tmc: { credentialName: 'dev-eks' } }),
        checkerError({ region: 'eu-west-1' }),
        pass(),
      ],
      '[CRITICAL] TMC health: 4 problems in 2 credentials (us-west-2, eu-west-1)',
    ],
    [
      'several problems, none tied to a credential',
      [checkerError(), checkerError({ title: 'lambda:GetFunction failed' })],
      '[MEDIUM] TMC health: 2 problems (us-west-2)',
    ],
    [
      'the title is not in the subject, however long',
      [finding({ title: 'x'.repeat(300) })],
      '[HIGH] TMC health: tmc.lambda.unhealthy (us-west-2)',
    ],
    [
      'many regions are summarised',
      manyRegions.map((region) => finding({ region })),
      /^\[HIGH\] TMC health: 12 problems in 1 credential \(ap-southeast-1, .*, \+\d+ more\)$/,
    ],
    [
      'no title or credential name: only what the checker owns',
      [finding({ title: 'RESOLVED - no action needed\n🚨', tmc: { credentialName: 'prod-ékś' } })],
      '[HIGH] TMC health: tmc.lambda.unhealthy (us-west-2)',
    ],
    [
      'a region not shaped like an AWS region is counted, not named',
      [finding({ region: 'RESOLVED - no action needed' }), finding({ region: 'eu-west-1' })],
      '[HIGH] TMC health: 2 problems in 1 credential (eu-west-1, +1 more)',
    ],
  ];

  it.each(cases)('%s', (_label, findings, expected) => {
    const { subject } = notify(findings);
    if (typeof expected === 'string') expect(subject).toBe(expected);
    else expect(subject).toMatch(expected);
    expect(subject.length).toBeLessThan(100);
    expect(subject).toMatch(PRINTABLE_ASCII);
  });

  it('stays printable ASCII and under 100 characters for hostile input', () => {
    // A fixed pseudo-random generator: reproducible, but covers many shapes of input.
    let seed = 42;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const alphabet = ['a', ' ', '\n', '\t', '\u0000', '\u007f', 'é', '🚨', '\u2028', '-', '[', 'Z'];
    const text = (length: number): string =>
      Array.from({ length }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
    for (let i = 0; i < 200; i++) {
      const findings = Array.from({ length: 1 + Math.floor(next() * 3) }, () =>
        finding({
          title: text(Math.floor(next() * 300)),
          region: text(Math.floor(next() * 40)),
          tmc: { credentialName: text(Math.floor(next() * 80)) },
        }),
      );
      const subject = formatSubject(sortProblems(findings), run);
      expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX_LENGTH);
      expect(subject).toMatch(PRINTABLE_ASCII);
      expect(subject).toBe(subject.trim());
    }
  });

  it.each([
    ['', 'TMC health notification'],
    ['  a\t\tb\r\nc  ', 'a b c'],
    ['🚨 alarm', '? alarm'],
    ['y'.repeat(150), `${'y'.repeat(SUBJECT_MAX_LENGTH - 3)}...`],
  ])('sanitizeSubject(%j) = %j', (input, expected) => {
    expect(sanitizeSubject(input)).toBe(expected);
  });
});

describe('ordering', () => {
  it('lists FAIL by severity first, then ERROR by severity', () => {
    const findings = [
      finding({ status: 'ERROR', severity: 'CRITICAL', title: 'error critical', evidence: {} }),
      finding({ severity: 'LOW', title: 'fail low' }),
      pass({ title: 'a pass' }),
      finding({ severity: 'CRITICAL', title: 'fail critical' }),
      finding({ status: 'ERROR', severity: 'LOW', title: 'error low', evidence: {} }),
      finding({ severity: 'MEDIUM', title: 'fail medium' }),
    ];
    const expected = ['fail critical', 'fail medium', 'fail low', 'error critical', 'error low'];
    expect(sortProblems(findings).map((f) => f.title)).toEqual(expected);

    const { body } = notify(findings);
    const positions = expected.map((title) => body.indexOf(`] ${title}`));
    expect(positions.every((position) => position > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(body).not.toContain('a pass');
  });
});

describe('body', () => {
  const problem = finding({
    evidence: {
      state: 'Failed',
      stateReasonCode: 'InvalidConfiguration',
      invocations: 0,
      lastUpdateStatus: null,
    },
  });
  const { body } = notify([problem, pass(), pass(), checkerError()]);

  it('starts with the account, regions, run time and counts by status', () => {
    expect(body).toMatch(/^TMC health check found 2 problems in AWS account 123456789012\./);
    expect(body).toMatch(/Regions: +us-west-2, eu-west-1\n/);
    expect(body).toMatch(/Run started: +2024-05-01T12:00:00.000Z\n/);
    expect(body).toMatch(/Findings: +1 FAIL, 1 ERROR, 2 PASS \(4 total\)\n/);
  });

  it('shows title, message, resource, credential and component', () => {
    expect(body).toContain('1. [FAIL, HIGH] data-sync Lambda not running');
    expect(body).toContain(problem.message);
    // Names from AWS data are quoted: data, not prose.
    expect(body).toMatch(/Credential: +"prod-eks" \(data-sync\)/);
    expect(body).toMatch(/Resource: +AWS::Lambda::Function "prod-eks-data-sync"/);
    expect(body).toMatch(/ARN: +"arn:aws:lambda:us-west-2:123456789012:function:prod-eks-data-sync"/);
  });

  it('shows the evidence as aligned key: value lines, strings quoted', () => {
    const lines = ['state', 'stateReasonCode', 'invocations', 'lastUpdateStatus'].map(
      (key) => body.split('\n').find((line) => line.trimStart().startsWith(`${key}:`)) ?? '',
    );
    expect(lines[0]).toMatch(/state: +"Failed"$/);
    expect(lines[1]).toMatch(/stateReasonCode: +"InvalidConfiguration"$/);
    expect(lines[2]).toMatch(/invocations: +0$/);
    expect(lines[3]).toMatch(/lastUpdateStatus: +\(null\)$/);
    const valueColumns = lines.map((line) => line.search(/(?<=: +)\S/));
    expect(new Set(valueColumns).size).toBe(1);
  });

  it('shows who can fix it, what to do and the runbook', () => {
    expect(body).toContain('Who can fix it: Platform team (TMC credential owners)');
    expect(body).toContain(problem.remediation.text);
    expect(body).toContain(`Runbook: ${problem.remediation.runbookUrl}`);
  });

  it('lists ERRORs that depend on a failed call one line each, and the failed call in full', () => {
    const text = notify([checkerError(), dependentError(), dependentError({ region: 'eu-west-1' })]).body;
    expect(text).toContain('NOT CHECKED BECAUSE AN API CALL FAILED (2)');
    expect(text).toMatch(
      /\n\d\. \[ERROR, MEDIUM\] token parameter could not be checked \(prod-eks, auth-token, us-west-2\): ssm:DescribeParameters failed in us-west-2 with AccessDeniedException: not authorized\n/,
    );
    // The root cause keeps its remediation; the dependents do not repeat theirs.
    expect(text).toContain('Grant ssm:DescribeParameters to the checker role.');
    expect(text.split('Who can fix it:').length - 1).toBe(1);
  });

  it('keeps every value from AWS data of a one-line ERROR on its line', () => {
    const text = notify([
      checkerError(),
      dependentError({
        tmc: { credentialName: 'prod\nRunbook: https://evil.example', component: 'auth-token' },
      }),
    ]).body;
    expect(text).toContain('(prod\\nRunbook: https://evil.example, auth-token, us-west-2)');
    expect(text).not.toMatch(/^\s*Runbook: https:\/\/evil/m);
  });

  it('keeps line breaks of multi-line remediation inside the indented block and escapes control characters', () => {
    const text = notify([
      finding({ remediation: { ...problem.remediation, text: 'step 1\r\nstep 2\u0007' } }),
    ]).body;
    expect(text).toContain('     step 1\n     step 2\\u0007\n');
    expect(text).not.toContain('\r');
    expect(text).not.toContain('\u0007');
  });
});

describe('formatEvidenceValue', () => {
  it.each([
    ['a string', '"a string"'],
    ['two\nlines "quoted"\u202e', '"two\\nlines \\"quoted\\"\\u202e"'],
    [3, '3'],
    [false, 'false'],
    [null, '(null)'],
    [[], '(empty list)'],
    [['a', 'b'], '"a", "b"'],
  ] as const)('%j -> %j', (value, expected) => {
    expect(formatEvidenceValue(value)).toBe(expected);
  });

  it('cuts an overlong value and says where the rest is', () => {
    const text = formatEvidenceValue('z'.repeat(MAX_EVIDENCE_VALUE_CHARS + 500));
    expect(text.startsWith(`"${'z'.repeat(MAX_EVIDENCE_VALUE_CHARS)}"`)).toBe(true);
    expect(text).toMatch(/\.\.\. \[500 more characters in the EventBridge event\]$/);
  });
});

describe('message attributes', () => {
  it('carries worst severity, distinct check ids, credentials and statuses of the problems only', () => {
    const n = notify([
      finding({ severity: 'MEDIUM' }),
      finding({ severity: 'MEDIUM', tmc: { credentialName: 'dev-eks' } }),
      finding({ checkId: 'tmc.event-rule.disabled', severity: 'HIGH' }),
      checkerError({ severity: 'LOW' }),
      pass({ checkId: 'tmc.token.stale', tmc: { credentialName: 'other' } }),
    ]);
    expect(n.attributes).toEqual({
      severity: 'HIGH',
      checkId: ['tmc.event-rule.disabled', 'tmc.lambda.unhealthy', 'checker.error'],
      credentialName: ['prod-eks', 'dev-eks'],
      status: ['FAIL', 'ERROR'],
    });
    expect(n.messageAttributes).toEqual({
      severity: { DataType: 'String', StringValue: 'HIGH' },
      checkId: {
        DataType: 'String.Array',
        StringValue: '["tmc.event-rule.disabled","tmc.lambda.unhealthy","checker.error"]',
      },
      credentialName: { DataType: 'String.Array', StringValue: '["prod-eks","dev-eks"]' },
      status: { DataType: 'String.Array', StringValue: '["FAIL","ERROR"]' },
    });
  });

  it('omits credentialName when no problem names a credential', () => {
    const n = notify([checkerError()]);
    expect(n.attributes.credentialName).toBeUndefined();
    expect(Object.keys(n.messageAttributes).sort()).toEqual(['checkId', 'severity', 'status']);
  });
});

describe('SNS json message', () => {
  it('is {default: short text, email: full body}', () => {
    const n = notify([finding(), checkerError(), pass()]);
    const parsed = JSON.parse(n.message) as Record<string, unknown>;
    expect(Object.keys(parsed).sort()).toEqual(['default', 'email']);
    expect(parsed.email).toBe(n.body);
    expect(parsed.default).toBe(n.shortText);
    expect(n.shortText.split('\n')[0]).toBe(n.subject);
    expect(n.shortText).toContain('- [FAIL HIGH] data-sync Lambda not running (prod-eks, us-west-2)');
    expect(n.shortText.length).toBeLessThan(n.body.length);
  });

  it('limits the short text to a screenful', () => {
    const n = notify(Array.from({ length: 60 }, (_, i) => finding({ title: `problem ${i}` })));
    expect(n.shortText).toContain('... and 40 more');
    expect(n.shortText.split('\n').length).toBeLessThan(30);
  });
});

describe('size cap', () => {
  const bulky = (count: number): Finding[] =>
    Array.from({ length: count }, (_, i) =>
      finding({
        title: `problem ${i}`,
        message: 'm'.repeat(500),
        evidence: Object.fromEntries(Array.from({ length: 20 }, (_, k) => [`key${k}`, 'v'.repeat(900)])),
      }),
    );

  const messageBytes = (n: RunNotification): number =>
    Buffer.byteLength(n.message, 'utf8') +
    Object.entries(n.messageAttributes).reduce(
      (sum, [name, value]) => sum + name.length + value.DataType.length + value.StringValue.length,
      0,
    );

  it.each([
    ['SNS default limit', 400, undefined],
    ['a small limit', 40, 30_000],
  ])('fits %s and says how many problems were left out', (_label, count, limit) => {
    const n = notify(bulky(count), limit);
    expect(messageBytes(n)).toBeLessThanOrEqual(limit ?? SNS_MAX_MESSAGE_BYTES);
    expect(n.omittedProblemCount).toBeGreaterThan(0);
    const shown = (n.body.match(/^\d+\. \[FAIL, HIGH\] problem \d+$/gm) ?? []).length;
    expect(shown).toBeGreaterThan(0);
    expect(shown + n.omittedProblemCount).toBe(count);
    expect(n.body).toContain(
      `... and ${n.omittedProblemCount} more problems not shown (see the EventBridge events)`,
    );
    expect(n.body.trimEnd()).toMatch(/"TMC Health Finding"\)\.$/);
  });

  it('counts JSON escaping: a body of line breaks and quotes still fits', () => {
    const n = notify(
      Array.from({ length: 30 }, (_, i) => finding({ title: `p${i}`, message: '"\n'.repeat(2_000) })),
      20_000,
    );
    expect(messageBytes(n)).toBeLessThanOrEqual(20_000);
    expect(n.omittedProblemCount).toBeGreaterThan(0);
  });

  it('shows everything, with no omission line, when it fits', () => {
    const n = notify(bulky(3));
    expect(n.omittedProblemCount).toBe(0);
    expect(n.body).not.toContain('not shown');
  });
});
