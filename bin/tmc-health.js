#!/usr/bin/env node
'use strict';
// Starts the bundled CLI (built from lambdas/cli/main.ts by `npm run build:cli`, which `npm ci` runs).
const fs = require('node:fs');
const path = require('node:path');

const bundle = path.join(__dirname, '..', 'dist', 'tmc-health.js');
if (!fs.existsSync(bundle)) {
  process.stderr.write(
    'tmc-health: the CLI is not built (dist/tmc-health.js is missing): run `npm run build:cli` ' +
      '(or `npm ci`) in the project directory first.\n',
  );
  process.exit(2);
}
// Stack traces under --debug point at the TypeScript sources.
if (typeof process.setSourceMapsEnabled === 'function') process.setSourceMapsEnabled(true);
require(bundle);
