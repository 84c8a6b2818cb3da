import { runCli } from './program';
import { createAwsRunCheck } from './run-check';

/** The `tmc-health` entry point, bundled to dist/tmc-health.js (npm run build:cli) and started by bin/. */
async function main(): Promise<void> {
  const env = process.env;
  const maxAttempts = Number(env.AWS_MAX_ATTEMPTS);
  const runCheck = createAwsRunCheck({
    ...(Number.isInteger(maxAttempts) && maxAttempts > 0 ? { maxAttempts } : {}),
    ...(env.AWS_REGION ? { homeRegion: env.AWS_REGION } : {}),
  });
  process.exitCode = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env,
    runCheck,
  });
}

void main();
