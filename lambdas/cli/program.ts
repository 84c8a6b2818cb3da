import { Command, CommanderError } from 'commander';
import { isCheckId } from '../core/explain';
import { cleanLine, cleanText } from '../core/untrusted-text';
import { isDiagnosisCause } from '../core/irsa/cause-catalogue';
import { version } from '../../package.json';
import { CHECK_FAMILY_HELP, checkOptionsFromFlags, collectList, type CheckFlags } from './check-options';
import { DURATION_FORMAT } from './durations';
import { CliError, EXIT, EXIT_CODES_HELP, exitCodeFor, usageError, type ExitCode } from './exit-codes';
import {
  DEFAULT_READ_ONLY_ROLE_NAME,
  DEFAULT_ROLE_SESSION_NAME,
  FLEET_FORMAT,
  type FleetFlags,
} from './fleet-options';
import { createProgress, type Writer } from './progress';
import { renderCheckList, renderExplain, renderExplainCause, suggestCheckIds } from './render-explain';
import { renderFleetTable } from './render-fleet';
import { renderFleetJson, renderJson } from './render-json';
import { renderTable } from './render-table';
import type { RunCheck } from './run-check';
import type { RunFleetCheck } from './run-fleet';
import type { RunFleetView } from './run-fleet-view';
import type { FleetViewFlags } from './fleet-view-options';
import { createStyle, shouldUseColour } from './style';
import { wrapText } from './text';
import { UsageErrors } from './usage-problems';

