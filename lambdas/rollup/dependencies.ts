import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CountRecordsDependencies } from '../core/management/count-records.js';
import { bundledConfig } from '../aws/bundled-config.js';
import { DynamoDbLifecycleStore } from '../aws/dynamodb-lifecycle-store.js';
import { DynamoDbRollupStore } from '../aws/dynamodb-rollup-store.js';
import { requireEnv } from '../aws/env.js';
import { WORKER_CLIENT_OPTIONS } from '../aws/sdk-client-options.js';

const dynamodb = new DynamoDBClient(WORKER_CLIENT_OPTIONS);
const tableName = requireEnv('TABLE_NAME');
const rollups = new DynamoDbRollupStore(dynamodb, tableName);
const lifecycle = new DynamoDbLifecycleStore(dynamodb, tableName);

/** What the rollup function runs with, built once per execution environment. */
export const rollupDependencies: CountRecordsDependencies = {
  spikes: bundledConfig.config.spikes,
  readAssignment: (engagementId, department) => lifecycle.read(engagementId, department),
  apply: (deltas) => rollups.apply(deltas),
};
