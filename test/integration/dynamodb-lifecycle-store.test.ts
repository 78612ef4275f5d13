import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { verifyChains } from '#core/audit/chain.js';
import { reportStatus } from '#core/lifecycle/report-status.js';
import { randomUUID } from 'node:crypto';
import { applyReport, newAssignment, type Assignment } from '#core/assignments/assignment.js';
import type { Engagement } from '#core/engagement/engagement.schema.js';
import { DynamoDbLifecycleStore } from '#aws/dynamodb-lifecycle-store.js';
import { DynamoDbEngagementStore } from '#aws/dynamodb-engagement-store.js';
import { dynamodb, twin } from './twin-client.js';

const lifecycle = new DynamoDbLifecycleStore(dynamodb, twin.tableName);
const store = {
  read: (id: string, department: string) => lifecycle.read(id, department),
  save: (next: Assignment, expectedRevision: number) => lifecycle.commit([{ next, expectedRevision }], []),
};
const engagements = new DynamoDbEngagementStore(dynamodb, twin.tableName, 30);
const engagement = (id: string, departments: string[]): Engagement => ({
  id,
  platform: 'generic',
  kind: 'post',
  externalId: id.split(':')[1]!,
  text: 'my order never arrived',
  language: 'en',
  createdAt: '2026-12-01T10:00:00.000Z',
  receivedAt: '2026-12-01T10:00:00.500Z',
  author: { id: 'a', handle: 'h', name: 'n' },
  intents: ['complaint'],
  keywords: ['order'],
  routing: { departments, rules: [], priority: 'normal', configVersion: 'v1' },
});

describe('DynamoDB lifecycle store (DynamoDB Local)', () => {
  it('reads a routed engagement as a new assignment, stores it on its first change once, then only from the revision read', async () => {
    const id = `generic:${randomUUID()}`;
    expect(await store.read(id, 'care')).toBeUndefined();
    await engagements.saveNew(engagement(id, ['care']), {
      at: '2026-12-01T10:00:01.000Z',
      deliveryId: 'm1',
      reasons: [],
    });
    const first = (await store.read(id, 'care'))!;
    expect(first).toEqual(newAssignment(id, 'care', '2026-12-01T10:00:01.000Z'));
    expect(await store.read(id, 'sales')).toBeUndefined();

    const report = { engagementId: id, department: 'care', status: 'acknowledged' as const, reportId: 'r1' };
    const next = applyReport(first, report, '2026-12-01T10:05:00.000Z').next!;
    expect(await store.save(next, first.revision)).toBe(true);
    // A second writer that also read the unstored assignment loses, as does one at an old revision.
    expect(await store.save(next, 0)).toBe(false);
    const later = applyReport(next, { ...report, status: 'resolved', reportId: 'r2' }, '2026-12-01T10:06:00.000Z')
      .next!;
    expect(await store.save(later, first.revision)).toBe(false);
    expect(await store.save(later, next.revision)).toBe(true);
    expect(await store.read(id, 'care')).toEqual(later);
  });

  it('writes an assignment and its events together or not at all, and reads the stored engagement', async () => {
    const id = `generic:${randomUUID()}`;
    await engagements.saveNew(engagement(id, ['care']), {
      at: '2026-12-01T10:00:01.000Z',
      deliveryId: 'm1',
      reasons: [],
    });
    expect((await lifecycle.readEngagement(id))?.text).toBe('my order never arrived');
    expect(await lifecycle.readEngagement(`generic:${randomUUID()}`)).toBeUndefined();
    const first = (await lifecycle.read(id, 'care'))!;
    const next = applyReport(
      first,
      { engagementId: id, department: 'care', status: 'resolved', reportId: 'r1' },
      '2026-12-01T10:05:00.000Z',
    ).next!;
    const event = {
      engagementId: id,
      key: '2026-12-01T10:05:00.000Z#care#v2#status',
      at: '2026-12-01T10:05:00.000Z',
      source: 'switchboard',
      detailType: 'Engagement Status Changed',
      detail: { engagementId: id },
    };
    expect(await lifecycle.commit([{ next, expectedRevision: 0 }], [event])).toBe(true);
    // The same change again loses on the assignment's revision, and writes no second event.
    expect(await lifecycle.commit([{ next, expectedRevision: 0 }], [{ ...event, key: 'other' }])).toBe(false);
    const { Items } = await dynamodb.send(
      new QueryCommand({
        TableName: twin.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :events)',
        ExpressionAttributeValues: { ':pk': { S: `ENG#${id}` }, ':events': { S: 'EVENT#' } },
      }),
    );
    expect(Items?.map((i) => i.sk?.S)).toEqual(['EVENT#2026-12-01T10:05:00.000Z#care#v2#status']);
  });

  it('keeps one unbroken audit chain per engagement when two departments report at the same moment', async () => {
    const id = `generic:${randomUUID()}`;
    await engagements.saveNew(engagement(id, ['care', 'sales']), {
      at: '2026-12-01T10:00:01.000Z',
      deliveryId: 'm1',
      reasons: [],
    });
    const deps = { store: lifecycle, now: () => new Date('2026-12-01T10:05:00.000Z'), departments: [] };
    const answers = await Promise.all(
      ['care', 'sales'].flatMap((department) =>
        ['acknowledged', 'resolved'].map((status, i) =>
          reportStatus(
            {
              engagementId: id,
              department,
              status: status as 'acknowledged' | 'resolved',
              reportId: `${department}-${i}`,
              at: `2026-12-01T10:0${i + 2}:00.000Z`,
            },
            deps,
          ),
        ),
      ),
    );
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200]);
    const { Items = [] } = await dynamodb.send(
      new QueryCommand({
        TableName: twin.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: `ENG#${id}` } },
        ConsistentRead: true,
      }),
    );
    const report = verifyChains(Items.map((i) => unmarshall(i)));
    expect(report.problems).toEqual([]);
    // The decision and every applied change, each once.
    expect(report.records).toBe(
      1 + Items.filter((i) => i.sk?.S?.startsWith('EVENT#') && i.sk.S.endsWith('#status')).length,
    );
  });
});
