import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { bundledConfig } from '../aws/bundled-config.js';
import { DynamoDbErasure } from '../aws/dynamodb-erasure.js';
import { tableReplaySource } from '../aws/dynamodb-replay-source.js';
import { requireEnv } from '../aws/env.js';
import type { JobDependencies } from './run-job.js';

/**
 * A job has minutes, not a platform waiting: more attempts and a longer request timeout than
 * the queue workers', so a throttled Scan page is tried again rather than failing the invocation
 * (which the state machine would retry from the last state anyway, at the cost of the steps
 * taken since).
 */
const JOB_CLIENT_OPTIONS = {
  maxAttempts: 5,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 10_000, throwOnRequestTimeout: true },
} as const;

const dynamodb = new DynamoDBClient(JOB_CLIENT_OPTIONS);
const tableName = requireEnv('TABLE_NAME');

/** What the job function runs with, built once per execution environment. */
export const jobDependencies: JobDependencies = {
  replay: { config: bundledConfig, source: tableReplaySource(dynamodb, tableName), now: () => new Date() },
  erasure: new DynamoDbErasure(dynamodb, tableName),
};
