import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBStreamEvent } from 'aws-lambda';
import type { Engagement } from '../core/engagement/engagement.schema.js';
import type { StoredRecord } from '../core/lifecycle/publish-stored.js';
import { logger } from '../aws/logger.js';

/**
 * The engagements of INSERTs of engagement items (the event source's filter lets only those
 * through; anything else is logged and skipped, as failing it would stop the stream for ever).
 */
export function storedRecords(records: DynamoDBStreamEvent['Records']): StoredRecord[] {
  return records.flatMap((record) => {
    const image = unmarshall((record.dynamodb?.NewImage ?? {}) as Record<string, AttributeValue> as never) as {
      engagement?: Engagement;
    };
    if (image.engagement) return [{ sequence: record.dynamodb?.SequenceNumber ?? '', engagement: image.engagement }];
    logger.error('stream record without an engagement skipped', {
      sequence: record.dynamodb?.SequenceNumber,
      eventName: record.eventName,
    });
    return [];
  });
}
