import { FINDING_SCHEMA_VERSION, type Finding, type Severity } from '../../lambdas/core/finding';
import { formatTransitionDigest, type TransitionDigest } from '../../lambdas/core/lifecycle/digest';
import { DEFAULT_STORM_SETTINGS, detectStorm, type Storm } from '../../lambdas/core/lifecycle/storm';
import type { LifecycleFinding, Transition } from '../../lambdas/core/lifecycle/types';
import {
  SIZE_MARGIN_BYTES,
  SNS_MAX_MESSAGE_BYTES,
  snsPublishBytes,
  SUBJECT_MAX_LENGTH,
} from '../../lambdas/core/notification';
import type { RunInfo } from '../../lambdas/core/publishing';

const run: RunInfo = {
  runId: 'run-0007',
  accountId: '123456789012',
  regions: ['us-west-2', 'eu-west-1'],
  startedAt: '2026-11-22T10:00:00.000Z',
};

let counter = 0;
function event(
  transition: Transition,
  overrides: Partial<Finding> & Partial<Pick<LifecycleFinding, 'occurrenceCount' | 'firstObservedAt'>> = {},
): LifecycleFinding {
  counter++;
  const findingId = `finding-${String(counter).padStart(4, '0')}`;
  return {
    schemaVersion: FINDING_SCHEMA_VERSION,
    findingId,
    checkId: 'tmc.lambda.unhealthy',
    status: transition === 'RESOLVED' ? 'PASS' : 'FAIL',
    severity: transition === 'RESOLVED' ? 'INFORMATIONAL' : 'HIGH',
    title: `data-sync Lambda not running #${counter}`,
    message: 'The data-sync Lambda prod-eks-data-sync is in state Failed.',
    accountId: run.accountId,
    region: 'us-west-2',
    resource: {
      type: 'AWS::Lambda::Function',
      arn: `arn:aws:lambda:us-west-2:123456789012:function:fn-${counter}`,
      name: `fn-${counter}`,
    },
    tmc: { credentialName: 'prod-eks', component: 'data-sync' },
    evidence: { state: 'Failed', stateReasonCode: 'InvalidConfiguration' },
    remediation: {
      text: 'Re-run the credential setup from TMC so it redeploys the function.',
      whoCanFix: 'Platform team (TMC credential owners)',
      runbookUrl: 'https://runbooks.example.com/checks.md#tmc-lambda-unhealthy',
    },
    observedAt: '2026-11-22T10:00:05.000Z',
    state: transition === 'OPENED' ? 'NEW' : transition === 'RESOLVED' ? 'RESOLVED' : 'ONGOING',
    transition,
    firstObservedAt: '2026-11-20T08:00:00.000Z',
    lastObservedAt: '2026-11-22T10:00:05.000Z',
    occurrenceCount: 1,
    sequence: 1,
    idempotencyKey: `${findingId}#1`,
    ...overrides,
  };
}

function digestOf(...args: Parameters<typeof formatTransitionDigest>): TransitionDigest {
  const digest = formatTransitionDigest(...args);
  if (!digest) throw new Error('expected a digest');
  return digest;
}

function attribute(digest: TransitionDigest, name: string): unknown {
  const value = digest.messageAttributes[name];
  if (!value) return undefined;
  return value.DataType === 'String.Array' ? JSON.parse(value.StringValue) : value.StringValue;
}

const isPrintableAscii = (text: string): boolean => /^[\x20-\x7e]+$/.test(text);

describe('formatTransitionDigest: nothing changed', () => {
  it.each<[string, LifecycleFinding[], ReadonlySet<string> | undefined]>([
    ['no transitions', [], undefined],
    ['a suppressed resolution', [event('RESOLVED', { findingId: 'r' })], new Set(['r'])],
    [
      'only suppressed transitions',
      [event('OPENED', { findingId: 'a' }), event('REMINDER', { findingId: 'b' })],
      new Set(['a', 'b']),
    ],
  ])('sends nothing for %s', (_name, events, suppressedIds) => {
    const storm: Storm = { reason: 'x', openedCount: 20, spreadingChecks: {} };
    expect(formatTransitionDigest(events, run, { suppressedIds })).toBeUndefined();
    expect(formatTransitionDigest(events, run, { suppressedIds, storm })).toBeUndefined();
  });
});

