/**
 * The fix of an IRSA denial as a whole trust policy document: what `aws iam update-assume-role-policy` takes, which
 * replaces the role's trust policy with the document given. A bare statement would drop the role's other
 * statements, so the document is the role's own policy, its statements in order, with only the web-identity
 * statement the diagnosis names edited (or, when none can be, the documented statement appended).
 *
 * Every value an edit writes is the role's own, the account's (a registered provider) or a placeholder: never the
 * subject or issuer a denied call presented, which anyone holding a token of a registered issuer chooses (see
 * provenance.ts). And an edit only adds: a value is added to a condition, never taken out of it, so no trust the
 * role's owner wrote is narrowed away by applying the document. Pure.
 */
import type { IrsaCorrection, TrustPolicyDocument } from '../finding';
import type { PolicyDocument, PolicyStatement } from './types';

/** IAM's default quota on a role's trust policy: characters, whitespace not counted. */
export const TRUST_POLICY_MAX_CHARS = 2_048;
/**
 * The deepest a trust policy nests under IAM's grammar: the document 1, `Statement` 2, a statement 3, its
 * `Condition` 4, an operator 5, a key's list of values 6. A document deeper than that is not one IAM returns: no
 * correction is built on it (and a finding stays within the run report's nesting limit, fleet/run-report-types.ts).
 */
export const TRUST_POLICY_MAX_DEPTH = 6;
/** The IAM versions of the policy language; a document without one gets the current. */
export const POLICY_VERSION = '2012-10-17';

/** One edit of the role's trust policy, from the diagnosis; `statement` is an index into its statements. */
export type TrustEdit =
  /** Add `value` (a placeholder) to the values of the statement's `operator` `key` condition. */
  | {
      readonly kind: 'add-value';
      readonly statement: number;
      readonly operator: string;
      readonly key: string;
      readonly value: string;
    }
  /** Move the wildcard values of a `StringEquals` key, which compares literally, under `StringLike`. */
  | {
      readonly kind: 'wildcards-to-like';
      readonly statement: number;
      readonly operator: string;
      readonly key: string;
    }
  /** Condition keys of issuer `from` become keys of issuer `to` (the provider the statement trusts). */
  | { readonly kind: 'rename-issuer'; readonly statement: number; readonly from: string; readonly to: string }
  /** Append a statement: the role has none to edit for this provider. */
  | { readonly kind: 'append'; readonly statement: PolicyStatement };

/** A corrected document: always a list of statements, as the role's own and the edited ones. */
export interface CorrectedDocument {
  readonly Version: string;
  readonly Statement: readonly PolicyStatement[];
}

export interface CorrectedPolicy {
  readonly document: CorrectedDocument;
  /** What changed, one line each, in the order the edits were applied. */
  readonly changes: readonly string[];
  /** How many of the role's statements are in the document exactly as the role has them. */
  readonly unchanged: number;
}

type ConditionBlock = Record<string, Record<string, string | readonly string[]>>;

const valuesOf = (value: string | readonly string[] | undefined): string[] =>
  value === undefined ? [] : typeof value === 'string' ? [value] : [...value];
/** One value stays a string, as IAM and the documentation write it. */
const asValue = (values: readonly string[]): string | string[] =>
  values.length === 1 ? (values[0] as string) : [...values];
const hasWildcard = (value: string) => /[*?]/.test(value);

function label(statements: readonly PolicyStatement[], index: number): string {
  const sid = statements[index]?.Sid;
  return sid ? `statement ${sid}` : `statement #${index + 1}`;
}

function conditionOf(statement: PolicyStatement): ConditionBlock {
  const block: ConditionBlock = {};
  for (const [operator, keys] of Object.entries(statement.Condition ?? {})) block[operator] = { ...keys };
  return block;
}

function withCondition(statement: PolicyStatement, condition: ConditionBlock): PolicyStatement {
  const kept = Object.fromEntries(
    Object.entries(condition).filter(([, keys]) => Object.keys(keys).length > 0),
  );
  return { ...statement, Condition: kept };
}

/** The key of `keys` equal to `key` ignoring case (IAM condition keys are case-insensitive), or `key`. */
function sameKey(keys: Readonly<Record<string, unknown>>, key: string): string {
  return Object.keys(keys).find((name) => name.toLowerCase() === key.toLowerCase()) ?? key;
}

