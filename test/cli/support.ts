import { evaluateCredentials } from '../../lambdas/core/evaluate-credentials';
import type { Finding } from '../../lambdas/core/finding';
import { summarizeRun } from '../../lambdas/core/run-summary';
import { runCli, type CliDependencies } from '../../lambdas/cli/program';
import type { CheckOutcome, CheckRequest, IrsaOutcome, RunCheck } from '../../lambdas/cli/run-check';
import type { FleetRequest, RunFleetCheck } from '../../lambdas/cli/run-fleet';
import { stripAnsi } from '../../lambdas/cli/style';
import { combineSummaries } from '../../lambdas/cli/summary';
import { summarizeIrsaRun } from '../../lambdas/app/irsa-check';
import { evaluateIrsa } from '../../lambdas/core/irsa/evaluate-irsa';
import { irsaSettingsSchema } from '../../lambdas/core/irsa/settings';
import {
  ACCOUNT as IRSA_ACCOUNT,
  denial,
  irsaSnapshot,
  NOW as IRSA_NOW,
  policy,
  REGION as IRSA_REGION,
  role,
  ROLE_ARN,
  scan,
  SUBJECT,
  webIdentityStatement,
} from '../fixtures/irsa';
import {
  ACCOUNT,
  failure,
  fn,
  healthyRegion,
  parameter,
  rule,
  settings,
  snapshot,
} from '../fixtures/inventory';

/** Findings for each status mix, produced by the real evaluation from inventory fixtures. */
export const SCENARIOS = {
  healthy: () => evaluate(healthyRegion(['prod-eks'])),
  failing: () => {
    const region = healthyRegion(['prod-eks']);
    return evaluate({ ...region, rules: [rule('prod-eks', { state: 'DISABLED' })] });
  },
  /** One MEDIUM FAIL: the token last updated long ago. */
  staleToken: () => {
    const region = healthyRegion(['prod-eks']);
    return evaluate({
      ...region,
      parameters: [parameter('prod-eks', { lastModifiedDate: '2026-09-01T00:00:00.000Z' })],
    });
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
  /** What `check --accounts` asked the fleet seam for. */
  readonly fleetRequests: FleetRequest[];
  run(...argv: string[]): Promise<number>;
}

export function harness(
  options: {
    findings?: readonly Finding[];
    /** The whole outcome the fake runCheck returns (wins over `findings`). */
    outcome?: CheckOutcome;
    runCheck?: RunCheck;
    /** Without it, `check --accounts` fails the test: pass a fake, or the real createAwsRunFleetCheck. */
    runFleetCheck?: RunFleetCheck;
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
      return Promise.resolve(options.outcome ?? outcomeOf(findings));
    });
  const fleetRequests: FleetRequest[] = [];
  const fleetCheck = options.runFleetCheck;
  const runFleetCheck: RunFleetCheck = (request) => {
    fleetRequests.push(request);
    return fleetCheck ? fleetCheck(request) : Promise.reject(new Error('unexpected fleet check'));
  };
  const deps: CliDependencies = { stdout, stderr, env, runCheck, runFleetCheck };
  return {
    stdout,
    stderr,
    env,
    requests,
    fleetRequests,
    run: (...argv) => runCli(argv, deps),
  };
}

// ------------------------------------------------------------------------------------------------------- IRSA

/** Regions the IRSA fixtures scan: the fixture region and us-east-1 (the global STS endpoint's). */
export const IRSA_SCAN_REGIONS = [IRSA_REGION, 'us-east-1'] as const;

/**
 * An IRSA run produced by the real evaluateIrsa and summarizeIrsaRun on test/fixtures/irsa.ts: the AWS guide's
 * sub typo (7 calls) and a deleted role (2 calls) in us-west-2, a wildcard under StringEquals via the global
 * endpoint in us-east-1, and the checker's own calls (all PASS unless `lookupFails`).
 */
