import { runCli } from './program';
import { nodeNotice } from './node-notice';
import { createAwsRunCheck } from './run-check';
import { createAwsRunFleetCheck } from './run-fleet';

/** The `tmc-health` entry point, bundled to dist/tmc-health.js (npm run build:cli) and started by bin/. */
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
  const runCheck = createAwsRunCheck(awsOptions);
  const runFleetCheck = createAwsRunFleetCheck(awsOptions);
  process.exitCode = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env,
    runCheck,
    runFleetCheck,
  });
}

void main();
