import { createHmac } from 'node:crypto';
import { loadConfig } from '../../../lambdas/core/config/load-config.js';
import { toIntakeDelivery } from '../../../lambdas/core/intake/delivery.js';
import { processDeliveries, type ProcessDependencies } from '../../../lambdas/core/lifecycle/process-deliveries.js';
import type { NormalizedEvent, PlatformAdapter } from '../../../lambdas/core/platforms/adapter.js';
import { adapterFor } from '../../../lambdas/core/platforms/registry.js';
import { createRouter } from '../../../lambdas/core/routing/router.js';
import type { Enricher } from '../../../lambdas/core/ports/enricher.js';
import { MemoryPublisher, MemoryStore } from '../../support/memory-store.js';

const router = createRouter(loadConfig('config/switchboard.yaml'));
const now = () => new Date('2026-11-25T12:00:00.000Z');

const message = (messageId: string, drafts: unknown) => ({
  messageId,
  body: JSON.stringify(toIntakeDelivery('generic', Buffer.from(JSON.stringify(drafts)), '2026-11-25T12:00:00.000Z')),
});
const draft = (id: string, text: string) => ({ id, text, author: { id: 'u1', handle: 'sam' } });

function deps(store = new MemoryStore(), publisher = new MemoryPublisher()): ProcessDependencies & { store: MemoryStore; publisher: MemoryPublisher } {
  // Waiting for another delivery's lease is instant here: the clock only moves when a test moves it.
  return { router, adapterFor, store, publisher, now, sleep: async () => undefined };
}

