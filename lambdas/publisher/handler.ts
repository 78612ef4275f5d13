import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { ChangeMessageVisibilityCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { publishReply } from '../core/replies/publish-reply.js';
import { functionHandler, metrics } from '../aws/handler-chain.js';
import { logger } from '../aws/logger.js';
import { publishDependencies, queueUrl, sqs } from './dependencies.js';

/** SQS takes a visibility timeout of at most 12 hours. */
const MAX_VISIBILITY_S = 43_200;

/** Makes a message come back after `seconds` (1 s to SQS's 12 h); if that fails, after the visibility timeout. */
async function putOff(receiptHandle: string, seconds: number): Promise<void> {
  const visibility = Math.min(MAX_VISIBILITY_S, Math.max(1, Math.ceil(seconds)));
  await sqs
    .send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: visibility,
      }),
    )
    .catch((err: Error) =>
      logger.warn('could not put a reply message off; it returns after the visibility timeout', { error: err.message }),
    );
}

/**
 * The reply publisher: "Reply Queued" events from the bus, one reply each. A reply to try again
 * later (a timeout, a rate limit, an attempt still out) has its message put off until then and
 * reported as failed, so only it comes back, at its time; the queue's redrive count is high
 * enough for a reply's every attempt, and its dead-letter queue alarms.
 */
export const handler = functionHandler<SQSEvent, SQSBatchResponse>(async (event) => {
  const failures: { itemIdentifier: string }[] = [];
  for (const record of event.Records) {
    try {
      const replyId = String((JSON.parse(record.body) as { detail?: { replyId?: unknown } }).detail?.replyId ?? '');
      if (!replyId) {
        logger.error('a reply message without a replyId was dropped', { messageId: record.messageId });
        continue;
      }
      const delivery = Number(record.attributes?.ApproximateReceiveCount ?? 1);
      const result = await publishReply(replyId, publishDependencies, delivery);
      if (result.done) {
        metrics.addMetric(
          result.state === 'published' ? 'RepliesPublished' : 'RepliesNotPublished',
          MetricUnit.Count,
          1,
        );
        continue;
      }
      metrics.addMetric('ReplyAttemptsPutOff', MetricUnit.Count, 1);
      await putOff(record.receiptHandle, result.retryAfterMs / 1000);
      failures.push({ itemIdentifier: record.messageId });
    } catch (err) {
      logger.error('reply message failed; it will be offered again', {
        messageId: record.messageId,
        error: (err as Error).message,
      });
      // Back in seconds rather than after the queue's visibility timeout (minutes).
      await putOff(record.receiptHandle, 5 * 2 ** (Number(record.attributes?.ApproximateReceiveCount ?? 1) - 1));
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures: failures };
});
