/** Regenerates the docs that are derived from code: `npm run docs`. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderCheckCatalogue } from '../lambdas/core/explain';
import { findingJsonSchema } from '../lambdas/core/finding-schema';

const docs = join(__dirname, '..', 'docs');
writeFileSync(join(docs, 'checks.md'), renderCheckCatalogue());
writeFileSync(join(docs, 'finding-schema.json'), `${JSON.stringify(findingJsonSchema(), null, 2)}\n`);
process.stdout.write('docs/checks.md and docs/finding-schema.json regenerated\n');
