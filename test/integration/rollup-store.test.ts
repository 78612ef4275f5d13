import { randomUUID } from 'node:crypto';
import { DynamoDbRollupStore } from '#aws/dynamodb-rollup-store.js';
import type { Engagement } from '#core/engagement/engagement.schema.js';
import { countRouted } from '#core/management/rollup-counts.js';
import { dynamodb, twin } from './twin-client.js';

/**
 * Rollups against DynamoDB Local: a record the stream delivers again (a retried batch, a
 * bisected one) is counted once, and batches counted at the same time (the stream's shards in
 * parallel) all add up.
 */
const store = new DynamoDbRollupStore(dynamodb, twin.tableName);

/** A far-off hour of its own, so no other test's engagements are counted in it. */
const hour = `2031-0${1 + Math.floor(Math.random() * 9)}-1${Math.floor(Math.random() * 9)}T0${Math.floor(Math.random() * 9)}:00:00.000Z`;
const keyword = `kw${randomUUID().slice(0, 8)}`;
const engagement = (n: number): Engagement =>
  ({
    id: `generic:rollup-${randomUUID()}`,
    platform: 'generic',
    externalId: `rollup-${n}`,
    kind: 'post',
    text: `${keyword} again`,
    language: 'en',
    createdAt: hour,
    receivedAt: new Date(Date.parse(hour) + n * 1000).toISOString(),
    author: { id: 'a', handle: 'h', name: 'n' },
    intents: ['complaint'],
    keywords: [keyword],
    sentiment: { label: 'negative', score: -0.7 },
    routing: {
      departments: ['customer-care'],
      rules: ['care-orders-and-refunds'],
      priority: 'normal',
      configVersion: 'v1',
    },
  }) as Engagement;
const delta = (e: Engagement) =>
  countRouted(`ENG#${e.id}#ENGAGEMENT`, e, [
    {
      id: 'it-rollup',
      key: `keyword:${keyword}`,
      window: 'PT5M',
      sensitivity: 3,
      minCount: 1,
      cooldown: 'PT1H',
      startsCrisis: false,
    },
  ]);
const counted = async () => {
  const [h] = await store.hours(hour, new Date(Date.parse(hour) + 3_600_000).toISOString());
  return h;
};

describe('rollups on DynamoDB Local', () => {
  it('counts a redelivered record once, and only the new ones of a batch that mixes both', async () => {
    const first = Array.from({ length: 30 }, (_, i) => delta(engagement(i)));
    expect(await store.apply(first)).toEqual({ counted: 30, repeated: 0 });
    // The same batch again (the stream retrying it), then a batch half old, half new.
    expect(await store.apply(first)).toEqual({ counted: 0, repeated: 30 });
    const more = Array.from({ length: 10 }, (_, i) => delta(engagement(100 + i)));
    expect(await store.apply([...first.slice(0, 10), ...more])).toEqual({ counted: 10, repeated: 10 });

    const h = await counted();
    expect(h?.engagements).toBe(40);
    expect(h?.byDepartment['customer-care']).toBe(40);
    expect(h?.bySentiment.negative).toBe(40);
    expect(h?.byRule['care-orders-and-refunds']).toBe(40);
    const [day] = await store.keywords(hour.slice(0, 10), hour.slice(0, 10));
    expect(day?.counts[keyword]).toBe(40);
    const spike = await store.window('it-rollup', Date.parse(hour), Date.parse(hour) + 3_600_000);
    expect(spike.n).toBe(40);
  });

  it('adds up batches counted at the same time on the same hour', async () => {
    const before = (await counted())?.engagements ?? 0;
    const batches = Array.from({ length: 5 }, (_, b) =>
      Array.from({ length: 20 }, (_, i) => delta(engagement(1000 + b * 20 + i))),
    );
    const outcomes = await Promise.all(batches.map((batch) => store.apply(batch)));
    expect(outcomes.reduce((a, o) => a + o.counted, 0)).toBe(100);
    expect((await counted())?.engagements).toBe(before + 100);
  });

  it('takes an erased engagement’s keywords out of the counts once, removing a counter at zero', async () => {
    const lone = `kw${randomUUID().slice(0, 8)}`;
    const e = { ...engagement(5000), text: `only ${lone}`, keywords: [lone] };
    await store.apply([delta(e)]);
    const day = hour.slice(0, 10);
    expect((await store.keywords(day, day))[0]?.counts[lone]).toBe(1);
    await store.forgetKeywords(e.id, day, [lone]);
    await store.forgetKeywords(e.id, day, [lone]);
    expect((await store.keywords(day, day))[0]?.counts).not.toHaveProperty(lone);
    expect((await store.keywords(day, day))[0]?.counts[keyword]).toBeGreaterThan(0);
  });
});
