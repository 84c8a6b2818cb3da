/**
 * The checker's own telemetry contract: metric names and dimensions the handlers emit in Embedded
 * Metric Format (Powertools Metrics) when `detailedMetrics` is on, and the dashboard then graphs (the alarms read
 * only AWS's own metrics, lib/constructs/self-monitoring.ts). Dimensions are low-cardinality
 * only: the function's service name, status, severity, transition kind; in an Organizations hub also the member
 * account and check family (bounded by the organization). Never a credential, role or ARN.
 */
import { SettingsError } from './env-codec';

/** CloudWatch namespace of every checker metric. */
export const METRICS_NAMESPACE = 'TmcHealth';

/**
 * The functions' environment variable that turns the custom metrics on (the `detailedMetrics` configuration key):
 * exactly `true` emits them, absent or `false` emits none, anything else fails the cold start. Off by default: a
 * custom metric costs $0.30 a month, and the alarms read only what AWS measures for free (AWS/Lambda, AWS/SQS).
 */
export const DETAILED_METRICS_ENV = 'TMC_HEALTH_DETAILED_METRICS';

/** Whether this environment asks for the custom metrics (see DETAILED_METRICS_ENV); throws on a bad value. */
export function detailedMetricsFromEnvironment(env: Readonly<Record<string, string | undefined>>): boolean {
  const value = env[DETAILED_METRICS_ENV];
  if (value === undefined || value === '' || value === 'false') return false;
  if (value === 'true') return true;
  throw new SettingsError(
    `Invalid settings: ${DETAILED_METRICS_ENV}: must be true or false (got ${JSON.stringify(value.slice(0, 40))}); ` +
      'set the detailedMetrics configuration key and deploy again',
  );
}

/** Powertools' `service` dimension, one per function. */
export const SERVICE_NAMES = {
  credentials: 'tmc-health-checker',
  irsa: 'tmc-health-irsa-checker',
  /** The Organizations hub's functions (docs/organizations.md). */
  fleetIntake: 'tmc-health-fleet-intake',
  fleetWatch: 'tmc-health-fleet-watch',
  /** The Security Hub exporter (securityHubExport, docs/security-hub.md). */
  securityHubExport: 'tmc-health-security-hub-export',
} as const;

export const METRIC_NAMES = {
  /**
   * 1 at the end of every run that completed and published. The dead-man's switch reads the free AWS/Lambda
   * Invocations minus Errors instead, so it works with the custom metrics off.
   */
  runCompleted: 'RunCompleted',
  /**
   * 1 when a run could not deliver its findings (EventBridge or SNS refused them): the ledger was not advanced.
   * The invocation then fails too, which is what the Errors alarm sees.
   */
  publishFailures: 'PublishFailures',
  /** Findings of the run, by `status` (dimension) and, for problems, by `severity` (dimension). */
  findings: 'Findings',
  /** Checks that could not run (ERROR findings) in the run. */
  checksErrored: 'ChecksErrored',
  /** AWS API calls the run made, publishing included. */
  apiCalls: 'ApiCalls',
  /** Wall time of the run, milliseconds. */
  runDuration: 'RunDuration',
  /** Lifecycle transitions published, by `transition` (dimension). */
  transitions: 'Transitions',
  /** Checks left unchecked because the run deadline came first. */
  uncheckedAtDeadline: 'UncheckedAtDeadline',
  /** Hub intake, per member `AccountId` and `Family` (dimensions): FAIL findings in a run report part. */
  checksFailing: 'ChecksFailing',
  /** Hub intake, per member `AccountId` and `Family`: 1 per run reported (sent with the run's first part). */
  runReported: 'RunReported',
  /** Hub intake: 1 per run report event it could not accept (malformed, or not from the account it names). */
  runReportRejected: 'RunReportRejected',
} as const;

/** Dimension names used besides `service`. */
export const METRIC_DIMENSIONS = {
  status: 'status',
  severity: 'severity',
  transition: 'transition',
  /** The fleet metrics' member account and check family; with these two the function's `service` is left out. */
  accountId: 'AccountId',
  family: 'Family',
} as const;

/** One metric datapoint to emit: plain data, so what a run reports is tested without Powertools. */
export interface MetricRecord {
  readonly name: (typeof METRIC_NAMES)[keyof typeof METRIC_NAMES];
  readonly unit: 'Count' | 'Milliseconds';
  readonly value: number;
  /** Besides `service`; absent for the run-level metrics. */
  readonly dimensions?: Readonly<Record<string, string>>;
  /**
   * The record's `dimensions` only, without the function's `service`: the fleet dashboard finds the per-member
   * metrics with `SEARCH('{TmcHealth,AccountId,Family} ...')`, which matches exactly that dimension set.
   */
  readonly dimensionsOnly?: boolean;
}

