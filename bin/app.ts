#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { ConfigError, loadConfigFromContext, type TmcHealthConfig } from '../lib/config/config';
import type * as AppStacks from '../lib/app-stacks';
import type * as SolutionsChecks from '../lib/aws-solutions-checks';

const app = new App();

let config: TmcHealthConfig;
try {
  config = loadConfigFromContext(app);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}

// The stacks and the cdk-nag pack are loaded only once the configuration is valid: a wrong key is reported without
// compiling every construct first (about a second of ts-node's transpiling per `cdk synth`).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { addStacks } = require('../lib/app-stacks') as typeof AppStacks;
const { AwsSolutionsChecksWithoutDeprecationNoise } =
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('../lib/aws-solutions-checks') as typeof SolutionsChecks;

// mode (single, hub or member, docs/organizations.md) picks the stacks; single is the default and the one stack
// TmcHealthChecker. Environment-agnostic: account and region are deploy-time tokens, so synth needs no AWS
// credentials (the hub's asset bucket stacks are pinned to their region only).
addStacks(app, config);
Validations.of(app).addPlugins(new AwsSolutionsChecksWithoutDeprecationNoise(app, { verbose: true }));
