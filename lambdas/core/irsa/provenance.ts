/**
 * Where the values of an IRSA diagnosis come from, and so which of them may become a fix.
 *
 * CloudTrail logs what the caller's token claims: its `sub` and its issuer. Anyone holding a token of an issuer
 * the account registered can make the call and write those fields (GitHub Actions' issuer mints a token for any
 * GitHub user), and a call with an issuer the account never registered is logged too. Only the account's own
 * configuration (IAM's registered OIDC providers, the role's trust policy) is the account's word.
 *
 * So a trust statement is offered only for a Kubernetes service account (`system:serviceaccount:<ns>:<sa>`) of
 * an EKS issuer the account registered: only that cluster can sign its tokens, and the engineer can check the
 * service account exists there. Even then the subject is the caller's claim, and the statement says so. Any
 * other issuer or subject is shown as what was presented, never as something to trust or register.
 */
import type { PolicyStatement } from './types';

/** `account`: read from the account's IAM; `caller`: claimed by the denied call; `placeholder`: to fill in. */
export type Provenance = 'account' | 'caller' | 'placeholder';

/** A value and where it comes from. */
export interface Sourced<S extends Provenance = Provenance> {
  readonly value: string;
  readonly source: S;
}

export interface ServiceAccount {
  readonly namespace: string;
  readonly name: string;
}

/** Kubernetes' limits: a namespace is a DNS-1123 label, a service account name a DNS-1123 subdomain. */
const MAX_LABEL = 63;
const MAX_SUBDOMAIN = 253;
const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

function isLabelChar(char: string): boolean {
  return (char >= 'a' && char <= 'z') || (char >= '0' && char <= '9') || char === '-';
}

/** A DNS-1123 label: lower-case letters, digits and `-`, starting and ending alphanumeric. Linear, no regex. */
function isDnsLabel(text: string, max = MAX_LABEL): boolean {
  if (text.length === 0 || text.length > max) return false;
  for (const char of text) if (!isLabelChar(char)) return false;
  return text[0] !== '-' && text[text.length - 1] !== '-';
}

function isDnsSubdomain(text: string): boolean {
  return text.length <= MAX_SUBDOMAIN && text.split('.').every((label) => isDnsLabel(label, MAX_SUBDOMAIN));
}

/**
 * The service account a subject names, when it is exactly `system:serviceaccount:<namespace>:<name>` with names
 * Kubernetes accepts; undefined for anything else (a CI provider's `repo:...`, extra colons, upper case,
 * control characters, over-long names).
 */
export function serviceAccountClaim(subject: string): ServiceAccount | undefined {
  if (!subject.startsWith(SERVICE_ACCOUNT_PREFIX)) return undefined;
  const rest = subject.slice(SERVICE_ACCOUNT_PREFIX.length);
  const colon = rest.indexOf(':');
  if (colon === -1) return undefined;
  const namespace = rest.slice(0, colon);
  const name = rest.slice(colon + 1);
  return isDnsLabel(namespace) && isDnsSubdomain(name) ? { namespace, name } : undefined;
}

/**
 * An EKS cluster's issuer, host and path as normalised by `normaliseIssuer`: `oidc.eks.<region>.amazonaws.com`
 * (`.amazonaws.com.cn` in China) `/id/<id>`. EKS ids are 32 upper-case hex digits; upper-case letters are
 * accepted so the AWS documentation's `EXAMPLED539D4633E53DE1B71EXAMPLE` parses. Bounded, so linear.
 */
const EKS_ISSUER =
  /^oidc\.eks\.([a-z]{2}(?:-[a-z]{1,10}){1,3}-\d{1,2})\.amazonaws\.com(?:\.cn)?\/id\/[0-9A-Z]{1,64}$/;

export function isEksIssuer(issuer: string): boolean {
  return issuer.length <= 128 && EKS_ISSUER.test(issuer);
}

/** Why no statement is offered: the values it would need are the caller's alone. */
export type WithheldReason =
  /** The subject is not a Kubernetes service account: a CI provider's, or malformed. */
  | 'subject-not-service-account'
  /** The issuer is not an EKS cluster's: its tokens may be minted by anyone (a CI provider). */
  | 'issuer-not-eks'
  /** The account has not registered the issuer: it is seen only in the denial. */
  | 'issuer-not-registered'
  /** The account's OIDC providers could not be read, so the issuer cannot be confirmed. */
  | 'providers-unreadable';

