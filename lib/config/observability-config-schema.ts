import { boolean } from './config-fields';

/**
 * What the stack's self-monitoring costs beyond its alarms (docs/configuration.md, "Observability"). Both off by
 * default: the alarms read only what AWS measures for free (AWS/Lambda, AWS/SQS) and the run summaries are
 * structured logs, so a quiet account pays for the alarm metrics and the topic's key alone.
 * - `detailedMetrics`: the functions emit their custom metrics (EMF, namespace TmcHealth; $0.30 each a month: 18
 *   per checker function, and at the hub 6 per member account);
 * - `dashboard`: the CloudWatch dashboard ($3 a month beyond the account's three free ones);
 * - `throttleAlarms`: a Lambda Throttles alarm on each scheduled function too ($0.10 each a month). Off, a throttled
 *   scheduled run still shows: it expires into the dead-letter queue (its alarm), and throttling that lasts stops
 *   successful runs, which the dead-man's switch reports (its description says how to confirm throttling).
 */
export const observabilityConfigShape = {
  detailedMetrics: boolean().default(false),
  dashboard: boolean().default(false),
  throttleAlarms: boolean().default(false),
};

export type ObservabilityConfigKey = keyof typeof observabilityConfigShape;

/** A valid example for each key, for the "how to fix" part of error messages. */
export const OBSERVABILITY_EXAMPLES = {
  detailedMetrics: 'true',
  dashboard: 'true',
  throttleAlarms: 'true',
} as const satisfies Record<ObservabilityConfigKey, string>;
