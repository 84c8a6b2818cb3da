import { runCli } from './program';
import { nodeNotice } from './node-notice';
import type { AwsRunCheckOptions, RunCheck } from './run-check';
import type { RunFleetCheck } from './run-fleet';

/**
 * The real checks, loaded when a command runs them: the AWS SDK clients are most of the bundle, and `explain`,
 * `--help` or a usage error should not pay for loading them (esbuild puts them in chunks of their own, which
 * test/infra/cli-bundle.test.ts keeps out of what every command loads). Each is created once, for the one run.
 */
function lazyAwsChecks(options: AwsRunCheckOptions): { runCheck: RunCheck; runFleetCheck: RunFleetCheck } {
  return {
    runCheck: async (request) => (await import('./run-check')).createAwsRunCheck(options)(request),
    runFleetCheck: async (request) => (await import('./run-fleet')).createAwsRunFleetCheck(options)(request),
  };
}

/** The `tmc-health` entry point, bundled to dist/tmc-health.mjs (npm run build:cli) and started by bin/. */
async function main(): Promise<void> {
  const env = process.env;
  // Below the floor, say so once instead of the SDK's 7-line notice on every command.
  const notice = nodeNotice(process.version);
  if (notice !== undefined) {
    process.stderr.write(notice);
    env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  }
  const maxAttempts = Number(env.AWS_MAX_ATTEMPTS);
  const awsOptions = {
    ...(Number.isInteger(maxAttempts) && maxAttempts > 0 ? { maxAttempts } : {}),
    ...(env.AWS_REGION ? { homeRegion: env.AWS_REGION } : {}),
  };
  process.exitCode = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env,
    ...lazyAwsChecks(awsOptions),
  });
}

void main();
