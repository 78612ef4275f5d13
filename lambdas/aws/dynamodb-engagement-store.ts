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
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { DynamoDbRollupStore } from './dynamodb-rollup-store.js';
import { topicWords } from '../core/management/rollup.js';
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
import { scrubDecisionValues } from '../core/audit/retention-sweep.js';
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
 * - `ENG#<id>` / `AUDIT#<at>#RETENTION`: its text was removed at the end of its retention
 *   ({@link DynamoDbEngagementStore.expireText});
 * - `RAW#<raw key>` / `PART#<n>`: the raw webhook deliveries of one intake batch, gzipped
 *   together (JSON lines) and cut into parts that fit an item, deleted by TTL after retention.
 */
export const keys = {
  engagement: (id: string) => ({ pk: `ENG#${id}`, sk: 'ENGAGEMENT' }),
  audit: (id: string, at: string, what: 'EDITED' | 'DELETED' | 'RETENTION') => ({
    pk: `ENG#${id}`,
    sk: `AUDIT#${at}#${what}`,
  }),
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
  /** Erasure takes an engagement's words out of the keyword counts. */
  private readonly rollups: DynamoDbRollupStore;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
    private readonly rawRetentionDays: number,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    this.rollups = new DynamoDbRollupStore(client, tableName);
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
                // Nor after its erasure or its text expired: an edit must not bring back text the
                // author asked to have erased, or text past its retention.
                ConditionExpression:
                  'attribute_exists(pk) AND attribute_not_exists(deletedAt) AND attribute_not_exists(erasedAt) AND attribute_not_exists(textExpiredAt)',
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
    const outcome = await this.scrubPersonalData(
      engagementId,
      at,
      {
        marker: 'deliveryId' in cause ? 'deletedAt' : 'erasedAt',
        doneIf: [],
        scrubDecision: false,
        records: (engagement) => [
          ...('deliveryId' in cause
            ? [
                {
                  ...keys.audit(engagementId, at, 'DELETED'),
                  type: 'engagement-deleted',
                  engagementId,
                  at,
                  deliveryId: cause.deliveryId,
                },
              ]
            : []),
          lifecycleWriteItems(
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
          )[0]!.Put.Item,
        ],
      },
      attempt,
    );
    return outcome === 'scrubbed' ? 'erased' : outcome;
  }

  /**
   * Removes an engagement's text once it is past `retention.engagements`
   * (lambdas/core/audit/retention-sweep.ts): the same fields an erasure removes (text, keywords,
   * author identity, permalink), from the engagement and its delivery copies, plus the matched
   * values of its routing decision's reasons; its raw delivery is cut out if it is still kept.
   * `textExpiredAt` marks it, and a `AUDIT#<at>#RETENTION` record (`engagement-text-expired`)
   * extends its audit chain in the same transaction, so an auditor sees why the text is gone and
   * the chain still verifies (its hashes cover none of what is removed).
   *
   * No "Engagement Erased" is published: that event carries a person's request (or their
   * platform's deletion) to the departments, which must act on it in their own systems. Expiry
   * is Switchboard's own storage limit: departments keep their copies under their own retention,
   * and telling them "erased" would state a request nobody made (and set off their erasure
   * handling for every engagement of a day at once).
   *
   * `done`: its text was gone already (expired, erased on request, or deleted by its platform);
   * `missing`: no such engagement.
   */
  async expireText(engagementId: string, at: string, retentionDays: number): Promise<'expired' | 'missing' | 'done'> {
    const outcome = await this.scrubPersonalData(engagementId, at, {
      marker: 'textExpiredAt',
      doneIf: ['erasedAt', 'deletedAt'],
      scrubDecision: true,
      records: () => [
        {
          ...keys.audit(engagementId, at, 'RETENTION'),
          type: 'engagement-text-expired',
          engagementId,
          at,
          // Not in the chain's hash (an audit record's hash covers its type and time): context only.
          retentionDays,
        },
      ],
    });
    return outcome === 'scrubbed' ? 'expired' : outcome;
  }

  /**
   * The steps an erasure and a text expiry share: read the partition, cut the raw delivery, then
   * in one transaction scrub the engagement (setting `marker`, on the condition that it is not set
   * yet), put the audit `records` (linked into the chain), scrub every delivery copy and move the
   * chain's head. A lost race (the chain moved, the engagement changed) reads again and retries.
   */
  private async scrubPersonalData(
    engagementId: string,
    at: string,
    how: {
      /** Set to `at` on the engagement item; an item that has it is `done`. */
      marker: 'deletedAt' | 'erasedAt' | 'textExpiredAt';
      /** Other markers that make it `done` (its text is gone already). */
      doneIf: readonly string[];
      /** Also remove the matched values from the routing decision's reasons. */
      scrubDecision: boolean;
      /** The audit records to chain, in order, given the engagement as stored. */
      records: (engagement: Engagement) => Record<string, unknown>[];
    },
    attempt = 0,
  ): Promise<'scrubbed' | 'missing' | 'done'> {
    const Items = await this.partition(engagementId);
    const item = Items.find((i) => i.sk === ENGAGEMENT_SORT_KEY);
    if (!item) return 'missing';
    const markers = [how.marker, ...how.doneIf];
    if (markers.some((m) => item[m])) {
      // Marked by an earlier run that may have stopped before its last reply scrub.
      await this.scrubReplies(Items);
      return 'done';
    }
    const engagement = item.engagement as Engagement;
    const decision = item.decision as RoutingAuditRecord | undefined;
    // First, so a retry after a failed transaction still finds the raw delivery to cut.
    if (decision?.rawKey) await this.eraseRawDelivery(decision.rawKey, decision.deliveryId);
    const records = how.records(engagement);
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
    // Replies to the person may quote them: their texts go too, first (each on its own, so any
    // number of replies fits; again on a retry, which finds them empty), then the engagement.
    await this.scrubReplies(Items);
    // Its words out of the day's keyword counts (the top topics) too, before the text goes: once,
    // however often this runs (the rollups remember it).
    await this.rollups.forgetKeywords(engagement.id, engagement.receivedAt.slice(0, 10), topicWords(engagement));
    const withDecision = how.scrubDecision && decision !== undefined;
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: keys.engagement(engagementId),
                ConditionExpression: ['attribute_exists(pk)', ...markers.map((m) => `attribute_not_exists(${m})`)].join(
                  ' AND ',
                ),
                UpdateExpression: `SET engagement = :scrubbed, ${how.marker} = :at${withDecision ? ', #decision = :decision' : ''}`,
                ExpressionAttributeValues: {
                  ':scrubbed': scrubEngagement(engagement),
                  ':at': at,
                  ...(withDecision ? { ':decision': scrubDecisionValues(decision) } : {}),
                },
                ...(withDecision ? { ExpressionAttributeNames: { '#decision': 'decision' } } : {}),
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
      // A reply submitted while this ran, before the mark above, is found now; one submitted after
      // it is refused (the reply store checks the mark), so no reply keeps the person's words.
      await this.scrubReplies(await this.partition(engagementId));
      return 'scrubbed';
    } catch (err) {
      const reasons = err instanceof TransactionCanceledException ? (err.CancellationReasons ?? []) : [];
      if (reasons[0]?.Code === 'ConditionalCheckFailed') return 'done';
      // The chain moved, or the engagement changed, meanwhile: read again and apply after it.
      if (attempt < 4 && lostRace(reasons)) return this.scrubPersonalData(engagementId, at, how, attempt + 1);
      throw err;
    }
  }

  /** Every item of an engagement's partition, every page (replies and their events sort after the rest). */
  private async partition(engagementId: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.engagement(engagementId).pk },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /**
   * Empties the texts of an engagement's replies: each reply item (its revision moves, so a
   * publisher holding the old one cannot write the text back, and one not yet published fails
   * rather than going out empty: publish-reply.ts) and each reply event that carries a text.
   */
  private async scrubReplies(items: Record<string, unknown>[]): Promise<void> {
    for (const r of items.filter((i) => String(i.sk).startsWith('REPLY#'))) {
      let reply = r;
      for (let attempt = 0; (reply.reply as { text?: string } | undefined)?.text; attempt++) {
        try {
          await this.doc.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: { pk: reply.pk, sk: reply.sk },
              ConditionExpression: 'revision = :revision',
              UpdateExpression: 'SET #reply.#text = :empty, #reply.#revision = :next, #revision = :next',
              ExpressionAttributeNames: { '#reply': 'reply', '#text': 'text', '#revision': 'revision' },
              ExpressionAttributeValues: {
                ':empty': '',
                ':revision': reply.revision,
                ':next': Number(reply.revision) + 1,
              },
            }),
          );
          break;
        } catch (err) {
          // The publisher changed it meanwhile: read it again and scrub what it left.
          if (!(err instanceof ConditionalCheckFailedException) || attempt >= 4) throw err;
          const { Item } = await this.doc.send(
            new GetCommand({ TableName: this.tableName, Key: { pk: reply.pk, sk: reply.sk }, ConsistentRead: true }),
          );
          if (!Item) break;
          reply = Item;
        }
      }
    }
    for (const e of items.filter(
      (i) =>
        String(i.sk).startsWith(EVENT_SORT_KEY_PREFIX) &&
        String((i.event as { detailType?: string }).detailType).startsWith('Reply ') &&
        (i.event as { detail?: { text?: string } }).detail?.text,
    ))
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: e.pk, sk: e.sk },
          UpdateExpression: 'SET #event.#detail.#text = :empty',
          ExpressionAttributeNames: { '#event': 'event', '#detail': 'detail', '#text': 'text' },
          ExpressionAttributeValues: { ':empty': '' },
        }),
      );
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
