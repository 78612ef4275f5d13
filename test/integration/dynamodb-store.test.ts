import { unmarshall } from '@aws-sdk/util-dynamodb';
import { verifyChains } from '#core/audit/chain.js';
import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { randomBytes, randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { Engagement } from '#core/engagement/engagement.schema.js';
import { DynamoDbEngagementStore } from '#aws/dynamodb-engagement-store.js';
import { DynamoDbReplyStore } from '#aws/dynamodb-reply-store.js';
import type { Reply } from '#core/replies/reply.js';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { dynamodb, twin } from './twin-client.js';

const store = new DynamoDbEngagementStore(dynamodb, twin.tableName, 30);

function engagement(id: string, departments = ['sales']): Engagement {
  return {
    id,
    platform: 'generic',
    kind: 'post',
    externalId: id.split(':')[1]!,
    text: 'pricing?',
    language: 'en',
    createdAt: '2026-11-25T10:00:00.000Z',
    receivedAt: '2026-11-25T10:00:01.000Z',
    author: { id: 'a', handle: 'h', name: 'n' },
    intents: [],
    keywords: ['pricing'],
    routing: { departments, rules: ['sales-buying-signals'], priority: 'normal', configVersion: 'v1' },
  };
}
const decision = (at: string, deliveryId = 'm1') => ({
  at,
  deliveryId,
  reasons: [
    { rule: 'sales-buying-signals', matched: [{ field: 'keywords', operator: 'exact' as const, value: 'pricing' }] },
  ],
});
const history = async (id: string) =>
  (
    await dynamodb.send(
      new QueryCommand({
        TableName: twin.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: `ENG#${id}` } },
      }),
    )
  ).Items ?? [];

const replyStore = new DynamoDbReplyStore(dynamodb, twin.tableName);
const reply = (engagementId: string, id: string): Reply => ({
  id,
  engagementId,
  department: 'sales',
  platform: 'generic',
  text: 'Hi n, as you wrote: pricing?',
  author: { id: 'agent' },
  state: 'queued',
  submittedAt: '2026-11-25T11:00:00.000Z',
  at: '2026-11-25T11:00:00.000Z',
  checks: [],
  approvals: [],
  revision: 1,
});

describe('replies beside an erased engagement (DynamoDB Local)', () => {
  it('refuses to store a reply once the engagement is erased, writing nothing', async () => {
    const id = `generic:${randomUUID()}`;
    await store.saveNew(engagement(id), decision('2026-11-25T10:00:02.000Z'));
    expect(await replyStore.create(reply(id, `r-${randomUUID()}`), [])).toBe('created');
    expect(await store.eraseEngagement(id, '2026-11-25T12:00:00.000Z', { requested: true })).toBe('erased');
    const late = `r-${randomUUID()}`;
    expect(await replyStore.create(reply(id, late), [])).toBe('gone');
    expect(await replyStore.get(late)).toBeUndefined();
    // The reply stored before the erasure has no text left.
    const texts = (await history(id)).filter((i) => i.sk?.S?.startsWith('REPLY#')).map((i) => unmarshall(i).reply.text);
    expect(texts).toEqual(['']);
  });

  it('empties a reply that slipped in before the mark when the erasure runs again', async () => {
    const id = `generic:${randomUUID()}`;
    await store.saveNew(engagement(id), decision('2026-11-25T10:00:02.000Z'));
    expect(await store.eraseEngagement(id, '2026-11-25T12:00:00.000Z', { requested: true })).toBe('erased');
    // As if written by a submission that read the engagement before the mark and an erasure run
    // that stopped before its last scrub.
    const r = reply(id, `r-${randomUUID()}`);
    await dynamodb.send(
      new PutItemCommand({
        TableName: twin.tableName,
        Item: marshall({ pk: `ENG#${id}`, sk: `REPLY#${r.id}`, type: 'reply', reply: r, revision: 1 }),
      }),
    );
    expect(await store.eraseEngagement(id, '2026-11-25T12:05:00.000Z', { requested: true })).toBe('done');
    const stored = (await history(id)).find((i) => i.sk?.S === `REPLY#${r.id}`);
    expect(unmarshall(stored!).reply.text).toBe('');
  });
});

