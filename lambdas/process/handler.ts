import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { processDeliveries } from '../core/lifecycle/process-deliveries.js';
import { adapterFor } from '../core/platforms/registry.js';
import { createRouter } from '../core/routing/router.js';
import { bundledConfig } from '../shared/bundled-config.js';
import { DynamoDbEngagementStore } from '../shared/dynamodb-engagement-store.js';
import { requireEnv } from '../shared/env.js';
import { EventBridgePublisher } from '../shared/eventbridge-publisher.js';
import { logger } from '../shared/logger.js';

const router = createRouter(bundledConfig());
const rawRetentionDays = Number(requireEnv('RAW_RETENTION_DAYS'));
if (!Number.isInteger(rawRetentionDays) || rawRetentionDays < 1) throw new Error('RAW_RETENTION_DAYS must be a whole number of days (at least 1)');
const store = new DynamoDbEngagementStore(new DynamoDBClient({}), requireEnv('TABLE_NAME'), rawRetentionDays);
// The publisher retries failed entries itself; SDK retries underneath would multiply the attempts.
const publisher = new EventBridgePublisher(new EventBridgeClient({ maxAttempts: 1 }), requireEnv('EVENT_BUS_NAME'));

/**
 * Intake-queue consumer. The whole batch is processed together (so events are published ten
 * at a time); failed messages are returned as batch item failures for SQS to redeliver.
 */
export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event) => {
    const outcome = await processDeliveries(
      event.Records.map((r) => ({ messageId: r.messageId, body: r.body })),
      { router, adapterFor, store, publisher, now: () => new Date(), log: (level, message, data) => logger[level](message, data ?? {}) },
    );
    logger.info('batch processed', { records: event.Records.length, published: outcome.published.length, duplicates: outcome.duplicates.length, changed: outcome.changed.length, failed: outcome.failedMessageIds.length });
    return { batchItemFailures: outcome.failedMessageIds.map((itemIdentifier) => ({ itemIdentifier })) };
  });
