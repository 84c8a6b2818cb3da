import { CATALOGUE, checkAnchor } from './catalogue';
import { CHECK_IDS, type CheckId } from './finding';

/** One check's catalogue entry as Markdown; the docs and the CLI's `explain` both render it. */
export function explainCheck(checkId: CheckId): string {
  const check = CATALOGUE[checkId];
  return [
    `### ${check.id}`,
    '',
    `**${check.name}** · default severity ${check.defaultSeverity}${check.component ? ` · component \`${check.component}\`` : ''}`,
    '',
    `**Verifies.** ${check.verifies}`,
    '',
    `**What a failure means.** ${check.meaning}`,
    '',
    `**Who can fix it.** ${check.whoCanFix}`,
    '',
    '**How.**',
    '',
    ...check.steps.map((step, index) => `${index + 1}. ${step}`),
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

/** docs/checks.md, generated: edit lambdas/core/catalogue.ts and run `npm run docs`. */
export function renderCheckCatalogue(): string {
  const index = CHECK_IDS.map((id) => {
    const check = CATALOGUE[id];
    return `| [\`${id}\`](#${checkAnchor(id)}) | ${check.name} | ${check.defaultSeverity} |`;
  });
  return [
    '<!-- Generated from lambdas/core/catalogue.ts by `npm run docs`; do not edit by hand. -->',
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
