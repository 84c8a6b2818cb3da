import type { LifecycleFinding } from './types';

export interface StormSettings {
  /** More than this many findings opening in one run is one incident, not many. */
  readonly stormThreshold: number;
  /** The same check opening for at least this many credentials (or roles) at once is one incident. */
  readonly sameCheckThreshold: number;
}

export const DEFAULT_STORM_SETTINGS: StormSettings = { stormThreshold: 10, sameCheckThreshold: 3 };

export interface Storm {
  readonly reason: string;
  readonly openedCount: number;
  /** Check id -> distinct credentials (or resources) it opened for, for the checks that spread. */
  readonly spreadingChecks: Readonly<Record<string, readonly string[]>>;
}

/**
 * Many failures at once are a bigger incident (the SRE runbook's lesson): detect it so people get one
 * aggregated notification. EventBridge still receives every finding.
 */
export function detectStorm(events: readonly LifecycleFinding[], settings: StormSettings): Storm | undefined {
  const opened = events.filter((event) => event.transition === 'OPENED');
  const byCheck = new Map<string, Set<string>>();
  for (const event of opened) {
    const who = event.tmc?.credentialName ?? event.resource.arn ?? event.resource.name;
    byCheck.set(event.checkId, (byCheck.get(event.checkId) ?? new Set()).add(who));
  }
  const spreadingChecks = Object.fromEntries(
    [...byCheck.entries()]
      .filter(([, who]) => who.size >= settings.sameCheckThreshold)
      .map(([checkId, who]) => [checkId, [...who].sort()]),
  );
  const spreading = Object.keys(spreadingChecks);
  if (opened.length <= settings.stormThreshold && spreading.length === 0) return undefined;
  const reasons = [
    ...(opened.length > settings.stormThreshold
      ? [`${opened.length} findings opened in one run (threshold ${settings.stormThreshold})`]
      : []),
    ...spreading.map(
      (checkId) =>
        `${checkId} opened for ${spreadingChecks[checkId]?.length ?? 0} credentials or roles at once`,
    ),
  ];
  return { reason: reasons.join('; '), openedCount: opened.length, spreadingChecks };
}
