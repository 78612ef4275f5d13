import { TransactionCanceledException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { type Assignment, newAssignment } from '../core/assignments/assignment.js';
import type { Engagement } from '../core/engagement/engagement.schema.js';
import { type StoredEvent, storedEventId } from '../core/lifecycle/ports/event-publisher.js';
import type { AssignmentWrite, LifecycleStore, OutboxEvent } from '../core/lifecycle/ports/lifecycle-store.js';
import { CHAIN_HEAD_SORT_KEY, type ChainLink, nextLink } from '../core/audit/chain.js';

/**
 * Assignments and their events in the engagements table, beside their engagement, so an
 * engagement's whole story stays one Query:
 * - `ENG#<engagement id>` / `ASSIGN#<department>`: the assignment and its `revision`, on which
 *   every write is conditional. It is written by its first change only: until then it is read
 *   off the engagement item (routed to the department: state `new`), so routing adds no write
 *   per department.
 * - `ENG#<engagement id>` / `EVENT#<at>#…`: each event a change publishes ("Engagement Status
 *   Changed", "SLA Breached", the "Engagement Routed" of a handover or escalation), written in
 *   the same transaction as the change. It is the change's audit record, and its INSERT in the
 *   table's stream is what publishes it (the outbox).
 */
export const lifecycleKeys = {
  assignment: (engagementId: string, department: string) => ({
    pk: `ENG#${engagementId}`,
    sk: `ASSIGN#${department}`,
  }),
  event: (engagementId: string, key: string) => ({ pk: `ENG#${engagementId}`, sk: `${EVENT_SORT_KEY_PREFIX}${key}` }),
};

/** The sort-key prefix of event items: the stream's filter publishes inserts of these. */
export const EVENT_SORT_KEY_PREFIX = 'EVENT#';

/** DynamoDB takes at most 100 items in one transaction. */
const MAX_TRANSACTION_ITEMS = 100;

/**
 * The transaction items of a lifecycle change: each assignment put on the condition that it is
 * still at the revision read (or not stored yet), each event put once. Shared by the lifecycle
 * store and by a follow-up that reopens its case.
 */
export function lifecycleWriteItems(
  tableName: string,
  writes: AssignmentWrite[],
  events: (OutboxEvent & { chain?: ChainLink })[],
) {
  return [
    ...writes.map(({ next, expectedRevision }) => ({
      Put: {
        TableName: tableName,
        Item: {
          ...lifecycleKeys.assignment(next.engagementId, next.department),
          type: 'assignment',
          revision: next.revision,
          assignment: next,
        },
        ...(expectedRevision === 0
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : {
              ConditionExpression: 'revision = :expected',
              ExpressionAttributeValues: { ':expected': expectedRevision },
            }),
      },
    })),
    ...events.map((e) => ({
      Put: {
        TableName: tableName,
        Item: {
          ...lifecycleKeys.event(e.engagementId, e.key),
          type: 'event',
          at: e.at,
          event: { source: e.source, detailType: e.detailType, detail: e.detail },
          ...(e.chain ? { chain: e.chain } : {}),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    })),
  ];
}

/** The item an outbox event is stored as, without its chain link (what the link's hash covers). */
const eventItem = (e: OutboxEvent) => ({
  ...lifecycleKeys.event(e.engagementId, e.key),
  type: 'event',
  at: e.at,
  event: { source: e.source, detailType: e.detailType, detail: e.detail },
});

/**
 * Whether a cancelled transaction lost a race (a condition on what it read failed, or another
 * transaction held an item): the writer reads again and applies its change after the winner's.
 */
export const lostRace = (reasons: readonly { Code?: string }[]): boolean =>
  reasons.some((r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict');

/** Partitions of Switchboard's own (crisis mode, spike entries), named like engagement ids of a `switchboard` platform. */
export const OWN_PARTITION_PREFIX = 'switchboard:';

/** An audit record names an engagement that is not stored (yet): nothing is written. */
export class EngagementNotStoredError extends Error {
  constructor(readonly engagementId: string) {
    super(`engagement ${engagementId} is not stored; its audit chain cannot be extended`);
    this.name = 'EngagementNotStoredError';
  }
}

/**
 * Links events into their engagements' audit chains (see {@link chainItems}): the events with
 * their links, and the writes that move each chain's head.
 */
export async function chainEvents(
  doc: DynamoDBDocumentClient,
  tableName: string,
  events: OutboxEvent[],
): Promise<{ events: (OutboxEvent & { chain: ChainLink })[]; heads: object[] }> {
  const chained = await chainItems(
    doc,
    tableName,
    events.map((e) => ({ engagementId: e.engagementId, item: eventItem(e) })),
  );
  return { events: events.map((e, i) => ({ ...e, chain: chained.links[i]! })), heads: chained.heads };
}

/**
 * Links audit records into their engagements' chains (lambdas/core/audit/chain.ts): reads each
 * chain's head (its `CHAIN` item, else the decision on the engagement item) and returns each
 * record's link, in order, and the writes that move each head, on the condition that it is still
 * the one read. A concurrent writer that moved a head first makes the transaction fail as a
 * conflict, and the change is applied again.
 */
export async function chainItems(
  doc: DynamoDBDocumentClient,
  tableName: string,
  records: { engagementId: string; item: Record<string, unknown> }[],
): Promise<{ links: ChainLink[]; heads: object[] }> {
  if (records.length === 0) return { links: [], heads: [] };
  const engagementIds = [...new Set(records.map((r) => r.engagementId))];
  const { Responses, UnprocessedKeys } = await doc.send(
    new BatchGetCommand({
      RequestItems: {
        [tableName]: {
          Keys: engagementIds.flatMap((id) => [
            { pk: `ENG#${id}`, sk: CHAIN_HEAD_SORT_KEY },
            { pk: `ENG#${id}`, sk: 'ENGAGEMENT' },
          ]),
          ConsistentRead: true,
          ProjectionExpression: 'pk, sk, seq, #hash, chain',
          ExpressionAttributeNames: { '#hash': 'hash' },
        },
      },
    }),
  );
  if (Object.keys(UnprocessedKeys ?? {}).length > 0) throw new Error('DynamoDB left keys unread (throttled); retry');
  const found = Responses?.[tableName] ?? [];
  const links: ChainLink[] = new Array(records.length);
  const heads: object[] = [];
  for (const id of engagementIds) {
    const stored = found.find((i) => i.pk === `ENG#${id}` && i.sk === CHAIN_HEAD_SORT_KEY);
    const engagementItem = found.find((i) => i.pk === `ENG#${id}` && i.sk === 'ENGAGEMENT');
    // A chain starts with its engagement's decision: a record of an engagement not stored (yet)
    // would start a second chain beside the one its creation is about to write.
    // Switchboard's own partitions (`switchboard:crisis`, a spike's) have no engagement: their
    // chains start with their first record.
    if (!stored && !engagementItem && !id.startsWith(OWN_PARTITION_PREFIX)) throw new EngagementNotStoredError(id);
    const decision = engagementItem?.chain as ChainLink | undefined;
    let head: Pick<ChainLink, 'seq' | 'hash'> | undefined = stored
      ? { seq: Number(stored.seq), hash: String(stored.hash) }
      : decision;
    records.forEach((r, i) => {
      if (r.engagementId !== id) return;
      const link = nextLink(head, r.item);
      links[i] = link;
      head = link;
    });
    heads.push({
      Put: {
        TableName: tableName,
        Item: { pk: `ENG#${id}`, sk: CHAIN_HEAD_SORT_KEY, type: 'chain-head', seq: head!.seq, hash: head!.hash },
        ...(stored
          ? { ConditionExpression: 'seq = :seq', ExpressionAttributeValues: { ':seq': Number(stored.seq) } }
          : { ConditionExpression: 'attribute_not_exists(pk)' }),
      },
    });
  }
  return { links, heads };
}

/** {@link LifecycleStore} on the engagements table. */
export class DynamoDbLifecycleStore implements LifecycleStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async read(engagementId: string, department: string): Promise<Assignment | undefined> {
    // Both items in one round trip: the assignment if it was stored, else the engagement's routing.
    const assignmentItem = lifecycleKeys.assignment(engagementId, department);
    const engagementItem = { pk: assignmentItem.pk, sk: 'ENGAGEMENT' };
    // An engagement `switchboard replay` gave the department is its assignment too.
    const replayItem = lifecycleKeys.event(engagementId, `replay#${department}`);
    const { Responses, UnprocessedKeys } = await this.doc.send(
      new BatchGetCommand({
        RequestItems: {
          [this.tableName]: {
            Keys: [assignmentItem, engagementItem, replayItem],
            ConsistentRead: true,
            ProjectionExpression: 'sk, assignment, engagement.routing, engagement.receivedAt, #decision.#at, #at',
            ExpressionAttributeNames: { '#decision': 'decision', '#at': 'at' },
          },
        },
      }),
    );
    // A key DynamoDB did not get to (throttling) must not read as "never routed": fail, to be retried.
    if (Object.keys(UnprocessedKeys ?? {}).length > 0) throw new Error('DynamoDB left keys unread (throttled); retry');
    const items = Responses?.[this.tableName] ?? [];
    const stored = items.find((i) => i.sk === assignmentItem.sk);
    if (stored) return stored.assignment as Assignment;
    const routed = items.find((i) => i.sk === engagementItem.sk);
    const engagement = routed?.engagement as Pick<Engagement, 'routing' | 'receivedAt'> | undefined;
    const replayed = items.find((i) => i.sk === replayItem.sk);
    if (engagement && replayed && !engagement.routing.departments.includes(department))
      return newAssignment(engagementId, department, String(replayed.at));
    if (!engagement?.routing.departments.includes(department)) return undefined;
    const routedAt = (routed?.decision as { at?: string } | undefined)?.at ?? engagement.receivedAt;
    return newAssignment(engagementId, department, routedAt);
  }

  async readEngagement(engagementId: string): Promise<Engagement | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: `ENG#${engagementId}`, sk: 'ENGAGEMENT' },
        ConsistentRead: true,
        ProjectionExpression: 'engagement',
      }),
    );
    return Item?.engagement as Engagement | undefined;
  }

  /** A stored lifecycle event as it is published (for the republish queue). */
  async readEvent(engagementId: string, key: string): Promise<StoredEvent | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: lifecycleKeys.event(engagementId, key), ConsistentRead: true }),
    );
    const event = Item?.event as Omit<StoredEvent, 'id'> | undefined;
    return event ? { id: storedEventId(engagementId, key), ...event } : undefined;
  }

  async commit(writes: AssignmentWrite[], events: OutboxEvent[]): Promise<boolean> {
    if (writes.length + 2 * events.length > MAX_TRANSACTION_ITEMS)
      throw new Error(`a lifecycle change of ${writes.length + events.length} items exceeds one transaction`);
    try {
      const chained = await chainEvents(this.doc, this.tableName, events);
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [...lifecycleWriteItems(this.tableName, writes, chained.events), ...chained.heads] as never,
        }),
      );
      return true;
    } catch (err) {
      // Another writer got there first: the caller reads again and applies its change to that.
      // (or met a concurrent transaction on the same item, which is the same race).
      if (err instanceof TransactionCanceledException && lostRace(err.CancellationReasons ?? [])) return false;
      throw err;
    }
  }
}
