import type { Finding } from '../finding';
import { reportedFindingSchema } from '../fleet/reported-finding';
import type { LifecycleFinding } from '../lifecycle/types';
import { LIFECYCLE_STATES, TRANSITIONS } from '../lifecycle/types';
import * as z from '../zod';

/**
 * The finding events the Security Hub exporter reads off the findings bus (docs/security-hub.md): what the checkers
 * put there (lambdas/adapters/publish-eventbridge.ts), one finding or one lifecycle transition per event. Pure.
 *
 * The events come from our own checkers on our own bus, and the exporter's rule matches only this account's
 * `tmc-health` events; still, an event is checked again here: a malformed one is skipped and counted (importing
 * it again would fail the same way), and one of another account, or whose finding names another account, is
 * never imported (the account's default product takes only the calling account's findings, and another
 * account's events are not ours to speak for).
 */

/** The finding events' source and detail-type: the checkers' EventBridge contract (adapters' EVENT_SOURCE). */
export const FINDING_EVENT_SOURCE = 'tmc-health';
export const FINDING_EVENT_DETAIL_TYPE = 'TMC Health Finding';

const timestamp = z.iso.datetime({ offset: true });

/**
 * The detail of a finding event in zod/mini: the published finding (reportedFindingSchema, itself checked against
 * lambdas/core/finding-schema.ts) with the lifecycle fields of lambdas/core/lifecycle/event-schemas.ts, which the
 * ASFF reads (transition, first and last observed, the occurrence count, idempotency key and suppression).
 * test/unit/security-hub-finding-event.test.ts checks both agree.
 */
export const findingEventDetailSchema = z.extend(reportedFindingSchema, {
  state: z.optional(z.enum(LIFECYCLE_STATES)),
  transition: z.optional(z.enum(TRANSITIONS)),
  firstObservedAt: z.optional(timestamp),
  lastObservedAt: z.optional(timestamp),
  occurrenceCount: z.optional(z.int().check(z.positive())),
  sequence: z.optional(z.int().check(z.positive())),
  idempotencyKey: z.optional(z.string().check(z.minLength(1))),
  suppression: z.optional(
    z.strictObject({
      state: z.literal('SUPPRESSED'),
      reason: z.string().check(z.minLength(1)),
      expires: z.string().check(z.minLength(1)),
    }),
  ),
});

/** Why an event was not handed to Security Hub. */
export type SkippedEventReason = 'not-a-finding-event' | 'foreign-account' | 'malformed';

export type ParsedFindingEvent =
  | { readonly kind: 'finding'; readonly finding: Finding | LifecycleFinding }
  | { readonly kind: 'skipped'; readonly reason: SkippedEventReason; readonly detail: string };

/** A reason's text is bounded: an issue path can echo the event's own keys. */
const MAX_DETAIL_CHARS = 200;

function skipped(reason: SkippedEventReason, detail: string): ParsedFindingEvent {
  return { kind: 'skipped', reason, detail: detail.slice(0, MAX_DETAIL_CHARS) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * An EventBridge event as the exporter receives it, checked: a `tmc-health` finding event of `ownAccountId`
 * whose detail is a finding of `ownAccountId`, or why it is skipped.
 */
export function parseFindingEvent(event: unknown, ownAccountId: string): ParsedFindingEvent {
  if (!isRecord(event)) return skipped('malformed', 'the event is not an object');
  if (event.source !== FINDING_EVENT_SOURCE || event['detail-type'] !== FINDING_EVENT_DETAIL_TYPE) {
    return skipped('not-a-finding-event', 'source or detail-type is not a TMC Health Finding');
  }
  if (event.account !== ownAccountId) {
    return skipped('foreign-account', 'the event was put in another account');
  }
  const parsed = findingEventDetailSchema.safeParse(event.detail);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = ['detail', ...(issue?.path ?? []).map(String)].join('.');
    return skipped('malformed', `${where}: ${issue?.message ?? 'invalid'}`);
  }
  if (parsed.data.accountId !== ownAccountId) {
    return skipped('foreign-account', "the finding is about another account's resources");
  }
  return { kind: 'finding', finding: parsed.data as Finding | LifecycleFinding };
}
