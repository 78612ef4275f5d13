import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { PlatformId } from '../core/engagement/platform-ids.js';
import { pollers } from '../core/polling/registry.js';
import { bundledConfig } from '../aws/bundled-config.js';
import { DynamoDbHealthRecorder } from '../aws/dynamodb-health-recorder.js';
import { DynamoDbPollStateStore } from '../aws/dynamodb-poll-state-store.js';
import { requireEnv } from '../aws/env.js';
import { WORKER_CLIENT_OPTIONS } from '../aws/sdk-client-options.js';
import { logger, safeLogData } from '../aws/logger.js';
import { secretReader } from '../aws/platform-secrets.js';
import { sqsEnqueue } from '../aws/sqs-intake.js';

const dynamodb = new DynamoDBClient(WORKER_CLIENT_OPTIONS);
const secretArns = JSON.parse(requireEnv('PLATFORM_SECRET_ARNS')) as Record<string, string>;
const readSecret = secretReader(secretArns);
/** What the poll run needs, built once per execution environment (the deadline is per run). */
export const pollerDependencies = {
  pollerFor: (platform: string) => pollers.get(platform),
  state: new DynamoDbPollStateStore(dynamodb, requireEnv('TABLE_NAME')),
  health: new DynamoDbHealthRecorder(dynamodb, requireEnv('TABLE_NAME')),
  enqueue: sqsEnqueue(new SQSClient(WORKER_CLIENT_OPTIONS), requireEnv('INTAKE_QUEUE_URL')),
  fetch: globalThis.fetch,
  now: () => new Date(),
  // Only platforms whose API needs credentials have a secret; a public feed has none.
  secretFor: async (platform: PlatformId) => (secretArns[platform] ? readSecret(platform) : {}),
  log: (level: 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>) =>
    logger[level](message, safeLogData(data)),
};

/** The config's polling targets. */
export const pollTargets = bundledConfig.config.polling;
