import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { verifyChains } from '#core/audit/chain.js';
import { ENGAGEMENT_ROUTED } from '#core/engagement/engagement-routed.js';
import type { Engagement } from '#core/engagement/engagement.schema.js';
import { DynamoDbEngagementStore } from '#aws/dynamodb-engagement-store.js';
import { DynamoDbLifecycleStore } from '#aws/dynamodb-lifecycle-store.js';
import { DynamoDbRetentionSweep } from '#aws/dynamodb-retention-sweep.js';
import { dynamodb } from './twin-client.js';

/**
 * The retention sweep against DynamoDB Local (the twin's), on a table of its own: a sweep with
 * `now` years ahead touches every engagement of the table it scans, so it must not scan the
 * twin's, which the other integration tests use at the same time.
 */
describe('retention sweep (DynamoDB Local)', () => {
  const tableName = `retention-${randomUUID()}`;
  const doc = DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } });
  const store = new DynamoDbEngagementStore(dynamodb, tableName, 30);
  const lifecycle = new DynamoDbLifecycleStore(dynamodb, tableName);
  const sweep = new DynamoDbRetentionSweep(dynamodb, tableName, store);
  const periods = { engagementDays: 400, auditDays: 2_555 };
  // 517 days after `old` was received, 31 after `young`, 8½ years after `ancient`.
  const now = new Date('2027-06-01T00:00:00.000Z');
  const secret = `zebra${randomUUID().slice(0, 6)}`;

  const partition = async (pk: string) => {
    const { Items = [] } = await doc.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ConsistentRead: true,
      }),
    );
    return Items;
  };
  const everything = async () => {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(
        new ScanCommand({ TableName: tableName, ConsistentRead: true, ...(start ? { ExclusiveStartKey: start } : {}) }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items.sort((a, b) => `${a.pk}|${a.sk}`.localeCompare(`${b.pk}|${b.sk}`));
  };

  function engagement(receivedAt: string, text: string): Engagement {
    const externalId = randomUUID();
    return {
      id: `generic:${externalId}`,
      platform: 'generic',
      kind: 'post',
      externalId,
      text,
      language: 'en',
      createdAt: receivedAt,
      receivedAt,
      author: { id: `u-${secret}`, handle: 'sam', name: 'Sam Doe' },
      url: `https://example.com/${secret}`,
      intents: [],
      keywords: ['refund', secret],
      routing: { departments: ['customer-care'], rules: ['refunds'], priority: 'normal', configVersion: 'v1' },
    } as Engagement;
  }
  const decision = (at: string, deliveryId: string, rawKey?: string) => ({
    at,
    deliveryId,
    ...(rawKey ? { rawKey } : {}),
    reasons: [{ rule: 'refunds', matched: [{ field: 'keywords', operator: 'exact' as const, value: secret }] }],
  });

  /** Stores an engagement as the process function does, with its raw delivery, an edit and a reroute's delivery copy. */
  async function storeWithHistory(receivedAt: string): Promise<{ e: Engagement; rawKey: string }> {
    const e = engagement(receivedAt, `my refund for ${secret} never came`);
    const rawKey = randomUUID();
    const deliveryId = randomUUID();
    await store.saveRawDeliveries(rawKey, [
      { deliveryId, platform: 'generic', receivedAt, headers: {}, body: Buffer.from(JSON.stringify({ text: e.text })) },
      {
        deliveryId: 'someone-else',
        platform: 'generic',
        receivedAt,
        headers: {},
        body: Buffer.from('{"text":"other words"}'),
      },
    ]);
    const later = (minutes: number) => new Date(Date.parse(receivedAt) + minutes * 60_000).toISOString();
    expect(await store.saveNew(e, decision(later(0), deliveryId, rawKey))).toBe('created');
    expect(
      await store.applyChange(e.id, {
        change: 'edited',
        at: later(1),
        deliveryId: randomUUID(),
        text: `still no refund for ${secret}`,
        keywords: ['refund', secret],
      }),
    ).toBe('applied');
    // A reroute to sales: a delivery copy of the whole engagement, in the chain.
    expect(
      await lifecycle.commit(
        [],
        [
          {
            engagementId: e.id,
            key: `${later(2)}#sales#routed`,
            at: later(2),
            source: ENGAGEMENT_ROUTED.source,
            detailType: ENGAGEMENT_ROUTED.detailType,
            detail: { ...e, routing: { ...e.routing, departments: ['sales'], reroutedFrom: 'customer-care' } },
          },
        ],
      ),
    ).toBe(true);
    return { e, rawKey };
  }

  let old: { e: Engagement; rawKey: string };
  let young: { e: Engagement; rawKey: string };
  let ancient: { e: Engagement; rawKey: string };
  let erased: Engagement;
  const erasurePk = `ERASURE#2019-02-01T00:00:00.000Z#generic:u-${secret}`;
  const recentErasurePk = `ERASURE#2026-12-01T00:00:00.000Z#generic:u-${secret}`;
  const oldCasePk = `CASE#generic:conv-${secret}#u-${secret}`;

  beforeAll(async () => {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: tableName,
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    old = await storeWithHistory('2026-01-01T10:00:00.000Z');
    young = await storeWithHistory('2027-05-01T10:00:00.000Z');
    ancient = await storeWithHistory('2019-01-01T10:00:00.000Z');
    // Erased on request long ago: its text is gone already, so retention adds nothing to it.
    erased = engagement('2026-01-02T10:00:00.000Z', `erase ${secret}`);
    await store.saveNew(erased, decision('2026-01-02T10:00:01.000Z', randomUUID()));
    expect(await store.eraseEngagement(erased.id, '2026-02-01T00:00:00.000Z', { requested: true })).toBe('erased');
    for (const [pk, at] of [
      [erasurePk, '2019-02-01T00:00:00.000Z'],
      [recentErasurePk, '2026-12-01T00:00:00.000Z'],
    ] as const)
      await doc.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            pk,
            sk: 'ERASURE',
            type: 'erasure',
            erasure: { author: `generic:u-${secret}`, requestedBy: 'dpo', engagementIds: [], at },
          },
        }),
      );
    await doc.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          pk: oldCasePk,
          sk: 'CASE',
          type: 'case',
          version: 1,
          case: {
            caseId: oldCasePk.slice(5),
            latest: ancient.e.id,
            latestAt: '2019-01-01T10:00:00.000Z',
            engagements: [ancient.e.id],
            version: 1,
          },
        },
      }),
    );
  });
  afterAll(async () => {
    await dynamodb.send(new DeleteTableCommand({ TableName: tableName }));
  });

  it('saves and loads its cursor, and a run past its deadline does nothing but hand it on', async () => {
    const stopped = await sweep.sweep({ periods, now, deadline: new Date(0), segments: 3 });
    expect(stopped.cursor).toEqual({
      startedAt: now.toISOString(),
      segments: [{ done: false }, { done: false }, { done: false }],
    });
    expect(stopped.counts).toMatchObject({ scanned: 0, textExpired: 0, partitionsDeleted: 0 });
    await sweep.saveCursor(stopped.cursor, now);
    expect(await sweep.loadCursor()).toEqual(stopped.cursor);
  });

  it('scrubs text past its retention, deletes what is past audit retention, keeps the rest and every chain', async () => {
    const cursor = await sweep.loadCursor();
    // Small pages, so segments page through the table.
    const outcome = await sweep.sweep({ periods, now, ...(cursor ? { cursor } : {}), pageSize: 2 });
    expect(outcome.failures).toEqual([]);
    expect(outcome.cursor).toBeUndefined();
    expect(outcome.counts).toMatchObject({
      textExpired: 1,
      partitionsDeleted: 1,
      erasuresDeleted: 1,
      casesDeleted: 1,
      failed: 0,
    });
    await sweep.saveCursor(outcome.cursor, now);
    expect(await sweep.loadCursor()).toBeUndefined();

    // Past text retention: no text, keywords, author, permalink or matched value anywhere in its partition.
    const oldItems = await partition(`ENG#${old.e.id}`);
    expect(JSON.stringify(oldItems)).not.toContain(secret);
    const item = oldItems.find((i) => i.sk === 'ENGAGEMENT')!;
    expect(item.engagement).toMatchObject({
      text: '',
      keywords: [],
      author: { id: 'erased', handle: '', name: '' },
      routing: { departments: ['customer-care'], rules: ['refunds'] },
    });
    expect(item.engagement.url).toBeUndefined();
    expect(item.textExpiredAt).toBe(now.toISOString());
    expect(item.decision.reasons).toEqual([{ rule: 'refunds', matched: [{ field: 'keywords', operator: 'exact' }] }]);
    const copy = oldItems.find((i) => i.event?.detailType === ENGAGEMENT_ROUTED.detailType)!;
    expect(copy.event.detail).toMatchObject({
      text: '',
      author: { id: 'erased' },
      routing: { departments: ['sales'] },
    });
    // Why the text is gone, in its audit chain; and no "Engagement Erased" (nobody asked for an erasure).
    expect(oldItems.find((i) => i.sk === `AUDIT#${now.toISOString()}#RETENTION`)).toMatchObject({
      type: 'engagement-text-expired',
      engagementId: old.e.id,
      at: now.toISOString(),
      retentionDays: 400,
    });
    expect(oldItems.filter((i) => i.event?.detailType === 'Engagement Erased')).toEqual([]);
    // Its raw delivery, though past its own retention, was still there (TTL is lazy): cut out of its batch.
    const raw = gunzipSync(
      Buffer.concat(
        (await partition(`RAW#${old.rawKey}`))
          .sort((a, b) => String(a.sk).localeCompare(String(b.sk)))
          .map((p) => Buffer.from(p.body as Uint8Array)),
      ),
    ).toString();
    expect(raw).not.toContain(secret);
    expect(raw).toContain('other words');

    // Past audit retention: the whole partition, its tombstone and its case are gone; the recent tombstone stays.
    expect(await partition(`ENG#${ancient.e.id}`)).toEqual([]);
    expect(await partition(erasurePk)).toEqual([]);
    expect(await partition(oldCasePk)).toEqual([]);
    expect(await partition(recentErasurePk)).toHaveLength(1);

    // Younger than text retention: untouched.
    const youngItems = await partition(`ENG#${young.e.id}`);
    expect(JSON.stringify(youngItems)).toContain(secret);
    expect(youngItems.find((i) => i.sk === 'ENGAGEMENT')?.textExpiredAt).toBeUndefined();
    // Erased before: no retention record added.
    const erasedItems = await partition(`ENG#${erased.id}`);
    expect(erasedItems.filter((i) => String(i.sk).endsWith('#RETENTION'))).toEqual([]);

    // What `switchboard audit verify` checks: every chain left in the table is whole.
    const report = verifyChains(await everything());
    expect(report.problems).toEqual([]);
    expect(report.chains).toBe(3);
    // The old engagement: decision, edit, delivery copy, retention record.
    expect(oldItems.find((i) => i.sk === 'CHAIN')?.seq).toBe(3);
  });

  it('refuses a late edit of an expired engagement: its text does not come back', async () => {
    expect(
      await store.applyChange(old.e.id, {
        change: 'edited',
        at: '2027-06-02T00:00:00.000Z',
        deliveryId: randomUUID(),
        text: `back again ${secret}`,
        keywords: [],
      }),
    ).toBe('deleted');
    expect(JSON.stringify(await partition(`ENG#${old.e.id}`))).not.toContain(secret);
    expect(await store.expireText(old.e.id, '2027-06-03T00:00:00.000Z', 400)).toBe('done');
  });

  it('changes nothing when it runs again', async () => {
    const before = await everything();
    const again = await sweep.sweep({ periods, now: new Date(now.getTime() + 86_400_000), segments: 2 });
    expect(again.counts).toMatchObject({
      textExpired: 0,
      partitionsDeleted: 0,
      itemsDeleted: 0,
      erasuresDeleted: 0,
      casesDeleted: 0,
      failed: 0,
    });
    // The cursor item is the sweep's own; everything else is as it was.
    const withoutCursor = (items: Record<string, unknown>[]) => items.filter((i) => i.pk !== 'SWEEP#retention');
    expect(withoutCursor(await everything())).toEqual(withoutCursor(before));
  });
});
