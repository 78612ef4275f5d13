import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
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
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: assignmentKey(engagementId, department), ConsistentRead: true }),
    );
    if (Item) return Item.assignment as Assignment;
    const { Item: stored } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: `ENG#${engagementId}`, sk: 'ENGAGEMENT' },
        ConsistentRead: true,
        ProjectionExpression: 'engagement.routing, engagement.receivedAt, #decision.#at',
        ExpressionAttributeNames: { '#decision': 'decision', '#at': 'at' },
      }),
    );
    const engagement = stored?.engagement as Pick<Engagement, 'routing' | 'receivedAt'> | undefined;
    if (!engagement?.routing.departments.includes(department)) return undefined;
    const routedAt = (stored?.decision as { at?: string } | undefined)?.at ?? engagement.receivedAt;
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
