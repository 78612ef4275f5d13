import type { Engagement } from '../../../lambdas/core/engagement/engagement.schema.js';
import { publishStored, republish, type StoredRecord } from '../../../lambdas/core/lifecycle/publish-stored.js';
import { MemoryPublisher } from '../../support/memory-store.js';

const engagement = (id: string) => ({ id: `generic:${id}`, text: id, routing: { departments: ['customer-care'] } }) as unknown as Engagement;
const records = (...ids: string[]): StoredRecord[] => ids.map((id, i) => ({ sequence: String(100 + i), engagement: engagement(id) }));

/** A republish queue that keeps what it is handed, and can refuse ids or fail whole calls. */
function queue() {
  const q = {
    held: [] as Engagement[],
    refuse: new Set<string>(),
    down: false,
    async handOff(engagements: Engagement[]) {
      if (q.down) throw new Error('injected: SQS unavailable');
      const failed = engagements.filter((e) => q.refuse.has(e.id)).map((e) => e.id);
      q.held.push(...engagements.filter((e) => !q.refuse.has(e.id)));
      return { failed };
    },
  };
  return q;
}

describe('publishing stored engagements from the table stream (the outbox)', () => {
  it('publishes every record of a batch, in stream order, and fails nothing', async () => {
    const publisher = new MemoryPublisher();
    const out = await publishStored(records('a', 'b', 'c'), { publisher, handOff: queue().handOff });
    expect(out).toEqual({ published: ['generic:a', 'generic:b', 'generic:c'], handedOff: [] });
    expect(publisher.published.map((e) => e.id)).toEqual(['generic:a', 'generic:b', 'generic:c']);
  });

  it('hands what the bus refuses to the republish queue instead of failing the batch, so nothing after it is published twice', async () => {
    const publisher = new MemoryPublisher();
    publisher.refuse.add('generic:b');
    const q = queue();
    const out = await publishStored(records('a', 'b', 'c'), { publisher, handOff: q.handOff });
    expect(out).toEqual({ published: ['generic:a', 'generic:c'], handedOff: ['generic:b'] });
    expect(q.held.map((e) => e.id)).toEqual(['generic:b']);
  });

  it('fails the batch from the first record that could be neither published nor handed off', async () => {
    const publisher = new MemoryPublisher();
    publisher.refuse.add('generic:b').add('generic:d');
    const q = queue();
    q.refuse.add('generic:d');
    const out = await publishStored(records('a', 'b', 'c', 'd', 'e'), { publisher, handOff: q.handOff });
    expect(out).toEqual({ published: ['generic:a', 'generic:c', 'generic:e'], handedOff: ['generic:b'], retryFrom: '103' });
  });

  it('fails the batch from the first refused record when the republish queue is down too', async () => {
    const publisher = new MemoryPublisher();
    publisher.refuse.add('generic:c');
    const q = queue();
    q.down = true;
    const logged: string[] = [];
    const out = await publishStored(records('a', 'b', 'c'), { publisher, handOff: q.handOff, log: (level, message) => void logged.push(`${level}: ${message}`) });
    expect(out).toEqual({ published: ['generic:a', 'generic:b'], handedOff: [], retryFrom: '102' });
    expect(logged).toContain('error: engagements could not be handed to the republish queue');
  });

  it('stops publishing at its deadline and hands what is left to the republish queue', async () => {
    const seen: (number | undefined)[] = [];
    const publisher = { publish: async (engagements: Engagement[], options?: { deadline?: number }) => (seen.push(options?.deadline), { published: [], failed: engagements.map((e) => ({ id: e.id, errorCode: 'DeadlineReached' })) }) };
    const q = queue();
    const out = await publishStored(records('a', 'b'), { publisher, handOff: q.handOff, deadline: 1234 });
    expect(seen).toEqual([1234]);
    expect(out).toEqual({ published: [], handedOff: ['generic:a', 'generic:b'] });
  });

  it('has nothing to do for an empty batch', async () => {
    expect(await publishStored([], { publisher: new MemoryPublisher(), handOff: queue().handOff })).toEqual({ published: [], handedOff: [] });
  });
});

describe('the republish queue', () => {
  it('publishes each engagement once and fails the messages the bus still refuses', async () => {
    const publisher = new MemoryPublisher();
    publisher.refuse.add('generic:b');
    const out = await republish(
      [
        { messageId: 'm1', body: JSON.stringify(engagement('a')) },
        { messageId: 'm2', body: JSON.stringify(engagement('b')) },
        { messageId: 'm3', body: JSON.stringify(engagement('a')) },
      ],
      { publisher },
    );
    expect(out).toEqual({ published: ['generic:a'], failedMessageIds: ['m2'] });
    expect(publisher.published.map((e) => e.id)).toEqual(['generic:a']);
  });

  it('fails a message that is not an engagement, so it ends in the dead-letter queue', async () => {
    const out = await republish([{ messageId: 'x', body: '{"hello":1}' }, { messageId: 'y', body: 'not json' }], { publisher: new MemoryPublisher() });
    expect(out).toEqual({ published: [], failedMessageIds: ['x', 'y'] });
  });
});
