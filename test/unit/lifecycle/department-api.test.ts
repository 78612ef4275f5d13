import type { Department } from '#core/config/config.schema.js';
import { handleStatusRequest } from '#core/lifecycle/department-api.js';
import { EarlyTimerError, type StatusRejection, handleTrackerMessage } from '#core/lifecycle/track-lifecycle.js';
import type { SlaTimer } from '#core/lifecycle/ports/sla-timers.js';
import { MemoryLifecycleStore } from '#test-support/memory-lifecycle-store.js';

const departments: Department[] = [
  { id: 'care', name: 'Care', sla: { firstResponse: 'PT1H' } },
  { id: 'sales', name: 'Sales' },
];
function setUp() {
  const store = new MemoryLifecycleStore();
  store.routed.set('x:1', { departments: ['care'], at: '2026-12-01T10:00:00.000Z' });
  const started: SlaTimer[] = [];
  const rejected: StatusRejection[] = [];
  const deps = {
    store,
    departments,
    now: () => new Date('2026-12-01T10:30:00.000Z'),
    statusTokens: async () => ({ care: 'care-token', sales: 'sales-token', legal: '' }),
    timers: { start: async (t: SlaTimer[]) => void started.push(...t), cancel: async () => undefined },
    reject: async (r: StatusRejection) => void rejected.push(r),
  };
  return { store, deps, started, rejected };
}
const body = (b: object) => JSON.stringify(b);

describe('the department API', () => {
  it('answers 401 without a token or with one no department has (an empty token matches nothing)', async () => {
    const { deps } = setUp();
    for (const authorization of [undefined, 'care-token', 'Bearer nope', 'Bearer ', 'Basic care-token'])
      expect(await handleStatusRequest({ department: 'care', authorization, body: '{}' }, deps)).toMatchObject({
        statusCode: 401,
        body: { error: 'unauthorized' },
      });
    expect(
      await handleStatusRequest({ department: 'legal', authorization: 'Bearer ', body: '{}' }, deps),
    ).toMatchObject({ statusCode: 401 });
  });

  it('answers 403 to another department’s token, whatever the body says', async () => {
    const { deps, store } = setUp();
    const report = body({ engagementId: 'x:1', status: 'resolved', reportId: 'r1' });
    expect(
      await handleStatusRequest({ department: 'care', authorization: 'Bearer sales-token', body: report }, deps),
    ).toMatchObject({ statusCode: 403, body: { error: 'forbidden' } });
    expect(store.events).toEqual([]);
  });

  it('answers 400 naming what is wrong with the body, and applies a good report', async () => {
    const { deps, store } = setUp();
    const auth = { department: 'care', authorization: 'bearer care-token' };
    expect(await handleStatusRequest({ ...auth, body: 'not json' }, deps)).toMatchObject({
      statusCode: 400,
      body: { error: 'invalid_json' },
    });
    const bad = await handleStatusRequest({ ...auth, body: body({ engagementId: 'x:1', status: 'closed' }) }, deps);
    expect(bad).toMatchObject({ statusCode: 400, body: { error: 'malformed_report' } });
    expect((bad.body as { message: string }).message).toMatch(/status: .*reportId: /);
    // The department comes from the token: a "department" field in the body is refused, not believed.
    expect(
      await handleStatusRequest(
        { ...auth, body: body({ engagementId: 'x:1', status: 'resolved', reportId: 'r1', department: 'sales' }) },
        deps,
      ),
    ).toMatchObject({ statusCode: 400 });
    expect(
      await handleStatusRequest(
        { ...auth, body: body({ engagementId: 'x:1', status: 'resolved', reportId: 'r1' }) },
        deps,
      ),
    ).toEqual({ statusCode: 200, body: { engagementId: 'x:1', department: 'care', status: 'resolved', version: 2 } });
    expect(store.events).toHaveLength(1);
  });
});

describe('the tracker', () => {
  const envelope = (source: string, detailType: string, detail: unknown) =>
    JSON.stringify({ version: '0', id: 'e1', source, 'detail-type': detailType, detail });

  it('applies a report from the bus, and sends one it refuses back as "Status Rejected" with the reason', async () => {
    const { deps, rejected, store } = setUp();
    const source = 'switchboard.department.care';
    expect(
      await handleTrackerMessage(
        envelope(source, 'Status Reported', { engagementId: 'x:1', status: 'resolved', reportId: 'b1' }),
        deps,
      ),
    ).toEqual({ kind: 'status-reported', statusCode: 200 });
    expect(
      await handleTrackerMessage(
        envelope(source, 'Status Reported', { engagementId: 'x:1', status: 'acknowledged', reportId: 'b2' }),
        deps,
      ),
    ).toEqual({ kind: 'status-reported', statusCode: 409 });
    await handleTrackerMessage(envelope(source, 'Status Reported', { engagementId: 'x:2', status: 'x' }), deps);
    expect(rejected).toEqual([
      {
        reportId: 'b2',
        engagementId: 'x:1',
        department: 'care',
        reason:
          'An assignment in state "resolved" cannot become "acknowledged"; allowed: none (it is final for the department).',
      },
      { reportId: '', engagementId: 'x:2', department: 'care', reason: expect.stringMatching(/^status: .*reportId: /) },
    ]);
    expect(store.events.map((e) => e.detail.to)).toEqual(['resolved']);
  });

  it('starts SLA timers for a routed engagement and handles a fired timer; ignores anything else', async () => {
    const { deps, started } = setUp();
    const engagement = {
      id: 'x:1',
      receivedAt: '2026-12-01T10:00:00.000Z',
      routing: { departments: ['care', 'sales'], rules: [], priority: 'normal', configVersion: 'v1' },
    };
    expect(await handleTrackerMessage(envelope('switchboard', 'Engagement Routed', engagement), deps)).toEqual({
      kind: 'engagement-routed',
      timers: 1,
    });
    expect(started).toEqual([
      { engagementId: 'x:1', department: 'care', sla: 'firstResponse', dueAt: '2026-12-01T11:00:00.000Z' },
    ]);
    // Fired before its deadline: the message fails, so SQS offers it again (its schedule is gone).
    await expect(handleTrackerMessage(JSON.stringify({ slaDue: started[0] }), deps)).rejects.toThrow(EarlyTimerError);
    expect(await handleTrackerMessage('nope', deps)).toMatchObject({ kind: 'ignored' });
    expect(await handleTrackerMessage(envelope('someone', 'Engagement Routed', engagement), deps)).toMatchObject({
      kind: 'ignored',
    });
  });
});
