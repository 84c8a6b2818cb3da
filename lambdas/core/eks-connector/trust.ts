import { actionMatches, statementsOf } from '../irsa/condition-evaluator';
import type { PolicyDocument, PolicyStatement } from '../irsa/types';

/** The service principal that assumes the connector role for the EKS Connector agent (an SSM managed instance). */
export const CONNECTOR_SERVICE_PRINCIPAL = 'ssm.amazonaws.com';
export const CONNECTOR_ASSUME_ACTION = 'sts:AssumeRole';

/** The trust policy the EKS Connector documentation gives the connector role. */
export const CONNECTOR_TRUST_POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'SSMAccess',
      Effect: 'Allow',
      Principal: { Service: [CONNECTOR_SERVICE_PRINCIPAL] },
      Action: CONNECTOR_ASSUME_ACTION,
    },
  ],
} as const;

export type ConnectorTrust =
  /** An Allow for ssm.amazonaws.com and sts:AssumeRole, and no unconditional Deny of it. */
  | 'trusted'
  /** No Allow statement names ssm.amazonaws.com (or `*`) with sts:AssumeRole. */
  | 'ssm-not-trusted'
  /** A Deny statement without a Condition matches ssm.amazonaws.com and sts:AssumeRole. */
  | 'ssm-denied';

export interface ConnectorTrustEvaluation {
  readonly trust: ConnectorTrust;
  /** Labels (`Sid`, else `#<position>`) of the statements that decided it. */
  readonly allowing: readonly string[];
  readonly denying: readonly string[];
  /** Statements matching the request whose Condition was not evaluated (Allows counted, Denies not). */
  readonly conditional: readonly string[];
}

function asList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function namesService(principal: unknown): boolean {
  if (principal === '*') return true;
  if (typeof principal !== 'object' || principal === null) return false;
  const byType = principal as Record<string, unknown>;
  if (asList(byType.AWS).includes('*')) return true;
  return asList(byType.Service).some((name) => name.toLowerCase() === CONNECTOR_SERVICE_PRINCIPAL);
}

function principalMatches(statement: PolicyStatement): boolean {
  if (statement.Principal !== undefined) return namesService(statement.Principal);
  if (statement.NotPrincipal !== undefined) return !namesService(statement.NotPrincipal);
  return false;
}

function hasCondition(statement: PolicyStatement): boolean {
  return statement.Condition !== undefined && Object.keys(statement.Condition).length > 0;
}

/**
 * Whether Systems Manager may assume the role, from its trust policy. Conditions are not evaluated: SSM's own
 * calls carry the `aws:SourceAccount` / `aws:SourceArn` its documentation recommends conditioning on, so a
 * conditional Allow counts as trusting, and a conditional Deny (whose context is unknown here) does not count as
 * denying; both are listed in `conditional` for the evidence.
 */
export function evaluateConnectorTrust(policy: PolicyDocument): ConnectorTrustEvaluation {
  const allowing: string[] = [];
  const denying: string[] = [];
  const conditional: string[] = [];
  statementsOf(policy).forEach((statement, index) => {
    if (!principalMatches(statement) || !actionMatches(statement, CONNECTOR_ASSUME_ACTION)) return;
    const label = statement.Sid ? statement.Sid : `#${index + 1}`;
    const conditioned = hasCondition(statement);
    if (conditioned) conditional.push(label);
    if (statement.Effect === 'Allow') allowing.push(label);
    else if (!conditioned) denying.push(label);
  });
  const trust: ConnectorTrust =
    denying.length > 0 ? 'ssm-denied' : allowing.length > 0 ? 'trusted' : 'ssm-not-trusted';
  return { trust, allowing, denying, conditional };
}
