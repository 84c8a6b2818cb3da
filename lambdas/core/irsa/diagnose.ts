/**
 * Why a group of `AssumeRoleWithWebIdentity` calls was denied, from the role's trust policy and the account's
 * OIDC providers. Pure: the adapters fetch the role and the providers, this only reasons.
 *
 * The request STS evaluated is rebuilt as: principal = the OIDC provider ARN, action
 * `sts:AssumeRoleWithWebIdentity`, context `<issuer>:sub` = the logged subject and `<issuer>:aud` =
 * `sts.amazonaws.com`. CloudTrail does not log the token's audience; `sts.amazonaws.com` is what the EKS pod
 * identity webhook requests by default, so a workload that projects its own token with another audience shows
 * up as `unknown` (the detail says so) rather than as a wrong diagnosis.
 */
import type { Evidence } from '../finding';
import type { Observed, ApiFailure } from '../inventory';
import {
  actionMatches,
  evaluateTrustPolicy,
  federatedPrincipals,
  likeMatches,
  parseOperator,
  principalMatches,
  statementsOf,
  type ConditionCheck,
  type RequestContext,
  type StatementEvaluation,
} from './condition-evaluator';
import type { DenialGroup } from './group';
import type { TrustEdit } from './correction';
import { offerFor, type IssuerStanding, type StatementOffer } from './provenance';
import { issuerOfProviderArn, parseArn, providerArnFor, type ProviderRef } from './provider';
import type { DiagnosisCause, OidcProvider, PolicyDocument, PolicyStatement, RoleTrust } from './types';

export const WEB_IDENTITY_ACTION = 'sts:AssumeRoleWithWebIdentity';
/** The audience EKS's pod identity webhook puts in projected service account tokens. */
export const ASSUMED_AUDIENCE = 'sts.amazonaws.com';

/** STS rejected the token itself (signature, issuer, audience, the IdP's keys), before any trust policy. */
const INVALID_TOKEN_ERRORS = new Set([
  'InvalidIdentityToken',
  'InvalidIdentityTokenException',
  'IDPRejectedClaim',
  'IDPRejectedClaimException',
  'IDPCommunicationError',
  'IDPCommunicationErrorException',
]);
const EXPIRED_TOKEN_ERRORS = new Set(['ExpiredTokenException', 'ExpiredToken']);

export interface Diagnosis {
  readonly cause: DiagnosisCause;
  /** One precise sentence for the on-call engineer. */
  readonly detail: string;
  /** What the trust policy or IAM allows (or would need). */
  readonly expected: readonly string[];
  /** What the denied calls presented (the caller's claim, as CloudTrail logged it); null when not known. */
  readonly actual: string | null;
  /**
   * The web-identity statement to put in the role's trust policy, with where each of its values comes from; or
   * none, when they would be the caller's alone (see provenance.ts).
   */
  readonly offer: StatementOffer;
  /**
   * How the role's trust policy would be corrected (correction.ts), from its own values, the account's providers
   * and placeholders only; empty when the fix is not in the trust policy (a missing role or provider, a token, a
   * Deny that may be intended). Applied only when `offer` is not withheld.
   */
  readonly edits: readonly TrustEdit[];
  /** Extra facts behind the diagnosis (statement label, trusted providers, lookup errors...). */
  readonly evidence: Evidence;
}

export const PLACEHOLDER_SUBJECT = 'system:serviceaccount:<namespace>:<serviceaccount>';

/** A provider for the engineer to fill in: neither CloudTrail nor the role names one. */
function placeholderProvider(roleArn: string, region: string): ProviderRef {
  const role = parseArn(roleArn);
  const issuer = `oidc.eks.${region}.amazonaws.com/id/<cluster-oidc-id>`;
  return { issuer, arn: providerArnFor(issuer, role?.partition || 'aws', role?.account || '<account-id>') };
}

/** The statement from the EKS documentation, for this provider and subject. */
export function correctedStatement(provider: ProviderRef, subject: string): PolicyStatement {
  return {
    Effect: 'Allow',
    Principal: { Federated: provider.arn },
    Action: WEB_IDENTITY_ACTION,
    Condition: {
      StringEquals: {
        [`${provider.issuer}:sub`]: subject,
        [`${provider.issuer}:aud`]: ASSUMED_AUDIENCE,
      },
    },
  };
}

