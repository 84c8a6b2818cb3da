import type { Finding } from '../core/finding';

/** The command's exit codes: documented in `--help` and the README, relied upon by CI jobs. */
export const EXIT = {
  /** Every finding is PASS. */
  OK: 0,
  /** At least one FAIL finding. */
  FAIL: 1,
  /** Bad arguments or configuration (no region, unknown check, bad duration, no AWS credentials). */
  USAGE: 2,
  /** A check could not run: ERROR findings and no FAIL, or AWS unreachable, or publishing failed. */
  ERROR: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** FAIL wins over ERROR (a known problem is more actionable than an unknown), ERROR over PASS. */
export function exitCodeFor(findings: readonly Pick<Finding, 'status'>[]): ExitCode {
  if (findings.some((finding) => finding.status === 'FAIL')) return EXIT.FAIL;
  if (findings.some((finding) => finding.status === 'ERROR')) return EXIT.ERROR;
  return EXIT.OK;
}

/** An expected failure: printed as one line (no stack trace unless --debug) and mapped to its exit code. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
  }
}

export const usageError = (message: string) => new CliError(EXIT.USAGE, message);

export const EXIT_CODES_HELP = [
  'Exit codes:',
  '  0  every check passed',
  '  1  at least one check failed (FAIL findings)',
  '  2  usage or configuration error',
  '  3  a check could not run (ERROR and no FAIL, AWS unreachable, publish failed)',
].join('\n');
