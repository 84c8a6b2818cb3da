/**
 * The checker's own telemetry contract (issue 6): metric names and dimensions the handlers emit in Embedded
 * Metric Format (Powertools Metrics), and the stack's alarms and dashboard read. Dimensions are low-cardinality
 * only: the function's service name, status, severity, transition kind. Never a credential, role or ARN.
 */

/** CloudWatch namespace of every checker metric. */
export const METRICS_NAMESPACE = 'TmcHealth';

/** Powertools' `service` dimension, one per function. */
export const SERVICE_NAMES = {
  credentials: 'tmc-health-checker',
  irsa: 'tmc-health-irsa-checker',
} as const;

export const METRIC_NAMES = {
  /** 1 at the end of every run that completed and published (the dead-man's switch alarms on its absence). */
  runCompleted: 'RunCompleted',
  /** 1 when a run could not deliver its findings (EventBridge or SNS refused them): the ledger was not advanced. */
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
} as const;

/** Dimension names used besides `service`. */
export const METRIC_DIMENSIONS = {
  status: 'status',
  severity: 'severity',
  transition: 'transition',
} as const;
