/**
 * Whether a trust policy lets EKS Pod Identity assume a role for one association: the association's role (the
 * caller is the service principal `pods.eks.amazonaws.com`) and, with role chaining, the target role (the caller is
 * a session of the association's role). Both hops need `sts:AssumeRole` and `sts:TagSession`.
 *
 * Conditions are evaluated with the shared evaluator (lambdas/core/irsa/condition-evaluator.ts) against what the
 * checker knows EKS sends for this association (request-context.ts). A condition on any other key (a pod's name or
 * uid, `aws:SourceIp`, ...) or with an operator the evaluator does not know cannot be decided here: a statement that
 * depends on one is `undetermined`, never counted as granting or as refusing, and the check reports it as not
 * verified rather than healthy.
 */
import {
  actionMatches,
  evaluateCondition,
  statementsOf,
  type ConditionCheck,
} from '../irsa/condition-evaluator';
import type { PolicyDocument, PolicyStatement } from '../irsa/types';
import { ASSUME_ROLE, TAG_SESSION } from './documented-trust';
import type { HopContext } from './request-context';

const REQUIRED_ACTIONS = [ASSUME_ROLE, TAG_SESSION] as const;

export type TrustCause =
  /** No Allow statement names the caller with sts:AssumeRole. */
  | 'not-trusted'
  /** sts:AssumeRole is allowed to the caller, but no Allow statement names it with sts:TagSession. */
  | 'tag-session-not-allowed'
  /** A Deny statement applies to the caller's request. */
  | 'explicit-deny'
  /** Allow statements name the caller and both actions, but their conditions exclude this association. */
  | 'condition-mismatch';

export interface TrustVerdict {
  /** Both actions allowed, no Deny applies, every deciding condition evaluated. */
  readonly trusted: boolean;
  /** Why not, when it is known not to be trusted. */
  readonly cause?: TrustCause;
  /** Neither trusted nor a known cause: the decision rests on conditions the checker cannot evaluate. */
  readonly undetermined: boolean;
  /** Labels (`Sid`, else `#<position>`) of the statements that decided it. */
  readonly allowing: readonly string[];
  readonly denying: readonly string[];
  /** The conditions that excluded the association, as `<operator> <key>: ...` lines. */
  readonly mismatches: readonly string[];
  /** The condition keys (or operators) that could not be evaluated, each once. */
  readonly unevaluated: readonly string[];
}

type StatementVerdict = 'applies' | 'excluded' | 'undetermined';

interface RelevantStatement {
  readonly label: string;
  readonly effect: PolicyStatement['Effect'];
  readonly verdict: StatementVerdict;
  readonly failed: readonly ConditionCheck[];
  readonly unevaluated: readonly string[];
}

type Decision = 'allow' | 'explicit-deny' | 'implicit-deny' | 'undetermined';

interface ActionOutcome {
  readonly decision: Decision;
  /** Allow statements that name the caller and the action, whatever their conditions. */
  readonly candidates: number;
  readonly relevant: readonly RelevantStatement[];
}

/** Principal or NotPrincipal, with the hop's own idea of who the caller is. */
function principalApplies(statement: PolicyStatement, hop: HopContext): boolean {
  if (statement.Principal !== undefined) return hop.principalNamed(statement.Principal);
  if (statement.NotPrincipal !== undefined) return !hop.principalNamed(statement.NotPrincipal);
  return false;
}

function statementVerdict(statement: PolicyStatement, index: number, hop: HopContext): RelevantStatement {
  const condition = evaluateCondition(statement.Condition, hop.context);
  const failed: ConditionCheck[] = [];
  const unevaluated: string[] = [];
  for (const check of condition.checks) {
    if (check.unknownOperator) unevaluated.push(bounded(`${check.operator} ${check.key}`));
    else if (!hop.isKnownKey(check.key)) unevaluated.push(bounded(check.key));
    else if (!check.matches) failed.push(check);
  }
  const verdict: StatementVerdict =
    failed.length > 0 ? 'excluded' : unevaluated.length > 0 ? 'undetermined' : 'applies';
  return {
    label: statement.Sid ? statement.Sid : `#${index + 1}`,
    effect: statement.Effect,
    verdict,
    failed,
    unevaluated,
  };
}