describe('formatTransitionDigest: grouping', () => {
  it('orders sections New, Escalated, Resolved, Still open, whatever the input order', () => {
    const events = [
      event('REMINDER', {
        title: 'reminder-item',
        occurrenceCount: 9,
        firstObservedAt: '2026-11-01T00:00:00.000Z',
      }),
      event('RESOLVED', { title: 'resolved-item' }),
      event('ESCALATED', { title: 'escalated-item', severity: 'CRITICAL' }),
      event('OPENED', { title: 'opened-item' }),
    ];
    const { body, counts, transitionCount } = digestOf(events, run);
    const positions = ['NEW (1)', 'ESCALATED (1)', 'RESOLVED (1)', 'STILL OPEN (REMINDER) (1)'].map(
      (heading) => body.indexOf(`\n${heading}\n`),
    );
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    const items = ['opened-item', 'escalated-item', 'resolved-item', 'reminder-item'].map((t) =>
      body.indexOf(t),
    );
    expect([...items].sort((a, b) => a - b)).toEqual(items);
    expect(counts).toEqual({ opened: 1, escalated: 1, resolved: 1, reminders: 1 });
    expect(transitionCount).toBe(4);
    expect(body).toContain('still open since 2026-11-01T00:00:00.000Z, seen 9 times');
    expect(body).not.toContain('INCIDENT');
  });

  it('omits empty groups and numbers findings across groups', () => {
    const { body } = digestOf([event('OPENED'), event('OPENED'), event('RESOLVED')], run);
    expect(body).toContain('NEW (2)');
    expect(body).toContain('RESOLVED (1)');
    expect(body).not.toContain('ESCALATED (');
    expect(body).not.toContain('STILL OPEN (');
    expect(body).toMatch(/\n1\. \[FAIL, HIGH\]/);
    expect(body).toMatch(/\n2\. \[FAIL, HIGH\]/);
    expect(body).toMatch(/\n3\. \[RESOLVED\]/);
  });

  it('sorts within a group most severe first', () => {
    const { body } = digestOf(
      [
        event('OPENED', { severity: 'LOW', title: 'low-one' }),
        event('OPENED', { severity: 'CRITICAL', title: 'critical-one' }),
      ],
      run,
    );
    expect(body.indexOf('critical-one')).toBeLessThan(body.indexOf('low-one'));
  });

  it('gives open items evidence and remediation, resolved items one compact line', () => {
    const { body } = digestOf(
      [
        event('OPENED', { title: 'open-one' }),
        event('RESOLVED', { title: 'gone-one', evidence: { onlyOnResolved: 'zzz' } }),
      ],
      run,
    );
    const openSection = body.slice(body.indexOf('open-one'), body.indexOf('RESOLVED (1)'));
    expect(openSection).toContain('Evidence:');
    expect(openSection).toContain('stateReasonCode: "InvalidConfiguration"');
    expect(openSection).toContain('Who can fix it: Platform team (TMC credential owners)');
    expect(openSection).toContain('Runbook: https://runbooks.example.com/checks.md#tmc-lambda-unhealthy');
    const resolvedLine = body.split('\n').find((line) => line.includes('gone-one')) ?? '';
    expect(resolvedLine).toMatch(/^\d+\. \[RESOLVED\] gone-one \(prod-eks, data-sync, us-west-2\)/);
    expect(body).not.toContain('onlyOnResolved');
  });

  it('keeps suppressed findings out and counts them', () => {
    const digest = digestOf(
      [event('OPENED', { findingId: 'muted', title: 'muted-one' }), event('OPENED', { title: 'loud-one' })],
      run,
      { suppressedIds: new Set(['muted']) },
    );
    expect(digest.body).toContain('loud-one');
    expect(digest.body).not.toContain('muted-one');
    expect(digest.shortText).not.toContain('muted-one');
    expect(digest.suppressedCount).toBe(1);
    expect(digest.transitionCount).toBe(1);
  });
});

