import { evaluateCredentials } from '../../lambdas/core/evaluate-credentials';
import type { Finding } from '../../lambdas/core/finding';
import { summarizeRun } from '../../lambdas/core/run-summary';
import { runCli, type CliDependencies } from '../../lambdas/cli/program';
import type { CheckOutcome, CheckRequest, RunCheck } from '../../lambdas/cli/run-check';
import { ACCOUNT, failure, fn, healthyRegion, rule, settings, snapshot } from '../fixtures/inventory';

/** Findings for each status mix, produced by the real evaluation from inventory fixtures. */
export const SCENARIOS = {
  healthy: () => evaluate(healthyRegion(['prod-eks'])),
  failing: () => {
    const region = healthyRegion(['prod-eks']);
    return evaluate({ ...region, rules: [rule('prod-eks', { state: 'DISABLED' })] });
  },
  erroring: () => {
    const region = healthyRegion(['prod-eks']);
    const metricsFailure = failure('GetMetricData', 'ThrottlingException', 'cloudwatch');
    return evaluate({
      ...region,
      functions: region.functions.map((f) =>
        fn('prod-eks', f.name.replace('prod-eks-', ''), {
          metrics: { ok: false, failure: metricsFailure },
        }),
      ),
      failures: [metricsFailure],
    });
  },
  failingAndErroring: () => {
    const region = healthyRegion(['prod-eks']);
    const metricsFailure = failure('GetMetricData', 'ThrottlingException', 'cloudwatch');
    return evaluate({
      ...region,
      functions: [fn('prod-eks', 'data-sync', { metrics: { ok: false, failure: metricsFailure } })],
      failures: [metricsFailure],
    });
  },
} satisfies Record<string, () => Finding[]>;

function evaluate(region: ReturnType<typeof healthyRegion>): Finding[] {
  return evaluateCredentials(snapshot(region), settings);
}

export function outcomeOf(findings: readonly Finding[]): CheckOutcome {
  const region = healthyRegion(['prod-eks']);
  return { accountId: ACCOUNT, findings, summary: summarizeRun(snapshot(region), findings) };
}

export class FakeStream {
  text = '';
  constructor(
    readonly isTTY = false,
    readonly columns: number | undefined = undefined,
  ) {}
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

export interface Harness {
  readonly stdout: FakeStream;
  readonly stderr: FakeStream;
  readonly env: Record<string, string | undefined>;
  readonly requests: CheckRequest[];
  run(...argv: string[]): Promise<number>;
}

export function harness(
  options: {
    findings?: readonly Finding[];
    runCheck?: RunCheck;
    env?: Record<string, string | undefined>;
    stdout?: FakeStream;
    stderr?: FakeStream;
  } = {},
): Harness {
  const stdout = options.stdout ?? new FakeStream();
  const stderr = options.stderr ?? new FakeStream();
  const env: Record<string, string | undefined> = { AWS_REGION: 'us-west-2', ...options.env };
  const requests: CheckRequest[] = [];
  const findings = options.findings ?? SCENARIOS.healthy();
  const runCheck: RunCheck =
    options.runCheck ??
    ((request) => {
      requests.push(request);
      return Promise.resolve(outcomeOf(findings));
    });
  const deps: CliDependencies = { stdout, stderr, env, runCheck };
  return {
    stdout,
    stderr,
    env,
    requests,
    run: (...argv) => runCli(argv, deps),
  };
}