/**
 * The documented statement appended for the call's provider (or a placeholder one), with a placeholder subject:
 * the role has no statement for that provider to edit, and the ones it has stay (another cluster may use them).
 */
function appendFor(kase: Case): TrustEdit[] {
  return [{ kind: 'append', statement: correctedStatement(kase.provider, PLACEHOLDER_SUBJECT) }];
}

export function describeFailure(failure: ApiFailure): string {
  return `${failure.service}:${failure.operation} failed with ${failure.errorName}: ${failure.message}`;
}

function list(values: readonly string[]): string {
  return values.length === 0 ? 'no value' : values.join(', ');
}

type Registration =
  | { readonly state: 'registered'; readonly provider: OidcProvider }
  | { readonly state: 'missing' }
  | { readonly state: 'unknown'; readonly failure: ApiFailure };

function registrationOf(providers: Observed<readonly OidcProvider[]>, ref: ProviderRef): Registration {
  if (!providers.ok) return { state: 'unknown', failure: providers.failure };
  const found = providers.value.find((provider) => {
    const issuer = issuerOfProviderArn(provider.arn);
    const arn = parseArn(provider.arn);
    return (
      issuer !== undefined &&
      arn !== undefined &&
      providerArnFor(issuer, arn.partition, arn.account) === ref.arn
    );
  });
  return found ? { state: 'registered', provider: found } : { state: 'missing' };
}

interface Case {
  readonly group: DenialGroup;
  readonly role: string;
  /** The subject as a sentence fragment. */
  readonly who: string;
  readonly provider: ProviderRef;
  /** True when CloudTrail did not log the provider and it was inferred from the trust policy. */
  readonly inferred: boolean;
  /** True when neither CloudTrail nor the trust policy names a provider: `provider` is a placeholder. */
  readonly placeholder: boolean;
  readonly registration: Registration;
}

function standingOf(kase: Case): IssuerStanding {
  if (kase.placeholder) return 'placeholder';
  const state = kase.registration.state;
  return state === 'missing' ? 'not-registered' : state;
}

function build(
  kase: Case,
  cause: DiagnosisCause,
  detail: string,
  expected: readonly string[],
  actual: string | null,
  evidence: Evidence = {},
  edits: readonly TrustEdit[] = [],
): Diagnosis {
  const note = kase.inferred
    ? ` CloudTrail did not log the identity provider; ${kase.provider.arn} was inferred from the trust policy.`
    : '';
  return {
    cause,
    detail: `${detail}${note}`,
    expected,
    actual,
    offer: offerFor(
      kase.provider.issuer,
      standingOf(kase),
      kase.group.subject,
      PLACEHOLDER_SUBJECT,
      (subject) => correctedStatement(kase.provider, subject),
    ),
    edits,
    evidence: {
      ...evidence,
      oidcProviderRegistered:
        kase.registration.state === 'unknown' ? null : kase.registration.state === 'registered',
      ...(kase.registration.state === 'unknown'
        ? { providerLookupError: describeFailure(kase.registration.failure) }
        : {}),
    },
  };
}

function missingProviderDiagnosis(kase: Case, providers: Observed<readonly OidcProvider[]>): Diagnosis {
  const registered = providers.ok ? providers.value.map((provider) => provider.arn) : [];
  return build(
    kase,
    'oidc-provider-missing',
    // The issuer is only what the caller's token claims: never advise registering it (see provenance.ts).
    `the call presented a token of the OIDC provider ${kase.provider.arn}, which is not registered in IAM (evidence.expected lists the registered ones), so STS cannot validate ${kase.who}'s tokens for role ${kase.role}. That issuer is the caller's claim, and anyone can present a token of any issuer: if the call came from one of your clusters, register the issuer that cluster reports (aws eks describe-cluster --name <cluster> --query cluster.identity.oidc.issuer), never the value in the denial`,
    registered,
    kase.provider.arn,
  );
}