export interface OutputStream extends Writer {
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface CliDependencies {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  /** Read for defaults and colour; `--profile` writes AWS_PROFILE into it before any AWS client exists. */
  readonly env: Record<string, string | undefined>;
  readonly runCheck: RunCheck;
  /** `check --accounts`: each account through its read-only role. */
  readonly runFleetCheck: RunFleetCheck;
  /**
   * `fleet`: the hub's heartbeat table and findings ledger.
   * @default the real reads, loaded (with the DynamoDB client) only when `fleet` runs
   */
  readonly runFleetView?: RunFleetView;
}

const DEFAULT_WIDTH = 100;
const MIN_WIDTH = 40;

/** The terminal's width when stdout is one, else $COLUMNS, else 100. */
export function outputWidth(stdout: OutputStream, env: Readonly<Record<string, string | undefined>>): number {
  const fromTty = stdout.isTTY && stdout.columns ? stdout.columns : undefined;
  const fromEnv = Number(env.COLUMNS);
  const width = fromTty ?? (Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_WIDTH);
  return Math.max(MIN_WIDTH, width);
}

/**
 * Help text after the options: prose paragraphs wrapped at spaces to the help width like commander's own, and
 * blocks of lines (examples, commands to copy) kept as written, overflowing rather than broken.
 */
function helpParagraphs(blocks: readonly (string | readonly string[])[], width: number): string {
  const rendered = blocks.map((block) =>
    (typeof block === 'string' ? wrapText(block, width) : block).join('\n'),
  );
  return `\n${rendered.join('\n\n')}`;
}

interface GlobalFlags {
  readonly color: boolean;
  readonly debug?: boolean;
}

/**
 * Builds the commander program. Actions record their exit code in `state` rather than exiting, so tests run
 * the whole command in-process with fake streams, env and runCheck.
 */
export function buildProgram(deps: CliDependencies, state: { exitCode: ExitCode }): Command {
  const { stdout, stderr, env } = deps;
  const program = new Command('tmc-health')
    .description(
      'Check the AWS side of Tanzu Mission Control credentials, and EKS IAM roles for service accounts (IRSA), ' +
        'from your own machine or CI, with the same checks the deployed Lambdas run.',
    )
    .version(version, '-V, --version')
    .option('--no-color', 'never colour the output (also NO_COLOR=1; FORCE_COLOR=1 forces colour)')
    .option('--debug', 'print stack traces of unexpected errors')
    .configureOutput({
      writeOut: (text) => stdout.write(text),
      // Commander's errors quote the arguments given: cleaned like any other text not written here.
      writeErr: (text) => stderr.write(cleanText(text)),
      getOutHelpWidth: () => outputWidth(stdout, env),
      getErrHelpWidth: () => outputWidth(stderr, env),
    })
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('afterAll', `\n${EXIT_CODES_HELP}\n`);

  const globals = (command: Command) => command.optsWithGlobals<GlobalFlags & CheckFlags & FleetFlags>();
  const styleFor = (command: Command) =>
    createStyle(
      shouldUseColour({ colorFlag: globals(command).color, env, stdoutIsTTY: stdout.isTTY === true }),
    );

  program
    .command('check')
    .description(
      'check TMC credentials and IRSA trust in one or more regions and report findings (read-only unless --publish)',
    )
    .option(
      '-r, --region <regions>',
      'AWS regions to check, e.g. us-east-1, comma-separated or repeated, all in one partition (default: AWS_REGION; IRSA also reads us-east-1, where the global STS endpoint logs, and the region of each EKS OIDC provider)',
      collectList,
    )
    .option(
      '-c, --credential <names...>',
      'only these TMC credentials, by name, space or comma separated; each one absent from a region is a finding',
      (value: string, previous?: string[]) => collectList(value, previous),
    )
    .option(
      '--checks <families>',
      `check families, comma-separated: ${CHECK_FAMILY_HELP} (default: all of them, as the default stack runs)`,
      collectList,
    )
    .option(
      '--since <duration>',
      `how far back to look, ${DURATION_FORMAT.since}: the "has it run?" metrics window (default: 30m) and the IRSA CloudTrail lookback (default: 60m)`,
    )
    .option(
      '--token-max-age <duration>',
      `token age that counts as stale, ${DURATION_FORMAT.tokenMaxAge} (default: 720h)`,
    )
    .option(
      '-p, --profile <profile>',
      'AWS profile to use, a profile name from ~/.aws/config (sets AWS_PROFILE for the SDK)',
    )
    .option('--json', 'print one JSON document {findings, summary} on stdout and nothing else')
    .option(
      '--publish',
      'also publish the FAIL and ERROR findings to EventBridge (and the SNS topic) like the Lambdas',
    )
    .option('--publish-all', 'with --publish, PASS findings too (implies --publish)')
    .option('--failing', 'show only FAIL and ERROR, none of what passed')
    .option(
      '--all',
      'list every check, PASS included, instead of one "passed" line per credential, region and IRSA scan',
    )
    .option(
      '--event-bus <nameOrArn>',
      'bus for --publish: a name or an event bus ARN, arn:aws:events:<region>:<id>:event-bus/<name> (default: TMC_HEALTH_EVENT_BUS or "default")',
    )
    .option(
      '--topic-arn <arn>',
      'SNS topic for --publish summaries: arn:aws:sns:<region>:<id>:<name>, not a FIFO topic (default: TMC_HEALTH_TOPIC_ARN)',
    )
    .option(
      '--fix-dir <dir>',
      "write each IRSA finding's corrected trust policy, the role's whole document, to <dir>/<roleName>.json (the directory is created), and print the aws iam update-assume-role-policy command that applies it",
    )
    .option(
      '--accounts <ids...>',
      'check these accounts instead of your own: 12-digit ids, e.g. 111122223333 (leading zeros count), comma or space separated; each through the read-only role --role-name names in it',
      (value: string, previous?: string[]) => [...(previous ?? []), value],
    )
    .option(
      '--role-name <name>',
      `with --accounts: the role to assume in each account, arn:<partition>:iam::<id>:role/<name>: ${FLEET_FORMAT.roleName} (default: ${DEFAULT_READ_ONLY_ROLE_NAME}, the role FleetReadOnlyRole deploys)`,
    )
    .option(
      '--external-id <id>',
      `with --accounts: the external id the role's trust policy requires, ${FLEET_FORMAT.externalId}`,
    )
    .option(
      '--role-session-name <name>',
      `with --accounts: the session name each account's CloudTrail shows, ${FLEET_FORMAT.sessionName} (default: ${DEFAULT_ROLE_SESSION_NAME})`,
    )
    .addHelpText('after', () =>
      helpParagraphs(
        [
          'AWS access uses the standard SDK credential chain and environment: AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>, AWS_MAX_ATTEMPTS. The TMC_HEALTH_* variables the Lambdas are configured with give defaults (for example TMC_HEALTH_EVENT_BUS, TMC_HEALTH_TOPIC_ARN, TMC_HEALTH_IRSA_MAX_PAGES_PER_REGION).',
          "IRSA: each run reads the whole --since window of CloudTrail (LookupEvents, 2 requests/s per region) and keeps no watermark, so it never moves the Lambda's. It needs cloudtrail:LookupEvents, iam:GetRole, iam:ListOpenIDConnectProviders and iam:GetOpenIDConnectProvider; without them its findings are ERROR (exit 3). Use --checks tmc to leave IRSA out.",
          "Several accounts without the hub: --accounts assumes the read-only role (sts:AssumeRole with your own credentials) in each account, 4 accounts at a time, and runs the same checks there. Read-only: not with --publish. An account whose role cannot be assumed gives one ERROR finding (checker.error) naming the account, the role ARN and the STS error; the other accounts are still checked. The tables come in a section per account, then a line of counts per account; with --json every finding carries its accountId and summary.accounts holds each account's summary.",
          [
            'Examples:',
            '  tmc-health check --region us-east-1,eu-west-1',
            '  tmc-health check --credential acme-prod --since 2h --json | jq .summary',
            '  tmc-health check --checks irsa --region us-west-2,us-east-1 --since 6h',
            '  tmc-health check --failing',
            '  tmc-health check --checks irsa --fix-dir ./trust-fixes',
            '  tmc-health check --all --credential acme-prod',
            '  tmc-health check --accounts 111122223333,444455556666 --role-name ReadOnly',
            '  # moto lacks CloudTrail LookupEvents: leave IRSA out (npm run demo has both)',
            '  AWS_ENDPOINT_URL=http://localhost:5000 \\',
            '    tmc-health check --checks tmc --region us-west-2',
          ],
        ],
        outputWidth(stdout, env),
      ),
    )
    .action(async (_options: CheckFlags, command: Command) => {
      const flags = globals(command);
      // Every flag error at once, before anything is resolved: no region, credential or account is looked up
      // until the whole command line is valid.
      const { families, fleet, settings, irsaSettings, fixDir } = checkOptionsFromFlags(flags, env);
      if (flags.profile !== undefined) env.AWS_PROFILE = flags.profile;
      const progress = createProgress(stderr, stderr.isTTY === true);
      if (fleet) {
        let fleetOutcome;
        try {
          fleetOutcome = await deps.runFleetCheck({
            families,
            settings,
            ...(irsaSettings ? { irsaSettings } : {}),
            target: fleet,
            onProgress: (event) => progress.update(event),
          });
        } finally {
          progress.stop();
        }
        stdout.write(
          flags.json
            ? renderFleetJson(fleetOutcome)
            : renderFleetTable(fleetOutcome, {
                width: outputWidth(stdout, env),
                style: styleFor(command),
                failingOnly: flags.failing === true,
                all: flags.all === true,
                wholeEvidence: stdout.isTTY !== true,
              }),
        );
        state.exitCode = exitCodeFor(fleetOutcome.findings);
        return;
      }
      let outcome;
      try {
        outcome = await deps.runCheck({
          families,
          settings,
          ...(irsaSettings ? { irsaSettings } : {}),
          publish: flags.publish === true || flags.publishAll === true,
          publishAll: flags.publishAll === true,
          onProgress: (event) => progress.update(event),
        });
      } finally {
        progress.stop();
      }
      if (flags.json) stdout.write(renderJson(outcome.findings, outcome.summary));
      else {
        stdout.write(
          renderTable(outcome.findings, outcome.summary, {
            width: outputWidth(stdout, env),
            style: styleFor(command),
            ...(outcome.irsa ? { irsa: outcome.irsa } : {}),
            failingOnly: flags.failing === true,
            all: flags.all === true,
            // Piped or redirected: keep every evidence value whole (wrapped), nobody scrolls a cut one back.
            wholeEvidence: stdout.isTTY !== true,
          }),
        );
      }
      if (fixDir !== undefined) {
        // Loaded only with the flag: no other run pays for the writer and node:fs.
        const { writeCorrections } = await import('./fix-dir');
        const written = await writeCorrections(fixDir, outcome.findings);
        // Under --json stdout is the one JSON document: the commands go to stderr.
        (flags.json ? stderr : stdout).write(`${written.lines.join('\n')}\n`);
      }
      if (outcome.publishReport) {
        const report = outcome.publishReport;
        stderr.write(
          `${cleanLine(
            `Published ${report.findingCount} findings (${report.delivered} delivered) to event bus ${settings.eventBusName}` +
              `${settings.topicArn ? ` and topic ${settings.topicArn}` : ''}.`,
          )}\n`,
        );
      }
      state.exitCode = exitCodeFor(outcome.findings);
    });

  program
    .command('fleet')
    .description("the hub's member accounts: last report, open FAIL and ERROR counts, silence")
    .option('--heartbeat-table <name>', "the hub's HeartbeatTableName output")
    .option('--ledger-table <name>', "the hub's FindingsLedgerTableName output")
    .option('-r, --region <region>', "the hub's region (default: AWS_REGION)")
    .option('--silent-after <minutes>', 'silent past this age, as memberSilentAfterMinutes (default: 45)')
    .option('-p, --profile <profile>', 'AWS profile to use')
    .option('--json', 'print one JSON document')
    .addHelpText('after', '\nRead-only; permissions and exit codes: docs/organizations.md\n')
    .action(async (_options: FleetViewFlags, command: Command) => {
      const { runFleetCommand } = await import('./fleet-view-command');
      const flags = command.opts<FleetViewFlags & { profile?: string; json?: boolean }>();
      state.exitCode = await runFleetCommand(flags, env, (text) => stdout.write(text), deps.runFleetView);
    });

  program
    .command('explain')
    .description(
      'explain a check (what it verifies, what a failure means, who can fix it and how) or an IRSA cause',
    )
    .argument(
      '[checkId|cause]',
      "a check id from a finding, e.g. tmc.lambda.missing, or an IRSA finding's evidence.cause, e.g. sub-mismatch (omit to list them all)",
    )
    .addHelpText(
      'after',
      '\nExamples:\n  tmc-health explain tmc.event-rule.disabled\n  tmc-health explain sub-mismatch\n',
    )
    .action((checkId: string | undefined, _options: unknown, command: Command) => {
      const width = outputWidth(stdout, env);
      if (checkId === undefined) {
        stdout.write(renderCheckList(width));
        return;
      }
      if (isDiagnosisCause(checkId)) {
        stdout.write(renderExplainCause(checkId, width, styleFor(command)));
        return;
      }
      if (!isCheckId(checkId)) {
        const suggestions = suggestCheckIds(checkId);
        throw usageError(
          `unknown check id or IRSA cause '${checkId}'.` +
            (suggestions.length > 0 ? ` Did you mean: ${suggestions.join(', ')}?` : '') +
            ' Run `tmc-health explain` to list all checks and causes.',
        );
      }
      stdout.write(renderExplain(checkId, width, styleFor(command)));
    });

  return program;
}

/** Runs the command line (arguments after the program name) and returns the exit code; never throws. */
export async function runCli(argv: readonly string[], deps: CliDependencies): Promise<ExitCode> {
  const state: { exitCode: ExitCode } = { exitCode: EXIT.OK };
  const program = buildProgram(deps, state);
  const debug = argv.includes('--debug');
  try {
    if (argv.length === 0) {
      deps.stderr.write(program.helpInformation());
      return EXIT.USAGE;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return state.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version exit 0; every parse error (already printed by commander) is a usage error.
      return error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    // Error messages quote AWS answers and arguments (a role ARN, an account's error text): cleaned like data.
    if (error instanceof UsageErrors) {
      // One line per problem, each as a single error would be printed: nothing to fix is hidden behind another.
      for (const problem of error.problems) deps.stderr.write(`tmc-health: error: ${cleanLine(problem)}\n`);
      return error.exitCode;
    }
    if (error instanceof CliError) {
      deps.stderr.write(`tmc-health: error: ${cleanLine(error.message)}\n`);
      if (debug && error.cause !== undefined) deps.stderr.write(`${cleanText(describeError(error.cause))}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
    deps.stderr.write(
      `tmc-health: error: the check could not run: ${cleanLine(message)}` +
        `${debug ? `\n${cleanText(describeError(error))}` : ' (run with --debug for details)'}\n`,
    );
    return EXIT.ERROR;
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
