// @ts-check
'use strict';
/**
 * Bundles one Lambda handler with esbuild's API and the SDK plugin (sdk-schema-keys.js), which the esbuild command
 * line cannot load. CDK's local bundling is synchronous and esbuild's synchronous API takes no plugin either, so
 * lib/constructs/handler-code.ts runs this file as a child process:
 *
 *   node lib/bundling/bundle-handler.js '<esbuild build options as JSON>' [metafile]
 *
 * Exits 0 with the bundle written (and esbuild's metafile, the inputs it read, at `metafile` when given), or 1 with
 * esbuild's messages on stderr.
 */
const { writeFileSync } = require('node:fs');
const { build } = require('esbuild');
const { sdkSchemaKeys } = require('./sdk-schema-keys');

async function main() {
  const json = process.argv[2];
  if (json === undefined)
    throw new Error('usage: node bundle-handler.js <esbuild options as JSON> [metafile]');
  /** @type {import('esbuild').BuildOptions} */
  const options = JSON.parse(json);
  const metafile = process.argv[3];
  const result = await build({ ...options, metafile: metafile !== undefined, plugins: [sdkSchemaKeys()] });
  if (metafile !== undefined) writeFileSync(metafile, JSON.stringify(result.metafile));
}

main().catch((error) => {
  // esbuild has printed its own messages (logLevel); this names the failure for CDK's error.
  process.stderr.write(`bundle-handler: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
