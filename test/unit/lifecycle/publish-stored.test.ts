import type { Engagement } from '#core/engagement/engagement.schema.js';
import { storedEventId } from '#core/lifecycle/ports/event-publisher.js';
import { publishStored, republish, type StoredRecord } from '#core/lifecycle/publish-stored.js';
import { MemoryPublisher } from '#test-support/memory-store.js';

const engagement = (id: string) =>
  ({ id: `generic:${id}`, text: id, routing: { departments: ['customer-care'] } }) as unknown as Engagement;
const records = (...ids: string[]): StoredRecord[] =>
  ids.map((id, i) => ({ sequence: String(100 + i), item: engagement(id) }));

/** A republish queue that keeps the ids it is handed, and can refuse ids or fail whole calls. */
function queue() {
  const q = {
    held: [] as string[],
    refuse: new Set<string>(),
    down: false,
    async handOff(ids: string[]) {
      if (q.down) throw new Error('injected: SQS unavailable');
      q.held.push(...ids.filter((id) => !q.refuse.has(id)));
      return { failed: ids.filter((id) => q.refuse.has(id)) };
    },
  };
  return q;
}

describe('publishing stored engagements from the table stream (the outbox)', () => {
  it('publishes every record of a batch and fails nothing', async () => {
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
    expect(q.held).toEqual(['generic:b']);
  });

  it('fails the batch from the first record that could be neither published nor handed off', async () => {
    const publisher = new MemoryPublisher();
    publisher.refuse.add('generic:b').add('generic:d');
    const q = queue();
    q.refuse.add('generic:d');
    const out = await publishStored(records('a', 'b', 'c', 'd', 'e'), { publisher, handOff: q.handOff });
    expect(out).toEqual({
      published: ['generic:a', 'generic:c', 'generic:e'],
      handedOff: ['generic:b'],
      retryFrom: '103',
    });
  });

  it('fails the batch from the first refused record when the republish queue is down too', async () => {
    const publisher = new MemoryPublisher();
    publisher.refuse.add('generic:c');
    const q = queue();
    q.down = true;
    const logged: string[] = [];
    const out = await publishStored(records('a', 'b', 'c'), {
      publisher,
      handOff: q.handOff,
      log: (level, message) => void logged.push(`${level}: ${message}`),
    });
    expect(out).toEqual({ published: ['generic:a', 'generic:b'], handedOff: [], retryFrom: '102' });
    expect(logged).toContain('error: engagements could not be handed to the republish queue');
  });

  it('stops publishing at its deadline and hands what is left to the republish queue', async () => {
    const seen: (number | undefined)[] = [];
    const publisher = {
      publish: async (engagements: Engagement[], options?: { deadline?: number }) => (
        seen.push(options?.deadline),
        { published: [], failed: engagements.map((e) => ({ id: e.id, errorCode: 'DeadlineReached' })) }
      ),
    };
    const q = queue();
    const out = await publishStored(records('a', 'b'), { publisher, handOff: q.handOff, deadline: 1234 });
    expect(seen).toEqual([1234]);
    expect(out).toEqual({ published: [], handedOff: ['generic:a', 'generic:b'] });
  });

  it('has nothing to do for an empty batch', async () => {
    expect(await publishStored([], { publisher: new MemoryPublisher(), handOff: queue().handOff })).toEqual({
      published: [],
      handedOff: [],
    });
  });
});

describe('the republish queue', () => {
  const noEvents = async () => undefined;
  const message = (messageId: string, id: string) => ({ messageId, body: JSON.stringify({ id }) });
  const table = (stored: Record<string, { engagement: Engagement; deletedAt?: string }>) => async (id: string) =>
    stored[id];

  it('publishes each engagement once, as it is stored now, and fails the messages the bus still refuses', async () => {
    const publisher = new MemoryPublisher();
    publisher.refuse.add('generic:b');
    const edited = { ...engagement('a'), text: 'edited since' } as Engagement;
    const out = await republish([message('m1', 'generic:a'), message('m2', 'generic:b'), message('m3', 'generic:a')], {
      publisher,
      readStored: table({ 'generic:a': { engagement: edited }, 'generic:b': { engagement: engagement('b') } }),
      readEvent: noEvents,
    });
    expect(out).toEqual({ published: ['generic:a'], skipped: [], failedMessageIds: ['m2'] });
    expect(publisher.published).toEqual([edited]);
  });

  it('does not publish an engagement deleted since the bus refused it', async () => {
    const publisher = new MemoryPublisher();
    const out = await republish([message('m1', 'generic:a')], {
      publisher,
      readStored: table({ 'generic:a': { engagement: engagement('a'), deletedAt: '2026-12-06T10:00:00.000Z' } }),
      readEvent: noEvents,
    });
    expect(out).toEqual({ published: [], skipped: ['generic:a'], failedMessageIds: [] });
    expect(publisher.published).toEqual([]);
  });

  it('fails a message that names no engagement, one not in the table, and one the table could not read, so they end in the dead-letter queue', async () => {
    const readStored = async (id: string) => {
      if (id === 'generic:boom') throw new Error('injected: table unavailable');
      return undefined;
    };
    const out = await republish(
      [
        { messageId: 'x', body: '{"hello":1}' },
        { messageId: 'y', body: 'not json' },
        message('z', 'generic:gone'),
        message('w', 'generic:boom'),
      ],
      { publisher: new MemoryPublisher(), readStored, readEvent: noEvents },
    );
    expect(out.published).toEqual([]);
    expect(out.failedMessageIds.sort()).toEqual(['w', 'x', 'y', 'z']);
  });

  it('publishes a lifecycle event by its engagement and key, as it was written, and fails one not stored', async () => {
    const publisher = new MemoryPublisher();
    const id = storedEventId('x:1', '2026-12-06T10:00:00.000Z#care#v2#status');
    const event = {
      id,
      source: 'switchboard',
      detailType: 'Engagement Status Changed',
      detail: { engagementId: 'x:1' },
    };
    const out = await republish([message('m1', id), message('m2', storedEventId('x:1', 'gone'))], {
      publisher,
      readStored: table({}),
      readEvent: async (engagementId, key) =>
        engagementId === 'x:1' && key === '2026-12-06T10:00:00.000Z#care#v2#status' ? event : undefined,
    });
    expect(out).toEqual({ published: [id], skipped: [], failedMessageIds: ['m2'] });
    expect(publisher.published).toEqual([event]);
  });
});
