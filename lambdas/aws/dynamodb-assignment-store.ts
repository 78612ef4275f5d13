import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type Assignment, newAssignment } from '../core/assignments/assignment.js';
import type { Engagement } from '../core/engagement/engagement.schema.js';
import type { AssignmentStore } from '../core/lifecycle/ports/assignment-store.js';

/**
 * Assignments in the engagements table, beside their engagement: `ENG#<engagement id>` /
 * `ASSIGN#<department>`, so an engagement's whole story stays one Query. The item carries the
 * assignment and its `revision`, on which every write is conditional. An assignment is written by
 * its first change only: until then it is read off the engagement item (routed to the department:
 * state `new`), so routing adds no write per department. The stream's filter only publishes
 * engagement items, so these never reach the bus by themselves.
 */
export const assignmentKey = (engagementId: string, department: string) => ({
  pk: `ENG#${engagementId}`,
  sk: `ASSIGN#${department}`,
});

/** {@link AssignmentStore} on the engagements table. */
export class DynamoDbAssignmentStore implements AssignmentStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async read(engagementId: string, department: string): Promise<Assignment | undefined> {
    // Both items in one round trip: the assignment if it was stored, else the engagement's routing.
    const assignmentItem = assignmentKey(engagementId, department);
    const engagementItem = { pk: assignmentItem.pk, sk: 'ENGAGEMENT' };
    const { Responses, UnprocessedKeys } = await this.doc.send(
      new BatchGetCommand({
        RequestItems: {
          [this.tableName]: {
            Keys: [assignmentItem, engagementItem],
            ConsistentRead: true,
            ProjectionExpression: 'sk, assignment, engagement.routing, engagement.receivedAt, #decision.#at',
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
    if (!engagement?.routing.departments.includes(department)) return undefined;
    const routedAt = (routed?.decision as { at?: string } | undefined)?.at ?? engagement.receivedAt;
    return newAssignment(engagementId, department, routedAt);
  }

  async save(next: Assignment, expectedRevision: number): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...assignmentKey(next.engagementId, next.department), revision: next.revision, assignment: next },
          ...(expectedRevision === 0
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: 'revision = :expected',
                ExpressionAttributeValues: { ':expected': expectedRevision },
              }),
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }
}
