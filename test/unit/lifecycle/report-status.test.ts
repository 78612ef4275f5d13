import { newAssignment, type StatusReport } from '#core/assignments/assignment.js';
import type { Department } from '#core/config/config.schema.js';
import type { Engagement } from '#core/engagement/engagement.schema.js';
import { MAX_ANSWERS, reportStatus } from '#core/lifecycle/report-status.js';
import { MemoryLifecycleStore } from '#test-support/memory-lifecycle-store.js';

const now = () => new Date('2026-12-01T12:00:00.000Z');
const departments: Department[] = [
  { id: 'care', name: 'Care', sla: { firstResponse: 'PT1H' } },
  { id: 'legal', name: 'Legal', sla: { firstResponse: 'PT30M' } },
  { id: 'sales', name: 'Sales' },
];
const report = (status: StatusReport['status'], reportId: string, extra: Partial<StatusReport> = {}): StatusReport => ({
  engagementId: 'x:1',
  department: 'care',
  status,
  reportId,
  ...extra,
});
const engagement: Engagement = {
  id: 'x:1',
  platform: 'x',
  kind: 'mention',
  externalId: '1',
  text: 'we will see you in court',
  language: 'en',
  createdAt: '2026-12-01T09:59:00.000Z',
  receivedAt: '2026-12-01T10:00:00.000Z',
  author: { id: 'a', handle: 'h', name: 'n' },
  intents: ['legal_risk'],
  keywords: ['court'],
  routing: {
    departments: ['care'],
    rules: ['care-orders'],
    priority: 'high',
    configVersion: 'v1',
    slaDueAt: '2026-12-01T11:00:00.000Z',
  },
};
function routed() {
  const store = new MemoryLifecycleStore();
  store.routed.set('x:1', { departments: ['care'], at: '2026-12-01T10:00:00.000Z' });
  store.engagements.set('x:1', engagement);
  return store;
}
const depsOf = (store: MemoryLifecycleStore, extra = {}) => ({ store, now, departments, ...extra });