describe('formatTransitionDigest: storms', () => {
  const stormEvents = Array.from({ length: 14 }, (_, i) =>
    event('OPENED', {
      checkId: 'tmc.token.stale',
      severity: i === 0 ? 'CRITICAL' : 'HIGH',
      tmc: { credentialName: `cred-${String(i).padStart(2, '0')}` },
    }),
  );
  const storm = detectStorm(stormEvents, DEFAULT_STORM_SETTINGS);

  it('has an incident header and subject only with a storm', () => {
    expect(storm).toBeDefined();
    const withStorm = digestOf(stormEvents, run, { storm });
    const without = digestOf(stormEvents, run);
    expect(withStorm.incident).toBe(true);
    expect(without.incident).toBe(false);
    expect(withStorm.subject).toBe('[INCIDENT][CRITICAL] TMC health: 14 findings opened at once (us-west-2)');
    expect(without.subject).toBe('[CRITICAL] TMC health: 14 new - tmc.token.stale (us-west-2)');
    // The spreading check is shown whole or not at all, and gives way before the regions.
    const few = stormEvents.slice(0, 3);
    const fewStorm = detectStorm(few, DEFAULT_STORM_SETTINGS);
    expect(digestOf(few, run, { storm: fewStorm }).subject).toBe(
      '[INCIDENT][CRITICAL] TMC health: 3 findings opened at once (us-west-2)',
    );
    const tokenStorm: Storm = {
      reason: 'r',
      openedCount: 3,
      spreadingChecks: { 'tmc.token.stale': ['a', 'b', 'c'] },
    };
    // 'r1' is not shaped like an AWS region: not named in the subject.
    const noRegion = few.map((e) => ({ ...e, region: 'r1' }));
    expect(digestOf(noRegion, run, { storm: tokenStorm }).subject).toBe(
      '[INCIDENT][CRITICAL] TMC health: 3 findings opened at once - tmc.token.stale on 3 credentials',
    );
    expect(without.subject.startsWith('[INCIDENT]')).toBe(false);
    expect(without.body).not.toContain('INCIDENT');
    expect(withStorm.shortText).toContain('INCIDENT: ');
  });

  it('explains the storm: reason, counts, spreading checks with credentials, shared cause, escalate', () => {
    const { body } = digestOf(stormEvents, run, { storm });
    const incident = body.slice(body.indexOf('INCIDENT'), body.indexOf('NEW (14)'));
    expect(incident).toContain(storm?.reason ?? 'missing');
    expect(incident).toContain('Opened in this run: 14.');
    expect(incident).toContain('tmc.token.stale (14 credentials or roles)');
    expect(incident).toContain('cred-00, cred-01');
    expect(incident).toContain('cred-13');
    expect(incident).toMatch(/shared cause \(AWS outage, TMC outage, an\s+account-wide change/);
    expect(incident).toContain('Escalate');
    // EventBridge gets each finding; the email still lists them after the header.
    expect(body.indexOf('INCIDENT')).toBeLessThan(body.indexOf('NEW (14)'));
  });

  it('lists only so many credentials per spreading check', () => {
    const who = Array.from({ length: 40 }, (_, i) => `c${i}`);
    const big: Storm = { reason: 'r', openedCount: 40, spreadingChecks: { 'tmc.token.stale': who } };
    const { body } = digestOf([event('OPENED')], run, { storm: big });
    expect(body).toContain(', +15 more');
    expect(body).not.toContain('c39');
  });
});

describe('formatTransitionDigest: subject', () => {
  it.each<[string, LifecycleFinding[], string]>([
    [
      'counts and worst item',
      [
        event('OPENED', { title: 'A' }),
        event('OPENED', { title: 'B', severity: 'CRITICAL', checkId: 'tmc.token.stale' }),
        event('RESOLVED'),
      ],
      '[CRITICAL] TMC health: 2 new, 1 resolved - tmc.token.stale (us-west-2)',
    ],
    [
      'only resolutions',
      [event('RESOLVED', { title: 'R' })],
      '[RESOLVED] TMC health: 1 resolved - tmc.lambda.unhealthy (us-west-2)',
    ],
    [
      'a reminder',
      [event('REMINDER', { title: 'old', severity: 'MEDIUM', region: 'eu-west-1' })],
      '[MEDIUM] TMC health: 1 still open - tmc.lambda.unhealthy (eu-west-1)',
    ],
    [
      'regions in configured order',
      [
        event('ESCALATED', { title: 'X', region: 'eu-west-1' }),
        event('OPENED', { title: 'Y', severity: 'LOW' }),
      ],
      '[HIGH] TMC health: 1 new, 1 escalated - tmc.lambda.unhealthy (us-west-2, eu-west-1)',
    ],
  ])('%s', (_name, events, expected) => {
    expect(digestOf(events, run).subject).toBe(expected);
  });

  const awkward: LifecycleFinding[][] = [
    [event('OPENED', { title: 'x'.repeat(500) })],
    [event('OPENED', { title: 'Ünïcödé ✓ title\nwith\tcontrol', tmc: { credentialName: 'crédential-😀' } })],
    [event('OPENED', { tmc: { credentialName: 'c'.repeat(200) } })],
    Array.from({ length: 30 }, (_, i) => event('OPENED', { region: `xx-region-${i}-${'r'.repeat(20)}` })),
    [event('RESOLVED', { title: '' }), event('REMINDER', { title: '   ' })],
    Array.from({ length: 1000 }, (_, i) => event(i % 2 ? 'OPENED' : 'REMINDER')),
  ];
  it.each(awkward.map((events, index) => [index, events] as const))(
    'input %d: ASCII and under 100 characters',
    (_i, events) => {
      for (const storm of [
        undefined,
        {
          reason: 'r',
          openedCount: events.length,
          spreadingChecks: { 'tmc.lambda.unhealthy': ['a'.repeat(300)] },
        },
      ]) {
        const { subject } = digestOf(events, run, { storm });
        expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX_LENGTH);
        expect(subject.length).toBeGreaterThan(0);
        expect(isPrintableAscii(subject)).toBe(true);
        expect(subject).toMatch(
          /^\[(INCIDENT\]\[)?(CRITICAL|HIGH|MEDIUM|LOW|INFORMATIONAL|RESOLVED)\] TMC health: /,
        );
      }
    },
  );
});