function addValue(
  statement: PolicyStatement,
  edit: Extract<TrustEdit, { kind: 'add-value' }>,
): { statement: PolicyStatement; change?: string } {
  const condition = conditionOf(statement);
  const keys = condition[edit.operator] ?? {};
  const key = sameKey(keys, edit.key);
  const values = valuesOf(keys[key]);
  if (values.includes(edit.value)) return { statement };
  condition[edit.operator] = { ...keys, [key]: asValue([...values, edit.value]) };
  return {
    statement: withCondition(statement, condition),
    change: `${edit.operator} ${key}: ${edit.value} added${values.length > 0 ? ` to ${values.join(', ')}` : ''}`,
  };
}

function wildcardsToLike(
  statement: PolicyStatement,
  edit: Extract<TrustEdit, { kind: 'wildcards-to-like' }>,
): { statement: PolicyStatement; change?: string } {
  const condition = conditionOf(statement);
  const keys = condition[edit.operator] ?? {};
  const key = sameKey(keys, edit.key);
  const values = valuesOf(keys[key]);
  const wildcards = values.filter(hasWildcard);
  if (wildcards.length === 0) return { statement };
  const literal = values.filter((value) => !hasWildcard(value));
  const rest = { ...keys };
  delete rest[key];
  condition[edit.operator] = literal.length > 0 ? { ...rest, [key]: asValue(literal) } : rest;
  const likeOperator =
    Object.keys(condition).find((name) => name.toLowerCase() === 'stringlike') ?? 'StringLike';
  const like = condition[likeOperator] ?? {};
  const likeKey = sameKey(like, key);
  const merged = [...new Set([...valuesOf(like[likeKey]), ...wildcards, ...literal])];
  condition[likeOperator] = { ...like, [likeKey]: asValue(merged) };
  return {
    statement: withCondition(statement, condition),
    change: `${key}: ${wildcards.join(', ')} moved from ${edit.operator} (literal) to ${likeOperator} (wildcards)`,
  };
}

function renameIssuer(
  statement: PolicyStatement,
  edit: Extract<TrustEdit, { kind: 'rename-issuer' }>,
): { statement: PolicyStatement; change?: string } {
  const from = `${edit.from.toLowerCase()}:`;
  const renamed: string[] = [];
  const condition: ConditionBlock = {};
  for (const [operator, keys] of Object.entries(conditionOf(statement))) {
    const out: Record<string, string | readonly string[]> = {};
    for (const [key, value] of Object.entries(keys)) {
      if (!key.toLowerCase().startsWith(from)) {
        out[key] = value;
        continue;
      }
      const target = sameKey(out, `${edit.to}:${key.slice(from.length)}`);
      out[target] = asValue([...new Set([...valuesOf(out[target]), ...valuesOf(value)])]);
      renamed.push(`${key} -> ${target}`);
    }
    condition[operator] = out;
  }
  if (renamed.length === 0) return { statement };
  return {
    statement: withCondition(statement, condition),
    change: `condition keys of issuer ${edit.from} renamed to the trusted provider's issuer: ${renamed.join(', ')}`,
  };
}

/** The role's trust policy with `edits` applied, in order; edits of a statement the policy lacks are ignored. */
export function correctTrustPolicy(policy: PolicyDocument, edits: readonly TrustEdit[]): CorrectedPolicy {
  const original = Array.isArray(policy.Statement)
    ? (policy.Statement as readonly PolicyStatement[])
    : [policy.Statement as PolicyStatement];
  const statements = [...original];
  const changes: string[] = [];
  const edited = new Set<number>();
  const appended = new Set<string>();
  for (const edit of edits) {
    if (edit.kind === 'append') {
      const text = JSON.stringify(edit.statement);
      if (appended.has(text)) continue;
      appended.add(text);
      statements.push(edit.statement);
      const principal = edit.statement.Principal as { Federated?: unknown } | undefined;
      const federated = typeof principal?.Federated === 'string' ? ` for ${principal.Federated}` : '';
      changes.push(`statement #${statements.length} added: the web-identity statement${federated}`);
      continue;
    }
    const current = statements[edit.statement];
    if (current === undefined || edit.statement >= original.length) continue;
    const result =
      edit.kind === 'add-value'
        ? addValue(current, edit)
        : edit.kind === 'wildcards-to-like'
          ? wildcardsToLike(current, edit)
          : renameIssuer(current, edit);
    if (result.change === undefined) continue;
    statements[edit.statement] = result.statement;
    edited.add(edit.statement);
    changes.push(`${label(original, edit.statement)}: ${result.change}`);
  }
  return {
    document: { Version: policy.Version ?? POLICY_VERSION, Statement: statements },
    changes,
    unchanged: original.length - edited.size,
  };
}

