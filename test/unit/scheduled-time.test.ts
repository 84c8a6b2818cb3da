import { scheduledTimeOf } from '../../lambdas/app/scheduled-time';

describe('scheduledTimeOf', () => {
  test.each([
    ['the schedule event', { scheduledTime: '2026-12-04T10:15:00Z' }, '2026-12-04T10:15:00.000Z'],
    ['with milliseconds', { scheduledTime: '2026-12-04T10:15:00.123Z' }, '2026-12-04T10:15:00.123Z'],
    ['an empty event', {}, undefined],
    ['not a string', { scheduledTime: 1733307300000 }, undefined],
    ['not UTC', { scheduledTime: '2026-12-04T10:15:00+01:00' }, undefined],
    ['no date at all', { scheduledTime: 'soon' }, undefined],
    ['an impossible date', { scheduledTime: '2026-13-40T10:15:00Z' }, undefined],
    ['oversized', { scheduledTime: `2026-12-04T10:15:00.${'1'.repeat(60)}Z` }, undefined],
    ['null', null, undefined],
  ])('%s', (_case, event, expected) => {
    expect(scheduledTimeOf(event)?.toISOString()).toBe(expected);
  });
});
