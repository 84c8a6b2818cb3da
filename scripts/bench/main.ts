/**
 * `npm run bench`: bash scripts/with-moto.sh ts-node --transpile-only scripts/bench/main.ts [--only parts]
 *
 * Measures request counts, CLI wall time, the IRSA scan rate, the Lambda bundles and the cost per account-month
 * (docs/performance.md), prints one table and writes bench/results.json. For people, not CI: it takes minutes and
 * its timings depend on the machine. CI keeps the bundle budget through test/infra/bundling.test.ts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { version as esbuildVersion } from 'esbuild';
import { measureBundles } from './bundles';
import { measureCliWallTime } from './cli-wall-time';
import { PERFORMANCE_PAGE, writePerformancePage } from './docs-page';
import { costInput, hubCostInput, memberCostInput } from './cost-inputs';
import { estimateCost } from './cost-model';
import { estimateOrganizationCost } from './organization-cost';
import { measureIrsaScan } from './irsa-scan';
import { renderTable } from './report';
import { measureRequestCounts } from './request-counts';
import type { BenchResults } from './results';
import { EXAMPLE_MEMBER_CONTEXT, synthesizeDefaultStack, synthesizeHub } from './synthesized';
import type { BenchContext } from './types';

const PARTS = ['requests', 'cli', 'irsa', 'bundles'] as const;
type Part = (typeof PARTS)[number];
const RESULTS_FILE = path.join(__dirname, '..', '..', 'bench', 'results.json');

async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('bench')
    .description(
      'Measure the checker: requests, CLI wall time, IRSA scan, bundles, cost (docs/performance.md)',
    )
    .addOption(
      new Option('--only <parts...>', 'run only these parts (the cost needs all four)').choices([...PARTS]),
    )
    .option('--out <file>', 'where to write the JSON results', RESULTS_FILE)
    .option('--no-docs', 'leave docs/performance.md as it is (it is rewritten only when every part ran)');
  program.parse([...argv]);
  const options = program.opts<{ only?: Part[]; out: string; docs: boolean }>();
  const parts: readonly Part[] = options.only ?? PARTS;
  const needsMoto = parts.some((part) => part !== 'bundles');
  const motoEndpoint = process.env.MOTO_ENDPOINT ?? '';
  if (needsMoto && motoEndpoint === '') {
    process.stderr.write(
      'bench: MOTO_ENDPOINT is not set: run it with `npm run bench` (it starts the emulator).\n',
    );
    return 2;
  }
  const started = Date.now();
  const context: BenchContext = {
    motoEndpoint,
    log: (line) => process.stderr.write(`bench [${((Date.now() - started) / 1000).toFixed(0)} s] ${line}\n`),
  };

  const stack = synthesizeDefaultStack();
  const results: { -readonly [K in keyof BenchResults]: BenchResults[K] } = {
    measuredAt: new Date().toISOString(),
    machine: {
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGb: Math.round(os.totalmem() / 1024 ** 3),
      esbuild: esbuildVersion,
    },
    parts,
  };
  // One part at a time: they share the emulator and the machine's CPU, and timings must not disturb each other.
  if (parts.includes('bundles')) results.bundles = await measureBundles(stack.functions, context.log);
  if (parts.includes('requests')) results.requestCounts = await measureRequestCounts(context);
  if (parts.includes('cli')) results.cliWallTime = await measureCliWallTime(context);
  if (parts.includes('irsa')) results.irsaScan = await measureIrsaScan(context);
  if (results.bundles && results.requestCounts && results.cliWallTime && results.irsaScan) {
    results.costInput = costInput({
      stack,
      variants: {
        throttleAlarms: synthesizeDefaultStack({ throttleAlarms: 'true' }),
        securityHubExport: synthesizeDefaultStack({ securityHubExport: 'true' }),
      },
      bundles: results.bundles,
      requestCounts: results.requestCounts,
      cliWallTime: results.cliWallTime,
      irsaScan: results.irsaScan,
    });
    results.cost = estimateCost(results.costInput);
    results.memberCostInput = memberCostInput(
      results.costInput,
      synthesizeDefaultStack(EXAMPLE_MEMBER_CONTEXT),
    );
    results.memberCost = estimateCost(results.memberCostInput);
    // The default hub (hubIntake=direct) feeds the tables; the queue is priced beside it (docs/organizations.md).
    results.hubCostInput = hubCostInput(synthesizeHub(), results.memberCostInput);
    results.organizationCost = estimateOrganizationCost(
      results.hubCostInput,
      results.memberCost.fixedUsdPerMonth,
      undefined,
      undefined,
      [hubCostInput(synthesizeHub({ hubIntake: 'queue' }), results.memberCostInput)],
    );
  }

  fs.mkdirSync(path.dirname(options.out), { recursive: true });
  fs.writeFileSync(options.out, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(renderTable(results));
  context.log(`wrote ${path.relative(process.cwd(), options.out)}`);
  // The page quotes a complete run only, and only the one written to the committed results file.
  if (options.docs && results.cost && path.resolve(options.out) === RESULTS_FILE) {
    writePerformancePage(results);
    context.log(`updated ${path.relative(process.cwd(), PERFORMANCE_PAGE)}`);
  }
  return 0;
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `bench: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
