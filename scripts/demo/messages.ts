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

export function header(args: readonly string[], width: number): string[] {
  const pairs = DEMO_PAIRS.map((pair) => {
    const where =
      pair.region === REGION ? '' : `; logged in ${pair.region}, the global STS endpoint's region`;
    return `${pair.namespace}/${pair.serviceAccount} (${CAUSE_WORDS[pair.cause] ?? pair.cause}${where})`;
  });
  return [
    'tmc-health demo: a pretend AWS account in a local emulator (moto), checked by the real CLI.',
    `  TMC credentials in ${REGION}: ${HEALTHY_CREDENTIAL}, healthy, and ${BROKEN_CREDENTIAL}, broken: its resource-retriever Lambda deleted, its auth token last updated ${STALE_TOKEN_AGE_DAYS} days ago.`,
    `  IRSA: pods denied their IAM role in the last hour, as CloudTrail logs it: ${pairs.join(', ')}.`,
    `  The emulator cannot backdate a parameter, so the demo runs it behind a small proxy that reports ${BROKEN_CREDENTIAL}'s token as last modified ${STALE_TOKEN_AGE_DAYS} days ago.`,
  ]
    .flatMap((paragraph) => wrap(paragraph, width, 2))
    .concat(
      `$ tmc-health ${args.join(' ')}    # AWS_REGION=${REGION}, AWS_ENDPOINT_URL=<the emulator>, test credentials`,
    );
}

export function footer(cli: CliRun, width: number): string[] {
  const said = [
    `What you saw: the checks the deployed Lambdas run every 15 minutes, run once from your machine. ${BROKEN_CREDENTIAL} FAILs for its stale token and its missing Lambda, ${HEALTHY_CREDENTIAL} passes, and each IRSA denial names its cause and the trust policy statement that fixes it.`,
    `tmc-health exited ${cli.code}: at least one FAIL (0: everything passed, 2: usage error, 3: a check could not run). The demo itself exits 0.`,
  ].flatMap((paragraph) => wrap(paragraph, width, 2));
  return [
    ...said,
    'Next:',
    ...[
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

/** Why a CLI run is not the expected report (exit 1: the seeded FAILs), or undefined when it is. */
export function unexpectedRun(cli: CliRun): string | undefined {
  if (cli.code === 1) return undefined;
  if (cli.signal !== null)
    return `tmc-health was killed by ${cli.signal}; the demo expects exit 1 (FAILs found).`;
  const meaning: Readonly<Record<number, string>> = {
    0: 'no FAIL at all, so the seeded faults were not seen',
    2: 'a usage or configuration error',
    3: 'a check could not run (ERROR findings, or the emulator unreachable)',
  };
  return (
    `tmc-health exited ${cli.code} (${meaning[cli.code ?? -1] ?? 'it crashed'}); ` +
    'the demo expects exit 1, the FAILs it seeded. Its output is above.'
  );
}
