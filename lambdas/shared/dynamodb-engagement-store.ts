import { TransactionCanceledException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Engagement } from '../core/engagement/engagement.schema.js';
import type { EngagementStore, RoutingAuditRecord, SaveResult } from '../core/ports/engagement-store.js';

/**
 * Single-table layout (keys `pk`/`sk`), so an engagement and its whole history are one Query:
 * - `ENG#<id>` / `ENGAGEMENT`: the engagement as published, with `publishedAt` once on the bus;
 * - `ENG#<id>` / `AUDIT#<at>#ROUTED`: the routing decision (rules, departments, config version);
 * - `DELIVERY#<intake message id>` / `RAW`: the raw delivery, deleted by TTL after retention.
 */
export const keys = {
  engagement: (id: string) => ({ pk: `ENG#${id}`, sk: 'ENGAGEMENT' }),
  audit: (id: string, at: string) => ({ pk: `ENG#${id}`, sk: `AUDIT#${at}#ROUTED` }),
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

  async saveNew(engagement: Engagement, audit: RoutingAuditRecord): Promise<SaveResult> {
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...keys.engagement(engagement.id), type: 'engagement', engagement, storedAt: audit.at },
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
