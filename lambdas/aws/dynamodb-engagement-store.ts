import {
  ConditionalCheckFailedException,
  TransactionCanceledException,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { isUtf8 } from 'node:buffer';
import { gunzipSync, gzipSync } from 'node:zlib';
import pLimit from 'p-limit';
import { nextLink } from '../core/audit/chain.js';
import {
  chainItems,
  EngagementNotStoredError,
  EVENT_SORT_KEY_PREFIX,
  lifecycleWriteItems,
  lostRace,
} from './dynamodb-lifecycle-store.js';
import { engagementErased, scrubEngagement } from '../core/lifecycle/erase.js';
import type { Engagement } from '../core/engagement/engagement.schema.js';
import type {
  EngagementChange,
  EngagementStore,
  RawDelivery,
  RoutingAuditRecord,
  StoredEngagement,
} from '../core/lifecycle/ports/engagement-store.js';

/**
 * Single-table layout (keys `pk`/`sk`), so an engagement and its whole history are one Query:
 * - `ENG#<id>` / `ENGAGEMENT`: the engagement as published, with its routing decision
 *   (`decision`: when, from which delivery, why each rule matched). Its INSERT in the table's
 *   stream is what publishes it (the outbox);
 * - `ENG#<id>` / `AUDIT#<at>#EDITED|DELETED`: an edit or deletion the platform reported;
 * - `RAW#<raw key>` / `PART#<n>`: the raw webhook deliveries of one intake batch, gzipped
 *   together (JSON lines) and cut into parts that fit an item, deleted by TTL after retention.
 */
export const keys = {
  engagement: (id: string) => ({ pk: `ENG#${id}`, sk: 'ENGAGEMENT' }),
  audit: (id: string, at: string, what: 'EDITED' | 'DELETED') => ({ pk: `ENG#${id}`, sk: `AUDIT#${at}#${what}` }),
  rawPart: (rawKey: string, part: number) => ({ pk: `RAW#${rawKey}`, sk: `PART#${String(part).padStart(3, '0')}` }),
};

/** Largest compressed part of raw deliveries in one item (DynamoDB allows 400 KB an item, keys and attributes included). */
export const RAW_PART_BYTES = 380 * 1024;

/** The sort key of engagement items: the stream's filter publishes inserts of these only. */
export const ENGAGEMENT_SORT_KEY = 'ENGAGEMENT';

/** An engagement item with its decision linked as the first record of its audit chain. */
const withChainStart = (item: Record<string, unknown>) => ({ ...item, chain: nextLink(undefined, item) });

/** {@link EngagementStore} on a DynamoDB table with the layout of {@link keys}. */
export class DynamoDbEngagementStore implements EngagementStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
    private readonly rawRetentionDays: number,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async saveNew(engagement: Engagement, decision: RoutingAuditRecord): Promise<'created' | 'exists'> {
    try {
      // One conditional put, not a transaction: the decision lives in the engagement's own item,
      // so there is nothing else to write atomically with it (a transaction costs twice the units).
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          // The decision is the first record of the engagement's audit chain.
          Item: withChainStart({ ...keys.engagement(engagement.id), type: 'engagement', engagement, decision }),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return 'created';
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return 'exists';
      throw err;
    }
  }

  async applyChange(
    engagementId: string,
    change: EngagementChange,
    attempt = 0,
  ): Promise<'applied' | 'missing' | 'deleted'> {
    if (change.change === 'deleted') return this.applyDeletion(engagementId, change);
    const update = {
      UpdateExpression: 'SET engagement.#text = :text, engagement.keywords = :keywords, editedAt = :at',
      ExpressionAttributeValues: { ':text': change.text, ':keywords': change.keywords, ':at': change.at },
    };
    // The edit's audit record extends the engagement's audit chain.
    const record = {
      ...keys.audit(engagementId, change.at, 'EDITED'),
      type: 'engagement-edited',
      engagementId,
      at: change.at,
      deliveryId: change.deliveryId,
    };
    let chained: Awaited<ReturnType<typeof chainItems>>;
    try {
      chained = await chainItems(this.doc, this.tableName, [{ engagementId, item: record }]);
    } catch (err) {
      // An edit that overtook its engagement's creation: the caller routes it as new.
      if (err instanceof EngagementNotStoredError) return 'missing';
      throw err;
    }
    try {
      // Edits are rare: the change and its audit record are written together.
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: keys.engagement(engagementId),
                ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deletedAt)',
                ExpressionAttributeNames: { '#text': 'text' },
                ...update,
              },
            },
            { Put: { TableName: this.tableName, Item: { ...record, chain: chained.links[0] } } },
            ...(chained.heads as never[]),
          ],
        }),
      );
      return 'applied';
    } catch (err) {
      const reasons = err instanceof TransactionCanceledException ? (err.CancellationReasons ?? []) : [];
      // Another record extended the chain meanwhile: link this one after it.
      if (attempt < 4 && lostRace(reasons.slice(1))) return this.applyChange(engagementId, change, attempt + 1);
      if (reasons[0]?.Code !== 'ConditionalCheckFailed') throw err;
      const { Item } = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: keys.engagement(engagementId), ConsistentRead: true }),
      );
      return Item ? 'deleted' : 'missing';
    }
  }

  /**
   * A deletion the platform reported erases as `switchboard erase` does (the author took their
   * words back), with the deletion as an audit record of its own.
   */
  private async applyDeletion(
    engagementId: string,
    change: Extract<EngagementChange, { change: 'deleted' }>,
  ): Promise<'applied' | 'missing' | 'deleted'> {
    const outcome = await this.eraseEngagement(engagementId, change.at, { deliveryId: change.deliveryId });
    return outcome === 'erased' ? 'applied' : outcome === 'missing' ? 'missing' : 'deleted';
  }

  /**
   * Erases an engagement's personal data (docs/auditing.md, "Erasure"): the text, keywords,
   * identity and permalink go from the engagement and from every delivery copy Switchboard made
   * of it, the raw delivery it came in is cut out of its batch, and the departments that received
   * it get "Engagement Erased". The erasure event (and, for a platform's deletion, the deletion's
   * audit record) extend the engagement's audit chain, all in one transaction. `cause` is the
   * platform's deletion (its delivery), or an erasure on request. `done`: erased before.
   */
  async eraseEngagement(
    engagementId: string,
    at: string,
    cause: { deliveryId: string } | { requested: true },
    attempt = 0,
  ): Promise<'erased' | 'missing' | 'done'> {
    const { Items = [] } = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.engagement(engagementId).pk },
        ConsistentRead: true,
      }),
    );
    const item = Items.find((i) => i.sk === ENGAGEMENT_SORT_KEY);
    if (!item) return 'missing';
    const marker = 'deliveryId' in cause ? 'deletedAt' : 'erasedAt';
    if (item[marker]) return 'done';
    const engagement = item.engagement as Engagement;
    const decision = item.decision as RoutingAuditRecord | undefined;
    // First, so a retry after a failed transaction still finds the raw delivery to cut.
    if (decision?.rawKey) await this.eraseRawDelivery(decision.rawKey, decision.deliveryId);
    const record =
      'deliveryId' in cause
        ? {
            ...keys.audit(engagementId, at, 'DELETED'),
            type: 'engagement-deleted',
            engagementId,
            at,
            deliveryId: cause.deliveryId,
          }
        : undefined;
    const [eventItem] = lifecycleWriteItems(
      this.tableName,
      [],
      [
        engagementErased(
          engagementId,
          `${engagement.platform}:${engagement.author.id}`,
          at,
          engagement.routing.departments,
        ),
      ],
    );
    const records = [...(record ? [record] : []), eventItem!.Put.Item];
    const chained = await chainItems(
      this.doc,
      this.tableName,
      records.map((r) => ({ engagementId, item: r })),
    );
    const copies = Items.filter(
      (i) =>
        String(i.sk).startsWith(EVENT_SORT_KEY_PREFIX) &&
        (i.event as { detailType?: string }).detailType === 'Engagement Routed',
    );
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: keys.engagement(engagementId),
                ConditionExpression: `attribute_exists(pk) AND attribute_not_exists(${marker})`,
                UpdateExpression: `SET engagement = :scrubbed, ${marker} = :at`,
                ExpressionAttributeValues: { ':scrubbed': scrubEngagement(engagement), ':at': at },
              },
            },
            ...records.map((r, i) => ({
              Put: {
                TableName: this.tableName,
                Item: { ...r, chain: chained.links[i] },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            })),
            ...copies.map((c) => ({
              Update: {
                TableName: this.tableName,
                Key: { pk: c.pk, sk: c.sk },
                UpdateExpression: 'SET #event.detail = :scrubbed',
                ExpressionAttributeNames: { '#event': 'event' },
                ExpressionAttributeValues: {
                  ':scrubbed': scrubEngagement((c.event as { detail: Engagement }).detail),
                },
              },
            })),
            ...(chained.heads as never[]),
          ] as never,
        }),
      );
      return 'erased';
    } catch (err) {
      const reasons = err instanceof TransactionCanceledException ? (err.CancellationReasons ?? []) : [];
      if (reasons[0]?.Code === 'ConditionalCheckFailed') return 'done';
      // The chain moved, or the engagement changed, meanwhile: read again and apply after it.
      if (attempt < 4 && lostRace(reasons)) return this.eraseEngagement(engagementId, at, cause, attempt + 1);
      throw err;
    }
  }

  async readStored(engagementId: string): Promise<StoredEngagement | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: keys.engagement(engagementId), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return {
      engagement: Item.engagement as Engagement,
      ...(Item.decision ? { decision: Item.decision as RoutingAuditRecord } : {}),
      ...(typeof Item.editedAt === 'string' ? { editedAt: Item.editedAt } : {}),
      ...(typeof Item.deletedAt === 'string' ? { deletedAt: Item.deletedAt } : {}),
    };
  }

  async saveRawDeliveries(rawKey: string, deliveries: RawDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    const oldest = Math.min(...deliveries.map((d) => Date.parse(d.receivedAt)));
    const expiresAt = Math.floor(oldest / 1000) + this.rawRetentionDays * 86_400;
    // One JSON line per delivery (text as text, other bytes as base64), gzipped together: a
    // batch of similar JSON bodies compresses far better than each body alone, and write units
    // are paid per kilobyte of item, with a whole unit at least for every item.
    const lines = deliveries
      .map((d) =>
        JSON.stringify({
          deliveryId: d.deliveryId,
          platform: d.platform,
          receivedAt: d.receivedAt,
          headers: d.headers,
          ...(isUtf8(d.body) ? { body: d.body.toString('utf8') } : { bodyBase64: d.body.toString('base64') }),
        }),
      )
      .join('\n');
    await this.writeRawParts(
      rawKey,
      lines,
      deliveries.map((d) => d.deliveryId),
      expiresAt,
    );
  }

  /**
   * Removes one delivery from a batch's raw copy (an erasure: the person's words must not stay
   * in the archive), rewriting the batch's parts without it; the copy goes when it was the last.
   * Resolves whether the delivery was there.
   */
  async eraseRawDelivery(rawKey: string, deliveryId: string): Promise<boolean> {
    const { Items = [] } = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `RAW#${rawKey}` },
        ConsistentRead: true,
      }),
    );
    if (Items.length === 0) return false;
    const parts = [...Items].sort((a, b) => String(a.sk).localeCompare(String(b.sk)));
    const lines = gunzipSync(Buffer.concat(parts.map((p) => Buffer.from(p.body as Uint8Array))))
      .toString('utf8')
      .split('\n')
      .filter((l) => l !== '');
    const kept = lines.filter((l) => (JSON.parse(l) as { deliveryId?: string }).deliveryId !== deliveryId);
    if (kept.length === lines.length) return false;
    const ids = kept.map((l) => String((JSON.parse(l) as { deliveryId?: string }).deliveryId));
    const written =
      kept.length > 0 ? await this.writeRawParts(rawKey, kept.join('\n'), ids, Number(parts[0]!.expiresAt)) : 0;
    // Parts past the new end are left from the longer copy.
    for (const part of parts.slice(written))
      await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: part.pk, sk: part.sk } }));
    return true;
  }

  /** Writes a batch's raw lines gzipped, in parts that fit an item; resolves how many parts. */
  private async writeRawParts(
    rawKey: string,
    lines: string,
    deliveryIds: string[],
    expiresAt: number,
  ): Promise<number> {
    const packed = gzipSync(lines);
    // The first part also carries the list of delivery ids: its share of the body is smaller by that much.
    const firstBytes = RAW_PART_BYTES - Buffer.byteLength(JSON.stringify(deliveryIds));
    const bounds = [0, Math.min(firstBytes, packed.length)];
    while (bounds.at(-1)! < packed.length) bounds.push(Math.min(bounds.at(-1)! + RAW_PART_BYTES, packed.length));
    const parts = bounds.length - 1;
    const limit = pLimit(4);
    await Promise.all(
      Array.from({ length: parts }, (_, part) =>
        limit(() =>
          this.doc.send(
            new PutCommand({
              TableName: this.tableName,
              Item: {
                ...keys.rawPart(rawKey, part),
                type: 'raw-deliveries',
                ...(part === 0 ? { deliveryIds, parts } : {}),
                encoding: 'gzip',
                body: packed.subarray(bounds[part], bounds[part + 1]),
                expiresAt,
              },
            }),
          ),
        ),
      ),
    );
    return parts;
  }
}