export function irsaRun(options: { lookupFails?: boolean; incomplete?: boolean } = {}): IrsaOutcome {
  const deletedRole = `arn:aws:iam::${IRSA_ACCOUNT}:role/irsa-ops-cleaner`;
  const batchRole = `arn:aws:iam::${IRSA_ACCOUNT}:role/irsa-batch-jobs`;
  const typo = Array.from({ length: 7 }, (_, index) =>
    denial({ eventTime: `2026-11-22T11:${String(10 + index).padStart(2, '0')}:00.000Z` }),
  );
  const deleted = [1, 2].map((minute) =>
    denial({
      roleArn: deletedRole,
      subject: 'system:serviceaccount:ops:cleaner',
      eventTime: `2026-11-22T11:4${minute}:00.000Z`,
    }),
  );
  const batch = [
    denial({
      region: 'us-east-1',
      roleArn: batchRole,
      subject: 'system:serviceaccount:batch:runner',
      eventTime: '2026-11-22T11:55:00.000Z',
    }),
  ];
  const lookupFailure = {
    service: 'cloudtrail',
    operation: 'LookupEvents',
    region: 'us-east-1',
    errorName: 'AccessDeniedException',
    message: 'User: arn:aws:iam::111122223333:user/dev is not authorized to perform: cloudtrail:LookupEvents',
  };
  const snapshot = irsaSnapshot({
    scans: [
      {
        ok: true,
        value: scan([...typo, ...deleted], options.incomplete ? { complete: false, pages: 50 } : {}),
      },
      options.lookupFails
        ? { ok: false, failure: lookupFailure }
        : { ok: true, value: scan(batch, { region: 'us-east-1', eventsScanned: 3 }) },
    ],
    roles: new Map([
      [ROLE_ARN, role(policy(webIdentityStatement({ subject: `${SUBJECT}-v2` })))],
      [deletedRole, { ok: true, value: { roleArn: deletedRole, exists: false } }],
      [
        batchRole,
        role(policy(webIdentityStatement({ subject: 'system:serviceaccount:batch:*' })), batchRole),
      ],
    ]),
    failures: options.lookupFails ? [lookupFailure] : [],
  });
  const settings = irsaSettingsSchema.parse({});
  const findings = evaluateIrsa(snapshot, settings);
  const reports = IRSA_SCAN_REGIONS.map((region) => ({
    region,
    watermark: 'none' as const,
    planned: [{ kind: 'window' as const, from: '2026-11-22T11:00:00.000Z', to: IRSA_NOW }],
    ranges: [],
    pendingGaps: [],
    willCommit: false,
  }));
  const plan = IRSA_SCAN_REGIONS.map((region) => ({
    region,
    reasons: [region === IRSA_REGION ? ('home' as const) : ('global-sts' as const)],
  }));
  return { findings, summary: summarizeIrsaRun(snapshot, reports, plan, findings, [], false) };
}

/** A whole outcome: the credential check's findings (a scenario) and an IRSA run, combined as run-check does. */
export function combinedOutcome(
  credentialFindings: readonly Finding[] | undefined,
  irsa: IrsaOutcome,
): CheckOutcome {
  const tmc = credentialFindings ? outcomeOf(credentialFindings) : undefined;
  const findings = [...(credentialFindings ?? []), ...irsa.findings];
  return {
    accountId: ACCOUNT,
    findings,
    summary: combineSummaries({
      accountId: ACCOUNT,
      findings,
      ...(tmc ? { tmc: tmc.summary } : {}),
      irsa: irsa.summary,
    }),
    irsa,
  };
}

// ------------------------------------------------------------------------------------------------ layout checks

/**
 * The lines of `text` wider than `width` that are not a single token on a line of its own: every line the CLI
 * prints fits, but for a token (a role, an ARN, a timestamp) longer than its line, which runs past the end rather
 * than being broken. Escape codes are not counted.
 */
export function linesTooWide(text: string, width: number): string[] {
  return text
    .split('\n')
    .map(stripAnsi)
    .filter((line) => [...line].length > width && line.trim().includes(' '));
}

/**
 * The trust policy documents a report prints (an IRSA correction's, as render-irsa.ts lays them out): each a block
 * from a line that is only `{` to the line that is only `}` at the same indent, never wrapped. `rest` is the
 * report without them, for the checks that every other line fits.
 */
export function trustPolicyBlocks(text: string): { readonly blocks: string[]; readonly rest: string } {
  const lines = text.split('\n').map(stripAnsi);
  const blocks: string[] = [];
  const rest: string[] = [];
  for (let index = 0; index < lines.length; index += 1) {
    const open = /^( +)\{$/.exec(lines[index]!);
    const close = open ? lines.indexOf(`${open[1]!}}`, index) : -1;
    if (!open || close < 0) {
      rest.push(lines[index]!);
      continue;
    }
    blocks.push(lines.slice(index, close + 1).join('\n'));
    index = close;
  }
  return { blocks, rest: rest.join('\n') };
}

/** The PASS counts of the Passed block's lines (`... 13 checks passed`), in order. */
export function foldCounts(text: string): number[] {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.startsWith('Passed'));
  if (start < 0) return [];
  const end = lines.indexOf('', start);
  return lines
    .slice(start + 1, end < 0 ? undefined : end)
    .map((line) => /\b(\d+) checks? passed\b/.exec(line)?.[1])
    .filter((count): count is string => count !== undefined)
    .map(Number);
}
