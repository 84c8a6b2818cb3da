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
import { ensureCliBuilt, runCli, type CliRun } from './cli';
import { footer, header, unexpectedRun } from './messages';

const DAY = 24 * 60 * 60_000;
/** The CLI's own width when it has neither a terminal nor COLUMNS. */
const DEFAULT_COLUMNS = 100;
/** The command the demo runs, as a user would type it (AWS_REGION=us-west-2 picks the region). */
export const CLI_ARGS = ['check'] as const;

export interface DemoOptions {
  readonly motoEndpoint: string;
  /** Where the demo's own lines and the CLI's report go. */
  readonly write: (text: string) => void;
  readonly color: boolean;
  readonly columns?: number;
  readonly cliStderr: 'inherit' | 'capture';
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

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const line = (text = '') => options.write(`${text}\n`);
  const width = options.columns ?? DEFAULT_COLUMNS;
  ensureCliBuilt(line);
  for (const text of header(CLI_ARGS, width)) line(text);
  line();
  // The demo owns this moto (scripts/with-moto.sh started it for this run): start from an empty account.
  await resetMoto(options.motoEndpoint);

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
        CLI_ARGS,
        { aws: proxy.endpoint, cloudTrail: stub.endpoint, region: REGION },
        { color: options.color, columns: options.columns, write: options.write, stderr: options.cliStderr },
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
