#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError, loadConfigFromContext, type TmcHealthConfig } from '../lib/config/config';
import { TmcHealthCheckerStack } from '../lib/tmc-health-checker-stack';

const app = new App();

let config: TmcHealthConfig;
try {
  config = loadConfigFromContext(app);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}

// Environment-agnostic: account and region are deploy-time tokens, so synth needs no AWS credentials.
new TmcHealthCheckerStack(app, 'TmcHealthChecker', {
  config,
  description: config.irsaEnabled
    ? 'Scheduled health checks for Tanzu Mission Control credentials and EKS IRSA'
    : 'Scheduled health checks for Tanzu Mission Control credentials',
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
