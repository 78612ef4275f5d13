import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { ComprehendClient } from '@aws-sdk/client-comprehend';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { processDeliveries } from '../core/lifecycle/process-deliveries.js';
import { loadAdapter } from '../core/platforms/adapter-loader.js';
import { createRouter } from '../core/routing/router.js';
import { localEnricher, withSecondOpinion, type Enricher } from '../core/ports/enricher.js';
import { BedrockIntents, withBedrockIntents } from '../shared/bedrock-intents.js';
import { bundledConfig } from '../shared/bundled-config.js';
import { ComprehendEnricher } from '../shared/comprehend-enricher.js';
import { DynamoDbEngagementStore } from '../shared/dynamodb-engagement-store.js';
import { requireEnv } from '../shared/env.js';
import { WORKER_CLIENT_OPTIONS } from '../shared/sdk-client-options.js';
import { logger, safeLogData } from '../shared/logger.js';

const loaded = bundledConfig;
const router = createRouter(loaded);
const rawRetentionDays = Number(requireEnv('RAW_RETENTION_DAYS'));
if (!Number.isInteger(rawRetentionDays) || rawRetentionDays < 1) throw new Error('RAW_RETENTION_DAYS must be a whole number of days (at least 1)');
const store = new DynamoDbEngagementStore(new DynamoDBClient(WORKER_CLIENT_OPTIONS), requireEnv('TABLE_NAME'), rawRetentionDays);

/**
 * The enricher the deployment's config chooses (`enrichment:`). Cloud calls get one retry and
 * a short timeout: on throttling or failure the local enrichment is used, so a slow service
 * never holds up a batch.
 */
function configuredEnricher(): Enricher {
  const settings = loaded.config.enrichment;
  const warn = (message: string, data: Record<string, unknown>) => logger.warn(message, data);
  const requestHandler = { connectionTimeout: 1_000, requestTimeout: 2_000, throwOnRequestTimeout: true };
  let enricher: Enricher = settings.provider === 'comprehend' ? new ComprehendEnricher(new ComprehendClient({ maxAttempts: 2, requestHandler }), { log: warn }) : localEnricher;
  if (settings.intents === 'bedrock' && settings.bedrockModelId) {
    const client = new BedrockRuntimeClient({ maxAttempts: 2, requestHandler: { connectionTimeout: 1_000, requestTimeout: 4_000, throwOnRequestTimeout: true } });
    enricher = withBedrockIntents(enricher, new BedrockIntents(client, settings.bedrockModelId, { log: warn }));
  }
  return settings.secondOpinionBelow === undefined ? enricher : withSecondOpinion(enricher, settings.secondOpinionBelow);
}
// Local enrichment stays on the synchronous path it has always used.
const enricher = loaded.config.enrichment.provider === 'local' && loaded.config.enrichment.intents === 'local' ? undefined : configuredEnricher();

/**
 * Intake-queue consumer: stores each delivery's engagements with their routing decisions (the
 * table's stream publishes them); failed messages are returned as batch item failures for SQS
 * to redeliver.
 */
export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event) => {
    const outcome = await processDeliveries(
      event.Records.map((r) => ({ messageId: r.messageId, body: r.body })),
      { router, adapterFor: loadAdapter, store, ...(enricher ? { enricher } : {}), now: () => new Date(), log: (level, message, data) => logger[level](message, safeLogData(data)) },
    );
    logger.info('batch processed', { records: event.Records.length, stored: outcome.stored.length, duplicates: outcome.duplicates.length, changed: outcome.changed.length, failed: outcome.failedMessageIds.length });
    return { batchItemFailures: outcome.failedMessageIds.map((itemIdentifier) => ({ itemIdentifier })) };
  });
