/**
 * Where the report may break a line: only at spaces and at the boundaries between tokens a renderer marks (after
 * `key=`, after a list's commas). A role, a service account, a check id, a cause, an ARN, a number or a timestamp is
 * never broken; one longer than its line runs past the end instead, on a line of its own. Continuation lines hang
 * under their heading, never at column 0.
 */
import fc from 'fast-check';
import { evaluateCredentials } from '../../lambdas/core/evaluate-credentials';
import type { Finding } from '../../lambdas/core/finding';
import { summarizeRun } from '../../lambdas/core/run-summary';
import { renderTable } from '../../lambdas/cli/render-table';
import type { CheckOutcome } from '../../lambdas/cli/run-check';
import { createStyle } from '../../lambdas/cli/style';
import { renderRow, type Column } from '../../lambdas/cli/table-layout';
import { hangingWrap, NO_BREAK, SOFT_BREAK, wrapText } from '../../lambdas/cli/text';
import { fn, healthyRegion, settings, snapshot } from '../fixtures/inventory';
import { combinedOutcome, irsaRun, linesTooWide, outcomeOf, SCENARIOS, trustPolicyBlocks } from './support';

const B = SOFT_BREAK;
const plain = createStyle(false);
const WIDTHS = [40, 50, 60, 76, 80, 100, 120, 160] as const;

describe('wrapText: breaks only at spaces and at the hints between tokens', () => {
  test.each([
    ['prose, at spaces', 'aaa bbb ccc', 7, ['aaa bbb', 'ccc']],
    [
      'a function name: whole, overflowing',
      'functions acme-prod-data-sync ok',
      12,
      ['functions', 'acme-prod-data-sync', 'ok'],
    ],
    [
      'a cause',
      'cause wildcard-under-string-equals here',
      16,
      ['cause', 'wildcard-under-string-equals', 'here'],
    ],
    ['a role', 'role AccessEC2role denied', 10, ['role', 'AccessEC2role', 'denied']],
    [
      'an ISO timestamp, never at its colons',
      'lastModified 2026-12-07T12:01:04.963213000Z x',
      20,
      ['lastModified', '2026-12-07T12:01:04.963213000Z', 'x'],
    ],
    [
      'an ARN',
      'role arn:aws:iam::123456789012:role/AccessEC2role does not trust',
      30,
      ['role', 'arn:aws:iam::123456789012:role/AccessEC2role', 'does not trust'],
    ],
    ['a number', 'ageHours 1234567890', 6, ['ageHours', '1234567890']],
    [
      'a list too long for a line: after `key=` and its commas',
      `taggedFunctions=${B}acme-prod-data-sync,${B}acme-prod-resource-retriever`,
      31,
      ['taggedFunctions=', 'acme-prod-data-sync,', 'acme-prod-resource-retriever'],
    ],
    [
      'a pair that fits a line moves whole, never `throttles=` / `0`',
      `invocations=${B}5 errors=${B}0 throttles=${B}0 windowMinutes=${B}30`,
      29,
      ['invocations=5 errors=0', 'throttles=0 windowMinutes=30'],
    ],
    [
      'a date stays with its time (no-break space)',
      `CloudTrail 2026-11-22${NO_BREAK}11:00Z to 2026-11-22${NO_BREAK}12:00Z`,
      20,
      ['CloudTrail', '2026-11-22 11:00Z to', '2026-11-22 12:00Z'],
    ],
  ])('%s', (_, text, width, expected) => {
    expect(wrapText(text, width)).toEqual(expected);
  });

  test('the hints never reach the output', () => {
    const lines = wrapText(`a=${B}b,${B}c d${NO_BREAK}e`, 3);
    expect(lines.join('\n')).not.toMatch(/[\u200b\u00a0]/);
    expect(lines).toEqual(['a=', 'b,c', 'd e']);
  });

  test('a hanging paragraph: its continuation lines indented, never at column 0', () => {
    expect(hangingWrap('Summary: 5 FAIL, 0 ERROR, 37 PASS. 2 credentials in us-west-2', 30)).toEqual([
      'Summary: 5 FAIL, 0 ERROR, 37',
      '  PASS. 2 credentials in',
      '  us-west-2',
    ]);
    expect(
      hangingWrap('1. FAIL HIGH tmc.lambda.missing (us-west-2 / acme-staging)', 30, '', '     '),
    ).toEqual(['1. FAIL HIGH', '     tmc.lambda.missing', '     (us-west-2 /', '     acme-staging)']);
  });
});

