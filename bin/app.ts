#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError, configPath, loadConfig } from '../lambdas/core/config/load-config.js';
import { SwitchboardStack } from '../lib/switchboard-stack.js';

/**
 * CDK app entry (`npx cdk synth|deploy`). Reads the governance config once here
 * (`SWITCHBOARD_CONFIG` or config/switchboard.yaml) and passes it down as props.
 */
const app = new App();
const path = configPath();
let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(path);
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}

new SwitchboardStack(app, app.node.tryGetContext('stackName') ?? 'Switchboard', {
  config,
  alarmEmail: app.node.tryGetContext('alarmEmail'),
  tableDeletionProtection: app.node.tryGetContext('tableDeletionProtection') !== 'false',
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
