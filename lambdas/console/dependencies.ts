import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ConsoleSources } from '../core/management/console-read.js';
import { bundledConfig } from '../aws/bundled-config.js';
import { consoleSources } from '../aws/console-sources.js';
import { requireEnv } from '../aws/env.js';
import { WEBHOOK_CLIENT_OPTIONS } from '../aws/sdk-client-options.js';
import { storedDigests } from './digests.js';

/** What the console API reads, built once per execution environment. */
export const consoleDependencies: ConsoleSources = consoleSources(
  new DynamoDBClient(WEBHOOK_CLIENT_OPTIONS),
  requireEnv('TABLE_NAME'),
  bundledConfig,
  storedDigests(),
);
