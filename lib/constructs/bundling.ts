/**
 * How the checker handlers are bundled, in one place: the construct's bundler (handler-code.ts) and `npm run bench`
 * build the same bundles with esbuild's API and the SDK plugin (lib/bundling/sdk-schema-keys.js), the bench to
 * measure their size and cold-start cost.
 */
import type { BuildOptions } from 'esbuild';

/** Lambda's Node.js 24 runtime: esbuild emits for it. */
export const BUNDLE_TARGET = 'node24';

/**
 * ES module builds first: esbuild can only tree-shake those (the SDK's CommonJS builds come whole). Measured on the
 * credential checker: 1.63 MB -> 1.16 MB minified.
 */
export const BUNDLE_MAIN_FIELDS: readonly string[] = ['module', 'main'];

/**
 * Left out of the bundle: the AWS SDK's credential providers that a Lambda function never reaches. Lambda always
 * puts the execution role's credentials in the environment (AWS_ACCESS_KEY_ID...), the first link of the SDK's
 * default chain; the SDK imports the other links lazily (`await import(...)`), only when that one finds nothing.
 * Were that ever to happen, the import would fail, the calls would fail with it, and every check would report
 * ERROR (never a PASS). The CLI is bundled separately and keeps them all (profiles, SSO, web identity).
 * Measured: about 100 KB less per handler (`npm run bench`).
 */
export const LAMBDA_UNUSED_CREDENTIAL_PROVIDERS: readonly string[] = [
  '@aws-sdk/credential-provider-http',
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-login',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/nested-clients',
  '@aws-sdk/token-providers',
  '@smithy/credential-provider-imds',
];

/**
 * esbuild's options for one handler, for the construct's bundler (handler-code.ts) and the bench alike: the
 * entry's bundle written to `outfile` with its source map beside it (`index.js.map`, sources without their text),
 * minified for Lambda's Node.js 24. The AWS SDK v3 clients are bundled, not taken from the runtime: we test against
 * pinned versions, and a bundled SDK starts faster than the runtime's (`npm run bench`, docs/performance.md).
 * Warnings and errors only: at esbuild's default level each bundle's size would be printed into `cdk synth --quiet`.
 */
export function handlerBuildOptions(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: BUNDLE_TARGET,
    format: 'cjs',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    mainFields: [...BUNDLE_MAIN_FIELDS],
    external: [...LAMBDA_UNUSED_CREDENTIAL_PROVIDERS],
    logLevel: 'warning',
  };
}
