/**
 * The default stack, synthesized without bundling: the functions' environment (a bundle's module scope parses it,
 * as a cold start does) and the fixed resources the cost model prices. Default config, no credentials needed.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { Stack } from 'aws-cdk-lib';
import { addStacks } from '../../lib/app-stacks';
import { loadConfigFromContext } from '../../lib/config/config';
import { DETAILED_METRICS_ENV } from '../../lambdas/core/observability';

interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

export interface SynthesizedFunction {
  readonly logicalId: string;
  readonly memoryMb: number;
  /** The function's environment, CloudFormation references replaced by placeholders of the right shape. */
  readonly environment: Readonly<Record<string, string>>;
}

export interface SynthesizedStack {
  /** Keyed by handler: `credential-check`, `irsa-check`. */
  readonly functions: Readonly<Record<string, SynthesizedFunction>>;
  /** Resource type → count, e.g. `AWS::CloudWatch::Alarm` → 6. */
  readonly resourceCounts: Readonly<Record<string, number>>;
  /**
   * The functions emit no custom metrics: none asks for them (DETAILED_METRICS_ENV, the `detailedMetrics` key, off
   * by default), or Powertools' are disabled (a member stack: the hub derives the fleet's from the reports).
   */
  readonly metricsDisabled: boolean;
  /** Metrics the alarms read (CloudWatch bills each): one per alarm, or each metric of a metric-math alarm. */
  readonly alarmMetrics: number;
}

/** A member of an organization, as the StackSet deploys it (the hub bus ARN is only an example). */
export const EXAMPLE_MEMBER_CONTEXT = {
  mode: 'member',
  hubEventBusArn: 'arn:aws:events:us-east-1:111111111111:event-bus/tmc-health-fleet',
} as const;

/** An organization's hub, as docs/organizations.md configures it (the ids are only examples). */
export const EXAMPLE_HUB_CONTEXT = {
  mode: 'hub',
  organizationId: 'o-a1b2c3d4e5',
  memberOrganizationalUnitIds: 'ou-ab12-34cd56ef',
  memberRegions: 'us-east-1',
} as const;

/** What the hub stack holds that the cost model prices (its fixed part). */
export interface SynthesizedHub {
  /** How its run report rule reaches the intake: `queue` when an event source mapping feeds it (hubIntake). */
  readonly intake: 'direct' | 'queue';
  readonly alarms: number;
  readonly alarmMetrics: number;
  readonly kmsKeys: number;
  readonly watchMemoryMb: number;
}

/** The hub stack of the example organization, without bundling; `context` on top (e.g. hubIntake=queue). */
export function synthesizeHub(context: Readonly<Record<string, string>> = {}): SynthesizedHub {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...EXAMPLE_HUB_CONTEXT, ...context } });
  const { hub } = addStacks(app, loadConfigFromContext(app));
  if (hub === undefined) throw new Error('bench: the example hub context gave no hub stack');
  const byId = Template.fromStack(hub).toJSON().Resources as Record<string, TemplateResource>;
  const resources = Object.values(byId);
  const alarms = resources.filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm');
  const watch = Object.entries(byId).find(
    ([id, resource]) => resource.Type === 'AWS::Lambda::Function' && /Watch/.test(id),
  )?.[1];
  return {
    intake: resources.some((resource) => resource.Type === 'AWS::Lambda::EventSourceMapping')
      ? 'queue'
      : 'direct',
    alarms: alarms.length,
    alarmMetrics: alarms.reduce((sum, alarm) => sum + alarmMetricsOf(alarm.Properties ?? {}), 0),
    kmsKeys: resources.filter((resource) => resource.Type === 'AWS::KMS::Key').length,
    watchMemoryMb: Number(watch?.Properties?.MemorySize ?? 256),
  };
}

/** Logical id prefixes of the two checker functions (see test/infra/bundling.test.ts). */
const FUNCTION_PREFIXES: Readonly<Record<string, string>> = {
  'credential-check': 'CheckerFunction',
  'irsa-check': 'IrsaCheckerFunction',
};

/** What a reference resolves to at deploy time, near enough for the handlers' settings parsing. */
function placeholder(variable: string): string {
  if (variable.endsWith('TOPIC_ARN')) return 'arn:aws:sns:eu-west-1:123456789012:tmc-health-bench';
  if (variable.endsWith('EVENT_BUS')) return 'default';
  return `bench-${variable.toLowerCase().replace(/_/g, '-')}`;
}

/** The stack of a mode, as bin/app.ts defines it; default context: the single-account stack. */
export function synthesizeDefaultStack(context: Readonly<Record<string, string>> = {}): SynthesizedStack {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const stacks = addStacks(app, loadConfigFromContext(app));
  const stack: Stack | undefined = stacks.single ?? stacks.member;
  if (stack === undefined) throw new Error('bench: only the single and member stacks are measured');
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, TemplateResource>;

  const resourceCounts: Record<string, number> = {};
  for (const resource of Object.values(resources)) {
    resourceCounts[resource.Type] = (resourceCounts[resource.Type] ?? 0) + 1;
  }

  const functions: Record<string, SynthesizedFunction> = {};
  for (const [handler, prefix] of Object.entries(FUNCTION_PREFIXES)) {
    const entry = Object.entries(resources).find(
      ([id, resource]) => resource.Type === 'AWS::Lambda::Function' && id.startsWith(prefix),
    );
    if (entry === undefined) throw new Error(`bench: the default stack has no function ${prefix}*`);
    const [logicalId, resource] = entry;
    const props = resource.Properties ?? {};
    const variables =
      (props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    const environment: Record<string, string> = {};
    for (const [name, value] of Object.entries(variables)) {
      environment[name] = typeof value === 'string' ? value : placeholder(name);
    }
    functions[handler] = { logicalId, memoryMb: Number(props.MemorySize ?? 128), environment };
  }
  const metricsDisabled = Object.values(functions).every(
    (fn) =>
      fn.environment.POWERTOOLS_METRICS_DISABLED === 'true' ||
      fn.environment[DETAILED_METRICS_ENV] !== 'true',
  );
  const alarmMetrics = Object.values(resources)
    .filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm')
    .reduce((sum, alarm) => sum + alarmMetricsOf(alarm.Properties ?? {}), 0);
  return { functions, resourceCounts, metricsDisabled, alarmMetrics };
}

/** The metrics one alarm reads: its own, or the MetricStat queries of its metric math (expressions are free). */
export function alarmMetricsOf(properties: Record<string, unknown>): number {
  const queries = properties.Metrics;
  if (!Array.isArray(queries)) return 1;
  return queries.filter((query) => typeof query === 'object' && query !== null && 'MetricStat' in query)
    .length;
}
