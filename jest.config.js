/** Test tiers: each is a jest project so `--selectProjects` runs one tier. Type checking is done once by `tsc` in `npm test`, so ts-jest only transpiles. */
const transform = { '^.+\\.ts$': 'ts-jest' };
const tier = (name, extra = {}) => ({
  displayName: name,
  testEnvironment: 'node',
  transform,
  roots: [`<rootDir>/test/${name}`],
  testMatch: ['**/*.test.ts'],
  setupFilesAfterEnv: ['aws-sdk-client-mock-jest'],
  ...extra,
});
module.exports = {
  // jest's default is one worker per core but one (cores - 1): a single worker on the 2-core machines CI and
  // development run on, while jest's own process idles. The tests are CPU-bound, so two workers use both cores
  // (the infra tier measured 86 s with one worker and 68 s with two, same machine, same hour).
  maxWorkers: Math.max(2, require('node:os').availableParallelism() - 1),
  projects: [
    tier('unit'),
    tier('adapters'),
    tier('infra', {
      // One CloudFormation validation engine per worker instead of one per test file (test/infra/support).
      testEnvironment: '<rootDir>/test/infra/support/shared-cfn-validate-environment.js',
      moduleNameMapper: {
        '^@aws/cloudformation-validate$': '<rootDir>/test/infra/support/shared-cfn-validate.js',
      },
    }),
    tier('cli'),
    tier('adversarial'),
    tier('integration'),
  ],
};