/** How often `token` occurs whole on a line, and how often in the text with its line breaks taken out. */
function occurrences(out: string, token: string): { onALine: number; acrossLines: number } {
  const count = (text: string) => text.split(token).length - 1;
  return {
    onALine: out.split('\n').reduce((sum, line) => sum + count(line), 0),
    acrossLines: count(out.replace(/\n */g, '')),
  };
}

const TIMESTAMP = '2026-12-07T12:01:04.963213000Z';

function credentialOutcome(): CheckOutcome {
  const region = healthyRegion(['acme-prod']);
  const functions = region.functions.map((f) =>
    f.name === 'acme-prod-data-sync'
      ? fn('acme-prod', 'data-sync', {
          configuration: {
            ok: true,
            value: {
              state: 'Active',
              lastUpdateStatus: 'Successful',
              description: '',
              lastModified: TIMESTAMP,
            },
          },
        })
      : f,
  );
  const inventory = snapshot({ ...region, functions });
  const findings = evaluateCredentials(inventory, settings);
  return { accountId: inventory.accountId, findings, summary: summarizeRun(inventory, findings) };
}

describe('identifiers stay whole in the rendered report, at every width', () => {
  const cases: readonly [string, string, () => CheckOutcome][] = [
    ['a function name in the evidence', 'acme-prod-data-sync', credentialOutcome],
    ['the longest function name', 'acme-prod-resource-retriever', credentialOutcome],
    ['an ISO timestamp in the evidence', TIMESTAMP, credentialOutcome],
    [
      'a cause in the IRSA table',
      'wildcard-under-string-equals',
      () => combinedOutcome(undefined, irsaRun()),
    ],
    ['a role in the IRSA table', 'AccessEC2role', () => combinedOutcome(undefined, irsaRun())],
    ['a service account', 'serverless/aws-sdk', () => combinedOutcome(undefined, irsaRun())],
    ['a check id', 'tmc.event-rule.disabled', () => outcomeOf(SCENARIOS.failing())],
    [
      'an ARN in a message',
      'arn:aws:iam::111122223333:role/irsa-batch-jobs',
      () => combinedOutcome(undefined, irsaRun()),
    ],
    ['a timestamp in a message', '2026-11-22T11:55:00.000Z', () => combinedOutcome(undefined, irsaRun())],
  ];
  test.each(cases)('%s (%s)', (_, token, make) => {
    const outcome = make();
    for (const width of WIDTHS) {
      const out = renderTable(outcome.findings, outcome.summary, {
        width,
        style: plain,
        all: true,
        wholeEvidence: true,
        ...(outcome.irsa ? { irsa: outcome.irsa } : {}),
      });
      const seen = occurrences(out, token);
      expect({ width, ...seen }).toEqual({ width, onALine: seen.acrossLines, acrossLines: seen.acrossLines });
      expect(seen.onALine).toBeGreaterThan(0);
      // Every line fits but a trust policy's, which overflows rather than break (see the test below).
      expect(linesTooWide(trustPolicyBlocks(out).rest, width)).toEqual([]);
    }
  });

  test("a correction's trust policy is never wrapped: at every width it is the finding's document, line for line", () => {
    const outcome = combinedOutcome(undefined, irsaRun());
    const documents = outcome.irsa!.findings.flatMap((f) =>
      f.correction?.trustPolicy ? [f.correction] : [],
    );
    expect(documents.length).toBeGreaterThanOrEqual(2);
    for (const width of [...WIDTHS, 20]) {
      const out = renderTable(outcome.findings, outcome.summary, {
        width,
        style: plain,
        irsa: outcome.irsa!,
      });
      const { blocks } = trustPolicyBlocks(out);
      // Two spaces an indent, under the problem's own five: exactly JSON.stringify's lines, in whatever order the
      // problems come.
      const expected = documents.map((c) =>
        JSON.stringify(c.trustPolicy, null, 2)
          .split('\n')
          .map((line) => `     ${line}`)
          .join('\n'),
      );
      expect([...blocks].sort()).toEqual([...expected].sort());
    }
  });

  test('a cell whose token does not fit its column moves under the row, whole, at column 6', () => {
    const long = 'acme-a-very-long-credential-name-data-sync-function';
    const finding = { ...SCENARIOS.failing()[0]!, evidence: { functions: [long], count: 3 } } as Finding;
    const columns: Column[] = [
      { header: 'CHECK', width: 24, cell: (f) => f.checkId },
      { header: 'EVIDENCE', width: 30, cell: () => `functions=${B}${long} count=${B}3`, wraps: true },
    ];
    expect(renderRow(columns, finding, plain, 80)).toEqual([
      finding.checkId,
      `      functions=${long} count=3`,
    ]);
    // Narrower, it wraps there at its hints and spaces, hanging; the name itself stays whole.
    expect(renderRow(columns, finding, plain, 60)).toEqual([
      finding.checkId,
      '      functions=',
      `        ${long}`,
      '        count=3',
    ]);
    // Where it fits, it stays in its column, hanging.
    expect(renderRow([columns[0]!, { ...columns[1]!, width: 62 }], finding, plain, 100)).toEqual([
      `${finding.checkId.padEnd(24)}  functions=${long}`,
      `${' '.repeat(26)}  count=3`,
    ]);
  });

  test('a cut row ends at a whole value, never mid-number', () => {
    const finding = outcomeOf(SCENARIOS.healthy()).findings.find(
      (f) => f.status === 'PASS' && f.checkId === 'tmc.lambda.not-invoked',
    )!;
    const evidence = 'invocations=12 errors=0 throttles=0 windowMinutes=30 region=us-west-2';
    for (const width of [30, 31, 32, 33, 34, 35, 36, 40, 44, 48, 52]) {
      const column: Column = {
        header: 'EVIDENCE',
        width,
        cell: () => evidence,
        wraps: true,
        maxLines: () => 1,
      };
      const [line, ...more] = renderRow([column], finding, plain);
      expect(more).toEqual([]);
      expect(line!.length).toBeLessThanOrEqual(width);
      expect(line).toMatch(/ \.\.\.$/);
      expect(`${evidence} `.startsWith(`${line!.replace(/ \.\.\.$/, '')} `)).toBe(true);
    }
  });
});

