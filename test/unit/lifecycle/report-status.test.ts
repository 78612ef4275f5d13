import { newAssignment, type StatusReport } from '#core/assignments/assignment.js';
import { reportStatus } from '#core/lifecycle/report-status.js';
import { MemoryAssignmentStore } from '#test-support/memory-assignment-store.js';

const now = () => new Date('2026-12-01T12:00:00.000Z');
const report = (status: StatusReport['status'], reportId: string, extra: Partial<StatusReport> = {}): StatusReport => ({
  engagementId: 'x:1',
  department: 'care',
  status,
  reportId,
  ...extra,
});
function routed() {
  const store = new MemoryAssignmentStore();
  store.routed.set('x:1', { departments: ['care'], at: '2026-12-01T10:00:00.000Z' });
  return store;
}

describe('reporting a status', () => {
  it('applies a report and answers 200 with the state and version, telling onChange once', async () => {
    const store = routed();
    const changes: string[] = [];
    const deps = {
      store,
      now,
      onChange: async (c: { from: string; to: string }) => void changes.push(`${c.from}→${c.to}`),
    };
    expect(await reportStatus(report('acknowledged', 'r1'), deps)).toEqual({
      statusCode: 200,
      body: { engagementId: 'x:1', department: 'care', status: 'acknowledged', version: 2 },
    });
    expect(await reportStatus(report('acknowledged', 'r1'), deps)).toMatchObject({
      statusCode: 200,
      body: { version: 2 },
    });
    expect(changes).toEqual(['new→acknowledged']);
  });

  it('answers 404 for an engagement not routed to the department, 400 for a report it cannot read', async () => {
    const store = routed();
    expect(await reportStatus(report('acknowledged', 'r1', { department: 'sales' }), { store, now })).toMatchObject({
      statusCode: 404,
      body: { error: 'unknown_engagement' },
    });
    expect(await reportStatus(report('rerouted', 'r2'), { store, now })).toMatchObject({
      statusCode: 400,
      body: { error: 'malformed_report' },
    });
  });

  it('answers 409 with from, to and the allowed statuses', async () => {
    const store = routed();
    await reportStatus(report('responded', 'r1'), { store, now });
    expect(await reportStatus(report('acknowledged', 'r2'), { store, now })).toEqual({
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
  });

  it('applies a report again to what a concurrent writer stored, instead of overwriting it', async () => {
    const store = routed();
    let raced = false;
    store.beforeSave = () => {
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
      await reportStatus(report('acknowledged', 'r1', { at: '2026-12-01T11:30:00.000Z' }), { store, now }),
    ).toMatchObject({
      statusCode: 409,
      body: { from: 'resolved', to: 'acknowledged' },
    });
    expect(store.items.get('x:1|care')!.state).toBe('resolved');
  });
});
