import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { processDeliveries } from '../core/lifecycle/process-deliveries.js';
import { loadAdapter } from '../core/platforms/adapter-loader.js';
import { createRouter } from '../core/routing/router.js';
import { bundledConfig } from '../aws/bundled-config.js';
import { DynamoDbEngagementStore } from '../aws/dynamodb-engagement-store.js';
import { requireEnv } from '../aws/env.js';
import { functionHandler, metrics } from '../aws/handler-chain.js';
import { WORKER_CLIENT_OPTIONS } from '../aws/sdk-client-options.js';
import { logger, safeLogData } from '../aws/logger.js';

const loaded = bundledConfig;
const router = createRouter(loaded);
const rawRetentionDays = Number(requireEnv('RAW_RETENTION_DAYS'));
if (!Number.isInteger(rawRetentionDays) || rawRetentionDays < 1)
  throw new Error('RAW_RETENTION_DAYS must be a whole number of days (at least 1)');
const store = new DynamoDbEngagementStore(
  new DynamoDBClient(WORKER_CLIENT_OPTIONS),
  requireEnv('TABLE_NAME'),
  rawRetentionDays,
);

// Local enrichment stays on the synchronous path it has always used. The cloud clients are
// imported only when the config asks for them: their modules (and HTTP/2 for Bedrock) would
// otherwise load at every cold start.
const settings = loaded.config.enrichment;
const enricher =
  settings.provider === 'local' && settings.intents === 'local'
    ? undefined
    : (await import('./cloud-enricher.js')).cloudEnricher(settings, (message, data) => logger.warn(message, data));

/**
 * Intake-queue consumer: stores each delivery's engagements with their routing decisions (the
 * table's stream publishes them); failed messages are returned as batch item failures for SQS
 * to redeliver.
 */
export const handler = functionHandler<SQSEvent, SQSBatchResponse>(async (event) => {
  const outcome = await processDeliveries(
    event.Records.map((r) => ({ messageId: r.messageId, body: r.body })),
    {
      router,
      adapterFor: loadAdapter,
      store,
      ...(enricher ? { enricher } : {}),
      now: () => new Date(),
      log: (level, message, data) => logger[level](message, safeLogData(data)),
    },
  );
  metrics.addMetric('EngagementsStored', MetricUnit.Count, outcome.stored.length);
  metrics.addMetric('DeliveriesFailed', MetricUnit.Count, outcome.failedMessageIds.length);
  logger.info('batch processed', {
    records: event.Records.length,
    stored: outcome.stored.length,
    duplicates: outcome.duplicates.length,
    changed: outcome.changed.length,
    failed: outcome.failedMessageIds.length,
  });
  return { batchItemFailures: outcome.failedMessageIds.map((itemIdentifier) => ({ itemIdentifier })) };
});
