import type { Observed } from '../inventory';
import type { OidcProvider } from './types';

/**
 * Why a region's CloudTrail is read:
 * - `configured`: `irsaRegions` (TMC_HEALTH_IRSA_REGIONS, or the CLI's --region) names it; nothing else is added;
 * - `home`: the checker runs there;
 * - `global-sts`: us-east-1, where calls to the global STS endpoint are logged;
 * - `oidc-provider`: an EKS cluster's IAM OIDC provider names it. Pods call their cluster's regional STS
 *   endpoint by default, so that is where their denied AssumeRoleWithWebIdentity calls are logged.
 */
export type IrsaRegionReason = 'configured' | 'home' | 'global-sts' | 'oidc-provider';

export interface IrsaRegionPlan {
  readonly region: string;
  readonly reasons: readonly IrsaRegionReason[];
  /** With `oidc-provider`: how many of the account's EKS OIDC providers are in this region. */
  readonly providers?: number;
}

/** Where the global STS endpoint's calls are logged. */
export const GLOBAL_STS_REGION = 'us-east-1';

/**
 * At most this many regions come from OIDC providers: about as many as AWS has. Provider URLs are written by
 * whoever may create IAM providers, so a list of made-up regions must not make the scan unbounded.
 */
export const MAX_PROVIDER_REGIONS = 40;

/** Longer than any real provider URL (host, `/id/`, a 32-character id): not parsed. */
const MAX_PROVIDER_URL_LENGTH = 200;

/**
 * `oidc.eks.<region>.amazonaws.com[.cn]/id/<id>`: the issuer EKS gives a cluster. The region pattern has no
 * overlapping repetition (letters between single dashes), so matching is linear in the URL's length.
 */
const EKS_ISSUER =
  /^oidc\.eks\.([a-z]{2}(?:-[a-z]+)+-\d{1,2})\.amazonaws\.com(?:\.cn)?\/id\/[A-Za-z0-9]{1,64}$/;

/** The region of an EKS cluster's issuer URL (scheme optional), or undefined for any other issuer. */
export function eksIssuerRegion(url: string): string | undefined {
  if (url.length > MAX_PROVIDER_URL_LENGTH) return undefined;
  const match = EKS_ISSUER.exec(url.replace(/^https:\/\//, ''));
  return match?.[1];
}

/**
 * The regions to read, each with why. `configured` regions replace the defaults entirely (an explicit list is
 * what the user wants, and what the function's IAM policy allows). Otherwise: `defaultRegion`, us-east-1, and
 * every region an EKS OIDC provider names, in that order and each once. `providers` undefined or failed: the
 * defaults only; the failed listing is its own ERROR finding, so a region it would have added is never silently
 * taken as healthy.
 */
export function planIrsaRegions(
  configured: readonly string[],
  defaultRegion: string,
  providers: Observed<readonly OidcProvider[]> | undefined,
): IrsaRegionPlan[] {
  if (configured.length > 0) {
    return [...new Set(configured)].map((region) => ({ region, reasons: ['configured'] }));
  }
  const plans = new Map<string, { reasons: IrsaRegionReason[]; providers: number }>();
  const add = (region: string, reason: IrsaRegionReason) => {
    const plan = plans.get(region) ?? { reasons: [], providers: 0 };
    if (!plan.reasons.includes(reason)) plan.reasons.push(reason);
    if (reason === 'oidc-provider') plan.providers += 1;
    plans.set(region, plan);
  };
  add(defaultRegion, 'home');
  add(GLOBAL_STS_REGION, 'global-sts');
  let added = 0;
  for (const provider of providers?.ok ? providers.value : []) {
    const region = eksIssuerRegion(provider.url);
    if (region === undefined) continue;
    if (!plans.has(region)) {
      if (added >= MAX_PROVIDER_REGIONS) continue;
      added += 1;
    }
    add(region, 'oidc-provider');
  }
  return [...plans].map(([region, plan]) => ({
    region,
    reasons: plan.reasons,
    ...(plan.providers > 0 ? { providers: plan.providers } : {}),
  }));
}

const REASON_TEXT: Record<IrsaRegionReason, string> = {
  configured: 'configured',
  home: 'the checker runs here',
  'global-sts': 'global STS endpoint',
  'oidc-provider': 'EKS OIDC provider',
};

/** One short phrase for a region's reasons, e.g. `the checker runs here, 2 EKS OIDC providers`. */
export function describeRegionReasons(plan: IrsaRegionPlan): string {
  return plan.reasons
    .map((reason) =>
      reason === 'oidc-provider' && (plan.providers ?? 0) > 1
        ? `${plan.providers} EKS OIDC providers`
        : REASON_TEXT[reason],
    )
    .join(', ');
}
