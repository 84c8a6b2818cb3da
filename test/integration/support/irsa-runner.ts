/**
 * Runs the IRSA check's Lambda handler (lambdas/handlers/irsa-check.ts) in-process: moto for IAM, DynamoDB,
 * EventBridge and SNS (AWS_ENDPOINT_URL), the CloudTrail stub for LookupEvents (AWS_ENDPOINT_URL_CLOUDTRAIL).
 * The handler wires its settings and clients at module scope, so each run imports a fresh copy after the
 * environment is set, like a cold start. Runs under jest and in plain ts-node (scripts/bench).
 */
import path from 'node:path';
import type { IrsaRunSummary } from '../../../lambdas/app/irsa-check';
import type { IrsaRealtimeSummary } from '../../../lambdas/app/irsa-realtime';
import type { CloudTrailApiCallEvent } from '../../../lambdas/handlers/irsa-check';
import type { Finding } from '../../../lambdas/core/finding';
import { withEnv } from '../../fixtures/env';
import { loadIsolated, quietPowertools } from '../../fixtures/load-handler';
import type { CloudTrailStub } from './cloudtrail-stub';
import { lambdaContext } from './moto';
import type { Sinks } from './sinks';

type HandlerModule = typeof import('../../../lambdas/handlers/irsa-check');

export interface IrsaRunOptions {
  readonly stub: CloudTrailStub;
  readonly sinks: Sinks;
  readonly regions: readonly string[];
  readonly watermarkTable: string;
  /** Extra or overriding environment variables (e.g. TMC_HEALTH_IRSA_MAX_PAGES_PER_REGION). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface IrsaRun {
  readonly summary: IrsaRunSummary;
  /** Wall time of the handler call alone (the module import, a cold start, is not included). */
  readonly handlerMs: number;
}

const LAMBDAS_DIR = path.resolve(__dirname, '../../../lambdas') + path.sep;

/** A copy of the handler module whose module scope runs again, reading the environment just set. */
async function importFreshHandler(): Promise<HandlerModule> {
  if (typeof jest !== 'undefined') {
    return loadIsolated((): Promise<HandlerModule> => import('../../../lambdas/handlers/irsa-check'));
  }
  // Outside jest (scripts/bench under ts-node, CommonJS): drop the checker's own modules from Node's require
  // cache. Unlike jest's isolated registry this keeps node_modules loaded: only the checker's scope must rerun.
  for (const id of Object.keys(require.cache)) if (id.startsWith(LAMBDAS_DIR)) delete require.cache[id];
  return import('../../../lambdas/handlers/irsa-check');
}

export async function runIrsaHandler(options: IrsaRunOptions): Promise<IrsaRun> {
  return withHandler(options, async (handlerModule) => {
    const started = performance.now();
    const summary = await handlerModule.handler({}, lambdaContext('tmc-health-irsa-checker'));
    return { summary, handlerMs: performance.now() - started };
  });
}

/**
 * The same handler invoked by the real-time rule (docs/irsa-realtime.md) with one "AWS API Call via CloudTrail"
 * event: `TMC_HEALTH_IRSA_REALTIME=true` is set unless `env` says otherwise.
 */
export async function runIrsaRealtimeHandler(
  options: IrsaRunOptions & { readonly event: CloudTrailApiCallEvent },
): Promise<IrsaRealtimeSummary> {
  return withHandler(
    { ...options, env: { TMC_HEALTH_IRSA_REALTIME: 'true', ...options.env } },
    (handlerModule) => handlerModule.handler(options.event, lambdaContext('tmc-health-irsa-checker')),
  );
}

async function withHandler<T>(
  options: IrsaRunOptions,
  call: (handlerModule: HandlerModule) => Promise<T>,
): Promise<T> {
  const variables: Record<string, string> = {
    AWS_ENDPOINT_URL_CLOUDTRAIL: options.stub.endpoint,
    TMC_HEALTH_IRSA_REGIONS: options.regions.join(','),
    TMC_HEALTH_IRSA_WATERMARK_TABLE: options.watermarkTable,
    TMC_HEALTH_EVENT_BUS: options.sinks.eventBusName,
    TMC_HEALTH_TOPIC_ARN: options.sinks.topicArn,
    ...quietPowertools(),
    ...options.env,
  };
  return withEnv(variables, async () => call(await importFreshHandler()));
}

/** The rule the IRSA findings are routed by. */
export const IRSA_RULE_PATTERN = {
  source: ['tmc-health'],
  detail: { checkId: ['irsa.assume-role.denied'] },
};

/** The whole trust policy a finding's correction carries (an object, never a JSON string), if any. */
export function correctedPolicyOf(
  finding: Finding,
): { Version: string; Statement: Record<string, unknown>[] } | undefined {
  const policy = finding.correction?.trustPolicy;
  return policy ? (policy as { Version: string; Statement: Record<string, unknown>[] }) : undefined;
}
