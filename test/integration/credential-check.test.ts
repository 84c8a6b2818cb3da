/**
 * End-to-end: the scheduled credential-check Lambda handler (lambdas/handlers/credential-check.ts) run in-process
 * against moto, with TMC-shaped credentials seeded through the real AWS SDK, its findings read back from where
 * consumers get them: an SQS queue behind an EventBridge rule matching FAIL findings (on a custom bus, see
 * FINDINGS_BUS), and SQS queues subscribed to
 * the SNS topic (one with a `severity` filter policy for HIGH/CRITICAL, one unfiltered).
 *
 * Every test starts from an empty moto (reset) and uses its own credential name. The handler builds its settings
 * and clients at module scope, so each run imports a fresh copy of it after the environment is set.
 */
import type { Context } from 'aws-lambda';
import { RequestCounter } from '../../lambdas/adapters/client-config';
import type { Finding, Severity } from '../../lambdas/core/finding';
import type { RunSummary } from '../../lambdas/core/run-summary';
import {
  deleteFunction,
  deleteParameter,
  disableRule,
  drainEvents,
  drainNotifications,
  lambdaContext,
  MOTO_ACCOUNT_ID,
  motoEndpoint,
  publishingSinks,
  putLambdaMetrics,
  resetMoto,
  seedTmcCredential,
  seedUnrelatedFunctions,
  startCountingProxy,
  TEST_REGION,
  uniqueName,
  type SeedOptions,
  type SeededCredential,
  type Sinks,
  type TestClients,
} from './support';
import { useMotoFile } from './support/moto-hooks';
import { withClockAhead } from '../fixtures/clock';
import { withEnv } from '../fixtures/env';
import { loadIsolated, quietPowertools } from '../fixtures/load-handler';

jest.setTimeout(120_000);

type HandlerModule = typeof import('../../lambdas/handlers/credential-check');
type ClientsModule = typeof import('../../lambdas/adapters/clients');

const ALERTING_SEVERITIES: readonly Severity[] = ['CRITICAL', 'HIGH']; // the sinks' default filter policy

let clients: TestClients;

useMotoFile({}, (moto) => ({ clients } = moto));

interface HandlerRun {
  readonly summary: RunSummary;
  /** Commands the inventory clients sent (lambdas/adapters/clients RequestCounter), by `Client:Operation`. */
  readonly inventoryRequests: Map<string, number>;
}

/** Sets the checker's environment, imports a fresh handler module, and invokes it once. */
async function runHandler(sinks: Sinks, env: Record<string, string> = {}): Promise<HandlerRun> {
  const variables: Record<string, string> = {
    TMC_HEALTH_REGIONS: TEST_REGION,
    TMC_HEALTH_EVENT_BUS: sinks.eventBusName,
    TMC_HEALTH_TOPIC_ARN: sinks.topicArn,
    ...quietPowertools(),
    ...env,
  };
  return withEnv(variables, async () => {
    const [clientsModule, handlerModule] = await loadIsolated(
      async (): Promise<[ClientsModule, HandlerModule]> => [
        await import('../../lambdas/adapters/clients'),
        await import('../../lambdas/handlers/credential-check'),
      ],
    );
    // regionClients caches per region at module scope: the handler gets these very clients, counter attached.
    const counter = new RequestCounter();
    clientsModule.attachRequestCounterToAll(clientsModule.regionClients(TEST_REGION), counter);
    const context: Context = lambdaContext();
    const summary = await handlerModule.handler({}, context);
    return { summary, inventoryRequests: counter.byOperation };
  });
}

interface Delivered {
  readonly fails: Finding[];
  readonly eventSources: string[];
  /** Every SNS message published (unfiltered subscription). */
  readonly notifications: Awaited<ReturnType<typeof drainNotifications>>;
  /** What the HIGH/CRITICAL `severity` filter policy let through. */
  readonly alerted: Awaited<ReturnType<typeof drainNotifications>>;
}

async function delivered(sinks: Sinks): Promise<Delivered> {
  const events = await drainEvents<Finding>(clients, sinks.ruleQueueUrl);
  return {
    fails: events.map((event) => event.detail),
    eventSources: events.map((event) => `${event.source}/${event['detail-type']}`),
    notifications: await drainNotifications(clients, sinks.topicAllQueueUrl),
    alerted: await drainNotifications(clients, sinks.topicQueueUrl),
  };
}

/**
 * Findings go to a custom bus: moto cannot deliver PutEvents on the default bus once TMC's schedule rule (with its
 * Lambda target) is there (see support/moto.ts); TMC's rules stay on the default bus where the checker looks.
 */