describe('formatTransitionDigest: message attributes', () => {
  it.each<[string, LifecycleFinding[], Severity, string[], string[]]>([
    ['open only', [event('OPENED', { severity: 'MEDIUM' })], 'MEDIUM', ['OPENED'], ['FAIL']],
    [
      'worst among non-resolved',
      [event('OPENED', { severity: 'LOW' }), event('RESOLVED', { severity: 'CRITICAL' })],
      'LOW',
      ['OPENED', 'RESOLVED'],
      ['FAIL', 'PASS'],
    ],
    ['all resolved', [event('RESOLVED')], 'INFORMATIONAL', ['RESOLVED'], ['PASS']],
    [
      'every kind',
      [
        event('REMINDER'),
        event('ESCALATED', { severity: 'CRITICAL', status: 'ERROR' }),
        event('OPENED'),
        event('RESOLVED'),
      ],
      'CRITICAL',
      ['OPENED', 'ESCALATED', 'RESOLVED', 'REMINDER'],
      ['FAIL', 'ERROR', 'PASS'],
    ],
  ])('%s', (_name, events, severity, transitions, statuses) => {
    const digest = digestOf(events, run);
    expect(attribute(digest, 'severity')).toBe(severity);
    expect(digest.messageAttributes.severity?.DataType).toBe('String');
    expect(attribute(digest, 'transition')).toEqual(transitions);
    expect(digest.messageAttributes.transition?.DataType).toBe('String.Array');
    expect(attribute(digest, 'status')).toEqual(statuses);
    expect(attribute(digest, 'checkId')).toEqual(['tmc.lambda.unhealthy']);
    expect(attribute(digest, 'credentialName')).toEqual(['prod-eks']);
    expect(digest.attributes.transition).toEqual(transitions);
  });

  it('lists distinct check ids and credentials, and omits credentialName when there is none', () => {
    const withCredentials = digestOf(
      [
        event('OPENED', { tmc: { credentialName: 'b' } }),
        event('OPENED', { checkId: 'tmc.token.stale', tmc: { credentialName: 'a' } }),
        event('OPENED', { tmc: { credentialName: 'b' } }),
      ],
      run,
    );
    expect((attribute(withCredentials, 'credentialName') as string[]).sort()).toEqual(['a', 'b']);
    expect((attribute(withCredentials, 'checkId') as string[]).sort()).toEqual([
      'tmc.lambda.unhealthy',
      'tmc.token.stale',
    ]);
    const withoutTmc: LifecycleFinding = { ...event('OPENED'), tmc: undefined };
    expect(attribute(digestOf([withoutTmc], run), 'credentialName')).toBeUndefined();
  });
});

