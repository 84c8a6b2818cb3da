/**
 * How many denials the real-time path may announce on its own, per account and window.
 *
 * Every real-time invocation is a lifecycle run of its own, and the lifecycle's storm aggregation
 * (core/lifecycle/storm.ts) works within one run. Without a bound, anyone holding a token of an OIDC provider
 * registered in the account (any GitHub user, for GitHub Actions' issuer) could call AssumeRoleWithWebIdentity on
 * 200 role ARNs, or with 200 subjects, and have the checker send 200 emails. Past the budget a denial is left to
 * the scheduled scan: the real-time path only ever considers denials a later scan reads (`willBeReadAgain`), and
 * leaving one unclaimed is what makes that scan count it. The scan then reports it in its one run, where the storm
 * logic folds it with the others into one digest. Nothing is dropped; it is reported later, not separately.
 *
 * The count lives in the claim store beside the claims (adapters/irsa/claim-store.ts), one item per account,
 * spent in the claim's own transaction. Pure: the store's conditions mirror `budgetLeft` and `spendAnnouncement`.
 */

export interface AnnouncementLimits {
  /** Real-time announcements per account and window. */
  readonly perWindow: number;
  /** The window's length in minutes; windows start at whole multiples of it since the epoch (UTC). */
  readonly windowMinutes: number;
}

/**
 * 3 per 15 minutes. A genuine incident's first groups are still announced within a minute; 15 minutes is the
 * default `irsaSchedule`, so what is past the budget reaches people in the next scheduled digest at about the time
 * a new window would have let it through anyway. At most 3 emails from real time per window, whatever a stranger
 * sends, plus the scheduled run's one. A constant rather than a configuration key: it bounds hostile input, it is
 * not a tuning knob of the check, and a slower schedule only delays the rest as it did before real time.
 */
export const REALTIME_ANNOUNCEMENT_LIMITS: AnnouncementLimits = { perWindow: 3, windowMinutes: 15 };

/** The account's stored count: the window it belongs to and how many announcements were made in it. */
export interface AnnouncementCount {
  /** The window's start, ISO-8601, as stored (compared as a string: the store's condition does the same). */
  readonly window: string;
  /** Announcements made in that window. A stored count that cannot be read is `Infinity`: spent (fail safe). */
  readonly announced: number;
}

/** The window `now` falls in. */
export function announcementWindow(
  now: Date,
  limits: AnnouncementLimits,
): { readonly start: string; readonly end: string } {
  const length = limits.windowMinutes * 60_000;
  const start = Math.floor(now.getTime() / length) * length;
  return { start: new Date(start).toISOString(), end: new Date(start + length).toISOString() };
}

/** Announcements left in `now`'s window. A count of another window (or none) leaves the whole budget. */
export function budgetLeft(
  count: AnnouncementCount | undefined,
  now: Date,
  limits: AnnouncementLimits,
): number {
  const { start } = announcementWindow(now, limits);
  if (count === undefined || count.window !== start) return limits.perWindow;
  return Math.max(0, limits.perWindow - count.announced);
}

/** What a claim writes to the account's count, conditionally (adapters/irsa/claim-store.ts). */
export interface AnnouncementSpend {
  /** The budget's account: part of the count's key, so no other account's announcements are counted with it. */
  readonly accountId: string;
  /** The window's start, ISO-8601. */
  readonly window: string;
  readonly perWindow: number;
  /**
   * The stored count is this window's: add one, on condition that the window is still this one and the count below
   * `perWindow`. Otherwise the window starts at one, on condition that the stored window is still another one.
   * Either condition failing means another invocation spent meanwhile: read again and decide again.
   */
  readonly continues: boolean;
}

export function spendAnnouncement(
  accountId: string,
  count: AnnouncementCount | undefined,
  now: Date,
  limits: AnnouncementLimits,
): AnnouncementSpend {
  const { start } = announcementWindow(now, limits);
  return {
    accountId,
    window: start,
    perWindow: limits.perWindow,
    continues: count !== undefined && count.window === start,
  };
}
