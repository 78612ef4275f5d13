import { TransactionCanceledException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { type Assignment, newAssignment } from '../core/assignments/assignment.js';
import type { Engagement } from '../core/engagement/engagement.schema.js';
import type { CaseRecord, CaseStore, CaseWrite } from '../core/lifecycle/ports/case-store.js';
import type { RoutingAuditRecord } from '../core/lifecycle/ports/engagement-store.js';
import { keys } from './dynamodb-engagement-store.js';
import { nextLink } from '../core/audit/chain.js';
import { chainEvents, lifecycleKeys, lifecycleWriteItems, lostRace } from './dynamodb-lifecycle-store.js';

/**
 * Cases in the engagements table: `CASE#<case id>` / `CASE` holds the case's latest engagement
 * and its engagement ids, with a `version` every write is conditional on. An engagement of a
 * case carries `caseId` in its item. A new engagement, its case and the assignments it reopens
 * (with their events) are written in one transaction, so a follow-up is never stored without its
 * case knowing, nor reopens anything without being stored.
 */
export const caseKey = (caseId: string) => ({ pk: `CASE#${caseId}`, sk: 'CASE' });

/** {@link CaseStore} on the engagements table. */
export class DynamoDbCaseStore implements CaseStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async readCase(caseId: string): Promise<CaseRecord | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: caseKey(caseId), ConsistentRead: true }),
    );
    return Item ? (Item.case as CaseRecord) : undefined;
  }

  async readParent(
    engagementId: string,
  ): Promise<{ authorId: string; receivedAt: string; caseId?: string } | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.engagement(engagementId),
        ConsistentRead: true,
        ProjectionExpression: 'engagement.author.id, engagement.receivedAt, caseId',
      }),
    );
    const engagement = Item?.engagement as { author?: { id?: string }; receivedAt?: string } | undefined;
    const authorId = engagement?.author?.id;
    if (!Item || typeof authorId !== 'string') return undefined;
    return {
      authorId,
      receivedAt: engagement?.receivedAt ?? '',
      ...(typeof Item.caseId === 'string' ? { caseId: Item.caseId } : {}),
    };
  }

  async assignmentsOf(engagementId: string): Promise<Assignment[]> {
    const items: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          // ASSIGN#… and ENGAGEMENT sort together, before EVENT#…: one range holds both.
          ExpressionAttributeValues: { ':pk': `ENG#${engagementId}`, ':from': 'ASSIGN#', ':to': 'ENGAGEMENT' },
          ProjectionExpression: 'sk, assignment, engagement.routing.departments, engagement.receivedAt, #d.#at',
          ExpressionAttributeNames: { '#d': 'decision', '#at': 'at' },
          ConsistentRead: true,
          ExclusiveStartKey,
        }),
      );
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    const stored = items.flatMap((i) => (i.assignment ? [i.assignment as Assignment] : []));
    const engagement = items.find((i) => i.sk === 'ENGAGEMENT');
    const routed = engagement?.engagement as { routing?: { departments?: string[] }; receivedAt?: string } | undefined;
    const at = (engagement?.decision as { at?: string } | undefined)?.at ?? routed?.receivedAt ?? '';
    // A department it was routed to holds a `new` assignment until its first change is stored.
    const unstored = (routed?.routing?.departments ?? [])
      .filter((d) => !stored.some((a) => a.department === d))
      .map((d) => newAssignment(engagementId, d, at));
    return [...unstored, ...stored];
  }

  async saveInCase(
    engagement: Engagement,
    decision: RoutingAuditRecord,
    write: CaseWrite,
  ): Promise<'created' | 'exists' | 'conflict'> {
    // The new engagement's decision starts its chain; the reopened assignments' events extend theirs.
    const first = {
      ...keys.engagement(engagement.id),
      type: 'engagement',
      engagement,
      decision,
      caseId: write.record.caseId,
    };
    const chained = await chainEvents(this.doc, this.tableName, write.events);
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...first, chain: nextLink(undefined, first) },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...caseKey(write.record.caseId),
                  type: 'case',
                  version: write.record.version,
                  case: write.record,
                },
                ...(write.expectedVersion === 0
                  ? { ConditionExpression: 'attribute_not_exists(pk)' }
                  : {
                      ConditionExpression: 'version = :expected',
                      ExpressionAttributeValues: { ':expected': write.expectedVersion },
                    }),
              },
            },
            ...lifecycleWriteItems(this.tableName, write.reopened, chained.events),
            ...(chained.heads as never[]),
            ...write.unchanged.map((h) => ({
              ConditionCheck: {
                TableName: this.tableName,
                Key: lifecycleKeys.assignment(h.engagementId, h.department),
                ...(h.revision === 0
                  ? { ConditionExpression: 'attribute_not_exists(pk)' }
                  : {
                      ConditionExpression: 'revision = :expected',
                      ExpressionAttributeValues: { ':expected': h.revision },
                    }),
              },
            })),
          ],
        }),
      );
      return 'created';
    } catch (err) {
      if (!(err instanceof TransactionCanceledException)) throw err;
      const reasons = err.CancellationReasons ?? [];
      if (reasons[0]?.Code === 'ConditionalCheckFailed') return 'exists';
      // A condition that failed, or a transaction that met another one on the same item: the
      // case changed under this placement, which is made again.
      if (lostRace(reasons)) return 'conflict';
      throw err;
    }
  }
}
