import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { PlatformId } from '../core/engagement/platform-ids.js';
import { runPollers, type TargetOutcome } from '../core/lifecycle/run-pollers.js';
import { pollers } from '../core/polling/registry.js';
import { bundledConfig } from '../aws/bundled-config.js';
import { DynamoDbHealthRecorder } from '../aws/dynamodb-health-recorder.js';
import { DynamoDbPollStateStore } from '../aws/dynamodb-poll-state-store.js';
import { requireEnv } from '../aws/env.js';
import { functionHandler, metrics } from '../aws/handler-chain.js';
import { WORKER_CLIENT_OPTIONS } from '../aws/sdk-client-options.js';
import { logger, safeLogData } from '../aws/logger.js';
import { secretReader } from '../aws/platform-secrets.js';
import { sqsEnqueue } from '../aws/sqs-intake.js';

const { config } = bundledConfig;
const dynamodb = new DynamoDBClient(WORKER_CLIENT_OPTIONS);
const secretArns = JSON.parse(requireEnv('PLATFORM_SECRET_ARNS')) as Record<string, string>;
const readSecret = secretReader(secretArns);
const deps = {
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

/**
 * Runs on a one-minute schedule and polls every `polling:` target of the config that is due;
 * each target's own `every` (and any backoff) decides whether this run touches it.
 */
export const handler = functionHandler<unknown, TargetOutcome[]>(async (_event, context) => {
  // Leave ten seconds to record what was done before Lambda's timeout.
  const deadline = new Date(Date.now() + Math.max(0, context.getRemainingTimeInMillis() - 10_000));
  const outcomes = await runPollers(config.polling, { ...deps, deadline });
  const polled = outcomes.filter((o) => o.status !== 'not-due');
  for (const o of polled) {
    const single = metrics.singleMetric();
    single.addDimension('platform', o.platform);
    single.addMetric(o.status === 'failed' ? 'PollFailed' : 'PollSucceeded', MetricUnit.Count, 1);
  }
  if (polled.length > 0) logger.info('poll run', { outcomes: polled });
  return outcomes;
});
