import { CATALOGUE, checkAnchor } from './catalogue';
import { CHECK_DESCRIPTIONS } from './check-descriptions';
import { CHECK_READS } from './check-reads';
import { CHECK_IDS, type CheckId } from './finding';
import { IRSA_CHECK_ID } from './irsa/evaluate-irsa';
import { renderCauseTable } from './irsa/cause-catalogue';

const SCOPE_WORDS = { region: 'per region', credential: 'per credential', resource: 'per resource' } as const;

/** The reads a check's PASS rests on, in words (lambdas/core/check-reads.ts). */
function readsLine(checkId: CheckId): string {
  const reads = CHECK_READS[checkId];
  if (reads.length === 0)
    return '**Rests on.** The calls themselves: one finding per operation, ERROR when it failed.';
  const list = reads.map((read) => `\`${read.operation}\` (${SCOPE_WORDS[read.scope]})`).join(', ');
  return `**Rests on.** ${list}. When one of these reads fails, the finding is ERROR naming it, never PASS.`;
}

/** The IRSA check's causes, one row each. */
function causesSection(checkId: CheckId): string[] {
  if (checkId !== IRSA_CHECK_ID) return [];
  return [
    '',
    '**Causes** (`evidence.cause`; `tmc-health explain <cause>` prints one).',
    '',
    renderCauseTable(),
  ];
}

/** One check's catalogue entry as Markdown; the docs and the CLI's `explain` both render it. */
export function explainCheck(checkId: CheckId): string {
  const check = { ...CATALOGUE[checkId], ...CHECK_DESCRIPTIONS[checkId] };
  return [
    `### ${check.id}`,
    '',
    `**${check.name}** · default severity ${check.defaultSeverity}${check.component ? ` · component \`${check.component}\`` : ''}`,
    '',
    `**Verifies.** ${check.verifies}`,
    '',
    readsLine(checkId),
    '',
    `**What a failure means.** ${check.meaning}`,
    '',
    `**Who can fix it.** ${check.whoCanFix}`,
    '',
    '**How.**',
    '',
    ...check.steps.map((step, index) => `${index + 1}. ${step}`),
    ...causesSection(checkId),
  ].join('\n');
}

export function isCheckId(value: string): value is CheckId {
  return (CHECK_IDS as readonly string[]).includes(value);
}

const STATUS_LEGEND = [
  '| Status | Meaning |',
  '| --- | --- |',
  '| `FAIL` | The check ran and found a problem. |',
  '| `ERROR` | The check could not run (an AWS call failed or was denied); the result is unknown, never assumed healthy. A `checker.error` finding names the call. |',
  '| `PASS` | The check ran and the resource is healthy. Published too, so a resolution can be seen. |',
].join('\n');

/** docs/checks.md, generated: edit lambdas/core/catalogue.ts or check-descriptions.ts and run `npm run docs`. */
export function renderCheckCatalogue(): string {
  const index = CHECK_IDS.map((id) => {
    const check = { ...CATALOGUE[id], ...CHECK_DESCRIPTIONS[id] };
    return `| [\`${id}\`](#${checkAnchor(id)}) | ${check.name} | ${check.defaultSeverity} |`;
  });
  return [
    '<!-- Generated from lambdas/core/catalogue.ts and check-descriptions.ts by `npm run docs`; do not edit by hand. -->',
    '# Check catalogue',
    '',
    'Every finding names one of these checks in `checkId`. Each check yields one finding per resource and run, with status:',
    '',
    STATUS_LEGEND,
    '',
    "A finding's `remediation.runbookUrl` points at the check's section below (set `runbookBaseUrl` to point at your own copy or wiki). `tmc-health explain <checkId>` prints the same text in a terminal.",
    '',
    '| Check id | Verifies | Default severity |',
    '| --- | --- | --- |',
    ...index,
    '',
    ...CHECK_IDS.flatMap((id) => [`<a id="${checkAnchor(id)}"></a>`, '', explainCheck(id), '']),
  ].join('\n');
}
