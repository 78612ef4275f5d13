import { randomUUID } from 'node:crypto';
import { applyReport, newAssignment } from '#core/assignments/assignment.js';
import { DynamoDbAssignmentStore } from '#aws/dynamodb-assignment-store.js';
import { dynamodb, twin } from './twin-client.js';

const store = new DynamoDbAssignmentStore(dynamodb, twin.tableName);

describe('DynamoDB assignment store (DynamoDB Local)', () => {
  it('creates an assignment once and updates it only from the revision it read', async () => {
    const id = `generic:${randomUUID()}`;
    const first = newAssignment(id, 'care', '2026-12-01T10:00:00.000Z');
    expect(await store.save(first, 0)).toBe(true);
    expect(await store.save(first, 0)).toBe(false);
    expect(await store.read(id, 'care')).toEqual(first);
    expect(await store.read(id, 'sales')).toBeUndefined();

    const report = { engagementId: id, department: 'care', status: 'acknowledged' as const, reportId: 'r1' };
    const next = applyReport(first, report, '2026-12-01T10:05:00.000Z').next!;
    expect(await store.save(next, first.revision)).toBe(true);
    // A writer that read the first revision loses.
    expect(await store.save({ ...next, state: 'resolved' }, first.revision)).toBe(false);
    expect(await store.read(id, 'care')).toEqual(next);
  });
});
