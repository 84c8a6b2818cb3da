import type { Finding } from '../../lambdas/core/finding';
import { detectStorm, DEFAULT_STORM_SETTINGS } from '../../lambdas/core/lifecycle/storm';
import {
  matchingSuppression,
  suppressionSchema,
  type Suppression,
} from '../../lambdas/core/lifecycle/suppressions';
import type { LifecycleFinding, Transition } from '../../lambdas/core/lifecycle/types';

function event(
  id: number,
  checkId: Finding['checkId'],
  credential: string,
  transition: Transition = 'OPENED',
): LifecycleFinding {
  return {
    schemaVersion: '1.0',
    findingId: String(id).padStart(32, '0'),
    checkId,
    status: 'FAIL',
    severity: 'HIGH',
    title: 't',
    message: 'm',
    accountId: '111122223333',
    region: 'us-west-2',
    resource: {
      type: 'AWS::Lambda::Function',
      arn: `arn:aws:lambda:us-west-2:111122223333:function:${credential}-${id}`,
      name: `${credential}-${id}`,
    },
    tmc: { credentialName: credential },
    evidence: {},
    remediation: { text: 'x', whoCanFix: 'y', runbookUrl: 'z' },
    observedAt: '2026-11-22T00:00:00.000Z',
    state: 'NEW',
    transition,
    firstObservedAt: '2026-11-22T00:00:00.000Z',
    lastObservedAt: '2026-11-22T00:00:00.000Z',
    occurrenceCount: 1,
    sequence: 1,
    idempotencyKey: `${id}#1`,
  };
}

describe('detectStorm', () => {
  it('is quiet for a few unrelated openings', () => {
    expect(
      detectStorm(
        [event(1, 'tmc.token.stale', 'a'), event(2, 'tmc.lambda.errors', 'b')],
        DEFAULT_STORM_SETTINGS,
      ),
    ).toBeUndefined();
  });

  it('fires above the storm threshold, counting only OPENED', () => {
    const many = Array.from({ length: 11 }, (_, i) =>
      event(i, i % 2 ? 'tmc.token.stale' : 'tmc.lambda.errors', `c${i % 2}`),
    );
    expect(detectStorm(many, DEFAULT_STORM_SETTINGS)?.openedCount).toBe(11);
    const reminders = Array.from({ length: 11 }, (_, i) =>
      event(i, 'tmc.token.stale', `c${i % 2}`, 'REMINDER'),
    );
    expect(detectStorm(reminders, DEFAULT_STORM_SETTINGS)).toBeUndefined();
  });

  it('fires when the same check opens for several credentials at once', () => {
    const storm = detectStorm(
      [
        event(1, 'tmc.lambda.not-invoked', 'prod'),
        event(2, 'tmc.lambda.not-invoked', 'dev'),
        event(3, 'tmc.lambda.not-invoked', 'stage'),
      ],
      DEFAULT_STORM_SETTINGS,
    );
    expect(storm?.spreadingChecks).toEqual({ 'tmc.lambda.not-invoked': ['dev', 'prod', 'stage'] });
    expect(storm?.reason).toContain('tmc.lambda.not-invoked opened for 3');
  });
});

describe('matchingSuppression', () => {
  const now = new Date('2026-11-22T12:00:00.000Z');
  const finding = event(7, 'tmc.token.stale', 'prod-eks');
  const mute = (extra: Partial<Suppression>): Suppression => ({
    expires: '2026-12-31',
    reason: 'rotation pending',
    ...extra,
  });

  it.each<{ name: string; suppression: Suppression; matches: boolean }>([
    { name: 'same check', suppression: mute({ checkId: 'tmc.token.stale' }), matches: true },
    { name: 'other check', suppression: mute({ checkId: 'tmc.lambda.errors' }), matches: false },
    { name: 'same credential', suppression: mute({ credentialName: 'prod-eks' }), matches: true },
    {
      name: 'check and other credential',
      suppression: mute({ checkId: 'tmc.token.stale', credentialName: 'dev' }),
      matches: false,
    },
    {
      name: 'ARN glob',
      suppression: mute({ roleArnPattern: 'arn:aws:lambda:*:function:prod-eks-*' }),
      matches: true,
    },
    {
      name: 'ARN glob miss',
      suppression: mute({ roleArnPattern: 'arn:aws:iam::*:role/legacy-*' }),
      matches: false,
    },
    {
      name: 'expired yesterday',
      suppression: mute({ checkId: 'tmc.token.stale', expires: '2026-11-21' }),
      matches: false,
    },
    {
      name: 'expires later today (date)',
      suppression: mute({ checkId: 'tmc.token.stale', expires: '2026-11-22' }),
      matches: true,
    },
    {
      name: 'expired an hour ago (timestamp)',
      suppression: mute({ checkId: 'tmc.token.stale', expires: '2026-11-22T11:00:00Z' }),
      matches: false,
    },
  ])('$name', ({ suppression, matches }) => {
    expect(matchingSuppression(finding, [suppression], now) !== undefined).toBe(matches);
  });

  it('requires an expiry and a reason', () => {
    expect(suppressionSchema.safeParse({ checkId: 'tmc.token.stale', reason: 'x y z' }).success).toBe(false);
    expect(suppressionSchema.safeParse({ checkId: 'tmc.token.stale', expires: '2026-12-01' }).success).toBe(
      false,
    );
    expect(
      suppressionSchema.safeParse({
        checkId: 'tmc.token.stale',
        expires: '2026-12-01',
        reason: 'known outage',
      }).success,
    ).toBe(true);
  });
});
