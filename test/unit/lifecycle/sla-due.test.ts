import type { Department } from '#core/config/config.schema.js';
import type { Engagement } from '#core/engagement/engagement.schema.js';
import { reportStatus } from '#core/lifecycle/report-status.js';
import { slaDue } from '#core/lifecycle/sla-due.js';
import { trackRouted } from '#core/lifecycle/track-routed.js';
import type { SlaTimer } from '#core/lifecycle/ports/sla-timers.js';
import { MemoryLifecycleStore } from '#test-support/memory-lifecycle-store.js';

const departments: Department[] = [
  {
    id: 'care',
    name: 'Care',
    sla: { firstResponse: 'PT1H', resolution: 'P1D' },
    escalation: { to: 'comms', priority: 'urgent' },
  },
  { id: 'comms', name: 'Comms', sla: { firstResponse: 'PT15M' } },
  { id: 'sales', name: 'Sales' },
];
const engagement: Engagement = {
  id: 'x:1',
  platform: 'x',
  kind: 'mention',
  externalId: '1',
  text: 'still waiting for my refund',
  language: 'en',
  createdAt: '2026-12-01T09:59:00.000Z',
  receivedAt: '2026-12-01T10:00:00.000Z',
  author: { id: 'a', handle: 'h', name: 'n' },
  intents: ['complaint'],
  keywords: ['refund'],
  routing: { departments: ['care'], rules: ['refunds'], priority: 'normal', configVersion: 'v1' },
};
const due: SlaTimer = {
  engagementId: 'x:1',
  department: 'care',
  sla: 'firstResponse',
  dueAt: '2026-12-01T11:00:00.000Z',
};

function setUp(at = '2026-12-01T11:00:05.000Z') {
  const store = new MemoryLifecycleStore();
  store.routed.set('x:1', { departments: ['care'], at: engagement.receivedAt });
  store.engagements.set('x:1', engagement);
  let clock = new Date(at);
  const started: SlaTimer[] = [];
  const deps = {
    store,
    departments,
    now: () => clock,
    timers: { start: async (ts: SlaTimer[]) => void started.push(...ts), cancel: async () => undefined },
  };
  return { store, deps, started, setNow: (t: string) => (clock = new Date(t)) };
}

describe('SLA deadlines', () => {
  it('start at routing for each department with an SLA, counted from receivedAt', async () => {
    const { deps, started } = setUp('2026-12-01T10:00:01.000Z');
    await trackRouted({ ...engagement, routing: { ...engagement.routing, departments: ['care', 'sales'] } }, deps);
    expect(started).toEqual([
      { ...due },
      { engagementId: 'x:1', department: 'care', sla: 'resolution', dueAt: '2026-12-02T10:00:00.000Z' },
    ]);
  });

  it('a missed deadline is published once, escalates the assignment and delivers to escalation.to', async () => {
    const { store, deps } = setUp();
    expect(await slaDue(due, deps)).toBe('breached');
    // The timer firing again changes nothing.
    expect(await slaDue(due, deps)).toBe('already-breached');
    expect(store.events.map((e) => e.detailType)).toEqual([
      'SLA Breached',
      'Engagement Status Changed',
      'Engagement Routed',
    ]);
    expect(store.events[0]!.detail).toEqual({
      engagementId: 'x:1',
      department: 'care',
      sla: 'firstResponse',
      dueAt: '2026-12-01T11:00:00.000Z',
      breachedAt: '2026-12-01T11:00:05.000Z',
      escalatedTo: 'comms',
    });
    expect(store.events[1]!.detail).toMatchObject({ from: 'new', to: 'escalated' });
    expect(store.events[2]!.detail.routing).toMatchObject({
      departments: ['comms'],
      priority: 'urgent',
      escalatedFrom: 'care',
      slaDueAt: '2026-12-01T11:15:05.000Z',
    });
    expect(await store.read('x:1', 'care')).toMatchObject({ state: 'escalated', version: 2 });
    expect(await store.read('x:1', 'comms')).toMatchObject({ state: 'new', escalatedFrom: 'care' });
  });

  it('a later resolution breach is published too, without a second escalation delivery', async () => {
    const { store, deps, setNow } = setUp();
    await slaDue(due, deps);
    setNow('2026-12-02T10:00:01.000Z');
    expect(await slaDue({ ...due, sla: 'resolution', dueAt: '2026-12-02T10:00:00.000Z' }, deps)).toBe('breached');
    expect(store.events.map((e) => e.detailType)).toEqual([
      'SLA Breached',
      'Engagement Status Changed',
      'Engagement Routed',
      'SLA Breached',
    ]);
  });

  it('a met deadline breaches nothing: responded meets first response, acknowledged does not', async () => {
    const { store, deps } = setUp('2026-12-01T10:30:00.000Z');
    await reportStatus({ engagementId: 'x:1', department: 'care', status: 'acknowledged', reportId: 'r1' }, deps);
    await reportStatus({ engagementId: 'x:1', department: 'care', status: 'responded', reportId: 'r2' }, deps);
    expect(await slaDue({ ...due }, { ...deps, now: () => new Date('2026-12-01T11:00:01.000Z') })).toBe('met');
    const resolution = { ...due, sla: 'resolution' as const, dueAt: '2026-12-02T10:00:00.000Z' };
    expect(await slaDue(resolution, { ...deps, now: () => new Date('2026-12-02T10:00:01.000Z') })).toBe('breached');
    expect(store.events.filter((e) => e.detailType === 'SLA Breached')).toHaveLength(1);
  });

  it('a timer that fires early is not a breach, and an escalation delivery starts the target’s own deadlines', async () => {
    const { deps, started, store } = setUp('2026-12-01T10:59:00.000Z');
    expect(await slaDue(due, deps)).toBe('not-due');
    deps.now = () => new Date('2026-12-01T11:00:05.000Z');
    await slaDue(due, deps);
    const delivery = store.events.find((e) => e.detailType === 'Engagement Routed')!.detail as unknown as Engagement;
    await trackRouted(delivery, deps);
    expect(started).toEqual([
      { engagementId: 'x:1', department: 'comms', sla: 'firstResponse', dueAt: '2026-12-01T11:15:05.000Z' },
    ]);
  });
});