describe('formatTransitionDigest: size cap', () => {
  const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');
  const messageBytes = (digest: TransitionDigest): number =>
    bytes(digest.message) +
    Object.entries(digest.messageAttributes).reduce(
      (sum, [name, value]) => sum + bytes(name) + bytes(value.DataType) + bytes(value.StringValue),
      0,
    );

  it.each([8_000, 20_000, 60_000])(
    'stays under %d bytes with an "... and N more" line',
    (maxMessageBytes) => {
      const events = Array.from({ length: 300 }, (_, i) =>
        event(i % 3 === 0 ? 'RESOLVED' : 'OPENED', { evidence: { detail: 'é'.repeat(400) } }),
      );
      const digest = digestOf(events, run, {
        maxMessageBytes,
        storm: detectStorm(events, DEFAULT_STORM_SETTINGS),
      });
      expect(messageBytes(digest)).toBeLessThanOrEqual(maxMessageBytes);
      expect(digest.omittedCount).toBeGreaterThan(0);
      expect(digest.omittedCount).toBeLessThan(events.length);
      expect(digest.body).toContain(`... and ${digest.omittedCount} more changes not shown`);
      expect(digest.body).toContain('INCIDENT');
      const shown = digest.body.match(/^\d+\. \[/gm)?.length ?? 0;
      expect(shown + digest.omittedCount).toBe(events.length);
    },
  );

  it('shows everything, without an omission line, when it fits', () => {
    const digest = digestOf([event('OPENED'), event('RESOLVED')], run);
    expect(digest.omittedCount).toBe(0);
    expect(digest.body).not.toContain('more changes not shown');
    expect(messageBytes(digest)).toBeLessThan(SNS_MAX_MESSAGE_BYTES);
    expect(JSON.parse(digest.message)).toEqual({ default: digest.shortText, email: digest.body });
  });

  it('caps the short text at 20 lines of findings', () => {
    const digest = digestOf(
      Array.from({ length: 25 }, () => event('OPENED')),
      run,
    );
    expect(digest.shortText.split('\n').filter((line) => line.startsWith('- [NEW HIGH]'))).toHaveLength(20);
    expect(digest.shortText).toContain('... and 5 more');
  });
});

describe('formatTransitionDigest: hostile fields (member reports, tags) never push it past SNS', () => {
  const huge = (what: string, chars: number): string => `${what}-`.padEnd(chars, what[0]);
  const hostile = (): LifecycleFinding =>
    event('OPENED', {
      severity: 'CRITICAL',
      accountId: '333333333333',
      title: huge('title', 300_000),
      message: huge('message', 300_000),
      region: huge('region', 50_000),
      resource: {
        type: 'AWS::Lambda::Function',
        arn: huge('arn:aws:x', 100_000),
        name: huge('name', 100_000),
      },
      tmc: { credentialName: huge('credential', 300_000), component: 'data-sync' },
      evidence: Object.fromEntries(
        Array.from({ length: 60 }, (_, i) => [`key${i}`, huge('evidence', 5_000)]),
      ),
    });
  const hostileRun: RunInfo = {
    ...run,
    runId: huge('run', 100_000),
    regions: Array.from({ length: 500 }, (_, i) => huge(`region${i}`, 300)),
  };

  it('very long fields: within the limit (message, subject, attributes), every change still shown, the long one cut', () => {
    const honest = [event('OPENED'), event('RESOLVED', { title: huge('resolved title', 10_000) })];
    const digest = digestOf([hostile(), ...honest], hostileRun, { namesAccounts: true });

    expect(snsPublishBytes(digest)).toBeLessThanOrEqual(SNS_MAX_MESSAGE_BYTES - SIZE_MARGIN_BYTES);
    expect(digest.omittedCount).toBe(0);
    expect(digest.body.match(/^\d+\. \[/gm)).toHaveLength(3);
    // Each field cut for display, the section cut as a whole (its evidence), the header's lists counted.
    expect(digest.body).toContain('[cut here: the full finding is in its EventBridge event]');
    expect(digest.body).not.toContain('t'.repeat(300));
    expect(digest.body).not.toContain('c'.repeat(300));
    expect(digest.body.length).toBeLessThan(20_000);
    expect(digest.body).toContain('+480 more');
    // A name no TMC credential could have is left out of the filter attribute; the honest one stays.
    expect(attribute(digest, 'credentialName')).toEqual(['prod-eks']);
    expect(digest.subject.length).toBeLessThanOrEqual(SUBJECT_MAX_LENGTH);
    expect(digest.shortText.split('\n').every((line) => line.length <= 200)).toBe(true);
  });

  it('thousands of distinct names of ordinary length: the attribute keeps a bounded share, the rest not shown', () => {
    const events = Array.from({ length: 3_000 }, (_, i) =>
      event('OPENED', { tmc: { credentialName: huge(`credential-${i}`, 200), component: 'data-sync' } }),
    );
    const digest = digestOf(events, hostileRun, {
      namesAccounts: true,
      storm: detectStorm(events, DEFAULT_STORM_SETTINGS),
    });
    expect(snsPublishBytes(digest)).toBeLessThanOrEqual(SNS_MAX_MESSAGE_BYTES - SIZE_MARGIN_BYTES);
    expect(digest.messageAttributes.credentialName!.StringValue.length).toBeLessThanOrEqual(16 * 1024);
    expect(digest.omittedCount).toBeGreaterThan(0);
    expect(digest.body).toContain(`... and ${digest.omittedCount} more changes not shown`);
  });

  it('a limit lowered below what the changes need: the counts and the pointer to EventBridge, still within it', () => {
    const digest = digestOf([hostile(), event('OPENED')], hostileRun, {
      namesAccounts: true,
      maxMessageBytes: 10_000,
    });
    expect(snsPublishBytes(digest)).toBeLessThanOrEqual(10_000);
    expect(digest.omittedCount).toBe(2);
  });
});

describe('formatTransitionDigest: accounts (Organizations hub)', () => {
  const HUB = '999999999999';
  const MEMBER_A = '111111111111';
  const MEMBER_B = '222222222222';
  const hubRun: RunInfo = { ...run, accountId: HUB };

  it('a single-account digest is unchanged: no account per change, no accountId attribute', () => {
    const events = [event('OPENED'), event('RESOLVED')];
    const plain = digestOf(events, run);
    expect(digestOf(events, run, { namesAccounts: false })).toEqual(plain);
    expect(plain.body).not.toMatch(/^ {3}Account:/m);
    expect(plain.body).not.toContain(`(account ${run.accountId}`);
    expect(plain.shortText).not.toContain(`(account ${run.accountId}`);
    expect(plain.subject.startsWith('[HIGH] TMC health: ')).toBe(true);
    expect(attribute(plain, 'accountId')).toBeUndefined();
    expect(plain.attributes.accountId).toBeUndefined();
  });

  it('the fleet watch (run in the hub, changes of two members): every change names its member', () => {
    const opened = event('OPENED', { accountId: MEMBER_B, findingId: 'silent-b' });
    const resolved = event('RESOLVED', { accountId: MEMBER_A, findingId: 'back-a' });
    const digest = digestOf([opened, resolved], hubRun, { namesAccounts: true });

    expect(digest.subject).toMatch(/^\[HIGH\] TMC health, 2 accounts: 1 new, 1 resolved - /);
    expect(digest.body).toContain('TMC health check: 1 new, 1 resolved in 2 AWS accounts.');
    expect(digest.body).toMatch(new RegExp(`^Accounts:\\s+${MEMBER_A}, ${MEMBER_B}$`, 'm'));
    expect(digest.body).toMatch(new RegExp(`^Run in account:\\s+${HUB}$`, 'm'));
    // The open change's section starts its context with the account; the resolved line names it too.
    expect(digest.body).toMatch(new RegExp(`^ {3}Account:\\s+${MEMBER_B}$`, 'm'));
    const resolvedLine = digest.body.split('\n').find((line) => line.includes('back-a')) ?? '';
    expect(resolvedLine).toContain(`(account ${MEMBER_A}, prod-eks, data-sync, us-west-2)`);
    expect(digest.shortText).toContain(`(account ${MEMBER_B}, prod-eks, us-west-2)`);
    expect(digest.shortText).toContain(`(account ${MEMBER_A}, prod-eks, us-west-2)`);
    expect(digest.shortText.split('\n')[1]).toMatch(/^2 accounts, run run-0007 /);
    expect(attribute(digest, 'accountId')).toEqual([MEMBER_A, MEMBER_B]);
  });

  it('the intake (one member report): the subject and header name the member, without a second account row', () => {
    const memberRun: RunInfo = { ...run, accountId: MEMBER_A };
    const digest = digestOf([event('OPENED', { accountId: MEMBER_A })], memberRun, { namesAccounts: true });
    expect(digest.subject).toMatch(new RegExp(`^\\[HIGH\\] TMC health ${MEMBER_A}: 1 new - `));
    expect(digest.body).toContain(`TMC health check: 1 new in AWS account ${MEMBER_A}.`);
    expect(digest.body).toMatch(new RegExp(`^Account:\\s+${MEMBER_A}$`, 'm'));
    expect(digest.body).not.toContain('Run in account');
    expect(digest.shortText.split('\n')[1]).toMatch(new RegExp(`^Account ${MEMBER_A}, run `));
    expect(attribute(digest, 'accountId')).toEqual([MEMBER_A]);
  });

  it('a storm subject names the account too', () => {
    const events = Array.from({ length: 12 }, () => event('OPENED', { accountId: MEMBER_A }));
    const storm = detectStorm(events, DEFAULT_STORM_SETTINGS);
    expect(storm).toBeDefined();
    const digest = digestOf(events, { ...run, accountId: MEMBER_A }, { storm: storm!, namesAccounts: true });
    expect(digest.subject).toMatch(
      new RegExp(`^\\[INCIDENT\\]\\[HIGH\\] TMC health ${MEMBER_A}: 12 findings opened`),
    );
    expect(digest.subject.length).toBeLessThanOrEqual(SUBJECT_MAX_LENGTH);
  });

  it('without hub mode, a change of another account than the run is still never shown under the run account', () => {
    const digest = digestOf([event('OPENED', { accountId: MEMBER_B }), event('OPENED')], run);
    expect(digest.body).toMatch(new RegExp(`^ {3}Account:\\s+${MEMBER_B}$`, 'm'));
    expect(digest.body).not.toMatch(new RegExp(`^ {3}Account:\\s+${run.accountId}$`, 'm'));
    expect(digest.shortText).toContain(`(account ${MEMBER_B}, prod-eks, us-west-2)`);
  });
});
