/**
 * What one scheduled credential-check run sends to AWS, on the wire, in an account holding 1 healthy TMC
 * credential beside 0, 50 and 500 application functions that have nothing to do with TMC. Discovery goes through
 * the tagging API, so the count must not grow with the account.
 *
 * The real Lambda handler runs in-process, configured as the stack deploys it (findings ledger, custom bus,
 * topic), its every client pointed at the counting proxy in front of moto. Per account: one warm-up run (it opens
 * the ledger's state, as the first run after deployment does), then the measured run, a warm container's steady
 * state, which is what a schedule mostly runs.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand } from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { startCountingProxy, type CountingProxy } from '../../test/integration/support/counting-proxy';
import { dynamoClient } from '../../test/integration/support/irsa-seed';
import { createLedgerTable } from '../../test/integration/support/ledger';
import {
  destroyClients,
  lambdaContext,
  resetMoto,
  TEST_REGION,
  testClients,
  useMotoEnvironment,
  type TestClients,
} from '../../test/integration/support/moto';
import { seedTmcCredential, seedUnrelatedFunctions } from '../../test/integration/support/seed';
import { loadCredentialCheckHandler } from './fresh-handler';
import type { BenchContext, RequestCountResult, RequestCountRow } from './types';

const UNRELATED_FUNCTIONS = [0, 50, 500] as const;
/** CreateFunction calls in flight while seeding: moto is one process, more only queue up there. */
const SEED_CONCURRENCY = 16;
const LEDGER_TABLE = 'tmc-health-bench-ledger';
/** Not the default bus: moto fails every PutEvents on a bus holding TMC's schedule rule (support/moto.ts). */
const FINDINGS_BUS = 'tmc-health-bench-findings';

interface Account {
  readonly clients: TestClients;
  readonly dynamo: DynamoDBClient;
  readonly endpoint: string;
}

export async function measureRequestCounts(ctx: BenchContext): Promise<RequestCountResult> {
  const account: Account = {
    clients: testClients(ctx.motoEndpoint),
    dynamo: dynamoClient(ctx.motoEndpoint),
    endpoint: ctx.motoEndpoint,
  };
  const proxy = await startCountingProxy(ctx.motoEndpoint);
  const savedEnvironment = { ...process.env };
  try {
    const rows: RequestCountRow[] = [];
    for (const unrelated of UNRELATED_FUNCTIONS)
      rows.push(await measureAccount(ctx, account, proxy, unrelated));
    const counts = rows.map((row) => row.requests);
    const ratio = Math.max(...counts) / Math.min(...counts);
    return {
      rows,
      ratio,
      goal: {
        text: 'same request count for 0, 50 and 500 unrelated functions',
        met: ratio === 1,
      },
    };
  } finally {
    // The handler's environment must not leak into the bench's other parts.
    for (const name of Object.keys(process.env)) if (!(name in savedEnvironment)) delete process.env[name];
    Object.assign(process.env, savedEnvironment);
    await proxy.close();
    destroyClients(account.clients);
    account.dynamo.destroy();
  }
}

async function measureAccount(
  ctx: BenchContext,
  account: Account,
  proxy: CountingProxy,
  unrelated: number,
): Promise<RequestCountRow> {
  await resetMoto(account.endpoint);
  const { clients } = account;
  await createLedgerTable(account.dynamo, LEDGER_TABLE);
  await clients.events.send(new CreateEventBusCommand({ Name: FINDINGS_BUS }));
  const topic = await clients.sns.send(new CreateTopicCommand({ Name: 'tmc-health-bench-alerts' }));
  await seedTmcCredential(clients, 'bench-cred');
  const seedStarted = performance.now();
  await seedUnrelatedFunctions(clients, unrelated, { concurrency: SEED_CONCURRENCY });
  const seedMs = Math.round(performance.now() - seedStarted);

  const handler = await loadHandlerFor(proxy.endpoint, topic.TopicArn!);
  await runChecked(handler); // warm-up
  proxy.reset();
  const started = performance.now();
  await runChecked(handler);
  const durationMs = Math.round(performance.now() - started);

  const counted = new Map<string, number>();
  for (const [key, count] of proxy.counts()) {
    const operation = restOperation(key);
    counted.set(operation, (counted.get(operation) ?? 0) + count);
  }
  const byOperation = Object.fromEntries([...counted].sort(([a], [b]) => a.localeCompare(b)));
  const requests = proxy.total();
  ctx.log(
    `requests: ${unrelated} unrelated functions (created in ${seedMs} ms, ${SEED_CONCURRENCY} at a time): ` +
      `${requests} requests, run ${durationMs} ms`,
  );
  return { unrelatedFunctions: unrelated, requests, byOperation, durationMs };
}

/**
 * The counting proxy names a REST request (Lambda's API) by method and path, which holds the function's ARN; the
 * table wants the operation, so one line per operation whatever the function. Other protocols name it already.
 */
const LAMBDA_REST_OPERATIONS: readonly [RegExp, string][] = [
  [/^lambda:GET \/2015-03-31\/functions\/[^/]+\/configuration$/, 'lambda:GetFunctionConfiguration'],
  [/^lambda:GET \/2015-03-31\/functions\/[^/]+$/, 'lambda:GetFunction'],
  [/^lambda:GET \/2015-03-31\/functions\/?$/, 'lambda:ListFunctions'],
];

function restOperation(key: string): string {
  return LAMBDA_REST_OPERATIONS.find(([pattern]) => pattern.test(key))?.[1] ?? key;
}

/** A new container's handler, its settings and every client (endpoint included) taken from this environment. */
async function loadHandlerFor(endpoint: string, topicArn: string) {
  useMotoEnvironment(endpoint);
  for (const name of Object.keys(process.env)) if (name.startsWith('TMC_HEALTH_')) delete process.env[name];
  Object.assign(process.env, {
    TMC_HEALTH_REGIONS: TEST_REGION,
    TMC_HEALTH_EVENT_BUS: FINDINGS_BUS,
    TMC_HEALTH_TOPIC_ARN: topicArn,
    TMC_HEALTH_LEDGER_TABLE: LEDGER_TABLE,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  return loadCredentialCheckHandler();
}

/** A run that failed or found problems would count a different path: every check must pass. */
async function runChecked(handler: Awaited<ReturnType<typeof loadHandlerFor>>): Promise<void> {
  const summary = await handler({}, lambdaContext());
  const { FAIL = 0, ERROR = 0, PASS = 0 } = summary.byStatus;
  if (summary.credentials !== 1 || FAIL + ERROR > 0 || PASS === 0) {
    throw new Error(`expected 1 healthy credential; the run summary says ${JSON.stringify(summary)}`);
  }
}
