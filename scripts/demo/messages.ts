/** The demo's own words around the CLI's report: what is seeded, what the user saw, what to run next. */
import { BROKEN_CREDENTIAL, DEMO_PAIRS, HEALTHY_CREDENTIAL, REGION, STALE_TOKEN_AGE_DAYS } from './account';
import type { CliRun } from './cli';

/** How a user would name each seeded IRSA mistake. */
const CAUSE_WORDS: Readonly<Record<string, string>> = {
  'sub-mismatch': 'trust policy names another service account',
  'aud-mismatch': 'wrong audience',
  'wildcard-under-string-equals': 'wildcard under StringEquals',
};

/** Word-wraps `text` to `width` columns, keeping its indentation; continuation lines are indented `hang` more. */
export function wrap(text: string, width: number, hang: number): string[] {
  const indent = /^ */.exec(text)![0];
  const lines: string[] = [];
  let current = indent;
  for (const word of text.trim().split(/ +/)) {
    if (current.trim() !== '' && current.length + 1 + word.length > width) {
      lines.push(current);
      current = `${indent}${' '.repeat(hang)}${word}`;
    } else current = current.trim() === '' ? `${current}${word}` : `${current} ${word}`;
  }
  lines.push(current);
  return lines;
}

/** Whether the CLI is asked for JSON: then its stdout is the document alone, and the demo's lines go to stderr. */
export const jsonRequested = (flags: readonly string[]): boolean => flags.includes('--json');

/** The flags given to the demo: `check`'s arguments after `check`. */
const flagsOf = (args: readonly string[]): readonly string[] => args.slice(1);

export function header(args: readonly string[], width: number): string[] {
  const pairs = DEMO_PAIRS.map((pair) => {
    const where =
      pair.region === REGION ? '' : `; logged in ${pair.region}, the global STS endpoint's region`;
    return `${pair.namespace}/${pair.serviceAccount} (${CAUSE_WORDS[pair.cause] ?? pair.cause}${where})`;
  });
  return [
    'tmc-health demo: a pretend AWS account in a local emulator (moto), checked by the real CLI.',
    `  TMC credentials in ${REGION}: ${HEALTHY_CREDENTIAL}, healthy, and ${BROKEN_CREDENTIAL}, broken: its resource-retriever Lambda deleted, its auth token last updated ${STALE_TOKEN_AGE_DAYS} days ago (the emulator cannot backdate a parameter, so a small proxy in front of it reports that age).`,
    `  IRSA: pods denied their IAM role in the last hour, as CloudTrail logs it: ${pairs.join(', ')}.`,
  ]
    .flatMap((paragraph) => wrap(paragraph, width, 2))
    .concat(
      `$ tmc-health ${args.join(' ')}    # AWS_REGION=${REGION}, AWS_ENDPOINT_URL=<the emulator>, test credentials`,
    );
}

/** What each exit code of `tmc-health check` means, as the footer says it. */
const EXIT_WORDS: Readonly<Record<number, string>> = {
  0: 'everything shown passed',
  1: 'at least one FAIL',
  2: 'a usage error',
  3: 'a check could not run',
};

export function footer(cli: CliRun, width: number): string[] {
  const flags = flagsOf(cli.args);
  // Said only of the report the demo was written for: flags (--credential, --checks, ...) change what is shown.
  const saw =
    flags.length === 0
      ? [
          `What you saw: the checks the deployed Lambdas run every 15 minutes, run once from your machine, problems first: ${BROKEN_CREDENTIAL} FAILs for its stale token and its missing Lambda, and each IRSA denial names its cause and the trust policy statement that fixes it; what passed (${HEALTHY_CREDENTIAL}, the rest of ${BROKEN_CREDENTIAL}, the AWS reads) is one line each under Passed.`,
        ]
      : [];
  const said = [
    ...saw,
    `tmc-health exited ${cli.code}: ${EXIT_WORDS[cli.code ?? -1] ?? 'it crashed'} (0: everything passed, 1: a FAIL, 2: usage error, 3: a check could not run). The demo itself exits 0.`,
  ].flatMap((paragraph) => wrap(paragraph, width, 2));
  return [
    ...said,
    'Next:',
    ...[
      ['npm run demo -- --all', 'every check, PASS included'],
      ['npm run -s demo -- --json | jq .summary', 'any check flag: --json, --failing, ...'],
      ['npx tmc-health explain tmc.token.stale', 'what a check verifies, who can fix it, how'],
      ['npx tmc-health check --region <region>', 'the same report for your own account'],
      ['npm run synth', 'the CloudFormation template, offline'],
      [
        'npx cdk deploy -c notificationEmails=you@example.com',
        'deploy the scheduled checks (README, Deploy)',
      ],
    ].map(([command, what]) => `  ${command!.padEnd(54)}${what!}`),
  ];
}

/**
 * Why a CLI run is not the expected report, or undefined when it is: exit 1 (the seeded FAILs) for the demo's
 * own command; with flags given, exit 0 too (`--credential acme-prod` has nothing to report).
 */
export function unexpectedRun(cli: CliRun): string | undefined {
  const flags = flagsOf(cli.args);
  const expected = flags.length === 0 ? [1] : [0, 1];
  if (cli.code !== null && expected.includes(cli.code)) return undefined;
  if (cli.signal !== null)
    return `tmc-health was killed by ${cli.signal}; the demo expects exit 1 (FAILs found).`;
  const meaning: Readonly<Record<number, string>> = {
    0: 'no FAIL at all, so the seeded faults were not seen',
    2: 'a usage or configuration error',
    3: 'a check could not run (ERROR findings, or the emulator unreachable)',
  };
  const wanted = flags.length === 0 ? 'exit 1, the FAILs it seeded' : 'exit 0 or 1, a report';
  return (
    `tmc-health exited ${cli.code} (${meaning[cli.code ?? -1] ?? 'it crashed'}); ` +
    `the demo expects ${wanted}. Its output is above.`
  );
}
