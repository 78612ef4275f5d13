import { type DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, ScanCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Engagement } from '../core/engagement/engagement.schema.js';
import type { ReplaySource, ScanKey } from '../core/lifecycle/replay-run.js';
import { ENGAGEMENT_SORT_KEY } from './dynamodb-engagement-store.js';
import { chainEvents, lifecycleKeys, lifecycleWriteItems, lostRace } from './dynamodb-lifecycle-store.js';

/** DynamoDB's limit of keys in one BatchGetItem. */
const BATCH_GET_KEYS = 100;

/**
 * {@link ReplaySource} on the engagements table. Engagements are found with a consistent Scan
 * (the table has no index by time) whose filter keeps engagement items received in the window
 * and not deleted by their author; each delivery is an outbox item (`EVENT#replay#<department>`)
 * put on the condition that it does not exist, which the table's stream then publishes like any
 * lifecycle event.
 */
export function tableReplaySource(client: DynamoDBClient, tableName: string): ReplaySource {
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return {
    async page(window, start) {
      const out = await doc.send(
        new ScanCommand({
          TableName: tableName,
          ConsistentRead: true,
          // receivedAt is ISO 8601 UTC with milliseconds, so text order is time order.
          FilterExpression:
            'sk = :sk AND #e.#received >= :since AND #e.#received < :until AND attribute_not_exists(deletedAt)',
          ProjectionExpression: '#e',
          ExpressionAttributeNames: { '#e': 'engagement', '#received': 'receivedAt' },
          ExpressionAttributeValues: { ':sk': ENGAGEMENT_SORT_KEY, ':since': window.since, ':until': window.until },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      const engagements = (out.Items ?? []).map((i) => i.engagement as Engagement);
      return { engagements, ...(out.LastEvaluatedKey ? { next: out.LastEvaluatedKey as ScanKey } : {}) };
    },

    async put(event) {
      // The same item, condition included, as a lifecycle change writes its events with, linked
      // into the engagement's audit chain.
      for (let attempt = 0; ; attempt++) {
        const chained = await chainEvents(doc, tableName, [event]);
        try {
          await doc.send(
            new TransactWriteCommand({
              TransactItems: [...lifecycleWriteItems(tableName, [], chained.events), ...chained.heads] as never,
            }),
          );
          return true;
        } catch (err) {
          const reasons = err instanceof TransactionCanceledException ? (err.CancellationReasons ?? []) : [];
          // Replayed before: the delivery exists.
          if (reasons[0]?.Code === 'ConditionalCheckFailed') return false;
          // Another record extended the engagement's chain meanwhile: link after it.
          if (attempt < 4 && lostRace(reasons)) continue;
          throw err;
        }
      }
    },

    async existing(events) {
      const found = new Set<string>();
      for (let i = 0; i < events.length; i += BATCH_GET_KEYS) {
        let keys: Record<string, unknown>[] = events
          .slice(i, i + BATCH_GET_KEYS)
          .map((e) => lifecycleKeys.event(e.engagementId, e.key));
        for (let attempt = 0; keys.length > 0; attempt++) {
          if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** attempt, 2_000)));
          const out = await doc.send(
            new BatchGetCommand({
              RequestItems: { [tableName]: { Keys: keys, ConsistentRead: true, ProjectionExpression: 'pk' } },
            }),
          );
          for (const item of out.Responses?.[tableName] ?? []) found.add(String(item.pk).slice('ENG#'.length));
          // Keys DynamoDB did not get to (throttling) are asked again, not taken for missing.
          keys = (out.UnprocessedKeys?.[tableName]?.Keys ?? []) as Record<string, unknown>[];
          if (attempt >= 10 && keys.length > 0) throw new Error('DynamoDB left keys unread (throttled); try again');
        }
      }
      return found;
    },
  };
}