function tokenDiagnosis(kase: Case, providers: Observed<readonly OidcProvider[]>): Diagnosis {
  const { group } = kase;
  if (!kase.inferred && kase.registration.state === 'missing')
    return missingProviderDiagnosis(kase, providers);
  const message = group.errorMessages[0] ? ` (${group.errorMessages[0]})` : '';
  if (EXPIRED_TOKEN_ERRORS.has(group.errorCode)) {
    return build(
      kase,
      'expired-token',
      `STS refused ${kase.who}'s web identity token for role ${kase.role} because it had expired${message}: the pod presented a stale projected token (clock skew, or an SDK that caches the token file instead of re-reading it)`,
      [],
      group.errorCode,
    );
  }
  // STS answers a token whose audience the provider does not list with InvalidIdentityToken ("Incorrect token
  // audience"): when the provider indeed lacks sts.amazonaws.com, that is the cause, not some token defect.
  if (
    kase.registration.state === 'registered' &&
    !kase.registration.provider.clientIds.includes(ASSUMED_AUDIENCE)
  ) {
    const clientIds = kase.registration.provider.clientIds;
    return build(
      kase,
      'aud-mismatch',
      `STS rejected ${kase.who}'s web identity token for role ${kase.role} with ${group.errorCode}${message}: the OIDC provider ${kase.provider.arn} does not list ${ASSUMED_AUDIENCE} among its audiences (client IDs: ${list(clientIds)}); add ${ASSUMED_AUDIENCE} to the provider's client IDs`,
      clientIds,
      ASSUMED_AUDIENCE,
      { providerClientIds: clientIds },
    );
  }
  return build(
    kase,
    'invalid-token',
    `STS rejected ${kase.who}'s web identity token for role ${kase.role} with ${group.errorCode}${message} before evaluating the trust policy: check the token's issuer and audience against the OIDC provider ${kase.provider.arn} and its client IDs`,
    [],
    group.errorCode,
  );
}

function contextFor(issuer: string, subject: string): RequestContext {
  return { ...(subject ? { [`${issuer}:sub`]: subject } : {}), [`${issuer}:aud`]: ASSUMED_AUDIENCE };
}

function claimOf(key: string): { issuer: string; claim: string } {
  const colon = key.lastIndexOf(':');
  return { issuer: key.slice(0, colon), claim: key.slice(colon + 1).toLowerCase() };
}

const LITERAL_OPERATORS = new Set(['stringequals', 'stringequalsignorecase']);

/** Operators a value can be added to, making the condition allow it: positive string comparisons, any key form. */
const ADDABLE_OPERATORS = new Set(['stringequals', 'stringlike']);

/**
 * The edits that make a web-identity statement's failing conditions allow the call once its placeholders are filled
 * in, or undefined when one of them cannot be corrected that way (a negated operator, IgnoreCase, ForAllValues, a
 * key other than sub and aud): then no correction is given rather than one that still fails.
 */
function conditionEdits(kase: Case, statement: StatementEvaluation): TrustEdit[] | undefined {
  const edits: TrustEdit[] = [];
  const renamed = new Set<string>();
  for (const check of statement.condition.failed) {
    if (check.unknownOperator) return undefined;
    const { issuer, claim } = claimOf(check.key);
    if (claim !== 'sub' && claim !== 'aud') return undefined;
    if (issuer.toLowerCase() !== kase.provider.issuer.toLowerCase()) {
      if (!renamed.has(issuer.toLowerCase())) {
        renamed.add(issuer.toLowerCase());
        edits.push({
          kind: 'rename-issuer',
          statement: statement.index,
          from: issuer,
          to: kase.provider.issuer,
        });
      }
      continue;
    }
    const operator = parseOperator(check.operator);
    if (!ADDABLE_OPERATORS.has(operator.base) || operator.qualifier === 'all') return undefined;
    const subject = kase.group.subject;
    const literalWildcard =
      claim === 'sub' &&
      operator.base === 'stringequals' &&
      subject !== '' &&
      check.expected.some((value) => /[*?]/.test(value) && likeMatches(subject, value));
    edits.push(
      literalWildcard
        ? { kind: 'wildcards-to-like', statement: statement.index, operator: check.operator, key: check.key }
        : {
            kind: 'add-value',
            statement: statement.index,
            operator: check.operator,
            key: check.key,
            value: claim === 'sub' ? PLACEHOLDER_SUBJECT : ASSUMED_AUDIENCE,
          },
    );
  }
  return edits;
}

