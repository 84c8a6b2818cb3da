import { normaliseProvider, type ProviderRef } from './provider';
import type { WebIdentityDenial } from './types';

export const MAX_SAMPLE_EVENT_IDS = 5;
/** Distinct source IPs and user agents kept per group: enough to spot an old SDK, small enough for a finding. */
export const MAX_DISTINCT_VALUES = 10;

/** Denials of one (region, role, subject, provider, error code). */
export interface DenialGroup {
  readonly region: string;
  readonly roleArn: string;
  /** `system:serviceaccount:<ns>:<sa>`; empty when CloudTrail did not log `userIdentity.userName`. */
  readonly subject: string;
  /** Normalised provider; absent when CloudTrail did not log `userIdentity.identityProvider`. */
  readonly provider?: ProviderRef;
  /** `provider.arn`, or empty: part of the key. */
  readonly providerArn: string;
  readonly errorCode: string;
  readonly count: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
  /** The newest event ids first (newest are the longest retained by CloudTrail), at most 5. */
  readonly sampleEventIds: readonly string[];
  /** Most frequent first, then alphabetical; at most MAX_DISTINCT_VALUES. */
  readonly sourceIps: readonly string[];
  readonly userAgents: readonly string[];
  readonly errorMessages: readonly string[];
}

export function groupKey(
  group: Pick<DenialGroup, 'region' | 'roleArn' | 'subject' | 'providerArn' | 'errorCode'>,
) {
  return [group.region, group.roleArn, group.subject, group.providerArn, group.errorCode].join('\n');
}

/** Code-unit order: unlike localeCompare, the same on every runtime and locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byFrequency(values: readonly (string | undefined)[]): string[] {
  const counts = new Map<string, number>();
  for (const value of values) if (value !== undefined) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts.entries()]
    .sort(([a, ca], [b, cb]) => cb - ca || compareText(a, b))
    .slice(0, MAX_DISTINCT_VALUES)
    .map(([value]) => value);
}

function newestFirst(a: WebIdentityDenial, b: WebIdentityDenial): number {
  return compareText(b.eventTime, a.eventTime) || compareText(a.eventId, b.eventId);
}

/**
 * Groups denials by (region, role, subject, provider, error code). An event id seen twice in one region (the
 * scan windows overlap) counts once. Groups come out sorted by key, so findings are in a stable order.
 */
export function groupDenials(denials: readonly WebIdentityDenial[]): DenialGroup[] {
  const seen = new Set<string>();
  const buckets = new Map<string, { provider?: ProviderRef; denials: WebIdentityDenial[] }>();
  for (const denial of denials) {
    const eventKey = `${denial.region}\n${denial.eventId}`;
    if (seen.has(eventKey)) continue;
    seen.add(eventKey);
    const provider = normaliseProvider(denial.identityProvider, denial.roleArn);
    const key = groupKey({
      region: denial.region,
      roleArn: denial.roleArn,
      subject: denial.subject ?? '',
      providerArn: provider?.arn ?? '',
      errorCode: denial.errorCode,
    });
    const bucket = buckets.get(key);
    if (bucket) bucket.denials.push(denial);
    else buckets.set(key, { ...(provider ? { provider } : {}), denials: [denial] });
  }
  return [...buckets.entries()]
    .sort(([a], [b]) => compareText(a, b))
    .map(([, { provider, denials: members }]) => {
      const sorted = [...members].sort(newestFirst);
      const newest = sorted[0] as WebIdentityDenial;
      const oldest = sorted[sorted.length - 1] as WebIdentityDenial;
      return {
        region: newest.region,
        roleArn: newest.roleArn,
        subject: newest.subject ?? '',
        ...(provider ? { provider } : {}),
        providerArn: provider?.arn ?? '',
        errorCode: newest.errorCode,
        count: sorted.length,
        firstSeen: oldest.eventTime,
        lastSeen: newest.eventTime,
        sampleEventIds: sorted.slice(0, MAX_SAMPLE_EVENT_IDS).map((denial) => denial.eventId),
        sourceIps: byFrequency(sorted.map((denial) => denial.sourceIpAddress)),
        userAgents: byFrequency(sorted.map((denial) => denial.userAgent)),
        errorMessages: byFrequency(sorted.map((denial) => denial.errorMessage)),
      };
    });
}
