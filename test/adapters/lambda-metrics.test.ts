import { answerEveryQuery } from '../fixtures/metrics';
import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { CallLog } from '../../lambdas/adapters/gather-call-log';
import { readLambdaMetrics } from '../../lambdas/adapters/lambda-metrics';

const cloudwatch = mockClient(CloudWatchClient);
const client = new CloudWatchClient({ region: 'us-east-1', maxAttempts: 1 });
const NOW = new Date('2025-06-01T12:00:00Z');
const WINDOW = { now: NOW, windowMinutes: 30 };
const targets = (count: number) =>
  Array.from({ length: count }, (_, index) => ({
    name: `fn-${index}`,
    arn: `arn:aws:lambda:us-east-1:111122223333:function:fn-${index}`,
  }));
const queriesOf = (callIndex: number): MetricDataQuery[] =>
  cloudwatch.commandCalls(GetMetricDataCommand)[callIndex]!.args[0].input.MetricDataQueries ?? [];
/** Finds the query id the adapter chose for a function's metric. */
const idFor = (queries: MetricDataQuery[], functionName: string, metricName: string) =>
  queries.find(
    (query) =>
      query.MetricStat?.Metric?.MetricName === metricName &&
      query.MetricStat.Metric.Dimensions?.[0]?.Value === functionName,
  )!.Id!;

beforeEach(() => cloudwatch.reset());

