import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, type MetricRecord } from '../core/observability';

/**
 * The Powertools wiring every handler shares: a JSON logger and EMF metrics per function (lambdas/app/observe-run.ts
 * says what a run logs and emits on them).
 */
export interface Telemetry {
  readonly logger: Logger;
  readonly metrics: Metrics;
}

export function createTelemetry(serviceName: string): Telemetry {
  return {
    logger: new Logger({ serviceName }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName }),
  };
}

/**
 * Run-level records on the shared metric set; dimensioned ones as single metrics with their own dimensions (and
 * without `service` when the record says `dimensionsOnly`).
 */
export function emitMetricRecords(metrics: Metrics, records: readonly MetricRecord[]): void {
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
