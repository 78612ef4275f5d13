import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import type { DetectSpikesDependencies } from '../core/management/detect-spikes.js';
import { bundledConfig } from '../aws/bundled-config.js';
import { DynamoDbGovernanceStore } from '../aws/dynamodb-governance-store.js';
import { DynamoDbRollupStore } from '../aws/dynamodb-rollup-store.js';
import { requireEnv } from '../aws/env.js';
import { logger } from '../aws/logger.js';
import { WORKER_CLIENT_OPTIONS } from '../aws/sdk-client-options.js';

const dynamodb = new DynamoDBClient(WORKER_CLIENT_OPTIONS);
const tableName = requireEnv('TABLE_NAME');
const { config } = bundledConfig;

/** What spike detection runs with, built once per execution environment. */
export const spikeDependencies: DetectSpikesDependencies = {
  spikes: config.spikes,
  playbook: config.crisis,
  counts: new DynamoDbRollupStore(dynamodb, tableName),
  store: new DynamoDbGovernanceStore(dynamodb, tableName),
  now: () => new Date(),
  newId: () => `crisis-${randomUUID().slice(0, 8)}`,
  log: (level, message, data) => logger[level](message, data ?? {}),
};
