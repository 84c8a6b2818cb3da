import { runCli } from './program';
import { createAwsRunCheck } from './run-check';
import { createAwsRunFleetCheck } from './run-fleet';

/** package.json's engines floor. */
const MIN_NODE_MAJOR = 22;

/** The `tmc-health` entry point, bundled to dist/tmc-health.js (npm run build:cli) and started by bin/. */
async function main(): Promise<void> {
  const env = process.env;
  // Below the floor, say so in one line instead of the SDK's 7-line notice on every command.
  const major = Number(process.versions.node.split('.')[0]);
  if (major < MIN_NODE_MAJOR) {
    process.stderr.write(
      `tmc-health: Node.js ${process.version} is older than the supported ${MIN_NODE_MAJOR}; the AWS SDK stops supporting it in January 2027. Install Node.js ${MIN_NODE_MAJOR} or later (24 recommended).\n`,
    );
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
