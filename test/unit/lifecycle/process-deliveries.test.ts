import { createHmac } from 'node:crypto';
import { loadConfig } from '#core/config/load-config.js';
import { toIntakeDelivery } from '#core/intake/delivery.js';
import { processDeliveries, type ProcessDependencies } from '#core/lifecycle/process-deliveries.js';
import type { NormalizedEvent, PlatformAdapter } from '#core/platforms/adapter.js';
import { adapterFor } from '#core/platforms/registry.js';
import { createRouter } from '#core/routing/router.js';
import type { Enricher } from '#core/lifecycle/ports/enricher.js';
import { MemoryStore } from '#test-support/memory-store.js';

const router = createRouter(loadConfig('config/switchboard.yaml'));
const now = () => new Date('2026-11-25T12:00:00.000Z');

const message = (messageId: string, drafts: unknown) => ({
  messageId,
  body: JSON.stringify(toIntakeDelivery('generic', Buffer.from(JSON.stringify(drafts)), '2026-11-25T12:00:00.000Z')),
});
const draft = (id: string, text: string) => ({ id, text, author: { id: 'u1', handle: 'sam' } });

function deps(store = new MemoryStore()): ProcessDependencies & { store: MemoryStore } {
  let batches = 0;
  return { router, adapterFor, store, now, newKey: () => `raw-${++batches}` };
}
/** What the table's stream would publish: each stored engagement, once. */
const streamed = (d: { store: MemoryStore }) => d.store.inserted.map((e) => e.id);

