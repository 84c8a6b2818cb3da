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
