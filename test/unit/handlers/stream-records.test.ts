import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { parseStoredEventId } from '#core/lifecycle/ports/event-publisher.js';
import { storedRecords } from '../../../lambdas/publish/stream-records.js';

const record = (sequence: string, image: Record<string, unknown>): DynamoDBStreamEvent['Records'][number] => ({
  eventName: 'INSERT',
  dynamodb: {
    SequenceNumber: sequence,
    NewImage: marshall(image) as never,
  },
});

describe('stream records to publish', () => {
  it('reads engagements and lifecycle events, each with its place in the stream, and skips anything else', () => {
    const engagement = { id: 'x:1', text: 'hi' };
    const event = { source: 'switchboard', detailType: 'SLA Breached', detail: { engagementId: 'x:1' } };
    const out = storedRecords([
      record('1', { pk: 'ENG#x:1', sk: 'ENGAGEMENT', engagement }),
      record('2', { pk: 'ENG#x:1', sk: 'EVENT#2026-12-06T10:00:00.000Z#care#breach-firstResponse', at: 'x', event }),
      record('3', { pk: 'ENG#x:1', sk: 'ASSIGN#care', assignment: {} }),
    ]);
    expect(out).toEqual([
      { sequence: '1', item: engagement },
      { sequence: '2', item: { id: expect.any(String), ...event } },
    ]);
    expect(parseStoredEventId(out[1]!.item.id)).toEqual({
      engagementId: 'x:1',
      key: '2026-12-06T10:00:00.000Z#care#breach-firstResponse',
    });
    // An engagement id is never taken for an event's.
    expect(parseStoredEventId('x:1')).toBeUndefined();
  });
});
