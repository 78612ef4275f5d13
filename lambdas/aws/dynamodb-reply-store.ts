import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Engagement } from '../core/engagement/engagement.schema.js';
import type { OutboxEvent } from '../core/lifecycle/ports/lifecycle-store.js';
import type { ReplyStore } from '../core/replies/ports/reply-store.js';
import type { Reply } from '../core/replies/reply.js';
import { ENGAGEMENT_SORT_KEY } from './dynamodb-engagement-store.js';
import { chainEvents, lifecycleWriteItems, lostRace } from './dynamodb-lifecycle-store.js';

/**
 * {@link ReplyStore} on the engagements table:
 * - `ENG#<engagement id>` / `REPLY#<reply id>`: the reply (attribute `reply`, with `revision`),
 *   beside its engagement, where the auditors' `replies` table reads it;
 * - `REPLYID#<reply id>` / `REPLY`: which engagement a reply id belongs to, so an approval
 *   (which names only the reply) finds it, and so an id is taken once across Switchboard;
 * - each change's events (`EVENT#…`) in the same transaction, linked into the engagement's
 *   audit chain, and published by the table's stream like every lifecycle event.
 */
export class DynamoDbReplyStore implements ReplyStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async get(replyId: string): Promise<Reply | undefined> {
    const { Item: index } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: replyKeys.index(replyId), ConsistentRead: true }),
    );
    if (!index) return undefined;
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: replyKeys.reply(String(index.engagementId), replyId),
        ConsistentRead: true,
      }),
    );
    return Item ? (Item.reply as Reply) : undefined;
  }

  async engagement(
    engagementId: string,
  ): Promise<(Engagement & { gone?: 'erased' | 'deleted' | 'expired' }) | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: `ENG#${engagementId}`, sk: ENGAGEMENT_SORT_KEY },
        ConsistentRead: true,
        ProjectionExpression: 'engagement, erasedAt, deletedAt, textExpiredAt',
      }),
    );
    if (!Item) return undefined;
    const gone = Item.erasedAt ? 'erased' : Item.deletedAt ? 'deleted' : Item.textExpiredAt ? 'expired' : undefined;
    return { ...(Item.engagement as Engagement), ...(gone ? { gone } : {}) };
  }

  async create(reply: Reply, events: OutboxEvent[]): Promise<'created' | 'exists' | 'gone'> {
    const writes = [
      // Never beside an engagement whose text is gone: erasure marks the engagement, then scrubs
      // the replies it finds, so a reply is either refused here or found by that scrub.
      {
        ConditionCheck: {
          TableName: this.tableName,
          Key: { pk: `ENG#${reply.engagementId}`, sk: ENGAGEMENT_SORT_KEY },
          ConditionExpression:
            'attribute_exists(pk) AND attribute_not_exists(erasedAt) AND attribute_not_exists(deletedAt) AND attribute_not_exists(textExpiredAt)',
        },
      },
      {
        Put: {
          TableName: this.tableName,
          Item: {
            ...replyKeys.index(reply.id),
            type: 'reply-index',
            engagementId: reply.engagementId,
            department: reply.department,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          TableName: this.tableName,
          Item: this.item(reply),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ];
    const failed = await this.write(writes, events);
    return failed === undefined ? 'created' : failed === 0 ? 'gone' : 'exists';
  }

  async update(next: Reply, expectedRevision: number, events: OutboxEvent[]): Promise<'updated' | 'conflict'> {
    const writes = [
      {
        Put: {
          TableName: this.tableName,
          Item: this.item(next),
          ConditionExpression: 'revision = :expected',
          ExpressionAttributeValues: { ':expected': expectedRevision },
        },
      },
    ];
    return (await this.write(writes, events)) === undefined ? 'updated' : 'conflict';
  }

  async pausedUntil(platform: string, account: string): Promise<string | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: replyKeys.pause(platform, account), ConsistentRead: true }),
    );
    return typeof Item?.until === 'string' ? Item.until : undefined;
  }

  async pause(platform: string, account: string, until: string): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...replyKeys.pause(platform, account),
            type: 'rate-limit',
            until,
            // Gone a day after it ends (the table's TTL attribute).
            expiresAt: Math.floor(Date.parse(until) / 1000) + 86_400,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR #until < :until',
          ExpressionAttributeNames: { '#until': 'until' },
          ExpressionAttributeValues: { ':until': until },
        }),
      );
    } catch (err) {
      // A longer pause is recorded already.
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }

  private item(reply: Reply) {
    return { ...replyKeys.reply(reply.engagementId, reply.id), type: 'reply', revision: reply.revision, reply };
  }

  /**
   * The reply's writes with its events, chained, in one transaction: undefined when written, else
   * the index of the first of `writes` whose condition failed (it exists, it changed, the
   * engagement went); a chain that moved meanwhile is read again and linked after.
   */
  private async write(writes: object[], events: OutboxEvent[], attempt = 0): Promise<number | undefined> {
    const chained = events.length > 0 ? await chainEvents(this.doc, this.tableName, events) : { events: [], heads: [] };
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            ...writes,
            ...lifecycleWriteItems(this.tableName, [], chained.events),
            ...chained.heads,
          ] as never,
        }),
      );
      return undefined;
    } catch (err) {
      const reasons = err instanceof TransactionCanceledException ? (err.CancellationReasons ?? []) : [];
      const own = reasons.slice(0, writes.length);
      // A condition of the reply's own writes failed: another change came first (or the engagement went).
      const failed = own.findIndex((r) => r.Code === 'ConditionalCheckFailed');
      if (failed >= 0) return failed;
      const held = own.findIndex((r) => r.Code === 'TransactionConflict');
      // The engagement was being changed (an edit, an erasure): try again, and its condition decides.
      if (held === 0 && 'ConditionCheck' in (writes[0] as object)) {
        if (attempt < 4) return this.write(writes, events, attempt + 1);
        throw err;
      }
      // Another transaction held the reply's own item: another change came first.
      if (held >= 0) return held;
      if (attempt < 4 && lostRace(reasons.slice(writes.length))) return this.write(writes, events, attempt + 1);
      throw err;
    }
  }
}

/** The keys of reply items. */
export const replyKeys = {
  reply: (engagementId: string, replyId: string) => ({ pk: `ENG#${engagementId}`, sk: `REPLY#${replyId}` }),
  index: (replyId: string) => ({ pk: `REPLYID#${replyId}`, sk: 'REPLY' }),
  /** A platform's rate limit on one of the company's accounts, shared by every reply to it. */
  pause: (platform: string, account: string) => ({ pk: `RATE#${platform}#${account}`, sk: 'PAUSE' }),
};