describe('headings and paragraphs hang: continuation lines never start at column 0', () => {
  // Without the corrections: their trust policy is JSON laid out by correctionLines, never wrapped.
  const irsa = irsaRun();
  const findings = irsa.findings.map(({ correction: _, ...f }) => f);
  const outcome = combinedOutcome(SCENARIOS.failing(), { ...irsa, findings });
  test.each(WIDTHS)('at %i columns', (width) => {
    const out = renderTable(outcome.findings, outcome.summary, { width, style: plain, irsa: outcome.irsa! });
    const lines = out.split('\n');
    // A problem heading's continuation lines hang under its text, two columns in from its number.
    lines.forEach((line, index) => {
      const heading = /^(\d+\. )(FAIL|ERROR) /.exec(line);
      if (!heading) return;
      const hang = ' '.repeat(heading[1]!.length + 2);
      for (let next = index + 1; !/^ {3}\S/.test(lines[next]!); next += 1) {
        expect(lines[next]!.startsWith(hang)).toBe(true);
      }
    });
    // The scan lines and the summary: every line after the first of each is indented.
    const summary = lines.findIndex((line) => line.startsWith('Summary:'));
    for (let next = summary + 1; !lines[next]!.startsWith('More on any check'); next += 1) {
      expect(lines[next]).toMatch(/^ {2}\S/);
    }
    // Only the report's own lines start at column 0: headings, table headers and rows, the summary.
    const own =
      /^(Credential |Account |IRSA |CloudTrail |COMPONENT |ROLE |FAIL |ERROR |Passed |Problems |\d+\. |Summary: |More on any check|No denied )/;
    let inTable = false;
    const stray = lines.filter((line) => {
      if (line === '') inTable = false;
      if (/^(COMPONENT|ROLE) /.test(line)) inTable = true;
      return line !== '' && !line.startsWith(' ') && !own.test(line) && !inTable;
    });
    expect(stray).toEqual([]);
  });
});

