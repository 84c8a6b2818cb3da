/**
 * How the checker handlers are bundled, in one place: the construct hands these to NodejsFunction, and
 * `npm run bench` builds the same bundles with the esbuild API to measure their size and cold-start cost.
 */

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
