import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBStreamEvent } from 'aws-lambda';
import type { Engagement } from '../core/engagement/engagement.schema.js';
import { storedEventId } from '../core/lifecycle/ports/event-publisher.js';
import type { StoredRecord } from '../core/lifecycle/publish-stored.js';
import { EVENT_SORT_KEY_PREFIX } from '../aws/dynamodb-lifecycle-store.js';
import { logger } from '../aws/logger.js';

/**
 * What INSERTs of engagement items and of lifecycle event items publish (the event source's
 * filter lets only those through; anything else is logged and skipped, as failing it would stop
 * the stream for ever).
 */
export function storedRecords(records: DynamoDBStreamEvent['Records']): StoredRecord[] {
  return records.flatMap((record): StoredRecord[] => {
    const sequence = record.dynamodb?.SequenceNumber ?? '';
    const image = unmarshall((record.dynamodb?.NewImage ?? {}) as Record<string, AttributeValue> as never) as {
      pk?: string;
      sk?: string;
      engagement?: Engagement;
      event?: { source: string; detailType: string; detail: Record<string, unknown> };
    };
    if (image.engagement && image.sk === 'ENGAGEMENT') return [{ sequence, item: image.engagement }];
    if (image.event && image.pk?.startsWith('ENG#') && image.sk?.startsWith(EVENT_SORT_KEY_PREFIX)) {
      const id = storedEventId(image.pk.slice('ENG#'.length), image.sk.slice(EVENT_SORT_KEY_PREFIX.length));
      return [{ sequence, item: { id, ...image.event } }];
    }
    logger.error('stream record neither an engagement nor an event; skipped', {
      sequence,
      eventName: record.eventName,
    });
    return [];
  });
}
