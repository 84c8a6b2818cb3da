/**
 * `npm run demo`: bash scripts/with-moto.sh ts-node --transpile-only scripts/demo/main.ts (npm puts ts-node on PATH)
 *
 * `npm run demo -- <flags>` passes the flags to `tmc-health check` (--json, --failing, --all, --credential, --since,
 * ...). With --json the demo's own lines go to stderr, so stdout is the CLI's JSON document alone (`npm run -s`
 * keeps npm's own banner out of stdout too).
 *
 * Exits 0 when the CLI ran and reported the seeded faults (the CLI itself exits 1 because of them; with flags, exit
 * 0 counts as well), 1 otherwise.
 */
import { runDemo } from './demo';
import { jsonRequested, unexpectedRun } from './messages';
import { DemoSetupError } from './setup-error';

/** The CLI's own width when it has neither a terminal nor COLUMNS. */
const DEFAULT_COLUMNS = 100;

async function main(): Promise<number> {
  // The demo's own SDK clients (seeding) would print the SDK's 7-line notice below Node 22; the CLI, whose
  // environment drops every AWS_* variable, still says it in one line.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const motoEndpoint = process.env.MOTO_ENDPOINT;
  if (motoEndpoint === undefined || motoEndpoint === '') {
    process.stderr.write(
      'demo: MOTO_ENDPOINT is not set: run it with `npm run demo` (scripts/with-moto.sh starts the emulator).\n',
    );
    return 1;
  }
  const flags = process.argv.slice(2);
  // The CLI writes to this very stdout (a terminal: its width, colour and progress line, as for any user). The
  // demo's own lines share it, unless stdout is to hold the CLI's JSON alone.
  const narration = narrationStream(flags);
  const columns = process.stdout.isTTY ? process.stdout.columns : Number(process.env.COLUMNS ?? 0);
  const result = await runDemo({
    motoEndpoint,
    flags,
    write: (text) => narration.write(text),
    width: columns > 0 ? columns : DEFAULT_COLUMNS,
    cli: { mode: 'inherit' },
  });
  const problem = unexpectedRun(result.cli);
  if (problem !== undefined) {
    process.stderr.write(`demo: ${problem}\n`);
    return 1;
  }
  return 0;
}

/** stderr when the CLI prints JSON (--json), else stdout. */
function narrationStream(flags: readonly string[]): NodeJS.WriteStream {
  return jsonRequested(flags) ? process.stderr : process.stdout;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // A stack trace only for what is not one of the demo's own messages (a bug, not a setup problem).
    const text =
      error instanceof DemoSetupError
        ? error.message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error);
    process.stderr.write(`demo: failed: ${text}\n`);
    process.exitCode = 1;
  },
);