describe('readLambdaMetrics', () => {
  it('asks for all functions in one request with valid ids, Sum over one window-long period', async () => {
    cloudwatch.on(GetMetricDataCommand).callsFake(answerEveryQuery());
    const result = await readLambdaMetrics(client, new CallLog('us-east-1'), targets(20), WINDOW);

    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 1);
    expect(cloudwatch).toHaveReceivedCommandWith(GetMetricDataCommand, {
      StartTime: new Date('2025-06-01T11:30:00Z'),
      EndTime: NOW,
    });
    const queries = queriesOf(0);
    expect(queries).toHaveLength(60);
    for (const query of queries) {
      expect(query.Id).toMatch(/^[a-z][a-zA-Z0-9_]*$/);
      expect(query.MetricStat).toMatchObject({ Period: 1800, Stat: 'Sum' });
      expect(query.MetricStat!.Metric!.Namespace).toBe('AWS/Lambda');
      expect(query.MetricStat!.Metric!.Dimensions![0]!.Name).toBe('FunctionName');
    }
    expect(new Set(queries.map((query) => query.Id)).size).toBe(60);
    expect(new Set(queries.map((query) => query.MetricStat!.Metric!.MetricName))).toEqual(
      new Set(['Invocations', 'Errors', 'Throttles']),
    );
    // No datapoints at all means zero, not unknown.
    expect(result.get('fn-7')).toEqual({
      ok: true,
      value: { windowMinutes: 30, invocations: 0, errors: 0, throttles: 0 },
    });
  });

  it('sums every value of a query across NextToken pages', async () => {
    cloudwatch
      .on(GetMetricDataCommand)
      .callsFakeOnce((input: { MetricDataQueries: MetricDataQuery[] }) => ({
        MetricDataResults: [
          {
            Id: idFor(input.MetricDataQueries, 'fn-0', 'Invocations'),
            Values: [3, 4],
            StatusCode: 'PartialData',
          },
          { Id: idFor(input.MetricDataQueries, 'fn-0', 'Errors'), Values: [1] },
          { Id: idFor(input.MetricDataQueries, 'fn-0', 'Throttles'), Values: [] },
          { Id: idFor(input.MetricDataQueries, 'fn-1', 'Invocations'), Values: [] },
          { Id: idFor(input.MetricDataQueries, 'fn-1', 'Errors'), Values: [] },
        ],
        NextToken: 'more',
      }))
      .callsFakeOnce((input: { MetricDataQueries: MetricDataQuery[] }) => ({
        MetricDataResults: [
          { Id: idFor(input.MetricDataQueries, 'fn-0', 'Invocations'), Values: [5], StatusCode: 'Complete' },
          { Id: idFor(input.MetricDataQueries, 'fn-1', 'Throttles'), Values: [2], StatusCode: 'Complete' },
        ],
      }));
    const result = await readLambdaMetrics(client, new CallLog('us-east-1'), targets(2), WINDOW);

    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 2);
    expect(cloudwatch).toHaveReceivedNthSpecificCommandWith(2, GetMetricDataCommand, { NextToken: 'more' });
    expect(result.get('fn-0')).toEqual({
      ok: true,
      value: { windowMinutes: 30, invocations: 12, errors: 1, throttles: 0 },
    });
    expect(result.get('fn-1')).toEqual({
      ok: true,
      value: { windowMinutes: 30, invocations: 0, errors: 0, throttles: 2 },
    });
  });

  it('splits into further requests only above 500 queries, keeping each function in one request', async () => {
    cloudwatch.on(GetMetricDataCommand).callsFake(answerEveryQuery());
    const result = await readLambdaMetrics(client, new CallLog('us-east-1'), targets(200), WINDOW);

    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 2);
    expect(queriesOf(0).length).toBeLessThanOrEqual(500);
    expect(queriesOf(0).length + queriesOf(1).length).toBe(600);
    const allIds = [...queriesOf(0), ...queriesOf(1)].map((query) => query.Id);
    expect(new Set(allIds).size).toBe(600);
    expect(result.size).toBe(200);

    cloudwatch.reset();
    cloudwatch.on(GetMetricDataCommand).callsFake(answerEveryQuery());
    await readLambdaMetrics(client, new CallLog('us-east-1'), targets(166), WINDOW);
    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 1);
  });

  it('marks every function failed when the request fails, and records one failure', async () => {
    cloudwatch
      .on(GetMetricDataCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    const log = new CallLog('us-east-1');
    const result = await readLambdaMetrics(client, log, targets(3), WINDOW);

    expect([...result.values()]).toEqual(
      Array.from({ length: 3 }, () => ({
        ok: false,
        failure: expect.objectContaining({ operation: 'GetMetricData', errorName: 'AccessDeniedException' }),
      })),
    );
    expect(log.failures).toHaveLength(1);
    expect(log.succeededOperations).toEqual([]);
  });

  it('reports a function whose queries the response left unanswered as malformed, not as zero', async () => {
    cloudwatch.on(GetMetricDataCommand).callsFake((input: { MetricDataQueries: MetricDataQuery[] }) => ({
      MetricDataResults: input.MetricDataQueries.filter((query) => !query.Id!.endsWith('_throttles')).map(
        (query) => ({ Id: query.Id, Values: [], StatusCode: 'Complete' }),
      ),
    }));
    const log = new CallLog('us-east-1');
    const result = await readLambdaMetrics(client, log, targets(2), WINDOW);

    for (const name of ['fn-0', 'fn-1']) {
      expect(result.get(name)).toEqual({
        ok: false,
        failure: expect.objectContaining({ errorName: 'MalformedResponse', operation: 'GetMetricData' }),
      });
    }
  });

  it('reports an empty MetricDataResults list as malformed: zero errors read from nothing would be a false PASS', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    const log = new CallLog('us-east-1');
    const result = await readLambdaMetrics(client, log, targets(1), WINDOW);

    expect(result.get('fn-0')).toMatchObject({ ok: false, failure: { errorName: 'MalformedResponse' } });
  });

  it('reports a response without its MetricDataResults list as a failed call', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({});
    const log = new CallLog('us-east-1');
    const result = await readLambdaMetrics(client, log, targets(1), WINDOW);

    expect(result.get('fn-0')).toMatchObject({ ok: false, failure: { errorName: 'MalformedResponse' } });
    expect(log.succeededOperations).toEqual([]);
  });

  it('treats a Forbidden query status as a failure for that function only', async () => {
    cloudwatch.on(GetMetricDataCommand).callsFake((input: { MetricDataQueries: MetricDataQuery[] }) => ({
      MetricDataResults: input.MetricDataQueries.map((query) => ({
        Id: query.Id,
        Values: [],
        StatusCode: query.Id === idFor(input.MetricDataQueries, 'fn-1', 'Errors') ? 'Forbidden' : 'Complete',
      })),
    }));
    const log = new CallLog('us-east-1');
    const result = await readLambdaMetrics(client, log, targets(2), WINDOW);

    expect(result.get('fn-0')!.ok).toBe(true);
    expect(result.get('fn-1')).toEqual({
      ok: false,
      failure: expect.objectContaining({ errorName: 'Forbidden', resourceArn: targets(2)[1]!.arn }),
    });
    expect(log.failures).toHaveLength(1);
  });

  it('makes no request when there are no functions', async () => {
    const result = await readLambdaMetrics(client, new CallLog('us-east-1'), [], WINDOW);
    expect(result.size).toBe(0);
    expect(cloudwatch).not.toHaveReceivedCommand(GetMetricDataCommand);
  });
});
