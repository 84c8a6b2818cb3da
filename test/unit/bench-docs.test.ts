import * as fs from 'node:fs';
import * as path from 'node:path';
import { performancePageFor, PERFORMANCE_PAGE } from '../../scripts/bench/docs-page';
import {
  renderBenchMarkdown,
  replaceBenchSection,
  SECTION_BEGIN,
  SECTION_END,
} from '../../scripts/bench/markdown';
import { estimateOrganizationCost, type HubCostInput } from '../../scripts/bench/organization-cost';
import type { BenchResults } from '../../scripts/bench/results';

const RESULTS = path.join(__dirname, '..', '..', 'bench', 'results.json');
const results = JSON.parse(fs.readFileSync(RESULTS, 'utf8')) as BenchResults;

describe('docs/performance.md quotes bench/results.json', () => {
  test('the generated section is exactly what the committed results render to', () => {
    // Fails when someone edits a figure by hand or commits results without `npm run bench` updating the page.
    expect(performancePageFor(results)).toBe(fs.readFileSync(PERFORMANCE_PAGE, 'utf8'));
  });

  test('the committed results are complete: every part ran, so the cost is there', () => {
    expect(results.parts).toEqual(['requests', 'cli', 'irsa', 'bundles']);
    expect(results.cost?.fixedUsdPerMonth).toBeGreaterThan(0);
    expect(results.bundles?.rows.map((row) => row.handler)).toEqual(['credential-check', 'irsa-check']);
  });

  test('a changed figure changes the section', () => {
    const changed = { ...results, cost: { ...results.cost!, fixedUsdPerMonth: 123.45 } };
    expect(renderBenchMarkdown(changed)).toContain('$123.45');
    expect(renderBenchMarkdown(results)).not.toContain('$123.45');
  });

  test('the section goes between the markers and nowhere else', () => {
    const page = `intro\n${SECTION_BEGIN}\nold\n${SECTION_END}\noutro\n`;
    const replaced = replaceBenchSection(page, 'new');
    expect(replaced).toBe(`intro\n${SECTION_BEGIN}\n\nnew\n${SECTION_END}\noutro\n`);
    expect(() => replaceBenchSection('no markers', 'new')).toThrow(/lacks the markers/);
  });
});

describe('the README quotes the same cost', () => {
  test('fixed and per credential-region figures match bench/results.json', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    const cost = results.cost!;
    expect(readme).toContain(`**$${cost.fixedUsdPerMonth.toFixed(2)} a month fixed`);
    expect(readme).toContain(
      `$${cost.perCredentialRegionUsdPerMonth.toFixed(2)} a month per credential and region**`,
    );
    // Off by default: the checkers' own custom metrics are an optional line ("36 custom metrics").
    const metrics = cost.optional!.find((line) => line.item.startsWith('detailedMetrics=true'))!.quantity;
    expect(readme).toContain(`own ${metrics.replace(' custom metrics', '')} custom metrics`);
  });
});

describe('docs/organizations.md quotes the member cost', () => {
  test('fixed and per credential-region figures match bench/results.json', () => {
    const page = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'organizations.md'), 'utf8');
    const cost = results.memberCost!;
    expect(page).toContain(`**$${cost.fixedUsdPerMonth.toFixed(2)} a month fixed per member account`);
    expect(page).toContain(`$${cost.perCredentialRegionUsdPerMonth.toFixed(2)} a month per credential and`);
  });
});

describe('the organization section with the direct intake priced beside the queue', () => {
  const queue: HubCostInput = { ...results.hubCostInput!, intake: 'queue' };
  const direct: HubCostInput = { ...queue, intake: 'direct', batching: undefined };
  const markdown = (organizationCost: BenchResults['organizationCost']) =>
    renderBenchMarkdown({ ...results, organizationCost });

  test('direct rows in the tables (no batches to fill), both intakes side by side at each size', () => {
    const text = markdown(estimateOrganizationCost(direct, 0.02, undefined, undefined, [queue]));
    expect(text).toContain('| `direct`');
    expect(text).toContain('| `queue`');
    expect(text).toContain('(hubIntake=direct)');
    expect(text).not.toContain('(full batches)');
    expect(text).not.toContain('pollers');
  });

  test('the queue as priced before (results written without an intake): the section as it was', () => {
    const text = markdown(estimateOrganizationCost(queue, 0.02));
    expect(text).toContain('(full batches)');
    expect(text).not.toContain('| `direct`');
  });
});
