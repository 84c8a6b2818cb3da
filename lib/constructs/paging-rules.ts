import { Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import type { Severity } from '../../lambdas/core/finding';
import type { Transition } from '../../lambdas/core/lifecycle/types';
import {
  FINDING_EVENT_DETAIL_TYPE,
  FINDING_EVENT_SOURCE,
} from '../../lambdas/core/security-hub/finding-event';

/**
 * How long EventBridge keeps trying to deliver a paging event, and how often, before it goes to the paging
 * dead-letter queue: PagerDuty answers 429 and 5xx with retries, and a page an hour late goes to the queue, whose
 * alarm tells the same people by the findings topic.
 */
export const PAGING_RETRY_ATTEMPTS = 24;
export const PAGING_MAX_EVENT_AGE = Duration.hours(1);

/**
 * The pattern of a paging rule: this account's finding events of these transitions (and this severity), never a
 * suppressed one for an alert (a muted finding must not wake anyone; a RESOLVED one resolves whatever it paged).
 * `account` is the publisher: in single mode the checkers' account, at the hub the hub's own intake, which puts
 * every member's events (each naming its member in `detail.accountId`); the hub bus takes nothing else from
 * members but run reports (FleetBus).
 */
export function findingEventPattern(
  account: string,
  transitions: readonly Transition[],
  severity?: Severity,
): events.EventPattern {
  const alerting = severity !== undefined;
  return {
    source: [FINDING_EVENT_SOURCE],
    detailType: [FINDING_EVENT_DETAIL_TYPE],
    account: [account],
    detail: {
      transition: [...transitions],
      ...(alerting ? { severity: [severity], suppression: { state: [{ exists: false }] } } : {}),
    },
  };
}
