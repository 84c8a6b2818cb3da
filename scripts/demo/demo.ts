/**
 * One demo run: start the CloudTrail stub and the backdating proxy, seed the pretend account, run the real CLI
 * against them, and stop what was started. moto itself is scripts/with-moto.sh's (MOTO_ENDPOINT).
 */
import { resetMoto } from '../../test/integration/support/moto';
import { startCloudTrailStub } from '../../test/integration/support/cloudtrail-stub';
import {
  REGION,
  seedAccount,
  STALE_TOKEN_AGE_DAYS,
  STALE_TOKEN_PARAMETER,
  type SeededAccount,
} from './account';
import { startBackdateProxy } from './backdate-proxy';
import { ensureCliBuilt, runCli, type CliOutput, type CliRun } from './cli';
import { footer, header, unexpectedRun } from './messages';
import { DemoSetupError } from './setup-error';

const DAY = 24 * 60 * 60_000;
/** The command the demo runs, as a user would type it (AWS_REGION=us-west-2 picks the region). */
export const CLI_ARGS = ['check'] as const;

/** `check` and the flags given to the demo (`npm run demo -- --json`), passed through unchanged. */
export const cliArgs = (flags: readonly string[] = []): string[] => [...CLI_ARGS, ...flags];

export interface DemoOptions {
  readonly motoEndpoint: string;
  /** Flags for `tmc-health check` (`npm run demo -- --failing`); none: the report the demo was written for. */
  readonly flags?: readonly string[];
  /**
   * Where the demo's own lines go (and, in the tests, the CLI's report too, when captured). main.ts sends them to
   * stderr when the CLI's stdout must stay one JSON document (--json).
   */
  readonly write: (text: string) => void;
  /** The width the demo's own lines are wrapped to. */
  readonly width: number;
  readonly cli: CliOutput;
}

export interface DemoResult {
  readonly account: SeededAccount;
  readonly cli: CliRun;
  /** The local servers the demo started (all stopped when runDemo returns). */
  readonly servers: { readonly cloudTrailStub: string; readonly proxy: string };
  /** DescribeParameters answers the proxy backdated (0 would mean the stale token was never shown). */
  readonly backdatedAnswers: number;
  readonly seedMs: number;
  readonly cliMs: number;
}

const causeOf = (error: Error): string => (error.cause instanceof Error ? `: ${error.cause.message}` : '');

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const line = (text = '') => options.write(`${text}\n`);
  const { width } = options;
  const args = cliArgs(options.flags);
  ensureCliBuilt(line);
  for (const text of header(args, width)) line(text);
  line();
  // The demo owns this moto (scripts/with-moto.sh started it for this run): start from an empty account.
  await resetMoto(options.motoEndpoint).catch((error: unknown) => {
    const why = error instanceof Error ? `${error.message}${causeOf(error)}` : String(error);
    throw new DemoSetupError(
      `the emulator at ${options.motoEndpoint} did not answer (${why}); start the demo with npm run demo`,
    );
  });

  const staleSince = new Date(Date.now() - STALE_TOKEN_AGE_DAYS * DAY);
  const stub = await startCloudTrailStub();
  try {
    const proxy = await startBackdateProxy(options.motoEndpoint, [STALE_TOKEN_PARAMETER], staleSince);
    try {
      const seedStarted = performance.now();
      const account = await seedAccount(options.motoEndpoint, stub);
      const seedMs = performance.now() - seedStarted;

      const cliStarted = performance.now();
      const cli = await runCli(
        args,
        { aws: proxy.endpoint, cloudTrail: stub.endpoint, region: REGION },
        options.cli,
      );
      const cliMs = performance.now() - cliStarted;

      if (unexpectedRun(cli) === undefined) {
        line();
        for (const text of footer(cli, width)) line(text);
      }
      return {
        account,
        cli,
        servers: { cloudTrailStub: stub.endpoint, proxy: proxy.endpoint },
        backdatedAnswers: proxy.backdatedAnswers(),
        seedMs,
        cliMs,
      };
    } finally {
      await proxy.close();
    }
  } finally {
    await stub.close();
  }
}
