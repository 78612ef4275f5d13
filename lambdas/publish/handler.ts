import type { DynamoDBBatchResponse, DynamoDBStreamEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { functionHandler } from '../aws/handler-chain.js';
import { publishStreamBatch, republishBatch } from './batches.js';

/**
 * Two event sources, one job: the table's stream (each newly stored engagement, published
 * once: the outbox) and the republish queue (what the bus refused, retried).
 */
export const handler = functionHandler<DynamoDBStreamEvent | SQSEvent, DynamoDBBatchResponse | SQSBatchResponse>(
  async (event, context) => {
    // Publishing stops with half the time still left: enough to hand the rest to the republish
    // queue (HAND_OFF_CLIENT_OPTIONS) and return before the function times out.
    const deadline = Date.now() + context.getRemainingTimeInMillis() / 2;
    return event.Records[0]?.eventSource === 'aws:sqs'
      ? republishBatch(event as SQSEvent, deadline)
      : publishStreamBatch(event as DynamoDBStreamEvent, deadline);
  },
);
