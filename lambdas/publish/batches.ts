import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { publishStored, republish } from '../core/lifecycle/publish-stored.js';
import { DynamoDbEngagementStore } from '../aws/dynamodb-engagement-store.js';
import { DynamoDbLifecycleStore } from '../aws/dynamodb-lifecycle-store.js';
import { requireEnv } from '../aws/env.js';
import { EventBridgePublisher } from '../aws/eventbridge-publisher.js';
import { metrics } from '../aws/handler-chain.js';
import { logger, safeLogData } from '../aws/logger.js';
import { HAND_OFF_CLIENT_OPTIONS, WORKER_CLIENT_OPTIONS } from '../aws/sdk-client-options.js';
import { sqsHandOff } from '../aws/sqs-republish.js';
import { storedRecords } from './stream-records.js';

// The SDK retries whole calls (WORKER_CLIENT_OPTIONS: three attempts of at most 3 s, so a call
// begun before the deadline ends well inside the half of the invocation kept for handing off);
// the publisher retries only the entries a call reported as failed.
const publisher = new EventBridgePublisher(new EventBridgeClient(WORKER_CLIENT_OPTIONS), requireEnv('EVENT_BUS_NAME'));
const log = (level: 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>) =>
  logger[level](message, safeLogData(data));
const handOff = sqsHandOff(new SQSClient(HAND_OFF_CLIENT_OPTIONS), requireEnv('REPUBLISH_QUEUE_URL'), (message, data) =>
  log('warn', message, data),
);
// Read-only here (the raw retention is the process function's concern).
const dynamodb = new DynamoDBClient(WORKER_CLIENT_OPTIONS);
const store = new DynamoDbEngagementStore(dynamodb, requireEnv('TABLE_NAME'), 30);
const events = new DynamoDbLifecycleStore(dynamodb, requireEnv('TABLE_NAME'));

/** A batch of the table's stream: each newly stored engagement, published once (the outbox). */
export async function publishStreamBatch(event: DynamoDBStreamEvent, deadline: number): Promise<DynamoDBBatchResponse> {
  const outcome = await publishStored(storedRecords(event.Records), { publisher, handOff, log, deadline });
  metrics.addMetric('EngagementsPublished', MetricUnit.Count, outcome.published.length);
  metrics.addMetric('EngagementsHandedOff', MetricUnit.Count, outcome.handedOff.length);
  logger.info('stored engagements published', {
    records: event.Records.length,
    published: outcome.published.length,
    handedOff: outcome.handedOff.length,
    retrying: outcome.retryFrom !== undefined,
  });
  // A partial failure names the first stream record to deliver again.
  return { batchItemFailures: outcome.retryFrom ? [{ itemIdentifier: outcome.retryFrom }] : [] };
}

/** A batch of the republish queue: what the bus refused, by id, read from the table again. */
export async function republishBatch(event: SQSEvent, deadline: number): Promise<SQSBatchResponse> {
  const messages = event.Records.map((r) => ({ messageId: r.messageId, body: r.body }));
  const outcome = await republish(messages, {
    publisher,
    log,
    deadline,
    readStored: (id) => store.readStored(id),
    readEvent: (engagementId, key) => events.readEvent(engagementId, key),
  });
  metrics.addMetric('EngagementsRepublished', MetricUnit.Count, outcome.published.length);
  logger.info('republish batch processed', {
    records: messages.length,
    published: outcome.published.length,
    skipped: outcome.skipped.length,
    failed: outcome.failedMessageIds.length,
  });
  return { batchItemFailures: outcome.failedMessageIds.map((itemIdentifier) => ({ itemIdentifier })) };
}