/** How IAM measures a policy against its quota: its characters, whitespace not counted. */
export function policyLength(document: PolicyDocument): number {
  return JSON.stringify(document).replace(/\s/g, '').length;
}

/** How deep `value` nests (a scalar 0, `{}` 1). Iterative, so a hostile depth cannot overflow the stack. */
export function nestingDepth(value: unknown): number {
  let deepest = 0;
  const stack: { item: unknown; depth: number }[] = [{ item: value, depth: 0 }];
  while (stack.length > 0) {
    const { item, depth } = stack.pop()!;
    if (item === null || typeof item !== 'object') continue;
    deepest = Math.max(deepest, depth + 1);
    for (const child of Object.values(item)) stack.push({ item: child, depth: depth + 1 });
  }
  return deepest;
}

/** Placeholders a document still holds (`<namespace>`...), each once, in order: what to fill in before applying. */
export function placeholdersIn(document: PolicyDocument): string[] {
  return [...new Set(JSON.stringify(document).match(/<[a-z][a-z0-9-]{0,40}>/g) ?? [])];
}

/** The command that applies a correction written by `tmc-health check --fix-dir <dir>`. */
export function applyCommand(roleName: string, dir = '<dir>'): string {
  return `aws iam update-assume-role-policy --role-name ${roleName} --policy-document file://${dir}/${roleName}.json`;
}

const VERIFY_FIRST =
  'Check who made the denied calls first (evidence.sourceIps, evidence.userAgents, the CloudTrail events of irsa.sampleEventIds)';
const FILL_IN =
  "fill in the <placeholders> from your own cluster, never from the denied call: the subject from the pod's service account (`kubectl get pod <pod> -n <namespace> -o jsonpath='{.spec.serviceAccountName}'`), the issuer from `aws eks describe-cluster --name <cluster> --query cluster.identity.oidc.issuer --output text`";

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/**
 * The correction of one role: `edits` (of every finding of the role that may offer one, in order) applied to its
 * trust policy, as the document to apply; undefined when nothing would change. No document, only the changes and
 * a note, when the result would not be a policy IAM takes: deeper than its grammar, or over its default size limit.
 */
export function roleCorrection(
  roleArn: string,
  roleName: string,
  policy: PolicyDocument,
  edits: readonly TrustEdit[],
): IrsaCorrection | undefined {
  if (edits.length === 0) return undefined;
  const { document, changes, unchanged } = correctTrustPolicy(policy, edits);
  if (changes.length === 0) return undefined;
  const placeholders = placeholdersIn(document);
  const without = (why: string): IrsaCorrection => ({
    roleName,
    roleArn,
    changes,
    placeholders,
    note: `No document: ${why} Make the changes listed by hand. ${VERIFY_FIRST}.`,
  });
  if (nestingDepth(document) > TRUST_POLICY_MAX_DEPTH)
    return without(`role ${roleName}'s trust policy nests deeper than IAM's policy grammar allows.`);
  const length = policyLength(document);
  if (length > TRUST_POLICY_MAX_CHARS) {
    return without(
      `the corrected trust policy of role ${roleName} would be ${length} characters (whitespace not counted), over IAM's default limit of ${TRUST_POLICY_MAX_CHARS} for a role's trust policy, so IAM would refuse it unless the account's "Role trust policy length" quota was raised. Make room (merge statements that differ only in their condition values, remove ones no cluster uses) or raise the quota.`,
    );
  }
  const ready =
    placeholders.length > 0
      ? `A template: ${FILL_IN}.`
      : 'It holds no placeholder: ready to apply as written.';
  return {
    roleName,
    roleArn,
    trustPolicy: document as unknown as TrustPolicyDocument,
    changes,
    placeholders,
    note: `The whole trust policy of role ${roleName}: ${plural(unchanged, 'statement')} as the role has ${unchanged === 1 ? 'it' : 'them'}, and the changes listed. ${ready} ${VERIFY_FIRST}. Then: \`${applyCommand(roleName)}\` (\`tmc-health check --fix-dir <dir>\` writes the file).`,
  };
}