function subDiagnosis(
  kase: Case,
  statement: StatementEvaluation,
  check: ConditionCheck,
  edits: readonly TrustEdit[],
): Diagnosis {
  const subject = kase.group.subject;
  const where = { statement: statement.label, operator: check.operator, conditionKey: check.key };
  const keyIssuer = claimOf(check.key).issuer;
  if (keyIssuer.toLowerCase() !== kase.provider.issuer.toLowerCase()) {
    return build(
      kase,
      'sub-mismatch',
      `role ${kase.role} does not trust ${kase.who}: its sub condition tests ${check.key}, a claim of issuer ${keyIssuer}, but tokens of ${kase.provider.arn} carry ${kase.provider.issuer}:sub (statement ${statement.label})`,
      check.expected,
      subject || null,
      where,
      edits,
    );
  }
  const operator = parseOperator(check.operator);
  const wildcards = check.expected.filter((value) => /[*?]/.test(value));
  if (
    subject &&
    LITERAL_OPERATORS.has(operator.base) &&
    wildcards.some((pattern) => likeMatches(subject, pattern))
  ) {
    return build(
      kase,
      'wildcard-under-string-equals',
      `role ${kase.role} does not trust ${kase.who}: its sub condition ${list(wildcards)} uses a wildcard under ${check.operator}, which compares literally; the pattern needs StringLike (statement ${statement.label})`,
      check.expected,
      subject,
      where,
      edits,
    );
  }
  const verb = parseOperatorNegated(check.operator) ? 'excludes' : 'allows';
  return build(
    kase,
    'sub-mismatch',
    subject
      ? `role ${kase.role} does not trust ${kase.who}: its sub condition ${verb} ${list(check.expected)} (statement ${statement.label}, ${check.operator})`
      : `role ${kase.role} does not trust the caller: its sub condition ${verb} ${list(check.expected)} and CloudTrail did not log the caller's subject (statement ${statement.label}, ${check.operator})`,
    check.expected,
    subject || null,
    where,
    edits,
  );
}

function parseOperatorNegated(operator: string): boolean {
  return parseOperator(operator).base.includes('not');
}

function conditionDiagnosis(kase: Case, statement: StatementEvaluation): Diagnosis {
  const failed = statement.condition.failed;
  const edits = conditionEdits(kase, statement) ?? [];
  const sub = failed.find((check) => !check.unknownOperator && claimOf(check.key).claim === 'sub');
  if (sub) return subDiagnosis(kase, statement, sub, edits);
  const aud = failed.find((check) => !check.unknownOperator && claimOf(check.key).claim === 'aud');
  if (aud) {
    return build(
      kase,
      'aud-mismatch',
      `role ${kase.role} does not trust ${kase.who}'s tokens: its aud condition allows ${list(aud.expected)}, but EKS projects tokens for ${ASSUMED_AUDIENCE} (statement ${statement.label}, ${aud.operator})`,
      aud.expected,
      ASSUMED_AUDIENCE,
      { statement: statement.label, operator: aud.operator, conditionKey: aud.key },
      edits,
    );
  }
  const first = failed[0] as ConditionCheck;
  const unknown = statement.condition.unknownOperators;
  const why = first.unknownOperator
    ? `uses ${first.operator}, which this checker does not evaluate`
    : `${first.operator} ${first.key} allows ${list(first.expected)} but the request has ${first.actual ? list(first.actual) : 'no such key'}`;
  return build(
    kase,
    'unknown',
    `role ${kase.role} does not trust ${kase.who}: the web-identity statement ${statement.label} matches its provider but its condition ${why}`,
    first.expected,
    first.actual ? list(first.actual) : null,
    {
      statement: statement.label,
      operator: first.operator,
      conditionKey: first.key,
      unknownOperators: unknown,
    },
  );
}

