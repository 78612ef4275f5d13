import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { PollState } from '../core/polling/poller.js';
import type { PollStateStore } from '../core/lifecycle/ports/poll-state-store.js';

/** Poll state lives in the engagement table under `POLL#<platform>#<target id>` / `STATE`. */
export const pollStateKey = (platform: string, targetId: string) => ({
  pk: `POLL#${platform}#${targetId}`,
  sk: 'STATE',
});

/** {@link PollStateStore} on the engagement table. */
export class DynamoDbPollStateStore implements PollStateStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async get(platform: string, targetId: string): Promise<PollState> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: pollStateKey(platform, targetId), ConsistentRead: true }),
    );
    return (Item?.state as PollState | undefined) ?? {};
  }

  async put(platform: string, targetId: string, state: PollState): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...pollStateKey(platform, targetId),
          type: 'poll-state',
          platform,
          targetId,
          state,
          updatedAt: new Date().toISOString(),
        },
      }),
    );
  }
}
