import { parseDurationMinutes } from '../../lambdas/cli/durations';
import { EXIT, exitCodeFor } from '../../lambdas/cli/exit-codes';

describe('durations', () => {
  test.each([
    ['30m', 30],
    ['2h', 120],
    ['2H', 120],
    ['1.5h', 90],
    ['30d', 43200],
  ])('%s -> %i minutes', (value, minutes) => {
    expect(parseDurationMinutes('--x', value)).toBe(minutes);
  });

  test.each(['', '30', 'm', '-5m', '1w', '2 hours', '0m'])('%j is rejected naming the flag', (value) => {
    expect(() => parseDurationMinutes('--since', value)).toThrow(/^--since: /);
  });
});

describe('exitCodeFor', () => {
  test.each([
    [[], EXIT.OK],
    [['PASS'], EXIT.OK],
    [['PASS', 'ERROR'], EXIT.ERROR],
    [['PASS', 'FAIL'], EXIT.FAIL],
    [['ERROR', 'FAIL'], EXIT.FAIL],
  ] as const)('%j -> %i', (statuses, code) => {
    expect(exitCodeFor(statuses.map((status) => ({ status })))).toBe(code);
  });
});
