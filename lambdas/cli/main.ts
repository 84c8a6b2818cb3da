import { runCli } from './program';
import { createAwsRunCheck } from './run-check';

/** The `tmc-health` entry point, bundled to dist/tmc-health.js (npm run build:cli) and started by bin/. */
async function main(): Promise<void> {
  const env = process.env;
  // The SDK warns on every run under Node 20 (supported by this project) about its own future releases: a
  // 7-line notice on stderr for each command is noise for people and CI logs. Set the variable to 'false' to see it.
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
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