describe('processing intake deliveries', () => {
  it('stores, audits and publishes each engagement of a delivery once', async () => {
    const d = deps();
    const out = await processDeliveries([message('m1', [draft('a', 'I want a refund'), draft('b', 'The app crashes on start')])], d);
    expect(out).toEqual({ failedMessageIds: [], published: ['generic:a', 'generic:b'], duplicates: [], changed: [] });
    expect(d.publisher.published.map((e) => [e.id, e.routing.departments])).toEqual([
      ['generic:a', ['customer-care']],
      ['generic:b', ['engineering']],
    ]);
    expect(d.store.audits.map((a) => [a.engagementId, a.rules, a.configVersion, a.deliveryId])).toEqual([
      ['generic:a', ['care-orders-and-refunds'], router.configVersion, 'm1'],
      ['generic:b', ['engineering-bugs'], router.configVersion, 'm1'],
    ]);
    expect(d.store.engagements.get('generic:a')?.publishedAt).toBe('2026-11-25T12:00:00.000Z');
    expect(d.store.raw.has('m1')).toBe(true);
  });

  it('publishes nothing for a redelivered platform event', async () => {
    const d = deps();
    await processDeliveries([message('m1', draft('a', 'refund'))], d);
    const again = await processDeliveries([message('m2', draft('a', 'refund'))], d);
    expect(again).toEqual({ failedMessageIds: [], published: [], duplicates: ['generic:a'], changed: [] });
    expect(d.publisher.published).toHaveLength(1);
  });

  it('publishes the stored decision exactly once after a crash between store and publish', async () => {
    const d = deps();
    d.publisher.crash = true;
    await expect(processDeliveries([message('m1', draft('a', 'refund'))], d)).rejects.toThrow('injected crash');
    expect(d.store.engagements.get('generic:a')?.publishedAt).toBeUndefined();

    d.publisher.crash = false;
    const retry = await processDeliveries([message('m1', draft('a', 'refund'))], d);
    expect(retry.published).toEqual(['generic:a']);
    const third = await processDeliveries([message('m1', draft('a', 'refund'))], d);
    expect(third.published).toEqual([]);
    expect(d.publisher.published.map((e) => e.id)).toEqual(['generic:a']);
    expect(d.store.audits).toHaveLength(1);
  });

  it('lets only one of two deliveries of the same event publish while the first holds the lease', async () => {
    const d = deps();
    let clock = Date.parse('2026-11-25T12:00:00.000Z');
    d.now = () => new Date(clock);
    d.publisher.crash = true; // m1 stores, then dies before publishing: its lease stays live for 60 s
    await expect(processDeliveries([message('m1', draft('a', 'refund'))], d)).rejects.toThrow('injected');
    d.publisher.crash = false;

    clock += 10_000; // the platform's redelivery arrives as another intake message
    const early = await processDeliveries([message('m2', draft('a', 'refund'))], d);
    expect(early).toEqual({ failedMessageIds: ['m2'], published: [], duplicates: [], changed: [] });

    clock += 60_000; // the lease has expired: m2's retry publishes, and m1's own retry finds it done
    expect((await processDeliveries([message('m2', draft('a', 'refund'))], d)).published).toEqual(['generic:a']);
    expect((await processDeliveries([message('m1', draft('a', 'refund'))], d)).duplicates).toEqual(['generic:a']);
    expect(d.publisher.published.map((e) => e.id)).toEqual(['generic:a']);
  });

  it('fails only the message whose engagement the bus refused, for SQS to redeliver', async () => {
    const d = deps();
    d.publisher.refuse.add('generic:b');
    const out = await processDeliveries([message('m1', draft('a', 'hi')), message('m2', draft('b', 'hi'))], d);
    expect(out.failedMessageIds).toEqual(['m2']);
    expect(out.published).toEqual(['generic:a']);
    d.publisher.refuse.clear();
    expect((await processDeliveries([message('m2', draft('b', 'hi'))], d)).published).toEqual(['generic:b']);
  });

  it('fails a message it cannot read or store, and still processes the rest of the batch', async () => {
    const d = deps();
    d.store.failSaveFor.add('generic:c');
    const out = await processDeliveries([{ messageId: 'bad', body: '{"v":1' }, message('m1', draft('a', 'hi')), message('m3', draft('c', 'hi'))], d);
    expect(out.failedMessageIds.sort()).toEqual(['bad', 'm3']);
    expect(out.published).toEqual(['generic:a']);
  });

  it('publishes one event when the same platform event appears twice in a batch', async () => {
    const d = deps();
    const out = await processDeliveries([message('m1', draft('a', 'hi')), message('m2', draft('a', 'hi'))], d);
    expect(out.published).toEqual(['generic:a']);
    expect(d.publisher.published).toHaveLength(1);
    // the second copy is settled by the first one's publication in the same batch: not failed
    expect(out.failedMessageIds).toEqual([]);
    expect(out.duplicates).toEqual(['generic:a']);
  });

  it('lets copies of a delivery that each hold one of its leases all finish: progress is per engagement', async () => {
    // Three copies of one three-engagement delivery, each of which stored one engagement and
    // died before publishing: each holds a live lease the others must wait out.
    const d = deps();
    const all = [draft('e1', 'refund please'), draft('e2', 'app crashes'), draft('e3', 'love it')];
    d.publisher.crash = true;
    for (const [m, i] of [['A', 0], ['B', 1], ['C', 2]] as const) await expect(processDeliveries([message(m, [all[i]])], d)).rejects.toThrow('injected');
    d.publisher.crash = false;
    // Every copy runs in full; each still meets leases the others hold.
    const first = await Promise.all(['A', 'B', 'C'].map((m) => processDeliveries([message(m, all)], d)));
    expect(d.publisher.published.map((e) => e.id).sort()).toEqual(['generic:e1', 'generic:e2', 'generic:e3']);
    // SQS retries the copies that failed: everything is now a duplicate, nothing is published twice.
    for (const m of first.flatMap((o) => o.failedMessageIds)) expect((await processDeliveries([message(m, all)], d)).failedMessageIds).toEqual([]);
    expect(d.publisher.published.map((e) => e.id).sort()).toEqual(['generic:e1', 'generic:e2', 'generic:e3']);
  });

  it('waits for held leases once per batch, after publishing everything else, not once per engagement inside a store slot', async () => {
    // Two copies of a 200-event delivery, each of which stored half of it and died: each now
    // holds the leases the other needs.
    const d = deps();
    const all = Array.from({ length: 200 }, (_, i) => draft(`big${i}`, 'refund please'));
    d.publisher.crash = true;
    await expect(processDeliveries([message('A', all.slice(0, 100))], d)).rejects.toThrow('injected');
    await expect(processDeliveries([message('B', all.slice(100))], d)).rejects.toThrow('injected');
    d.publisher.crash = false;
    const sleeps = { A: 0, B: 0 };
    const run = (m: 'A' | 'B') => processDeliveries([message(m, all)], { ...d, storeConcurrency: 8, sleep: async () => void sleeps[m]++ });
    const outcomes = await Promise.all([run('A'), run('B')]);
    for (const m of outcomes.flatMap((o) => o.failedMessageIds)) expect((await processDeliveries([message(m, all)], d)).failedMessageIds).toEqual([]);
    expect(d.publisher.published.map((e) => e.id).sort()).toEqual(all.map((x) => `generic:${x.id}`).sort());
    expect(sleeps.A).toBeLessThanOrEqual(3);
    expect(sleeps.B).toBeLessThanOrEqual(3);
  });

  it('waits for the delivery that holds the lease to publish, instead of failing for SQS to retry minutes later', async () => {
    const d = deps();
    d.publisher.crash = true;
    await expect(processDeliveries([message('m1', draft('a', 'refund please'))], d)).rejects.toThrow('injected');
    d.publisher.crash = false;
    const waits: number[] = [];
    d.sleep = async (ms) => {
      waits.push(ms);
      // while m2 waits, m1's retry publishes
      if (waits.length === 2) await processDeliveries([message('m1', draft('a', 'refund please'))], { ...d, sleep: async () => undefined });
    };
    const out = await processDeliveries([message('m2', draft('a', 'refund please'))], d);
    expect(out).toEqual({ failedMessageIds: [], published: [], duplicates: ['generic:a'], changed: [] });
    expect(waits).toEqual([250, 500]);
    expect(d.publisher.published.map((e) => e.id)).toEqual(['generic:a']);
  });

  it('reads the raw bytes the webhook accepted', () => {
    // the intake message keeps the exact bytes, so a signature could be re-checked later
    const body = Buffer.from('{"id":"é"}');
    const delivery = toIntakeDelivery('generic', body, '2026-11-25T12:00:00.000Z');
    expect(createHmac('sha256', 'k').update(Buffer.from(delivery.body ?? '', 'utf8')).digest('hex')).toBe(createHmac('sha256', 'k').update(body).digest('hex'));
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
    const change = (messageId: string, kind: NormalizedEvent['change'], id: string, text: string) => ({
      messageId,
      body: JSON.stringify(
        toIntakeDelivery('generic', Buffer.from(JSON.stringify([{ change: kind, draft: { platform: 'generic', kind: 'comment', externalId: id, text, createdAt: '2026-11-25T11:00:00.000Z', author: { id: 'u', handle: '', name: '' } } }])), '2026-11-25T12:00:00.000Z'),
      ),
    });
    const changeDeps = () => ({ ...deps(), adapterFor: () => changes });

    it('updates the stored text and keywords of an edited engagement without a second message', async () => {
      const d = changeDeps();
      await processDeliveries([change('m1', 'created', 'a', 'I want a refund')], d);
      const out = await processDeliveries([change('m2', 'edited', 'a', 'Sorted, thanks')], d);
      expect(out).toEqual({ failedMessageIds: [], published: [], duplicates: [], changed: ['generic:a'] });
      expect(d.store.engagements.get('generic:a')?.engagement).toMatchObject({ text: 'Sorted, thanks', keywords: expect.arrayContaining(['sorted', 'thanks']), routing: { departments: ['customer-care'] } });
      expect(d.publisher.published).toHaveLength(1);
      expect(d.store.changes).toEqual([expect.objectContaining({ engagementId: 'generic:a', change: 'edited', deliveryId: 'm2' })]);
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
      expect(late).toEqual({ failedMessageIds: [], published: [], duplicates: [], changed: [] });
      expect(d.store.engagements.get('generic:a')?.engagement.text).toBe('');
      expect(d.publisher.published).toHaveLength(1);
    });

    it('publishes, once, an engagement whose creation an earlier attempt stored but never published, when the retry reads it as an edit', async () => {
      // D1 = [edit of E, never seen; new F]. Its first attempt stores E (routed as new) and dies
      // before publishing; its retry finds E stored, so the edit applies, and E must still reach
      // its department.
      const d = changeDeps();
      const d1 = {
        messageId: 'd1',
        body: JSON.stringify(
          toIntakeDelivery(
            'generic',
            Buffer.from(JSON.stringify([
              { change: 'edited', draft: { platform: 'generic', kind: 'comment', externalId: 'e', text: 'The app crashes on login', createdAt: '2026-11-25T11:00:00.000Z', author: { id: 'u', handle: '', name: '' } } },
              { change: 'created', draft: { platform: 'generic', kind: 'comment', externalId: 'f', text: 'refund please', createdAt: '2026-11-25T11:00:00.000Z', author: { id: 'u', handle: '', name: '' } } },
            ])),
            '2026-11-25T12:00:00.000Z',
          ),
        ),
      };
      d.publisher.crash = true;
      await expect(processDeliveries([d1], d)).rejects.toThrow('injected');
      d.publisher.crash = false;
      const retry = await processDeliveries([d1], d);
      expect(retry.failedMessageIds).toEqual([]);
      expect(retry.changed).toEqual(['generic:e']);
      expect(d.publisher.published.map((e) => [e.id, e.text])).toEqual([
        ['generic:e', 'The app crashes on login'],
        ['generic:f', 'refund please'],
      ]);
      // a third copy publishes nothing again
      await processDeliveries([d1], d);
      expect(d.publisher.published).toHaveLength(2);
    });

    it('does not publish again on an edit when the first publication happened but its mark was lost', async () => {
      const d = changeDeps();
      let clock = Date.parse('2026-11-25T12:00:00.000Z');
      d.now = () => new Date(clock);
      const mark = d.store.markPublished.bind(d.store);
      d.store.markPublished = async () => Promise.reject(new Error('RequestTimeout'));
      expect((await processDeliveries([change('m1', 'created', 'a', 'I want a refund')], d)).published).toEqual(['generic:a']);
      d.store.markPublished = mark;
      clock += 5 * 60_000; // long after m1's lease
      const edit = await processDeliveries([change('m2', 'edited', 'a', 'I want a refund now')], d);
      expect(edit).toMatchObject({ failedMessageIds: [], published: [], changed: ['generic:a'] });
      expect(d.publisher.published.map((e) => e.text)).toEqual(['I want a refund']);
    });

    it('routes an edit of an engagement it never saw as new, and ignores a deletion of one', async () => {
      const d = changeDeps();
      expect((await processDeliveries([change('m1', 'edited', 'b', 'The app crashes')], d)).published).toEqual(['generic:b']);
      expect(await processDeliveries([change('m2', 'deleted', 'c', '')], d)).toEqual({ failedMessageIds: [], published: [], duplicates: [], changed: [] });
      expect(d.store.engagements.has('generic:c')).toBe(false);
    });
  });
});