describe('processing intake deliveries', () => {
  it('stores each engagement of a delivery once, with its routing decision, and keeps the raw delivery', async () => {
    const d = deps();
    const out = await processDeliveries(
      [message('m1', [draft('a', 'I want a refund'), draft('b', 'The app crashes on start')])],
      d,
    );
    expect(out).toEqual({ failedMessageIds: [], stored: ['generic:a', 'generic:b'], duplicates: [], changed: [] });
    expect(
      d.store.inserted.map((e) => [e.id, e.routing.departments, e.routing.rules, e.routing.configVersion]),
    ).toEqual([
      ['generic:a', ['customer-care'], ['care-orders-and-refunds'], router.configVersion],
      ['generic:b', ['engineering'], ['engineering-bugs'], router.configVersion],
    ]);
    expect(d.store.engagements.get('generic:a')?.decision).toMatchObject({
      at: '2026-11-25T12:00:00.000Z',
      deliveryId: 'm1',
      rawKey: 'raw-1',
    });
    expect(JSON.parse(d.store.raw.get('raw-1')?.[0]?.body.toString() ?? '')).toEqual([
      draft('a', 'I want a refund'),
      draft('b', 'The app crashes on start'),
    ]);
  });

  it('keeps the raw deliveries of a batch together, once, under the key its engagements record', async () => {
    const d = deps();
    await processDeliveries(
      [
        message('m1', draft('a', 'refund')),
        { messageId: 'bad', body: 'nope' },
        message('m2', draft('b', 'app crashes')),
      ],
      d,
    );
    expect([...d.store.raw.keys()]).toEqual(['raw-1']);
    expect(d.store.raw.get('raw-1')?.map((r) => [r.deliveryId, r.platform, r.receivedAt])).toEqual([
      ['m1', 'generic', '2026-11-25T12:00:00.000Z'],
      ['m2', 'generic', '2026-11-25T12:00:00.000Z'],
    ]);
    expect(d.store.engagements.get('generic:b')?.decision).toMatchObject({ deliveryId: 'm2', rawKey: 'raw-1' });
  });

  it("keeps a new copy when a message comes back in another batch, leaving the first batch's copy whole", async () => {
    const d = deps();
    d.store.failSaveFor.add('generic:a');
    await processDeliveries(
      [
        message('m1', draft('a', 'refund')),
        message('m2', draft('b', 'app crashes')),
        message('m3', draft('c', 'love it')),
      ],
      d,
    );
    d.store.failSaveFor.clear();
    // m1 comes back (same SQS message id) with a newcomer
    await processDeliveries([message('m1', draft('a', 'refund')), message('m4', draft('d', 'hello'))], d);
    expect(d.store.raw.get('raw-1')?.map((r) => r.deliveryId)).toEqual(['m1', 'm2', 'm3']);
    expect(d.store.raw.get('raw-2')?.map((r) => r.deliveryId)).toEqual(['m1', 'm4']);
    expect(d.store.engagements.get('generic:b')?.decision?.rawKey).toBe('raw-1');
    expect(d.store.engagements.get('generic:a')?.decision?.rawKey).toBe('raw-2');
  });

  it('stores no engagement of a webhook delivery whose raw copy could not be kept, and fails it for SQS to retry', async () => {
    const d = deps();
    d.store.failRaw = true;
    const polled = {
      messageId: 'p1',
      body: JSON.stringify({
        v: 1,
        platform: 'rss',
        receivedAt: '2026-11-25T12:00:00.000Z',
        headers: {},
        events: [
          {
            change: 'created',
            draft: {
              platform: 'rss',
              kind: 'post',
              externalId: 'x',
              text: 'hi',
              createdAt: '2026-11-25T10:00:00.000Z',
              author: { id: 'a', handle: '', name: '' },
            },
          },
        ],
      }),
    };
    const out = await processDeliveries([message('m1', draft('a', 'refund')), polled], d);
    expect(out).toEqual({ failedMessageIds: ['m1'], stored: ['rss:x'], duplicates: [], changed: [] });
    d.store.failRaw = false;
    expect((await processDeliveries([message('m1', draft('a', 'refund'))], d)).stored).toEqual(['generic:a']);
  });

  it('stores nothing again for a redelivered platform event', async () => {
    const d = deps();
    await processDeliveries([message('m1', draft('a', 'refund'))], d);
    const again = await processDeliveries([message('m2', draft('a', 'refund'))], d);
    expect(again).toEqual({ failedMessageIds: [], stored: [], duplicates: ['generic:a'], changed: [] });
    expect(streamed(d)).toEqual(['generic:a']);
  });

  it('keeps the first decision when a retry routes the same event under another config', async () => {
    const d = deps();
    await processDeliveries([message('m1', draft('a', 'refund'))], d);
    const other = {
      ...d,
      router: {
        configVersion: 'v2',
        route: () => ({ departments: ['legal'], rules: ['r'], priority: 'urgent' as const, configVersion: 'v2' }),
      },
    };
    expect((await processDeliveries([message('m1', draft('a', 'refund'))], other)).duplicates).toEqual(['generic:a']);
    expect(d.store.engagements.get('generic:a')?.engagement.routing.departments).toEqual(['customer-care']);
  });

  it('lets every concurrent copy of a delivery finish at once, each engagement stored once (no leases to wait out)', async () => {
    const d = deps();
    const all = [draft('e1', 'refund please'), draft('e2', 'app crashes'), draft('e3', 'love it')];
    // 35 copies of one three-engagement delivery, processed at the same time.
    const outcomes = await Promise.all(
      Array.from({ length: 35 }, (_, i) => processDeliveries([message(`copy${i}`, all)], d)),
    );
    expect(outcomes.flatMap((o) => o.failedMessageIds)).toEqual([]);
    expect(outcomes.flatMap((o) => o.stored).sort()).toEqual(['generic:e1', 'generic:e2', 'generic:e3']);
    expect(outcomes.flatMap((o) => o.duplicates)).toHaveLength(34 * 3);
    expect(streamed(d).sort()).toEqual(['generic:e1', 'generic:e2', 'generic:e3']);
  });

  it('fails a message it cannot read or store, and still processes the rest of the batch', async () => {
    const d = deps();
    d.store.failSaveFor.add('generic:c');
    const out = await processDeliveries(
      [{ messageId: 'bad', body: '{"v":1' }, message('m1', draft('a', 'hi')), message('m3', draft('c', 'hi'))],
      d,
    );
    expect(out.failedMessageIds.sort()).toEqual(['bad', 'm3']);
    expect(out.stored).toEqual(['generic:a']);
  });

  it('stores the rest of a delivery whose one engagement failed, and its retry stores only what is missing', async () => {
    const d = deps();
    d.store.failSaveFor.add('generic:b');
    const first = await processDeliveries([message('m1', [draft('a', 'refund'), draft('b', 'app crashes')])], d);
    expect(first).toMatchObject({ failedMessageIds: ['m1'], stored: ['generic:a'] });
    d.store.failSaveFor.clear();
    const retry = await processDeliveries([message('m1', [draft('a', 'refund'), draft('b', 'app crashes')])], d);
    expect(retry).toEqual({ failedMessageIds: [], stored: ['generic:b'], duplicates: ['generic:a'], changed: [] });
    expect(streamed(d)).toEqual(['generic:a', 'generic:b']);
  });

  it('stores one engagement when the same platform event appears twice in a batch, failing neither copy', async () => {
    const d = deps();
    const out = await processDeliveries([message('m1', draft('a', 'hi')), message('m2', draft('a', 'hi'))], d);
    expect(out).toEqual({ failedMessageIds: [], stored: ['generic:a'], duplicates: ['generic:a'], changed: [] });
    expect(streamed(d)).toEqual(['generic:a']);
  });

  it('reads the raw bytes the webhook accepted', () => {
    // the intake message keeps the exact bytes, so a signature could be re-checked later
    const body = Buffer.from('{"id":"é"}');
    const delivery = toIntakeDelivery('generic', body, '2026-11-25T12:00:00.000Z');
    expect(
      createHmac('sha256', 'k')
        .update(Buffer.from(delivery.body ?? '', 'utf8'))
        .digest('hex'),
    ).toBe(createHmac('sha256', 'k').update(body).digest('hex'));
    expect(toIntakeDelivery('generic', Buffer.from([0xff, 0xfe]), '2026-11-25T12:00:00.000Z').bodyBase64).toBe('//4=');
  });

  describe('edits and deletions reported by the platform', () => {
    // An adapter whose body is the normalized events themselves, to drive every change type.
    const changes: PlatformAdapter = {
      id: 'generic',
      secretKeys: [],
      verify: () => undefined,
      normalize: (raw) => JSON.parse(raw.toString()) as NormalizedEvent[],
    };
    const event = (kind: NormalizedEvent['change'], id: string, text: string) => ({
      change: kind,
      draft: {
        platform: 'generic',
        kind: 'comment',
        externalId: id,
        text,
        createdAt: '2026-11-25T11:00:00.000Z',
        author: { id: 'u', handle: '', name: '' },
      },
    });
    const delivery = (messageId: string, events: unknown[]) => ({
      messageId,
      body: JSON.stringify(
        toIntakeDelivery('generic', Buffer.from(JSON.stringify(events)), '2026-11-25T12:00:00.000Z'),
      ),
    });
    const change = (messageId: string, kind: NormalizedEvent['change'], id: string, text: string) =>
      delivery(messageId, [event(kind, id, text)]);
    const changeDeps = () => ({ ...deps(), adapterFor: () => changes });

    it('updates the stored text and keywords of an edited engagement without storing it again', async () => {
      const d = changeDeps();
      await processDeliveries([change('m1', 'created', 'a', 'I want a refund')], d);
      const out = await processDeliveries([change('m2', 'edited', 'a', 'Sorted, thanks')], d);
      expect(out).toEqual({ failedMessageIds: [], stored: [], duplicates: [], changed: ['generic:a'] });
      expect(d.store.engagements.get('generic:a')?.engagement).toMatchObject({
        text: 'Sorted, thanks',
        keywords: expect.arrayContaining(['sorted', 'thanks']),
        routing: { departments: ['customer-care'] },
      });
      expect(streamed(d)).toEqual(['generic:a']);
      expect(d.store.changes).toEqual([
        expect.objectContaining({ engagementId: 'generic:a', change: 'edited', deliveryId: 'm2' }),
      ]);
    });

    it('tombstones a deleted engagement: the text is gone, the audit trail says when', async () => {
      const d = changeDeps();
      await processDeliveries([change('m1', 'created', 'a', 'my email is sam@example.com')], d);
      expect((await processDeliveries([change('m2', 'deleted', 'a', '')], d)).changed).toEqual(['generic:a']);
      expect(d.store.engagements.get('generic:a')?.engagement).toMatchObject({ text: '', keywords: [] });
      expect(d.store.changes).toEqual([expect.objectContaining({ engagementId: 'generic:a', change: 'deleted' })]);
    });

    it('ignores an edit that arrives after the deletion, so deleted text never comes back', async () => {
      const d = changeDeps();
      await processDeliveries([change('m1', 'created', 'a', 'call me on 555-0100')], d);
      await processDeliveries([change('m2', 'deleted', 'a', '')], d);
      const late = await processDeliveries([change('m3', 'edited', 'a', 'call me on 555-0100')], d);
      expect(late).toEqual({ failedMessageIds: [], stored: [], duplicates: [], changed: [] });
      expect(d.store.engagements.get('generic:a')?.engagement.text).toBe('');
    });

    it('never loses an engagement whose creation an earlier attempt stored, when the retry reads its event as an edit', async () => {
      // D1 = [edit of E, never seen; new F]. Its first attempt stores E (routed as new) and fails
      // on F; its retry finds E stored, so the edit applies. E was stored, so the stream has it.
      const d = changeDeps();
      const d1 = delivery('d1', [
        event('edited', 'e', 'The app crashes on login'),
        event('created', 'f', 'refund please'),
      ]);
      d.store.failSaveFor.add('generic:f');
      expect(await processDeliveries([d1], d)).toMatchObject({ failedMessageIds: ['d1'], stored: ['generic:e'] });
      d.store.failSaveFor.clear();
      const retry = await processDeliveries([d1], d);
      expect(retry).toEqual({ failedMessageIds: [], stored: ['generic:f'], duplicates: [], changed: ['generic:e'] });
      expect(d.store.inserted.map((e) => [e.id, e.text, e.routing.departments])).toEqual([
        ['generic:e', 'The app crashes on login', ['engineering']],
        ['generic:f', 'refund please', ['customer-care']],
      ]);
    });

    it('routes an edit of an engagement it never saw as new, and ignores a deletion of one', async () => {
      const d = changeDeps();
      expect((await processDeliveries([change('m1', 'edited', 'b', 'The app crashes')], d)).stored).toEqual([
        'generic:b',
      ]);
      expect(await processDeliveries([change('m2', 'deleted', 'c', '')], d)).toEqual({
        failedMessageIds: [],
        stored: [],
        duplicates: [],
        changed: [],
      });
      expect(d.store.engagements.has('generic:c')).toBe(false);
    });
  });
});