/** IAM's order, with an unknown in between: a Deny that may apply keeps an Allow from being certain. */
function decide(relevant: readonly RelevantStatement[]): Decision {
  const denies = relevant.filter((statement) => statement.effect === 'Deny');
  const allows = relevant.filter((statement) => statement.effect === 'Allow');
  if (denies.some((statement) => statement.verdict === 'applies')) return 'explicit-deny';
  const maybeDenied = denies.some((statement) => statement.verdict === 'undetermined');
  if (allows.some((statement) => statement.verdict === 'applies'))
    return maybeDenied ? 'undetermined' : 'allow';
  return allows.some((statement) => statement.verdict === 'undetermined') ? 'undetermined' : 'implicit-deny';
}

function outcomeFor(policy: PolicyDocument, action: string, hop: HopContext): ActionOutcome {
  const relevant: RelevantStatement[] = [];
  statementsOf(policy).forEach((statement, index) => {
    if (!actionMatches(statement, action) || !principalApplies(statement, hop)) return;
    relevant.push(statementVerdict(statement, index, hop));
  });
  return {
    decision: decide(relevant),
    candidates: relevant.filter((statement) => statement.effect === 'Allow').length,
    relevant,
  };
}

/**
 * Evidence stays small whatever a policy holds (a run report takes 8,192 characters an evidence value): at most 10
 * lines, 5 values a condition, 128 characters a value or key, 1,024 a line.
 */
const MAX_LISTED = 10;
const MAX_VALUES = 5;
const MAX_VALUE_CHARS = 128;
const MAX_LINE_CHARS = 1_024;

function bounded(text: string, max = MAX_VALUE_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

function shown(values: readonly string[] | undefined): string {
  if (values === undefined) return 'nothing (the request has no such key)';
  const listed = values.slice(0, MAX_VALUES).map((value) => JSON.stringify(bounded(value)));
  const more = values.length > MAX_VALUES ? [`${values.length - MAX_VALUES} more`] : [];
  return `[${[...listed, ...more].join(', ')}]`;
}

/** `StringEquals aws:RequestTag/kubernetes-namespace: the policy wants ["a"], EKS sends ["b"]`. */
function mismatchLine(label: string, check: ConditionCheck): string {
  return bounded(
    `${bounded(label)}: ${bounded(check.operator)} ${bounded(check.key)}: the policy wants ${shown(check.expected)}, EKS sends ${shown(check.actual)}`,
    MAX_LINE_CHARS,
  );
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** The trust verdict for one hop: both required actions, then the first cause that holds. */
export function evaluateHopTrust(policy: PolicyDocument, hop: HopContext): TrustVerdict {
  const [assume, tag] = REQUIRED_ACTIONS.map((action) => outcomeFor(policy, action, hop)) as [
    ActionOutcome,
    ActionOutcome,
  ];
  const outcomes = [assume, tag];
  const relevant = outcomes.flatMap((outcome) => outcome.relevant);
  const labelsWhere = (effect: PolicyStatement['Effect'], verdict: StatementVerdict) =>
    unique(
      relevant
        .filter((statement) => statement.effect === effect && statement.verdict === verdict)
        .map((statement) => statement.label),
    );
  const mismatches = unique(
    relevant
      .filter((statement) => statement.effect === 'Allow')
      .flatMap((statement) => statement.failed.map((check) => mismatchLine(statement.label, check))),
  ).slice(0, MAX_LISTED);
  const unevaluated = unique(relevant.flatMap((statement) => statement.unevaluated)).slice(0, MAX_LISTED);
  const base = {
    allowing: labelsWhere('Allow', 'applies'),
    denying: labelsWhere('Deny', 'applies'),
    mismatches,
    unevaluated,
  };
  const cause: TrustCause | undefined = outcomes.some((outcome) => outcome.decision === 'explicit-deny')
    ? 'explicit-deny'
    : assume.candidates === 0
      ? 'not-trusted'
      : tag.candidates === 0
        ? 'tag-session-not-allowed'
        : outcomes.some((outcome) => outcome.decision === 'implicit-deny')
          ? 'condition-mismatch'
          : undefined;
  if (cause !== undefined) return { trusted: false, cause, undetermined: false, ...base };
  const undetermined = outcomes.some((outcome) => outcome.decision === 'undetermined');
  return { trusted: !undetermined, undetermined, ...base };
}
