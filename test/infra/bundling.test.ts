import * as fs from 'node:fs';
import * as path from 'node:path';
import { synth } from './helpers';

/** The one test that runs esbuild for real: proves the function bundles locally, without Docker. */
test('the handler bundles with the local esbuild, AWS SDK included, with a source map', () => {
  const { app, template } = synth({}, { bundle: true });
  const assembly = app.synth();
  const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0];
  const key = String(fn?.Properties.Code.S3Key);
  const assetDir = path.join(assembly.directory, `asset.${key.replace(/\.zip$/, '')}`);
  const bundle = fs.readFileSync(path.join(assetDir, 'index.js'), 'utf8');
  expect(fs.existsSync(path.join(assetDir, 'index.js.map'))).toBe(true);
  // Boolean assertions: a failure must not print a 1.4 MB bundle.
  expect(bundle.includes('sourceMappingURL=index.js.map')).toBe(true);
  // The SDK clients are bundled (only the optional CRT signer stays an optional require).
  expect(/require\(["']@aws-sdk\/client-/.test(bundle)).toBe(false);
  expect(bundle.includes('GetFunctionConfiguration')).toBe(true);
}, 120_000);