describe('large deliveries', () => {
  it('stores a thousand-event delivery with bounded concurrency and publishes each once, in order', async () => {
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
    expect(out.published).toEqual(drafts.map((x) => `generic:${x.id}`));
    expect(peak).toBe(8);
  });

  it('marks a thousand publications concurrently, and a table that fails the marks neither fails the message nor publishes again', async () => {
    const d = deps();
    let inFlight = 0;
    let peak = 0;
    d.store.markPublished = async () => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight--;
      throw new Error('RequestTimeout');
    };
    const warnings: string[] = [];
    const drafts = Array.from({ length: 1_000 }, (_, i) => draft(`k${i}`, 'hello'));
    const out = await processDeliveries([message('m1', drafts)], { ...d, storeConcurrency: 8, log: (level, msg) => void (level === 'warn' && warnings.push(msg)) });
    expect(out.failedMessageIds).toEqual([]);
    expect(d.publisher.published).toHaveLength(1_000);
    expect(peak).toBe(8);
    expect(warnings).toHaveLength(1_000);
  });
});

describe('deliveries from pollers', () => {
  it('routes the events a poller read without an adapter, and keeps them for audit', async () => {
    const d = deps();
    const events = [{ change: 'created', draft: { platform: 'rss', kind: 'post', externalId: 'blog:1', text: 'Our refund policy changed', createdAt: '2026-11-25T10:00:00.000Z', author: { id: 'a', handle: '', name: '' } } }];
    const body = JSON.stringify({ v: 1, platform: 'rss', receivedAt: '2026-11-25T12:00:00.000Z', headers: {}, events, source: 'poll:blog' });
    const out = await processDeliveries([{ messageId: 'p1', body }], { ...d, adapterFor: () => undefined });
    expect(out.published).toEqual(['rss:blog:1']);
    expect(d.publisher.published[0]?.routing.departments).toEqual(['customer-care']);
    expect(JSON.parse(Buffer.from(d.store.raw.get('p1') ?? '', 'base64').toString())).toEqual(events);
  });

  it('fails a polled delivery whose events break the engagement schema', async () => {
    const d = deps();
    const body = JSON.stringify({ v: 1, platform: 'rss', receivedAt: '2026-11-25T12:00:00.000Z', events: [{ change: 'created', draft: { platform: 'rss', text: 1 } }] });
    expect((await processDeliveries([{ messageId: 'p2', body }], d)).failedMessageIds).toEqual(['p2']);
  });

  it('records why each rule matched in the audit record, and publishes no reasons', async () => {
    const d = deps();
    await processDeliveries([message('m1', [draft('a', 'I want a refund'), draft('b', 'hello there')])], d);
    const [refund, unmatched] = d.store.audits;
    expect(refund?.reasons).toEqual([{ rule: 'care-orders-and-refunds', matched: [{ field: 'keywords', operator: 'exact', value: 'refund' }] }]);
    expect(refund?.reasons?.map((r) => r.rule)).toEqual(refund?.rules);
    expect(unmatched).toMatchObject({ engagementId: 'generic:b', rules: [], reasons: [] });
    const published = d.publisher.published.find((e) => e.id === 'generic:a');
    expect(published?.routing).not.toHaveProperty('reasons');
    expect(JSON.stringify(d.publisher.published)).not.toContain('"reasons"');
  });
});