/** One run report part as the hub intake accepted it. */
export interface FleetReportMetricsInput {
  readonly accountId: string;
  readonly family: string;
  readonly part: number;
  readonly findings: readonly { readonly status: string }[];
}

/**
 * The fleet dashboard's metrics of one report part, dimensioned by member account and family: its FAIL and ERROR
 * findings (ChecksFailing, ChecksErrored) and, with the run's first part, RunReported = 1. Parts of a split run
 * each count their own findings, so a Sum over the run is the run's total.
 */
export function fleetReportMetricRecords(input: FleetReportMetricsInput): MetricRecord[] {
  const dimensions = {
    [METRIC_DIMENSIONS.accountId]: input.accountId,
    [METRIC_DIMENSIONS.family]: input.family,
  };
  const count = (status: string) => input.findings.filter((finding) => finding.status === status).length;
  const record = (name: MetricRecord['name'], value: number): MetricRecord => ({
    name,
    unit: 'Count',
    value,
    dimensions,
    dimensionsOnly: true,
  });
  return [
    record(METRIC_NAMES.checksFailing, count('FAIL')),
    record(METRIC_NAMES.checksErrored, count('ERROR')),
    ...(input.part === 1 ? [record(METRIC_NAMES.runReported, 1)] : []),
  ];
}

export interface RunMetricsInput {
  readonly findings: readonly { readonly status: string; readonly severity: string }[];
  /** Published lifecycle transitions (absent when the function publishes statelessly). */
  readonly transitions?: readonly { readonly transition: string }[];
  readonly apiCalls: number;
  readonly durationMs: number;
  readonly uncheckedAtDeadline?: number;
  /** The run finished and its findings were delivered: the dead-man's switch counts these. */
  readonly completed: boolean;
  /** The run failed because EventBridge or SNS refused its findings. */
  readonly publishFailed: boolean;
}

const STATUS_VALUES = ['FAIL', 'ERROR', 'PASS'] as const;
const SEVERITY_VALUES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL'] as const;
const TRANSITION_VALUES = ['OPENED', 'ESCALATED', 'RESOLVED', 'REMINDER'] as const;

/**
 * The metrics of one run. Every status, severity and transition is emitted, zeros included, so dashboards and
 * alarms see a continuous series rather than gaps that read as "no data".
 */
export function runMetricRecords(input: RunMetricsInput): MetricRecord[] {
  const count = (predicate: (finding: RunMetricsInput['findings'][number]) => boolean) =>
    input.findings.filter(predicate).length;
  const records: MetricRecord[] = [
    ...STATUS_VALUES.map((status): MetricRecord => ({
      name: METRIC_NAMES.findings,
      unit: 'Count',
      value: count((finding) => finding.status === status),
      dimensions: { [METRIC_DIMENSIONS.status]: status },
    })),
    ...SEVERITY_VALUES.map((severity): MetricRecord => ({
      name: METRIC_NAMES.findings,
      unit: 'Count',
      value: count((finding) => finding.status !== 'PASS' && finding.severity === severity),
      dimensions: { [METRIC_DIMENSIONS.severity]: severity },
    })),
    {
      name: METRIC_NAMES.checksErrored,
      unit: 'Count',
      value: count((finding) => finding.status === 'ERROR'),
    },
    { name: METRIC_NAMES.apiCalls, unit: 'Count', value: Math.max(0, Math.round(input.apiCalls)) },
    {
      name: METRIC_NAMES.runDuration,
      unit: 'Milliseconds',
      value: Math.max(0, Math.round(input.durationMs)),
    },
    { name: METRIC_NAMES.runCompleted, unit: 'Count', value: input.completed ? 1 : 0 },
    { name: METRIC_NAMES.publishFailures, unit: 'Count', value: input.publishFailed ? 1 : 0 },
    { name: METRIC_NAMES.uncheckedAtDeadline, unit: 'Count', value: input.uncheckedAtDeadline ?? 0 },
  ];
  if (input.transitions) {
    for (const transition of TRANSITION_VALUES) {
      records.push({
        name: METRIC_NAMES.transitions,
        unit: 'Count',
        value: input.transitions.filter((item) => item.transition === transition).length,
        dimensions: { [METRIC_DIMENSIONS.transition]: transition },
      });
    }
  }
  return records;
}