/** What the diagnosis offers instead of the caller's values: a statement (with the provenance of each part) or none. */
export type StatementOffer =
  | {
      /** The service account the caller claims, on an EKS issuer the account registered: to confirm. */
      readonly kind: 'claimed-service-account';
      readonly statement: PolicyStatement;
      readonly issuer: Sourced<'account' | 'placeholder'>;
      readonly subject: Sourced<'caller'>;
      readonly serviceAccount: ServiceAccount;
    }
  | {
      /** No subject was logged: a statement with a placeholder subject, to fill in from the pod spec. */
      readonly kind: 'template';
      readonly statement: PolicyStatement;
      readonly issuer: Sourced<'account' | 'placeholder'>;
      readonly subject: Sourced<'placeholder'>;
    }
  | { readonly kind: 'withheld'; readonly reasons: readonly WithheldReason[] };

/** Where the issuer of a statement would come from, decided by the diagnosis from the account's IAM. */
export type IssuerStanding = 'registered' | 'placeholder' | 'not-registered' | 'unknown';

const HOW_TO_VERIFY =
  'Check who made the call first (evidence.sourceIps, evidence.userAgents; the CloudTrail events of irsa.sampleEventIds)';
const HOW_TO_DERIVE =
  "if it is one of your workloads, take the issuer from your own cluster (`aws eks describe-cluster --name <cluster> --query cluster.identity.oidc.issuer --output text`) and the subject from the pod's service account (`system:serviceaccount:<namespace>:<serviceaccount>`), never from the denied call";

const WITHHELD_WHY: Readonly<Record<WithheldReason, string>> = {
  'subject-not-service-account':
    'the subject the call presented is not a Kubernetes service account (system:serviceaccount:<namespace>:<name>)',
  'issuer-not-eks':
    "the call's issuer is not an EKS cluster's, and anyone may hold a token of such an issuer (a CI provider's)",
  'issuer-not-registered':
    "the call's issuer is not registered in this account's IAM: it is seen only in the denial",
  'providers-unreadable':
    "the account's OIDC providers could not be read, so the call's issuer is unconfirmed",
};

/** The sentence shown with (or instead of) the statement: how far to trust it and what to check. */
export function offerNote(offer: StatementOffer): string {
  switch (offer.kind) {
    case 'claimed-service-account': {
      const { namespace, name } = offer.serviceAccount;
      return `UNVERIFIED: built from the service account the caller's token claims (${offer.subject.value}); the issuer is ${offer.issuer.source === 'account' ? `${offer.issuer.value}, registered in this account` : 'a placeholder to fill in from your cluster'}. If ${namespace}/${name} is yours (\`kubectl get serviceaccount ${name} -n ${namespace}\` on that cluster) and should use this role, replace the role's web-identity statement with it; if not, the call was not yours: leave the trust policy as it is.`;
    }
    case 'template':
      return "A template: CloudTrail logged no subject. Fill in the <placeholders> from your cluster and the pod's service account before using it.";
    case 'withheld':
      return `No corrected trust policy: ${offer.reasons.map((reason) => WITHHELD_WHY[reason]).join('; ')}. ${HOW_TO_VERIFY}; ${HOW_TO_DERIVE}.`;
  }
}

/**
 * The offer for a call: a statement only when every part of it is the account's own or a placeholder, except a
 * service account subject of an EKS issuer the account registered, which is kept as the caller's claim.
 * `build` makes the statement from the issuer and subject values chosen here.
 */
export function offerFor(
  issuer: string,
  standing: IssuerStanding,
  subject: string,
  placeholderSubject: string,
  build: (subject: string) => PolicyStatement,
): StatementOffer {
  const reasons: WithheldReason[] = [];
  const account = subject === '' ? undefined : serviceAccountClaim(subject);
  if (subject !== '' && !account) reasons.push('subject-not-service-account');
  if (standing !== 'placeholder' && !isEksIssuer(issuer)) reasons.push('issuer-not-eks');
  else if (standing === 'not-registered') reasons.push('issuer-not-registered');
  else if (standing === 'unknown') reasons.push('providers-unreadable');
  if (reasons.length > 0) return { kind: 'withheld', reasons };
  const issuerValue: Sourced<'account' | 'placeholder'> = {
    value: issuer,
    source: standing === 'placeholder' ? 'placeholder' : 'account',
  };
  if (!account) {
    return {
      kind: 'template',
      statement: build(placeholderSubject),
      issuer: issuerValue,
      subject: { value: placeholderSubject, source: 'placeholder' },
    };
  }
  return {
    kind: 'claimed-service-account',
    statement: build(subject),
    issuer: issuerValue,
    subject: { value: subject, source: 'caller' },
    serviceAccount: account,
  };
}