/**
 * An identifier as AWS spells them: no spaces, any of the punctuation names and ARNs carry; at least 8 characters,
 * so that finding it split across two lines cannot be a coincidence of the text around it.
 */
const identifier = fc
  .stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:/@+=,-]{7,70}$/)
  .filter((token) => !token.startsWith('arn:'));

/** Whether `token` is cut anywhere in `out`: one line ends with its start and the next begins with the rest. */
function splitAcrossLines(out: string, token: string): boolean {
  const lines = out.split('\n');
  return lines.slice(0, -1).some((line, index) => {
    const next = lines[index + 1]!.trimStart();
    for (let cut = 1; cut < token.length; cut += 1) {
      if (line.endsWith(token.slice(0, cut)) && next.startsWith(token.slice(cut))) return true;
    }
    return false;
  });
}

describe('property: any identifier, at any width, is printed whole on one line', () => {
  test('wrapText, among prose', () => {
    fc.assert(
      fc.property(
        identifier,
        fc.integer({ min: 1, max: 120 }),
        fc.array(fc.constantFrom('a', 'bb', 'the role'), { maxLength: 6 }),
        (token, width, words) => {
          const lines = wrapText([...words, token, ...words].join(' '), width);
          expect(lines.some((line) => line.split(' ').includes(token))).toBe(true);
          for (const line of lines) if (line.length > width) expect(line).not.toContain(' ');
        },
      ),
    );
  });

  test('an evidence value in the credential table and its stacked form', () => {
    const base = SCENARIOS.failing().find((f) => f.status === 'FAIL')!;
    fc.assert(
      fc.property(identifier, fc.integer({ min: 40, max: 200 }), (token, width) => {
        const finding: Finding = {
          ...base,
          evidence: { functions: [token, 'other-fn'], lastModified: token },
        };
        const { summary } = outcomeOf([finding]);
        const out = renderTable([finding], summary, { width, style: plain, wholeEvidence: true });
        expect(occurrences(out, token).onALine).toBeGreaterThanOrEqual(2);
        expect(splitAcrossLines(out, token)).toBe(false);
        expect(linesTooWide(out, width)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  test('a role name in the IRSA table, its stacked form and its problem heading', () => {
    const irsa = irsaRun();
    fc.assert(
      fc.property(identifier, fc.integer({ min: 40, max: 200 }), (token, width) => {
        const findings = irsa.findings.map((f) =>
          f.resource.name === 'AccessEC2role' ? { ...f, resource: { ...f.resource, name: token } } : f,
        );
        const outcome = combinedOutcome(undefined, { ...irsa, findings });
        const out = renderTable(outcome.findings, outcome.summary, {
          width,
          style: plain,
          irsa: outcome.irsa!,
        });
        expect(occurrences(out, token).onALine).toBeGreaterThanOrEqual(2);
        expect(splitAcrossLines(out, token)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