describe('reporting a status', () => {
  it('applies a report and answers 200 with the state and version, storing one "Engagement Status Changed"', async () => {
    const store = routed();
    expect(await reportStatus(report('acknowledged', 'r1', { actor: { id: 'u1' } }), depsOf(store))).toEqual({
      statusCode: 200,
      body: { engagementId: 'x:1', department: 'care', status: 'acknowledged', version: 2 },
    });
    // A repeat answers the same and changes nothing.
    expect(await reportStatus(report('acknowledged', 'r1'), depsOf(store))).toMatchObject({
      statusCode: 200,
      body: { version: 2 },
    });
    expect(store.events.map((e) => [e.detailType, e.detail])).toEqual([
      [
        'Engagement Status Changed',
        {
          engagementId: 'x:1',
          department: 'care',
          from: 'new',
          to: 'acknowledged',
          at: '2026-12-01T12:00:00.000Z',
          reportId: 'r1',
          actor: { id: 'u1' },
        },
      ],
    ]);
  });

  it('answers 404 for an engagement not routed to the department, 400 for a report it cannot read', async () => {
    const store = routed();
    expect(await reportStatus(report('acknowledged', 'r1', { department: 'sales' }), depsOf(store))).toMatchObject({
      statusCode: 404,
      body: { error: 'unknown_engagement' },
    });
    expect(await reportStatus(report('rerouted', 'r2'), depsOf(store))).toMatchObject({
      statusCode: 400,
      body: { error: 'malformed_report' },
    });
    expect(await reportStatus(report('rerouted', 'r3', { to: 'nobody' }), depsOf(store))).toMatchObject({
      statusCode: 400,
      body: { error: 'unknown_department' },
    });
    expect(store.events).toEqual([]);
  });

  it('answers 409 with from, to and the allowed statuses, and publishes nothing', async () => {
    const store = routed();
    await reportStatus(report('responded', 'r1'), depsOf(store));
    expect(await reportStatus(report('acknowledged', 'r2'), depsOf(store))).toEqual({
      statusCode: 409,
      body: {
        error: 'transition_not_allowed',
        message:
          'An assignment in state "responded" cannot become "acknowledged"; allowed: resolved, dismissed, rerouted.',
        from: 'responded',
        to: 'acknowledged',
        allowed: ['resolved', 'dismissed', 'rerouted'],
      },
    });
    expect(store.events).toHaveLength(1);
  });

  it('hands a rerouted engagement to the target: a new assignment and a delivery with routing.reroutedFrom', async () => {
    const store = routed();
    const cancelled: string[] = [];
    const timers = {
      start: async () => undefined,
      cancel: async (ts: { sla: string }[]) => void cancelled.push(...ts.map((t) => t.sla)),
    };
    expect(
      await reportStatus(report('rerouted', 'r1', { to: 'legal', note: 'legal threat' }), depsOf(store, { timers })),
    ).toMatchObject({ statusCode: 200, body: { status: 'rerouted', version: 2 } });
    expect(await store.read('x:1', 'legal')).toMatchObject({
      state: 'new',
      reroutedFrom: 'care',
      routedAt: '2026-12-01T12:00:00.000Z',
    });
    const delivery = store.events.find((e) => e.detailType === 'Engagement Routed')!;
    expect(delivery.detail.routing).toEqual({
      departments: ['legal'],
      rules: ['care-orders'],
      priority: 'high',
      configVersion: 'v1',
      // Legal's own first-response deadline, counted from the handover.
      slaDueAt: '2026-12-01T12:30:00.000Z',
      reroutedFrom: 'care',
    });
    expect(delivery.detail.text).toBe(engagement.text);
    // The care department's deadlines went with the engagement.
    expect(cancelled.sort()).toEqual(['firstResponse', 'resolution']);
    // Handed back to care, which had handed it on: care's assignment is reopened and care gets it
    // again, so someone always holds it. Its deadlines count from the handover, not the report's `at`.
    expect(
      await reportStatus(
        report('rerouted', 'r2', { department: 'legal', to: 'care', at: '2020-01-01T00:00:00.000Z' }),
        depsOf(store),
      ),
    ).toMatchObject({ statusCode: 200 });
    expect(await store.read('x:1', 'care')).toMatchObject({
      state: 'reopened',
      reroutedFrom: 'legal',
      routedAt: '2026-12-01T12:00:00.000Z',
    });
    expect(store.events.filter((e) => e.detailType === 'Engagement Routed').map((e) => e.detail.routing)).toEqual([
      expect.objectContaining({ departments: ['legal'], reroutedFrom: 'care' }),
      expect.objectContaining({ departments: ['care'], reroutedFrom: 'legal', slaDueAt: '2026-12-01T13:00:00.000Z' }),
    ]);
  });

  it('delivers nothing twice to a department that holds the engagement and is still on it', async () => {
    const store = routed();
    store.routed.set('x:1', { departments: ['care', 'legal'], at: '2026-12-01T10:00:00.000Z' });
    await reportStatus(report('rerouted', 'r1', { to: 'legal' }), depsOf(store));
    expect(store.events.map((e) => e.detailType)).toEqual(['Engagement Status Changed']);
  });

  it('refuses new report ids past what an assignment keeps (429), still answering repeats', async () => {
    const store = routed();
    for (let i = 0; i < MAX_ANSWERS; i++) await reportStatus(report('dismissed', `r${i}`), depsOf(store));
    expect(await reportStatus(report('dismissed', 'one-more'), depsOf(store))).toMatchObject({
      statusCode: 429,
      body: { error: 'too_many_reports' },
    });
    expect(await reportStatus(report('dismissed', 'r0'), depsOf(store))).toMatchObject({ statusCode: 200 });
  });

  it('applies a report again to what a concurrent writer stored, instead of overwriting it', async () => {
    const store = routed();
    let raced = false;
    store.beforeCommit = () => {
      if (raced) return;
      raced = true;
      // Another report lands between this one's read and its write.
      store.items.set('x:1|care', {
        ...newAssignment('x:1', 'care', '2026-12-01T10:00:00.000Z'),
        state: 'resolved',
        version: 2,
        revision: 1,
        changedAt: '2026-12-01T11:00:00.000Z',
      });
    };
    expect(
      await reportStatus(report('acknowledged', 'r1', { at: '2026-12-01T11:30:00.000Z' }), depsOf(store)),
    ).toMatchObject({
      statusCode: 409,
      body: { from: 'resolved', to: 'acknowledged' },
    });
    expect(store.items.get('x:1|care')!.state).toBe('resolved');
    expect(store.events).toEqual([]);
  });
});
