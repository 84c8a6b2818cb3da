import { CallLog } from '../../lambdas/adapters/gather-call-log';

const denied = () => Object.assign(new Error('no'), { name: 'AccessDeniedException' });
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('CallLog branches: reads run at once, failures listed in a fixed order', () => {
  test('failures come back in branch order, whichever branch failed first', async () => {
    const log = new CallLog('eu-west-1');
    const [functions, rules, parameters] = [log.branch(), log.branch(), log.branch()];
    await Promise.all([
      // The first branch fails last: its failure must still be listed first.
      functions.run('lambda', 'GetFunctionConfiguration', async () => {
        await wait(20);
        throw denied();
      }),
      rules.run('events', 'DescribeRule', async () => {
        await wait(5);
        throw denied();
      }),
      parameters.run('ssm', 'DescribeParameters', () => Promise.resolve('ok')),
    ]);
    log.append(functions, rules, parameters);
    expect(log.failures.map((failure) => `${failure.service}:${failure.operation}`)).toEqual([
      'lambda:GetFunctionConfiguration',
      'events:DescribeRule',
    ]);
    expect(log.failures.every((failure) => failure.region === 'eu-west-1')).toBe(true);
    expect(log.succeededOperations).toEqual(['ssm:DescribeParameters']);
  });

  test('a branch appended after the log recorded its own failure keeps the earlier one first', async () => {
    const log = new CallLog('us-east-1');
    await log.run('tagging', 'GetResources', () => Promise.reject(denied()));
    const branch = log.branch();
    await branch.run('ssm', 'DescribeParameters', () => Promise.reject(denied()));
    expect(log.failures).toHaveLength(1);
    log.append(branch);
    expect(log.failures.map((failure) => failure.operation)).toEqual(['GetResources', 'DescribeParameters']);
  });
});
