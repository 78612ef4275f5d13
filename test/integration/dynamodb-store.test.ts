import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import type { Engagement } from '../../lambdas/core/engagement/engagement.schema.js';
import { DynamoDbEngagementStore } from '../../lambdas/shared/dynamodb-engagement-store.js';
import { dynamodb, twin } from './twin-client.js';

const store = new DynamoDbEngagementStore(dynamodb, twin.tableName, 30);

function engagement(id: string, departments = ['sales']): Engagement {
  return {
    id, platform: 'generic', kind: 'post', externalId: id.split(':')[1]!, text: 'pricing?', language: 'en', createdAt: '2026-11-25T10:00:00.000Z',
    receivedAt: '2026-11-25T10:00:01.000Z', author: { id: 'a', handle: 'h', name: 'n' }, intents: [], keywords: ['pricing'],
    routing: { departments, rules: ['sales-buying-signals'], priority: 'normal', configVersion: 'v1' },
  };
}
const lease = (holder = 'm1', until = '2026-11-25T10:01:00.000Z') => ({ holder, until });
const audit = (e: Engagement, at: string) => ({ engagementId: e.id, at, departments: e.routing.departments, rules: e.routing.rules, priority: e.routing.priority, configVersion: 'v1', deliveryId: 'm1' });

describe('DynamoDB engagement store (DynamoDB Local)', () => {
  it('stores an engagement with its audit record once and returns the first decision on a second save', async () => {
    const id = `generic:${randomUUID()}`;
    const first = engagement(id);
    expect(await store.saveNew(first, audit(first, '2026-11-25T10:00:02.000Z'), lease())).toEqual({ created: true });

    const second = engagement(id, ['legal']);
    const again = await store.saveNew(second, audit(second, '2026-11-25T10:05:00.000Z'), lease('m2'));
    expect(again).toEqual({ created: false, existing: { engagement: first, publishedAt: undefined } });

    const history = await dynamodb.send(new QueryCommand({ TableName: twin.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: `ENG#${id}` } } }));
    expect(history.Items?.map((i) => i.sk?.S)).toEqual(['AUDIT#2026-11-25T10:00:02.000Z#ROUTED', 'ENGAGEMENT']);
  });

  it('records the first publication time only', async () => {
    const e = engagement(`generic:${randomUUID()}`);
    await store.saveNew(e, audit(e, '2026-11-25T10:00:02.000Z'), lease());
    await store.markPublished(e.id, '2026-11-25T10:00:03.000Z');
    await store.markPublished(e.id, '2026-11-25T10:09:00.000Z');
    const again = await store.saveNew(e, audit(e, '2026-11-25T10:10:00.000Z'), lease('m2'));
    expect(again).toMatchObject({ created: false, existing: { publishedAt: '2026-11-25T10:00:03.000Z' } });
  });

  it('reads back a stored engagement with its edits and whether it was published', async () => {
    const e = engagement(`generic:${randomUUID()}`);
    expect(await store.readStored(e.id)).toBeUndefined();
    await store.saveNew(e, audit(e, '2026-11-25T10:00:02.000Z'), lease());
    await store.applyChange(e.id, { change: 'edited', at: '2026-11-25T10:00:05.000Z', deliveryId: 'm2', text: 'price list please', keywords: ['price', 'list'] });
    expect(await store.readStored(e.id)).toEqual({ engagement: { ...e, text: 'price list please', keywords: ['price', 'list'] }, leaseHolder: 'm1' });
    await store.markPublished(e.id, '2026-11-25T10:00:06.000Z');
    expect((await store.readStored(e.id))?.publishedAt).toBe('2026-11-25T10:00:06.000Z');
  });

  it('lets one delivery at a time hold the right to publish', async () => {
    const e = engagement(`generic:${randomUUID()}`);
    await store.saveNew(e, audit(e, '2026-11-25T10:00:02.000Z'), lease('m1', '2026-11-25T10:01:00.000Z'));
    // another delivery of the same event while m1's lease is live must wait
    expect(await store.claimPublication(e.id, lease('m2', '2026-11-25T10:01:30.000Z'), '2026-11-25T10:00:30.000Z')).toBe('held');
    // m1's own redelivery takes it back at once
    expect(await store.claimPublication(e.id, lease('m1', '2026-11-25T10:02:00.000Z'), '2026-11-25T10:00:40.000Z')).toBe('claimed');
    // once the lease has expired, anyone may take it
    expect(await store.claimPublication(e.id, lease('m2', '2026-11-25T10:04:00.000Z'), '2026-11-25T10:03:00.000Z')).toBe('claimed');
    await store.markPublished(e.id, '2026-11-25T10:03:01.000Z');
    expect(await store.claimPublication(e.id, lease('m3', '2026-11-25T10:06:00.000Z'), '2026-11-25T10:05:00.000Z')).toBe('published');
  });

  it('applies an edit and a deletion to the stored engagement with audit records', async () => {
    const e = engagement(`generic:${randomUUID()}`);
    await store.saveNew(e, audit(e, '2026-11-25T10:00:02.000Z'), lease());
    expect(await store.applyChange(e.id, { change: 'edited', at: '2026-11-25T10:01:00.000Z', deliveryId: 'm2', text: 'pricing for 10 seats?', keywords: ['pricing', 'seats'] })).toBe('applied');
    expect(await store.applyChange(e.id, { change: 'deleted', at: '2026-11-25T10:02:00.000Z', deliveryId: 'm3' })).toBe('applied');
    const history = await dynamodb.send(new QueryCommand({ TableName: twin.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: `ENG#${e.id}` } } }));
    expect(history.Items?.map((i) => i.sk?.S)).toEqual(['AUDIT#2026-11-25T10:00:02.000Z#ROUTED', 'AUDIT#2026-11-25T10:01:00.000Z#EDITED', 'AUDIT#2026-11-25T10:02:00.000Z#DELETED', 'ENGAGEMENT']);
    const item = history.Items?.find((i) => i.sk?.S === 'ENGAGEMENT');
    expect(item?.engagement?.M?.text?.S).toBe('');
    expect(item?.deletedAt?.S).toBe('2026-11-25T10:02:00.000Z');
    expect(item?.engagement?.M?.routing?.M?.departments?.L?.map((d) => d.S)).toEqual(['sales']);
  });

  it('refuses an edit after the deletion, answering deleted', async () => {
    const e = engagement(`generic:${randomUUID()}`);
    await store.saveNew(e, audit(e, '2026-11-25T10:00:02.000Z'), lease());
    await store.applyChange(e.id, { change: 'deleted', at: '2026-11-25T10:02:00.000Z', deliveryId: 'm3' });
    expect(await store.applyChange(e.id, { change: 'edited', at: '2026-11-25T10:03:00.000Z', deliveryId: 'm4', text: 'back again', keywords: [] })).toBe('deleted');
    const { Item } = await dynamodb.send(new GetItemCommand({ TableName: twin.tableName, Key: { pk: { S: `ENG#${e.id}` }, sk: { S: 'ENGAGEMENT' } } }));
    expect(Item?.engagement?.M?.text?.S).toBe('');
  });

  it('answers missing for a change to an engagement it never stored, and writes nothing', async () => {
    const id = `generic:${randomUUID()}`;
    expect(await store.applyChange(id, { change: 'deleted', at: '2026-11-25T10:02:00.000Z', deliveryId: 'm3' })).toBe('missing');
    const history = await dynamodb.send(new QueryCommand({ TableName: twin.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: `ENG#${id}` } } }));
    expect(history.Items).toEqual([]);
  });

  it('refuses to mark an engagement that was never stored', async () => {
    await expect(store.markPublished(`generic:${randomUUID()}`, '2026-11-25T10:00:03.000Z')).rejects.toThrow(/conditional/i);
  });

  it('keeps raw deliveries with an expiry for TTL', async () => {
    const deliveryId = randomUUID();
    await store.saveRawDelivery(deliveryId, 'generic', '2026-11-25T10:00:00.000Z', Buffer.from('{}').toString('base64'));
    const { Item } = await dynamodb.send(new GetItemCommand({ TableName: twin.tableName, Key: { pk: { S: `DELIVERY#${deliveryId}` }, sk: { S: 'RAW' } } }));
    expect(Number(Item?.expiresAt?.N)).toBe(Date.parse('2026-11-25T10:00:00.000Z') / 1000 + 30 * 86_400);
  });
});
