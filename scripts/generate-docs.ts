/** Regenerates the docs that are derived from code: `npm run docs`. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderCheckCatalogue } from '../lambdas/core/explain';
import { findingJsonSchema } from '../lambdas/core/finding-schema';
import { eventSchemaDocuments } from '../lambdas/core/lifecycle/event-schemas';

const docs = join(__dirname, '..', 'docs');
writeFileSync(join(docs, 'checks.md'), renderCheckCatalogue());
writeFileSync(join(docs, 'finding-schema.json'), `${JSON.stringify(findingJsonSchema(), null, 2)}\n`);
// The same documents the stack registers in its EventBridge schema registry.
mkdirSync(join(docs, 'schemas'), { recursive: true });
for (const { spec, document } of eventSchemaDocuments()) {
  writeFileSync(join(docs, 'schemas', spec.fileName), `${JSON.stringify(document, null, 2)}\n`);
}
process.stdout.write('docs/checks.md, docs/finding-schema.json and docs/schemas/*.json regenerated\n');
