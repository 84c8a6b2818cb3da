import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadConfigFromContext } from '../../lib/config/config';
import { TmcHealthCheckerStack } from '../../lib/tmc-health-checker-stack';

export interface SynthOptions {
  /** Run esbuild for real (slow); by default bundling is skipped. */
  readonly bundle?: boolean;
}

export interface Synthesized {
  readonly app: App;
  readonly stack: TmcHealthCheckerStack;
  readonly template: Template;
}

/** Builds the stack the way bin/app.ts does, from CDK context (values as -c would pass them, or JSON types). */
export function synth(context: Record<string, unknown> = {}, options: SynthOptions = {}): Synthesized {
  const app = new App({
    context: { ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...context },
  });
  const stack = new TmcHealthCheckerStack(app, 'TmcHealthChecker', { config: loadConfigFromContext(app) });
  return { app, stack, template: Template.fromStack(stack) };
}

export interface PolicyStatementJson {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

export interface FoundStatement {
  readonly logicalId: string;
  readonly type: string;
  readonly statement: PolicyStatementJson;
}

interface PolicyDocumentJson {
  readonly Statement: PolicyStatementJson[];
}

/** Every statement of every policy in the template: identity (inline, managed, role) and resource policies. */
export function allPolicyStatements(template: Template): FoundStatement[] {
  const found: FoundStatement[] = [];
  const resources = template.toJSON().Resources as Record<
    string,
    { Type: string; Properties?: Record<string, unknown> }
  >;
  for (const [logicalId, resource] of Object.entries(resources)) {
    const props = resource.Properties ?? {};
    const documents: PolicyDocumentJson[] = [];
    if (props.PolicyDocument) documents.push(props.PolicyDocument as PolicyDocumentJson);
    for (const inline of (props.Policies as { PolicyDocument: PolicyDocumentJson }[] | undefined) ?? []) {
      documents.push(inline.PolicyDocument);
    }
    for (const document of documents) {
      for (const statement of document.Statement) found.push({ logicalId, type: resource.Type, statement });
    }
  }
  return found;
}

export const IDENTITY_POLICY_TYPES = ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::Role'];

export function actionsOf(statement: PolicyStatementJson): string[] {
  const actions = statement.Action ?? [];
  return Array.isArray(actions) ? actions : [actions];
}

/** The identity-policy Allow statements attached to the role whose logical id starts with `rolePrefix`. */
export function roleAllows(template: Template, rolePrefix: string): PolicyStatementJson[] {
  return allPolicyStatements(template)
    .filter(
      (found) =>
        found.logicalId.startsWith(rolePrefix) &&
        IDENTITY_POLICY_TYPES.includes(found.type) &&
        found.statement.Effect === 'Allow',
    )
    .map((found) => found.statement);
}

/** The sorted, distinct actions of some statements. */
export function actionSet(statements: readonly PolicyStatementJson[]): string[] {
  return [...new Set(statements.flatMap(actionsOf))].sort();
}

export interface TemplateResource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
}

/** The one resource of `type` whose logical id starts with `prefix` (fails the test if not exactly one). */
export function resourceOf(template: Template, type: string, prefix: string): TemplateResource {
  const matches = Object.entries(template.findResources(type) as Record<string, TemplateResource>).filter(
    ([logicalId]) => logicalId.startsWith(prefix),
  );
  if (matches.length !== 1)
    throw new Error(`expected one ${type} starting with ${prefix}, found ${matches.length}`);
  return (matches[0] as [string, TemplateResource])[1];
}
