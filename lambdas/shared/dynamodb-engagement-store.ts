import { ConditionalCheckFailedException, TransactionCanceledException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Engagement } from '../core/engagement/engagement.schema.js';
import type { ClaimResult, EngagementChange, EngagementStore, PublishLease, RoutingAuditRecord, SaveResult, StoredEngagement } from '../core/ports/engagement-store.js';

/**
 * Single-table layout (keys `pk`/`sk`), so an engagement and its whole history are one Query:
 * - `ENG#<id>` / `ENGAGEMENT`: the engagement as published, its publish lease (`leaseHolder`,
 *   `leaseUntil`) and `publishedAt` once on the bus;
 * - `ENG#<id>` / `AUDIT#<at>#ROUTED`: the routing decision (rules, departments, config version);
 * - `ENG#<id>` / `AUDIT#<at>#EDITED|DELETED`: an edit or deletion the platform reported;
 * - `DELIVERY#<intake message id>` / `RAW`: the raw delivery, deleted by TTL after retention.
 */
export const keys = {
  engagement: (id: string) => ({ pk: `ENG#${id}`, sk: 'ENGAGEMENT' }),
  audit: (id: string, at: string, what: 'ROUTED' | 'EDITED' | 'DELETED' = 'ROUTED') => ({ pk: `ENG#${id}`, sk: `AUDIT#${at}#${what}` }),
  rawDelivery: (deliveryId: string) => ({ pk: `DELIVERY#${deliveryId}`, sk: 'RAW' }),
};

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

  async saveNew(engagement: Engagement, audit: RoutingAuditRecord, lease: PublishLease): Promise<SaveResult> {
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...keys.engagement(engagement.id), type: 'engagement', engagement, storedAt: audit.at, leaseHolder: lease.holder, leaseUntil: lease.until },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            { Put: { TableName: this.tableName, Item: { ...keys.audit(engagement.id, audit.at), type: 'routing-decision', ...audit } } },
          ],
        }),
      );
      return { created: true };
    } catch (err) {
      const exists = err instanceof TransactionCanceledException && err.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed';
      if (!exists) throw err;
      const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: keys.engagement(engagement.id), ConsistentRead: true }));
      if (!Item) throw new Error(`engagement ${engagement.id} exists but could not be read back`);
      return { created: false, existing: { engagement: Item.engagement as Engagement, publishedAt: Item.publishedAt as string | undefined } };
    }
  }

  async claimPublication(engagementId: string, lease: PublishLease, now: string): Promise<ClaimResult> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.engagement(engagementId),
          UpdateExpression: 'SET leaseHolder = :holder, leaseUntil = :until',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(publishedAt) AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now OR leaseHolder = :holder)',
          ExpressionAttributeValues: { ':holder': lease.holder, ':until': lease.until, ':now': now },
        }),
      );
      return 'claimed';
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: keys.engagement(engagementId), ConsistentRead: true }));
      if (!Item) throw new Error(`engagement ${engagementId} is not stored`);
      return Item.publishedAt ? 'published' : 'held';
    }
  }

  async applyChange(engagementId: string, change: EngagementChange): Promise<'applied' | 'missing' | 'deleted'> {
    const update =
      change.change === 'edited'
        ? { UpdateExpression: 'SET engagement.#text = :text, engagement.keywords = :keywords, editedAt = :at', ExpressionAttributeValues: { ':text': change.text, ':keywords': change.keywords, ':at': change.at } }
        : { UpdateExpression: 'SET engagement.#text = :empty, engagement.keywords = :none, deletedAt = :at', ExpressionAttributeValues: { ':empty': '', ':none': [], ':at': change.at } };
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Update: { TableName: this.tableName, Key: keys.engagement(engagementId), ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deletedAt)', ExpressionAttributeNames: { '#text': 'text' }, ...update } },
            {
              Put: {
                TableName: this.tableName,
                Item: { ...keys.audit(engagementId, change.at, change.change === 'edited' ? 'EDITED' : 'DELETED'), type: `engagement-${change.change}`, engagementId, at: change.at, deliveryId: change.deliveryId },
              },
            },
          ],
        }),
      );
      return 'applied';
    } catch (err) {
      if (!(err instanceof TransactionCanceledException && err.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed')) throw err;
      const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: keys.engagement(engagementId), ConsistentRead: true }));
      return Item ? 'deleted' : 'missing';
    }
  }

  async readStored(engagementId: string): Promise<StoredEngagement | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: keys.engagement(engagementId), ConsistentRead: true }));
    if (!Item) return undefined;
    return { engagement: Item.engagement as Engagement, ...(typeof Item.publishedAt === 'string' ? { publishedAt: Item.publishedAt } : {}), ...(typeof Item.leaseHolder === 'string' ? { leaseHolder: Item.leaseHolder } : {}) };
  }

  async markPublished(engagementId: string, at: string): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.engagement(engagementId),
        UpdateExpression: 'SET publishedAt = if_not_exists(publishedAt, :at)',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':at': at },
      }),
    );
  }

  async saveRawDelivery(deliveryId: string, platform: string, receivedAt: string, bodyBase64: string): Promise<void> {
    const expiresAt = Math.floor(Date.parse(receivedAt) / 1000) + this.rawRetentionDays * 86_400;
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.rawDelivery(deliveryId), type: 'raw-delivery', platform, receivedAt, bodyBase64, expiresAt },
      }),
    );
  }
}
