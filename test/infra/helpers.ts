import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { addStacks, type AppStacks } from '../../lib/app-stacks';
import { loadConfigFromContext } from '../../lib/config/config';
import { TmcHealthCheckerStack } from '../../lib/tmc-health-checker-stack';

/**
 * cdk.json's context (the feature flags and defaults): `cdk synth` reads it, so the tests do too and check the
 * templates a user deploys.
 */
const CDK_JSON_CONTEXT = (
  JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  }
).context;

export interface SynthOptions {
  /** Run esbuild for real (slow); by default bundling is skipped. */
  readonly bundle?: boolean;
  /**
   * A new app, never the one an earlier call of this test file built: for a test that changes the app or the stack
   * after synthesis (adds a validation plugin, an aspect, a construct).
   */
  readonly fresh?: boolean;
}

/**
 * Synthesis is the slow part of an infra test, and the files ask for the same configuration again and again (the
 * default one most of all): each configuration is built once per test file and the result handed to every caller
 * that asks for it. The cache lives in this module, which jest loads afresh for each test file, so no file sees
 * another file's apps. A synthesis that throws is not kept: each call throws again.
 */
function memoized<T>(
  cache: Map<string, T>,
  context: Record<string, unknown>,
  options: SynthOptions,
  build: () => T,
): T {
  if (options.fresh) return build();
  const key = JSON.stringify([context, Boolean(options.bundle)]);
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const built = build();
  cache.set(key, built);
  return built;
}

const synthesized = new Map<string, Synthesized>();
const synthesizedApps = new Map<string, SynthesizedApp>();

export interface Synthesized {
  readonly app: App;
  readonly stack: TmcHealthCheckerStack;
  readonly template: Template;
}

/**
 * Builds the stack the way bin/app.ts does, from CDK context (values as -c would pass them, or JSON types); once per
 * test file and configuration unless `fresh` (see `memoized`).
 */
export function synth(context: Record<string, unknown> = {}, options: SynthOptions = {}): Synthesized {
  return memoized(synthesized, context, options, () => buildStack(context, options));
}

function buildStack(context: Record<string, unknown>, options: SynthOptions): Synthesized {
  const app = new App({
    context: {
      ...CDK_JSON_CONTEXT,
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...context,
    },
  });
  const stack = new TmcHealthCheckerStack(app, 'TmcHealthChecker', { config: loadConfigFromContext(app) });
  return { app, stack, template: Template.fromStack(stack) };
}

/** An organization's hub configuration as -c flags would give it (tests add or override keys). */
export const HUB_CONTEXT: Readonly<Record<string, unknown>> = {
  mode: 'hub',
  organizationId: 'o-a1b2c3d4e5',
  memberOrganizationalUnitIds: 'ou-ab12-34cd56ef,ou-ab12-78gh90ij',
  memberRegions: 'eu-west-1,us-east-1',
};

export const HUB_BUS_ARN = 'arn:aws:events:eu-west-1:123456789012:event-bus/tmc-health-fleet';

export interface SynthesizedApp extends AppStacks {
  readonly app: App;
  /** The cloud assembly (every stack synthesized, as `cdk synth` writes it). */
  readonly assembly: CloudAssembly;
  readonly templateOf: (stack: Stack) => Template;
}

/** Builds every stack of the configured mode the way bin/app.ts does, and synthesizes the app (memoized as `synth`). */
export function synthApp(context: Record<string, unknown> = {}, options: SynthOptions = {}): SynthesizedApp {
  return memoized(synthesizedApps, context, options, () => buildApp(context, options));
}

function buildApp(context: Record<string, unknown>, options: SynthOptions): SynthesizedApp {
  const app = new App({
    context: {
      ...CDK_JSON_CONTEXT,
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...context,
    },
  });
  const stacks = addStacks(app, loadConfigFromContext(app));
  const assembly = app.synth();
  // The StackSet's member template is written to the assembly but is no stack artifact (cdk deploy never sees it).
  const templateOf = (stack: Stack): Template =>
    assembly.tryGetArtifact(stack.artifactId)
      ? Template.fromStack(stack)
      : Template.fromJSON(
          JSON.parse(fs.readFileSync(path.join(assembly.directory, stack.templateFile), 'utf8')) as Record<
            string,
            unknown
          >,
        );
  return { app, assembly, ...stacks, templateOf };
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