interface Attempt {
  readonly diagnosis: Diagnosis;
  /** Lower is closer to being allowed: how many conditions fail in the closest statement. */
  readonly distance: number;
}

function trustAttempt(
  kase: Case,
  policy: PolicyDocument,
  providers: Observed<readonly OidcProvider[]>,
): Attempt {
  const evaluation = evaluateTrustPolicy(policy, {
    principal: kase.provider.arn,
    action: WEB_IDENTITY_ACTION,
    context: contextFor(kase.provider.issuer, kase.group.subject),
  });
  const deny = evaluation.statements.find((s) => s.applies && s.statement.Effect === 'Deny');
  if (deny) {
    return {
      distance: 0,
      diagnosis: build(
        kase,
        'explicit-deny',
        `role ${kase.role}'s trust policy explicitly denies ${kase.who}: statement ${deny.label} denies ${WEB_IDENTITY_ACTION} for this provider and subject, and a Deny overrides any Allow`,
        [],
        kase.group.subject || null,
        { statement: deny.label },
      ),
    };
  }
  const webIdentity = evaluation.statements.filter((s) => s.statement.Effect === 'Allow' && s.actionMatches);
  const trusted = [...new Set(webIdentity.flatMap((s) => federatedPrincipals(s.statement.Principal)))];
  const forProvider = webIdentity.filter((s) => s.principalMatches);
  if (forProvider.length === 0) {
    if (kase.registration.state === 'missing')
      return { distance: Infinity, diagnosis: missingProviderDiagnosis(kase, providers) };
    return {
      distance: Infinity,
      diagnosis: build(
        kase,
        'provider-mismatch',
        `role ${kase.role} does not trust the OIDC provider ${kase.provider.arn} that ${kase.who}'s token names: its web-identity statements trust ${list(trusted)}`,
        trusted,
        kase.provider.arn,
        { trustedProviders: trusted },
        appendFor(kase),
      ),
    };
  }
  if (forProvider.some((s) => s.applies)) {
    const allowing = forProvider.find((s) => s.applies) as StatementEvaluation;
    const evidence = { statement: allowing.label };
    if (kase.registration.state === 'missing')
      return { distance: 0, diagnosis: missingProviderDiagnosis(kase, providers) };
    if (
      kase.registration.state === 'registered' &&
      !kase.registration.provider.clientIds.includes(ASSUMED_AUDIENCE)
    ) {
      const clientIds = kase.registration.provider.clientIds;
      return {
        distance: 0,
        diagnosis: build(
          kase,
          'aud-mismatch',
          `the OIDC provider ${kase.provider.arn} does not list ${ASSUMED_AUDIENCE} among its audiences (client IDs: ${list(clientIds)}), so STS refuses ${kase.who}'s tokens for role ${kase.role}: add ${ASSUMED_AUDIENCE} to the provider's client IDs`,
          clientIds,
          ASSUMED_AUDIENCE,
          { ...evidence, providerClientIds: clientIds },
        ),
      };
    }
    return {
      distance: 0,
      diagnosis: build(
        kase,
        'unknown',
        `role ${kase.role}'s trust policy allows ${kase.who} from ${kase.provider.arn} (statement ${allowing.label}, assuming the token's aud is ${ASSUMED_AUDIENCE}), yet STS denied the call: look for an organization SCP or RCP denying ${WEB_IDENTITY_ACTION}, a session policy passed with the call, a token projected for another audience, or a pod whose service account annotation or token belongs to another role or cluster (permissions boundaries do not apply to trust)`,
        [],
        kase.group.subject || null,
        evidence,
      ),
    };
  }
  const closest = [...forProvider].sort(
    (a, b) => a.condition.failed.length - b.condition.failed.length || a.index - b.index,
  )[0] as StatementEvaluation;
  return { distance: closest.condition.failed.length, diagnosis: conditionDiagnosis(kase, closest) };
}

