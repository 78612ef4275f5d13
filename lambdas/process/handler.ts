import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { processDeliveries } from '../core/lifecycle/process-deliveries.js';
import { functionHandler, metrics } from '../aws/handler-chain.js';
import { logger } from '../aws/logger.js';
import { processDependencies } from './dependencies.js';

/**
 * Intake-queue consumer: stores each delivery's engagements with their routing decisions (the
 * table's stream publishes them); failed messages are returned as batch item failures for SQS
 * to redeliver.
 */
export const handler = functionHandler<SQSEvent, SQSBatchResponse>(async (event) => {
  const messages = event.Records.map((r) => ({ messageId: r.messageId, body: r.body }));
  const outcome = await processDeliveries(messages, processDependencies);
  metrics.addMetric('EngagementsStored', MetricUnit.Count, outcome.stored.length);
  metrics.addMetric('DeliveriesFailed', MetricUnit.Count, outcome.failedMessageIds.length);
  const { stored, duplicates, changed, failedMessageIds } = outcome;
  logger.info('batch processed', {
    records: messages.length,
    stored: stored.length,
    duplicates: duplicates.length,
    changed: changed.length,
    failed: failedMessageIds.length,
  });
  return { batchItemFailures: failedMessageIds.map((itemIdentifier) => ({ itemIdentifier })) };
});
