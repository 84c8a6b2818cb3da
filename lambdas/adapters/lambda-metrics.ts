import {
  GetMetricDataCommand,
  type CloudWatchClient,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import type { ApiFailure, LambdaMetrics, Observed } from '../core/inventory';
import type { CallLog } from './gather-call-log';
import { chunk } from './gather-concurrency';
import { forEachPage, requiredList } from './pagination';

/** GetMetricData's limit on queries per request. */
export const MAX_QUERIES_PER_REQUEST = 500;
const METRICS = [
  { key: 'invocations', metricName: 'Invocations' },
  { key: 'errors', metricName: 'Errors' },
  { key: 'throttles', metricName: 'Throttles' },
] as const;
type MetricKey = (typeof METRICS)[number]['key'];
// Whole functions per request, so one failed request affects only its own functions' metrics.
const FUNCTIONS_PER_REQUEST = Math.floor(MAX_QUERIES_PER_REQUEST / METRICS.length);

export interface MetricsTarget {
  readonly name: string;
  readonly arn: string;
}

export interface MetricsWindow {
  readonly now: Date;
  readonly windowMinutes: number;
}

/**
 * Sums Invocations, Errors and Throttles over the window for each function, in as few GetMetricData
 * requests as the 500-query limit allows (one for up to 166 functions). Keyed by function name.
 */
export async function readLambdaMetrics(
  client: CloudWatchClient,
  log: CallLog,
  functions: readonly MetricsTarget[],
  window: MetricsWindow,
): Promise<Map<string, Observed<LambdaMetrics>>> {
  const results = new Map<string, Observed<LambdaMetrics>>();
  const unique = [...new Map(functions.map((target) => [target.name, target])).values()];
  for (const [batchIndex, batch] of chunk(unique, FUNCTIONS_PER_REQUEST).entries()) {
    const queries = batch.flatMap((target, index) =>
      METRICS.map((metric) => query(batchIndex, index, target.name, metric, window)),
    );
    const observed = await log.run('cloudwatch', 'GetMetricData', () => fetchSums(client, queries, window));
    batch.forEach((target, index) => {
      results.set(
        target.name,
        observed.ok ? functionMetrics(observed.value, batchIndex, index, target, window, log) : observed,
      );
    });
  }
  return results;
}

interface QueryResult {
  sum: number;
  failedStatus?: string;
}

async function fetchSums(
  client: CloudWatchClient,
  queries: MetricDataQuery[],
  window: MetricsWindow,
): Promise<Map<string, QueryResult>> {
  const sums = new Map<string, QueryResult>();
  const startTime = new Date(window.now.getTime() - window.windowMinutes * 60_000);
  await forEachPage(
    'GetMetricData',
    (token) =>
      client.send(
        new GetMetricDataCommand({
          MetricDataQueries: queries,
          StartTime: startTime,
          EndTime: window.now,
          NextToken: token,
        }),
      ),
    (page) => page.NextToken,
    (page) => {
      for (const result of requiredList('GetMetricData', 'MetricDataResults', page.MetricDataResults)) {
        if (result.Id === undefined) continue;
        const entry = sums.get(result.Id) ?? { sum: 0 };
        entry.sum += (result.Values ?? []).reduce((total, value) => total + value, 0);
        if (result.StatusCode === 'Forbidden' || result.StatusCode === 'InternalError') {
          entry.failedStatus = result.StatusCode;
        }
        sums.set(result.Id, entry);
      }
    },
  );
  return sums;
}

/** Ids must match ^[a-z][a-zA-Z0-9_]*$, so they are positional rather than derived from function names. */
function queryId(batchIndex: number, functionIndex: number, key: MetricKey): string {
  return `b${batchIndex}_f${functionIndex}_${key}`;
}

function query(
  batchIndex: number,
  functionIndex: number,
  functionName: string,
  metric: (typeof METRICS)[number],
  window: MetricsWindow,
): MetricDataQuery {
  return {
    Id: queryId(batchIndex, functionIndex, metric.key),
    ReturnData: true,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/Lambda',
        MetricName: metric.metricName,
        Dimensions: [{ Name: 'FunctionName', Value: functionName }],
      },
      // One period covering the whole window: fewer datapoints to page through, summed either way.
      Period: 60 * window.windowMinutes,
      Stat: 'Sum',
    },
  };
}

function functionMetrics(
  sums: ReadonlyMap<string, QueryResult>,
  batchIndex: number,
  functionIndex: number,
  target: MetricsTarget,
  window: MetricsWindow,
  log: CallLog,
): Observed<LambdaMetrics> {
  const values: Record<MetricKey, number> = { invocations: 0, errors: 0, throttles: 0 };
  for (const metric of METRICS) {
    const result = sums.get(queryId(batchIndex, functionIndex, metric.key));
    // CloudWatch returns a result (empty when there were no datapoints) for every query, so a query without one
    // was not answered: unknown, not "zero" (zero errors would be a false PASS).
    const partial = result === undefined;
    if (partial || result?.failedStatus !== undefined) {
      // A per-query status is not an exception, but it is still a failed read the operator must see.
      const failure =
        result?.failedStatus === undefined
          ? missingResult(metric.metricName, target, log.region)
          : queryFailure(result.failedStatus, target, log.region);
      log.recordFailure(failure);
      return { ok: false, failure };
    }
    values[metric.key] = result?.sum ?? 0;
  }
  return { ok: true, value: { windowMinutes: window.windowMinutes, ...values } };
}

function queryFailure(status: string, target: MetricsTarget, region: string): ApiFailure {
  return {
    service: 'cloudwatch',
    operation: 'GetMetricData',
    region,
    errorName: status,
    message: `GetMetricData returned status ${status} for the metrics of ${target.name}`,
    resourceArn: target.arn,
  };
}

function missingResult(metricName: string, target: MetricsTarget, region: string): ApiFailure {
  return {
    service: 'cloudwatch',
    operation: 'GetMetricData',
    region,
    errorName: 'MalformedResponse',
    message: `GetMetricData returned no result for the ${metricName} query of ${target.name}`,
    resourceArn: target.arn,
  };
}