describe('an injected enricher', () => {
  it('routes, stores and publishes the enrichment it returns, from the text the engagement carries', async () => {
    const seen: string[] = [];
    const enricher: Enricher = {
      enrich: (input) => {
        seen.push(input.text);
        return Promise.resolve({ language: 'de', sentiment: { label: 'negative', score: -0.7 }, intents: ['legal_risk'], keywords: ['anwalt'], details: { model: 'test-model', version: '0', mode: 'cloud', confidence: { sentiment: 0.9, intents: { legal_risk: 0.8 } } } });
      },
    };
    const d = { ...deps(), enricher };
    const out = await processDeliveries([message('m1', draft('a', 'Thanks, lovely day'))], d);
    expect(out.published).toEqual(['generic:a']);
    const [published] = d.publisher.published;
    expect(published).toMatchObject({ language: 'de', sentiment: { label: 'negative', score: -0.7 }, intents: ['legal_risk'], keywords: ['anwalt'] });
    expect(published?.routing.departments).toEqual(['legal', 'communications']);
    expect(d.store.engagements.get('generic:a')?.engagement).toMatchObject({ intents: ['legal_risk'] });
    expect(d.store.audits[0]?.rules).toContain('legal-threats');
    expect(seen).toEqual(['Thanks, lovely day']);
  });
});
