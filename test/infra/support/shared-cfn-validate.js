/**
 * The infra tier's stand-in for `@aws/cloudformation-validate` (jest.config.js maps the name here).
 *
 * cdk.json turns on `@aws-cdk/core:validateAgainstDefaultRules`, so every synth in a test validates its templates
 * with that package's WebAssembly rule engine, as `cdk synth` does. Building the engine is the single most expensive
 * step of a first synth (measured about 1.8 s of a 3.3 s first synth) and jest's per-file module registry built it
 * again in every test file. The real package is loaded once per jest worker, outside the registries, by
 * shared-cfn-validate-environment.js; this module hands that copy to aws-cdk-lib. Every template is still validated,
 * by the same engine with the same rules: only the building is shared.
 */
const shared = globalThis.__tmcSharedCloudFormationValidate;
if (shared === undefined) {
  throw new Error(
    'the shared CloudFormation validator is missing: the infra tier must run in ' +
      'test/infra/support/shared-cfn-validate-environment.js (jest.config.js testEnvironment)',
  );
}
module.exports = shared;
