import { loadConfig } from '#core/config/load-config.js';
import type { Engagement } from '#core/engagement/engagement.schema.js';
import { placeInCase } from '#core/lifecycle/cases.js';
import { reportStatus } from '#core/lifecycle/report-status.js';
import { createRouter } from '#core/routing/router.js';
import { MemoryCaseStore } from '#test-support/memory-case-store.js';

const loaded = loadConfig('config/switchboard.yaml');
const { config } = loaded;
const router = createRouter(loaded);
let clock = Date.parse('2026-12-06T10:00:00.000Z');
const now = () => new Date(clock);

/** An engagement as routing leaves it (the rules' decision), from a customer in a conversation. */
function engagement(id: string, text: string, thread: Engagement['thread'], author = 'cust-1'): Engagement {
  const base = {
    id: `x:${id}`,
    platform: 'x' as const,
    kind: 'reply' as const,
    externalId: id,
    text,
    language: 'en',
    createdAt: now().toISOString(),
    receivedAt: now().toISOString(),
    author: { id: author, handle: author, name: author },
    intents: [],
    keywords: text.toLowerCase().split(/\W+/).filter(Boolean),
    ...(thread ? { thread } : {}),
  };
  return { ...base, routing: router.route(base) };
}

/** Routes and stores an engagement the way the process function does. */
async function arrive(store: MemoryCaseStore, e: Engagement) {
  const decision = { at: now().toISOString(), deliveryId: 'm', reasons: [] };
  const placed = await placeInCase(e, { store, config, now });
  if (!placed) {
    store.store(e, decision);
    return { engagement: e, audit: undefined };
  }
  expect(await store.saveInCase(placed.engagement, { ...decision, case: placed.audit }, placed.write)).toBe('created');
  return placed;
}
const report = (
  store: MemoryCaseStore,
  engagementId: string,
  department: string,
  status: 'resolved' | 'acknowledged',
) =>
  reportStatus(
    { engagementId, department, status, reportId: `${engagementId}-${status}` },
    { store: store.lifecycle, now, departments: config.departments },
  );

describe('cases', () => {
  it('keeps an engagement outside any conversation out of cases', async () => {
    const store = new MemoryCaseStore();
    expect(
      await placeInCase(engagement('1', 'my order never arrived', undefined), { store, config, now }),
    ).toBeUndefined();
  });

  it('sends a follow-up of an open case to the department holding it, not where the rules alone would', async () => {
    const store = new MemoryCaseStore();
    const first = await arrive(store, engagement('1', 'my order never arrived', { conversationId: 'c1' }));
    expect(first.engagement.routing.departments).toEqual(['customer-care']);
    expect(first.audit).toMatchObject({ id: 'x:c1#cust-1', mode: 'opened' });
    // "thanks, any news?" matches no rule: alone it would go to the default department.
    const next = await arrive(store, engagement('2', 'thanks, any news?', { conversationId: 'c1' }));
    expect(next.engagement.routing.departments).toEqual(['customer-care']);
    expect(next.audit).toEqual({ id: 'x:c1#cust-1', mode: 'sticky', holders: ['customer-care'] });
    // Another customer in the same thread has a case of their own.
    const other = await arrive(store, engagement('3', 'thanks, any news?', { conversationId: 'c1' }, 'cust-2'));
    expect(other.engagement.routing.departments).toEqual(['communications']);
    expect(other.audit).toMatchObject({ id: 'x:c1#cust-2', mode: 'opened' });
  });

  it('reopens a resolved case with the same department, and finds it through the reply chain too', async () => {
    const store = new MemoryCaseStore();
    await arrive(store, engagement('10', 'my refund never came', undefined));
    // A reply to that engagement by the same customer: the first is the case's start (read once).
    const readParent = store.readParent.bind(store);
    let parentReads = 0;
    store.readParent = (id) => (parentReads++, readParent(id));
    const reply = await arrive(store, engagement('11', 'hello??', { parentId: '10' }));
    expect(parentReads).toBe(1);
    expect(reply.engagement.routing.departments).toEqual(['customer-care']);
    expect(reply.audit).toMatchObject({ mode: 'sticky', holders: ['customer-care'] });
    await report(store, 'x:11', 'customer-care', 'resolved');
    clock += 60_000;
    const again = await arrive(store, engagement('12', 'it happened again', { parentId: '11' }));
    expect(again.audit).toEqual({ id: 'x:10#cust-1', mode: 'reopened', holders: ['customer-care'] });
    expect(again.engagement.routing.departments).toEqual(['customer-care']);
    expect((await store.lifecycle.read('x:11', 'customer-care'))?.state).toBe('reopened');
    expect(store.lifecycle.events.at(-1)?.detail).toMatchObject({
      engagementId: 'x:11',
      department: 'customer-care',
      from: 'resolved',
      to: 'reopened',
    });
    // The SLA due time is the holder's, counted from the follow-up.
    expect(again.engagement.routing.slaDueAt).toBe(new Date(clock + 3_600_000).toISOString());
  });

  it('lets a sticky: false rule add its departments to a follow-up (a legal threat reaches legal), and says so', async () => {
    const store = new MemoryCaseStore();
    await arrive(store, engagement('20', 'where is my delivery', { conversationId: 'c2' }));
    const threat = await arrive(store, engagement('21', 'my lawyer will sue you', { conversationId: 'c2' }));
    expect(threat.engagement.routing.departments).toEqual(['customer-care', 'legal', 'communications']);
    expect(threat.engagement.routing.priority).toBe('urgent');
    expect(threat.audit).toMatchObject({ mode: 'sticky', holders: ['customer-care'], overriddenBy: ['legal-threats'] });
  });

  it('places a follow-up again when its case changed under it', async () => {
    const store = new MemoryCaseStore();
    await arrive(store, engagement('30', 'my order never arrived', { conversationId: 'c3' }));
    const placed = (await placeInCase(engagement('31', 'any news?', { conversationId: 'c3' }), {
      store,
      config,
      now,
    }))!;
    await arrive(store, engagement('32', 'hello?', { conversationId: 'c3' }));
    expect(
      await store.saveInCase(
        placed.engagement,
        { at: now().toISOString(), deliveryId: 'm', reasons: [] },
        placed.write,
      ),
    ).toBe('conflict');
  });

  it('routes a follow-up afresh once the conversation is older than cases.window (30 days by default)', async () => {
    const store = new MemoryCaseStore();
    await arrive(store, engagement('40', 'my order never arrived', { conversationId: 'c4' }));
    clock += 31 * 86_400_000;
    const late = await arrive(store, engagement('41', 'lovely sunset today', { conversationId: 'c4' }));
    expect(late.audit).toEqual({ id: 'x:c4#cust-1', mode: 'opened', holders: [] });
    expect(late.engagement.routing.departments).toEqual(['communications']);
    // The case starts again from this engagement: the next follow-up sticks to its department.
    clock += 60_000;
    const next = await arrive(store, engagement('42', 'hello?', { conversationId: 'c4' }));
    expect(next.audit).toMatchObject({ mode: 'sticky', holders: ['communications'] });
    expect(store.cases.get('x:c4#cust-1')?.engagements).toEqual(['x:41', 'x:42']);
  });
});