/** OIDC providers the role's web-identity statements trust, for groups whose provider CloudTrail did not log. */
function trustedOidcProviders(policy: PolicyDocument): ProviderRef[] {
  const refs = new Map<string, ProviderRef>();
  for (const statement of statementsOf(policy)) {
    if (statement.Effect !== 'Allow' || !actionMatches(statement, WEB_IDENTITY_ACTION)) continue;
    for (const arn of federatedPrincipals(statement.Principal)) {
      const issuer = issuerOfProviderArn(arn);
      if (issuer && principalMatches(statement, arn)) refs.set(arn, { issuer, arn });
    }
  }
  return [...refs.values()];
}

/**
 * The diagnosis of one group. Order: token errors (STS rejected the token before the trust policy), the role
 * (lookup failed, missing), then the trust policy against the rebuilt request: explicit Deny, no web-identity
 * Allow, no statement for this provider, the closest statement's failing sub or aud condition, and finally the
 * provider's audiences.
 */
export function diagnoseGroup(
  group: DenialGroup,
  role: Observed<RoleTrust>,
  providers: Observed<readonly OidcProvider[]>,
): Diagnosis {
  const who = group.subject || 'the caller (subject not logged)';
  const policy = role.ok && role.value.exists ? role.value.trustPolicy : undefined;
  const candidates = group.provider ? [group.provider] : policy ? trustedOidcProviders(policy) : [];
  const cases: Case[] = (
    candidates.length > 0 ? candidates : [placeholderProvider(group.roleArn, group.region)]
  ).map((provider) => ({
    group,
    role: group.roleArn,
    who,
    provider,
    inferred: !group.provider && candidates.length > 0,
    placeholder: candidates.length === 0,
    registration: registrationOf(providers, provider),
  }));
  const first = cases[0] as Case;
  if (INVALID_TOKEN_ERRORS.has(group.errorCode) || EXPIRED_TOKEN_ERRORS.has(group.errorCode))
    return tokenDiagnosis(first, providers);
  if (!role.ok) {
    return build(
      first,
      'unknown',
      `could not read role ${group.roleArn} to diagnose why ${who} was denied: ${describeFailure(role.failure)}`,
      [],
      group.subject || null,
      { roleLookupError: describeFailure(role.failure) },
    );
  }
  if (!role.value.exists) {
    return build(
      first,
      'role-not-found',
      `role ${group.roleArn} does not exist, so ${who} cannot assume it: create the role or fix the service account's eks.amazonaws.com/role-arn annotation`,
      [],
      group.roleArn,
    );
  }
  if (!policy) {
    return build(
      first,
      'unknown',
      `the trust policy of role ${group.roleArn} could not be read, so why ${who} was denied is unknown`,
      [],
      group.subject || null,
    );
  }
  const hasWebIdentityAllow = statementsOf(policy).some(
    (statement) => statement.Effect === 'Allow' && actionMatches(statement, WEB_IDENTITY_ACTION),
  );
  if (!hasWebIdentityAllow) {
    return build(
      first,
      'no-web-identity-statement',
      `role ${group.roleArn} cannot be assumed by ${who}: its trust policy has no Allow statement for ${WEB_IDENTITY_ACTION}`,
      [WEB_IDENTITY_ACTION],
      null,
      {},
      appendFor(first),
    );
  }
  if (candidates.length === 0) {
    const trusted = [
      ...new Set(
        statementsOf(policy)
          .filter(
            (statement) => statement.Effect === 'Allow' && actionMatches(statement, WEB_IDENTITY_ACTION),
          )
          .flatMap((statement) => federatedPrincipals(statement.Principal)),
      ),
    ];
    return build(
      first,
      'provider-mismatch',
      `role ${group.roleArn} trusts no OIDC provider for ${WEB_IDENTITY_ACTION} (its web-identity statements trust ${list(trusted)}), so ${who} cannot assume it`,
      trusted,
      null,
      { trustedProviders: trusted },
      appendFor(first),
    );
  }
  const attempts = cases.map((kase) => trustAttempt(kase, policy, providers));
  return ([...attempts].sort((a, b) => a.distance - b.distance)[0] as Attempt).diagnosis;
}
