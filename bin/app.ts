#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { addStacks } from '../lib/app-stacks';
import { ConfigError, loadConfigFromContext, type TmcHealthConfig } from '../lib/config/config';
import { AwsSolutionsChecksWithoutDeprecationNoise } from '../lib/aws-solutions-checks';

const app = new App();

let config: TmcHealthConfig;
try {
  config = loadConfigFromContext(app);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}

// mode (single, hub or member, docs/organizations.md) picks the stacks; single is the default and the one stack
// TmcHealthChecker. Environment-agnostic: account and region are deploy-time tokens, so synth needs no AWS
// credentials (the hub's asset bucket stacks are pinned to their region only).
addStacks(app, config);
Validations.of(app).addPlugins(new AwsSolutionsChecksWithoutDeprecationNoise(app, { verbose: true }));