describe('DynamoDB engagement store (DynamoDB Local)', () => {
  it('stores an engagement with its routing decision in one item, once; a second save keeps the first decision', async () => {
    const id = `generic:${randomUUID()}`;
    const first = engagement(id);
    expect(await store.saveNew(first, decision('2026-11-25T10:00:02.000Z'))).toBe('created');
    expect(await store.saveNew(engagement(id, ['legal']), decision('2026-11-25T10:05:00.000Z', 'm2'))).toBe('exists');
    expect((await history(id)).map((i) => i.sk?.S)).toEqual(['ENGAGEMENT']);
    expect(await store.readStored(id)).toEqual({ engagement: first, decision: decision('2026-11-25T10:00:02.000Z') });
  });

  it('reads back a stored engagement with its edits', async () => {
    const e = engagement(`generic:${randomUUID()}`);
    expect(await store.readStored(e.id)).toBeUndefined();
    await store.saveNew(e, decision('2026-11-25T10:00:02.000Z'));
    await store.applyChange(e.id, {
      change: 'edited',
      at: '2026-11-25T10:00:05.000Z',
      deliveryId: 'm2',
      text: 'price list please',
      keywords: ['price', 'list'],
    });
    expect(await store.readStored(e.id)).toEqual({
      engagement: { ...e, text: 'price list please', keywords: ['price', 'list'] },
      decision: decision('2026-11-25T10:00:02.000Z'),
      editedAt: '2026-11-25T10:00:05.000Z',
    });
  });

  it('applies an edit and a deletion to the stored engagement with audit records', async () => {
    const e = engagement(`generic:${randomUUID()}`);
    await store.saveNew(e, decision('2026-11-25T10:00:02.000Z'));
    expect(
      await store.applyChange(e.id, {
        change: 'edited',
        at: '2026-11-25T10:01:00.000Z',
        deliveryId: 'm2',
        text: 'pricing for 10 seats?',
        keywords: ['pricing', 'seats'],
      }),
    ).toBe('applied');
    expect(await store.applyChange(e.id, { change: 'deleted', at: '2026-11-25T10:02:00.000Z', deliveryId: 'm3' })).toBe(
      'applied',
    );
    const items = await history(e.id);
    expect(items.map((i) => i.sk?.S)).toEqual([
      'AUDIT#2026-11-25T10:01:00.000Z#EDITED',
      'AUDIT#2026-11-25T10:02:00.000Z#DELETED',
      // The head of the engagement's audit chain: the decision, the edit, the deletion, the erasure.
      'CHAIN',
      'ENGAGEMENT',
      // A deletion erases: the departments that received it are told.
      'EVENT#2026-11-25T10:02:00.000Z#erased',
    ]);
    expect(items.find((i) => i.sk?.S === 'CHAIN')?.seq?.N).toBe('3');
    expect(unmarshall(items.find((i) => i.sk?.S?.startsWith('EVENT#'))!).event).toMatchObject({
      detailType: 'Engagement Erased',
      detail: { engagementId: e.id, departments: ['sales'] },
    });
    expect(verifyChains(items.map((i) => unmarshall(i))).problems).toEqual([]);
    const item = items.find((i) => i.sk?.S === 'ENGAGEMENT');
    expect(item?.engagement?.M?.text?.S).toBe('');
    expect(unmarshall(item!).engagement.author).toEqual({ id: 'erased', handle: '', name: '' });
    expect(item?.deletedAt?.S).toBe('2026-11-25T10:02:00.000Z');
    expect(item?.engagement?.M?.routing?.M?.departments?.L?.map((d) => d.S)).toEqual(['sales']);
  });

  it('refuses an edit after the deletion, answering deleted', async () => {
    const e = engagement(`generic:${randomUUID()}`);
    await store.saveNew(e, decision('2026-11-25T10:00:02.000Z'));
    await store.applyChange(e.id, { change: 'deleted', at: '2026-11-25T10:02:00.000Z', deliveryId: 'm3' });
    expect(
      await store.applyChange(e.id, {
        change: 'edited',
        at: '2026-11-25T10:03:00.000Z',
        deliveryId: 'm4',
        text: 'back again',
        keywords: [],
      }),
    ).toBe('deleted');
    const { Item } = await dynamodb.send(
      new GetItemCommand({ TableName: twin.tableName, Key: { pk: { S: `ENG#${e.id}` }, sk: { S: 'ENGAGEMENT' } } }),
    );
    expect(Item?.engagement?.M?.text?.S).toBe('');
  });

  it('cuts a deleted engagement’s raw delivery out of its batch, keeping the others', async () => {
    const rawKey = randomUUID();
    await store.saveRawDeliveries(rawKey, [
      {
        deliveryId: 'mine',
        platform: 'generic',
        receivedAt: '2026-11-25T10:00:00.000Z',
        headers: {},
        body: Buffer.from('{"text":"my secret words"}'),
      },
      {
        deliveryId: 'theirs',
        platform: 'generic',
        receivedAt: '2026-11-25T10:00:01.000Z',
        headers: {},
        body: Buffer.from('{"text":"someone else"}'),
      },
    ]);
    const e = engagement(`generic:${randomUUID()}`);
    await store.saveNew(e, { ...decision('2026-11-25T10:00:02.000Z', 'mine'), rawKey });
    expect(
      await store.applyChange(e.id, { change: 'deleted', at: '2026-11-25T10:02:00.000Z', deliveryId: 'del' }),
    ).toBe('applied');
    const { Items = [] } = await dynamodb.send(
      new QueryCommand({
        TableName: twin.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: `RAW#${rawKey}` } },
      }),
    );
    const raw = gunzipSync(Buffer.concat(Items.map((i) => i.body!.B!))).toString();
    expect(raw).not.toContain('my secret words');
    expect(raw).toContain('someone else');
    expect(Items[0]?.deliveryIds?.L?.map((d) => d.S)).toEqual(['theirs']);
  });

  it('answers missing for a change to an engagement it never stored, and writes nothing', async () => {
    const id = `generic:${randomUUID()}`;
    expect(await store.applyChange(id, { change: 'deleted', at: '2026-11-25T10:02:00.000Z', deliveryId: 'm3' })).toBe(
      'missing',
    );
    expect(await history(id)).toEqual([]);
  });

  it('keeps the raw deliveries of a batch gzipped together, with an expiry for TTL, in parts when they do not fit one item', async () => {
    const read = async (rawKey: string) => {
      const { Items = [] } = await dynamodb.send(
        new QueryCommand({
          TableName: twin.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: `RAW#${rawKey}` } },
        }),
      );
      const lines = gunzipSync(Buffer.concat(Items.map((i) => i.body!.B!)))
        .toString()
        .split('\n');
      return {
        items: Items,
        deliveries: lines.map((l) => JSON.parse(l) as { deliveryId: string; body?: string; bodyBase64?: string }),
      };
    };
    const rawKey = randomUUID();
    const text = Buffer.from(
      JSON.stringify({
        entry: Array.from({ length: 20 }, (_, i) => ({ id: i, message: 'the same words again and again' })),
      }),
    );
    const binary = Buffer.from([0xff, 0xfe, 0x00, 0x41]);
    await store.saveRawDeliveries(rawKey, [
      {
        deliveryId: 'd1',
        platform: 'generic',
        receivedAt: '2026-11-25T10:00:00.000Z',
        headers: { 'content-type': 'application/json' },
        body: text,
      },
      { deliveryId: 'd2', platform: 'x', receivedAt: '2026-11-25T10:00:05.000Z', headers: {}, body: binary },
    ]);
    const small = await read(rawKey);
    expect(
      small.items.map((i) => [i.sk?.S, i.parts?.N, i.deliveryIds?.L?.map((d) => d.S), Number(i.expiresAt?.N)]),
    ).toEqual([['PART#000', '1', ['d1', 'd2'], Date.parse('2026-11-25T10:00:00.000Z') / 1000 + 30 * 86_400]]);
    expect(small.deliveries[0]).toMatchObject({ deliveryId: 'd1', body: text.toString() });
    expect(Buffer.from(small.deliveries[1]!.bodyBase64!, 'base64').equals(binary)).toBe(true);
    expect(small.items[0]!.body!.B!.length).toBeLessThan(text.length / 3);

    // 900 KB that does not compress: three parts, read back whole.
    const big = Array.from({ length: 3 }, (_, i) => ({
      deliveryId: `b${i}`,
      platform: 'generic',
      receivedAt: '2026-11-25T10:00:00.000Z',
      headers: {},
      body: Buffer.from(randomBytes(300 * 1024).toString('base64')),
    }));
    const bigKey = randomUUID();
    await store.saveRawDeliveries(bigKey, big);
    const large = await read(bigKey);
    expect(large.items.length).toBeGreaterThanOrEqual(3);
    expect(large.deliveries.map((d) => d.body)).toEqual(big.map((b) => b.body.toString()));
  });
});
