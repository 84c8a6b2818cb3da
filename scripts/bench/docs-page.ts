/** Writes the generated section into docs/performance.md, formatted as `npm run lint` expects it. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderBenchMarkdown, replaceBenchSection } from './markdown';
import type { BenchResults } from './results';

const ROOT = path.join(__dirname, '..', '..');
export const PERFORMANCE_PAGE = path.join(ROOT, 'docs', 'performance.md');

/**
 * Prettier's own CLI in a child process: its API is ES-module only, which jest (CommonJS) cannot load without
 * experimental flags, and the test must format exactly as the lint step does.
 */
function formatMarkdown(text: string, page: string): string {
  const cli = path.join(ROOT, 'node_modules', 'prettier', 'bin', 'prettier.cjs');
  return execFileSync(process.execPath, [cli, '--stdin-filepath', page], { input: text, encoding: 'utf8' });
}

/** The page as it should read for these results (Prettier-formatted like every committed Markdown file). */
export function performancePageFor(results: BenchResults, page = PERFORMANCE_PAGE): string {
  const current = fs.readFileSync(page, 'utf8');
  return formatMarkdown(replaceBenchSection(current, renderBenchMarkdown(results)), page);
}

export function writePerformancePage(results: BenchResults, page = PERFORMANCE_PAGE): void {
  fs.writeFileSync(page, performancePageFor(results, page));
}