const FINDINGS_BUS = 'tmc-health-findings';

async function seedWithSinks(
  options: SeedOptions = {},
): Promise<{ credential: SeededCredential; sinks: Sinks }> {
  const sinks = await publishingSinks(clients, { eventBusName: FINDINGS_BUS });
  const credential = await seedTmcCredential(clients, uniqueName('cred'), options);
  return { credential, sinks };
}

describe('credential-check handler against moto', () => {
  test('a healthy credential publishes no FAIL event and no SNS summary', async () => {
    const { credential, sinks } = await seedWithSinks();
    const { summary } = await runHandler(sinks);

    expect(summary).toMatchObject({ accountId: MOTO_ACCOUNT_ID, regions: [TEST_REGION], credentials: 1 });
    expect(summary.byStatus).toMatchObject({ FAIL: 0, ERROR: 0 });
    expect(summary.byStatus.PASS).toBeGreaterThan(0);
    expect(summary.failedOperations).toEqual([]);
    const out = await delivered(sinks);
    expect(out.fails).toEqual([]);
    expect(out.notifications).toEqual([]);
    expect(out.alerted).toEqual([]);
    expect(credential.name).toMatch(/^cred-/);
  });

  interface BreakCase {
    readonly name: string;
    readonly seed?: SeedOptions;
    readonly breakIt?: (credential: SeededCredential) => Promise<void>;
    readonly checkId: Finding['checkId'];
    readonly component: NonNullable<Finding['tmc']>['component'];
    readonly severity: Severity;
  }

  const cases: BreakCase[] = [
    {
      name: 'resource-retriever Lambda deleted',
      breakIt: (c) => deleteFunction(clients, c, 'resource-retriever'),
      checkId: 'tmc.lambda.missing',
      component: 'resource-retriever',
      severity: 'HIGH',
    },
    {
      name: 'schedule rule disabled',
      breakIt: (c) => disableRule(clients, c),
      checkId: 'tmc.event-rule.disabled',
      component: 'event-rule',
      severity: 'HIGH',
    },
    {
      name: 'schedule rule absent',
      seed: { omitRule: true },
      checkId: 'tmc.event-rule.missing',
      component: 'event-rule',
      severity: 'HIGH',
    },
    {
      name: 'data-sync reports some errors (below every run failing: lowered to MEDIUM)',
      breakIt: (c) => putLambdaMetrics(clients, c.functionNames['data-sync'], { errors: 3 }, 1),
      checkId: 'tmc.lambda.errors',
      component: 'data-sync',
      severity: 'MEDIUM',
    },
    {
      name: 'every data-sync run failed',
      seed: { metrics: { 'data-sync': { invocations: 4, errors: 4 } } },
      checkId: 'tmc.lambda.errors',
      component: 'data-sync',
      severity: 'HIGH',
    },
    {
      name: 'data-sync not invoked in the window',
      seed: { metrics: { 'data-sync': null } },
      checkId: 'tmc.lambda.not-invoked',
      component: 'data-sync',
      severity: 'HIGH',
    },
    {
      name: 'resource-retriever throttled',
      breakIt: (c) => putLambdaMetrics(clients, c.functionNames['resource-retriever'], { throttles: 2 }, 1),
      checkId: 'tmc.lambda.throttled',
      component: 'resource-retriever',
      severity: 'MEDIUM',
    },
    {
      name: 'token parameter deleted',
      breakIt: (c) => deleteParameter(clients, c),
      checkId: 'tmc.token.missing',
      component: 'auth-token',
      severity: 'CRITICAL',
    },
  ];

  test.each(cases)('$name -> $checkId FAIL ($severity)', async (c) => {
    const { credential, sinks } = await seedWithSinks(c.seed);
    await c.breakIt?.(credential);
    const { summary } = await runHandler(sinks);
    expectOneFailure(await delivered(sinks), summary, credential, c);
  });

  test('token parameter older than TMC_HEALTH_TOKEN_MAX_AGE_HOURS -> tmc.token.stale FAIL (MEDIUM)', async () => {
    // moto cannot backdate LastModifiedDate and the check rounds the age to 0.1 h, so instead of waiting
    // minutes the handler's clock (Date only; timers stay real) is moved 10 minutes ahead with a 0.1 h limit.
    // The metric datapoints (2 minutes old in real time) stay inside the 30-minute window.
    const { credential, sinks } = await seedWithSinks();
    const { summary } = await withClockAhead(10 * 60_000, () =>
      runHandler(sinks, { TMC_HEALTH_TOKEN_MAX_AGE_HOURS: '0.1' }),
    );
    const out = await delivered(sinks);
    expectOneFailure(out, summary, credential, {
      checkId: 'tmc.token.stale',
      component: 'auth-token',
      severity: 'MEDIUM',
    });
    expect(out.fails[0]!.evidence.maxAgeHours).toBe(0.1);
  });

  test('the same token is fresh under the default limit', async () => {
    const { sinks } = await seedWithSinks();
    const { summary } = await runHandler(sinks, { TMC_HEALTH_TOKEN_MAX_AGE_HOURS: '720' });
    expect(summary.byStatus.FAIL).toBe(0);
    expect((await delivered(sinks)).fails).toEqual([]);
  });

  function expectOneFailure(
    out: Delivered,
    summary: RunSummary,
    credential: SeededCredential,
    expected: Pick<BreakCase, 'checkId' | 'component' | 'severity'>,
  ): void {
    // Exactly one FAIL reached the EventBridge rule's queue: the one the test broke.
    expect(out.fails.map((f) => f.checkId)).toEqual([expected.checkId]);
    expect(out.eventSources).toEqual(['tmc-health/TMC Health Finding']);
    expect(out.fails[0]).toMatchObject({
      checkId: expected.checkId,
      status: 'FAIL',
      severity: expected.severity,
      accountId: MOTO_ACCOUNT_ID,
      region: TEST_REGION,
      tmc: { credentialName: credential.name, component: expected.component },
    });
    expect(summary.byStatus).toMatchObject({ FAIL: 1, ERROR: 0 });

    // One SNS summary per run, carrying the worst severity as the `severity` attribute...
    expect(out.notifications).toHaveLength(1);
    const notification = out.notifications[0]!;
    expect(notification.MessageAttributes?.severity).toEqual({ Type: 'String', Value: expected.severity });
    expect(JSON.parse(notification.MessageAttributes!.checkId!.Value)).toEqual([expected.checkId]);
    expect(JSON.parse(notification.MessageAttributes!.credentialName!.Value)).toEqual([credential.name]);
    expect(notification.Message).toContain(credential.name);
    // ...which the HIGH/CRITICAL filter policy lets through or drops.
    if (ALERTING_SEVERITIES.includes(expected.severity)) {
      expect(out.alerted).toHaveLength(1);
      expect(out.alerted[0]!.MessageAttributes?.severity?.Value).toBe(expected.severity);
    } else {
      expect(out.alerted).toEqual([]);
    }
  }
});

