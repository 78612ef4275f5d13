import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { ErasureRecord } from '../core/lifecycle/erase.js';
import type { ScanKey } from '../core/lifecycle/replay-run.js';
import { DynamoDbEngagementStore, ENGAGEMENT_SORT_KEY } from './dynamodb-engagement-store.js';

/** The tombstone's key: one per request (its time and the person), `ERASURE#<at>#<author>` / `ERASURE`. */
export const erasureKey = (record: Pick<ErasureRecord, 'at' | 'author'>) => ({
  pk: `ERASURE#${record.at}#${record.author}`,
  sk: 'ERASURE',
});

/**
 * `switchboard erase` on the engagements table, in steps a caller can spread over several runs
 * (the CLI does them in one go, the job on AWS over as many invocations as it takes): find the
 * person's engagements page by page, erase each with the store's one erasure (the one a
 * platform's deletion uses), then keep the tombstone.
 */
export class DynamoDbErasure {
  private readonly doc: DynamoDBDocumentClient;
  private readonly store: DynamoDbEngagementStore;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    // The raw retention only matters for raw deliveries written anew: an erasure rewrites a
    // batch keeping its expiry, so any value does.
    this.store = new DynamoDbEngagementStore(client, tableName, 30);
  }

  /**
   * The ids of the person's engagements in one page of a consistent Scan (the table has no index
   * by author), from `start`; no `next` on the last page.
   */
  async findPage(
    platform: string,
    authorId: string,
    start: ScanKey | undefined,
  ): Promise<{ ids: string[]; next?: ScanKey }> {
    const page = await this.doc.send(
      new ScanCommand({
        TableName: this.tableName,
        ConsistentRead: true,
        FilterExpression: 'sk = :engagement AND engagement.platform = :platform AND engagement.author.id = :author',
        ProjectionExpression: 'engagement.id',
        ExpressionAttributeValues: { ':engagement': ENGAGEMENT_SORT_KEY, ':platform': platform, ':author': authorId },
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    const ids = (page.Items ?? []).map((item) => String((item.engagement as { id: string }).id));
    return { ids, ...(page.LastEvaluatedKey ? { next: page.LastEvaluatedKey as ScanKey } : {}) };
  }

  /**
   * Erases one engagement as a platform's deletion is erased (the engagement, its delivery
   * copies, its raw delivery, "Engagement Erased"); erasing it again changes nothing.
   */
  async erase(engagementId: string, at: string): Promise<void> {
    await this.store.eraseEngagement(engagementId, at, { requested: true });
  }

  /** Writes the tombstone; writing the same request's again rewrites the same item. */
  async record(record: ErasureRecord): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...erasureKey(record), type: 'erasure', erasure: record },
      }),
    );
  }
}
