import { type DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { OutboxEvent } from '../core/lifecycle/ports/lifecycle-store.js';
import type { GovernanceState, GovernanceStore, StateWrite } from '../core/management/ports/governance-store.js';
import { CRISIS_PARTITION, type CrisisState } from '../core/management/crisis.js';
import type { ActiveCrisis } from '../core/routing/crisis-playbook.js';
import { chainEvents, lifecycleWriteItems, lostRace } from './dynamodb-lifecycle-store.js';

/** The sort key of a governance partition's state item. */
export const STATE_SORT_KEY = 'STATE';

/**
 * {@link GovernanceStore} on the engagements table: each state is the `STATE` item of its
 * partition (`ENG#switchboard:crisis`), written on the condition of its revision, with its
 * events chained into the partition's audit chain and published by the stream like any other.
 */
export class DynamoDbGovernanceStore implements GovernanceStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async read<T extends GovernanceState>(partition: string): Promise<T | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: `ENG#${partition}`, sk: STATE_SORT_KEY },
        ConsistentRead: true,
      }),
    );
    return Item ? (Item.state as T) : undefined;
  }

  async commit(writes: StateWrite[], events: OutboxEvent[], attempt = 0): Promise<'written' | 'conflict'> {
    const chained = events.length > 0 ? await chainEvents(this.doc, this.tableName, events) : { events: [], heads: [] };
    const puts = writes.map((w) => ({
      Put: {
        TableName: this.tableName,
        Item: {
          pk: `ENG#${w.partition}`,
          sk: STATE_SORT_KEY,
          type: 'governance-state',
          revision: w.next.revision,
          state: w.next,
        },
        ...(w.expectedRevision === 0
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : {
              ConditionExpression: 'revision = :expected',
              ExpressionAttributeValues: { ':expected': w.expectedRevision },
            }),
      },
    }));
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            ...puts,
            ...lifecycleWriteItems(this.tableName, [], chained.events),
            ...chained.heads,
          ] as never,
        }),
      );
      return 'written';
    } catch (err) {
      const reasons = err instanceof TransactionCanceledException ? (err.CancellationReasons ?? []) : [];
      // A state moved meanwhile: the caller reads again and decides again.
      if (reasons.slice(0, puts.length).some((r) => r.Code === 'ConditionalCheckFailed')) return 'conflict';
      // Only the audit chain moved (another writer of the same partition): link after it.
      if (attempt < 4 && lostRace(reasons)) return this.commit(writes, events, attempt + 1);
      throw err;
    }
  }
}

/** Whether crisis mode is on, read from the store (routing and the replies API ask it). */
export function crisisReader(store: GovernanceStore): { active(): Promise<ActiveCrisis | undefined> } {
  return {
    async active() {
      const state = await store.read<CrisisState>(CRISIS_PARTITION);
      return state?.active && state.crisisId ? { crisisId: state.crisisId } : undefined;
    },
  };
}