describe('large deliveries', () => {
  it('stores a thousand-event delivery with bounded concurrency, each engagement once', async () => {
    const d = deps();
    let inFlight = 0;
    let peak = 0;
    const save = d.store.saveNew.bind(d.store);
    d.store.saveNew = async (...args) => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight--;
      return save(...args);
    };
    const drafts = Array.from({ length: 1_000 }, (_, i) => draft(`n${i}`, 'hello'));
    const out = await processDeliveries([message('m1', drafts)], { ...d, storeConcurrency: 8 });
    expect(out.failedMessageIds).toEqual([]);
    expect(out.stored.sort()).toEqual(drafts.map((x) => `generic:${x.id}`).sort());
    expect(peak).toBe(8);
  });
});

describe('deliveries from pollers', () => {
  it('stores the events a poller read without an adapter, and keeps no second copy of them', async () => {
    const d = deps();
    const events = [
      {
        change: 'created',
        draft: {
          platform: 'rss',
          kind: 'post',
          externalId: 'blog:1',
          text: 'Our refund policy changed',
          createdAt: '2026-11-25T10:00:00.000Z',
          author: { id: 'a', handle: '', name: '' },
        },
      },
    ];
    const body = JSON.stringify({
      v: 1,
      platform: 'rss',
      receivedAt: '2026-11-25T12:00:00.000Z',
      headers: {},
      events,
      source: 'poll:blog',
    });
    const out = await processDeliveries([{ messageId: 'p1', body }], { ...d, adapterFor: () => undefined });
    expect(out.stored).toEqual(['rss:blog:1']);
    expect(d.store.inserted[0]?.routing.departments).toEqual(['customer-care']);
    expect(d.store.raw.size).toBe(0);
  });

  it('fails a polled delivery whose events break the engagement schema', async () => {
    const d = deps();
    const body = JSON.stringify({
      v: 1,
      platform: 'rss',
      receivedAt: '2026-11-25T12:00:00.000Z',
      events: [{ change: 'created', draft: { platform: 'rss', text: 1 } }],
    });
    expect((await processDeliveries([{ messageId: 'p2', body }], d)).failedMessageIds).toEqual(['p2']);
  });

  it('records why each rule matched in the stored decision, and keeps reasons out of the engagement', async () => {
    const d = deps();
    await processDeliveries([message('m1', [draft('a', 'I want a refund'), draft('b', 'hello there')])], d);
    const refund = d.store.engagements.get('generic:a');
    expect(refund?.decision?.reasons).toEqual([
      { rule: 'care-orders-and-refunds', matched: [{ field: 'keywords', operator: 'exact', value: 'refund' }] },
    ]);
    expect(refund?.decision?.reasons.map((r) => r.rule)).toEqual(refund?.engagement.routing.rules);
    expect(d.store.engagements.get('generic:b')).toMatchObject({
      engagement: { routing: { rules: [] } },
      decision: { reasons: [] },
    });
    expect(JSON.stringify(d.store.inserted)).not.toContain('"reasons"');
  });
});

describe('an injected enricher', () => {
  it('routes and stores the enrichment it returns, from the text the engagement carries', async () => {
    const seen: string[] = [];
    const enricher: Enricher = {
      enrich: (input) => {
        seen.push(input.text);
        return Promise.resolve({
          language: 'de',
          sentiment: { label: 'negative', score: -0.7 },
          intents: ['legal_risk'],
          keywords: ['anwalt'],
          details: {
            model: 'test-model',
            version: '0',
            mode: 'cloud',
            confidence: { sentiment: 0.9, intents: { legal_risk: 0.8 } },
          },
        });
      },
    };
    const d = { ...deps(), enricher };
    const out = await processDeliveries([message('m1', draft('a', 'Thanks, lovely day'))], d);
    expect(out.stored).toEqual(['generic:a']);
    const [stored] = d.store.inserted;
    expect(stored).toMatchObject({
      language: 'de',
      sentiment: { label: 'negative', score: -0.7 },
      intents: ['legal_risk'],
      keywords: ['anwalt'],
    });
    expect(stored?.routing.departments).toEqual(['legal', 'communications']);
    expect(stored?.routing.rules).toContain('legal-threats');
    expect(seen).toEqual(['Thanks, lovely day']);
  });
});
