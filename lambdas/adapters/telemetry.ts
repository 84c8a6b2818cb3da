import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { detailedMetricsFromEnvironment, METRICS_NAMESPACE, type MetricRecord } from '../core/observability';

/**
 * The Powertools wiring every handler shares: a JSON logger and, only with `detailedMetrics` on, EMF metrics per
 * function (lambdas/app/observe-run.ts says what a run logs and emits on them).
 */
export interface Telemetry {
  readonly logger: Logger;
  /** Undefined unless the environment asks for the custom metrics (DETAILED_METRICS_ENV): then none is written. */
  readonly metrics?: Metrics;
}

/** The telemetry of one function; a bad DETAILED_METRICS_ENV value fails the cold start. */
export function createTelemetry(
  serviceName: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Telemetry {
  const logger = new Logger({ serviceName });
  if (!detailedMetricsFromEnvironment(env)) return { logger };
  return { logger, metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName }) };
}

/**
 * Run-level records on the shared metric set; dimensioned ones as single metrics with their own dimensions (and
 * without `service` when the record says `dimensionsOnly`). Without a metric set (custom metrics off) nothing.
 */
export function emitMetricRecords(metrics: Metrics | undefined, records: readonly MetricRecord[]): void {
  if (metrics === undefined) return;
  for (const record of records) {
    const unit = record.unit === 'Milliseconds' ? MetricUnit.Milliseconds : MetricUnit.Count;
    if (record.dimensions === undefined) {
      metrics.addMetric(record.name, unit, record.value);
    } else {
      const single = metrics.singleMetric();
      if (record.dimensionsOnly) single.clearDefaultDimensions();
      single.addDimensions({ ...record.dimensions });
      single.addMetric(record.name, unit, record.value);
    }
  }
}