describe('API cost', () => {
  const UNRELATED_SMALL = 2;
  const UNRELATED_LARGE = Number(process.env.TMC_TEST_UNRELATED_FUNCTIONS ?? 500);

  async function measure(unrelated: number) {
    await resetMoto();
    const sinks = await publishingSinks(clients, { eventBusName: FINDINGS_BUS });
    const credential = await seedTmcCredential(clients, 'cost-cred');
    const started = Date.now();
    await seedUnrelatedFunctions(clients, unrelated, { concurrency: 16 });
    const seedMs = Date.now() - started;
    const proxy = await startCountingProxy(motoEndpoint());
    try {
      const run = await runHandler(sinks, { AWS_ENDPOINT_URL: proxy.endpoint });
      return { credential, run, http: proxy.counts(), total: proxy.total(), seedMs, sinks };
    } finally {
      await proxy.close();
    }
  }

  test(`requests for one credential are the same with ${UNRELATED_SMALL} and ${UNRELATED_LARGE} unrelated Lambda functions`, async () => {
    const small = await measure(UNRELATED_SMALL);
    const large = await measure(UNRELATED_LARGE);
    // Same findings (all PASS) in both accounts, so publishing costs the same too.
    expect(small.run.summary.byStatus).toEqual(large.run.summary.byStatus);
    expect(large.run.summary.byStatus).toMatchObject({ FAIL: 0, ERROR: 0 });
    // Every HTTP request any client of the handler sent, seen by the proxy in front of moto.
    expect(Object.fromEntries(large.http)).toEqual(Object.fromEntries(small.http));
    expect(large.total).toBe(small.total);
    // The checker's own count of its inventory commands agrees.
    expect(Object.fromEntries(large.run.inventoryRequests)).toEqual(
      Object.fromEntries(small.run.inventoryRequests),
    );
    // Nothing enumerates the account's functions.
    expect([...large.http.keys()].filter((key) => key === 'lambda:GET /2015-03-31/functions')).toEqual([]);
    console.log(
      `API cost: ${large.total} HTTP requests per run either way; seeding ${UNRELATED_LARGE} unrelated functions took ${large.seedMs} ms\n` +
        [...large.http].map(([key, n]) => `  ${key} x${n}`).join('\n'),
    );
  }, 300_000);
});
